-- Admin tokens get an id to be listed and revoked by (never by their hash), an optional name,
-- and when they were last used. Tokens made before this get a random id.
ALTER TABLE admin_tokens ADD COLUMN id TEXT;
ALTER TABLE admin_tokens ADD COLUMN name TEXT;
ALTER TABLE admin_tokens ADD COLUMN last_used_at INTEGER;
UPDATE admin_tokens SET id = lower(hex(randomblob(16))) WHERE id IS NULL;
CREATE UNIQUE INDEX admin_tokens_by_id ON admin_tokens (id);
CREATE INDEX admin_tokens_by_tenant ON admin_tokens (tenant_id, created_at);
