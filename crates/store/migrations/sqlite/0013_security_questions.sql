-- Security questions: a user's answers, each an Argon2id hash of the normalised answer, belong to
-- their one `security-questions` authenticator, so a new set (a new authenticator) drops the old.
CREATE TABLE security_answers (
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    position         INTEGER NOT NULL,
    question_id      TEXT NOT NULL,
    -- A user's own question (`own-1`…) keeps its text; a catalogue question is only its id.
    question_text    TEXT,
    answer_hash      TEXT NOT NULL,
    PRIMARY KEY (authenticator_id, position)
);
CREATE INDEX security_answers_by_user ON security_answers (user_id);

-- The questions a check asks, one exchange per user, kept until a check is decided, so asking
-- again (from any session) never re-rolls towards easier questions.
CREATE TABLE security_question_exchanges (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL UNIQUE,
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    question_ids     TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
