-- The language messages to the user are written in (BCP 47), when known.
ALTER TABLE users ADD COLUMN language TEXT;
