-- Codes sent by SMS or email, and the sends the quotas count.
CREATE TABLE challenges (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    destination   TEXT NOT NULL,
    code_hash     BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts_left BIGINT NOT NULL
);
CREATE INDEX challenges_by_user ON challenges (user_id, channel, purpose);

CREATE TABLE sends (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    key       TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX sends_by_key ON sends (tenant_id, scope, key, at);
CREATE INDEX sends_by_time ON sends (at);
