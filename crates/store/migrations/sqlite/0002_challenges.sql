-- Codes sent by SMS or email, and the sends the quotas count.
CREATE TABLE challenges (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    destination   TEXT NOT NULL,
    code_hash     BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL
);
CREATE INDEX challenges_by_user ON challenges (user_id, channel, purpose);

CREATE TABLE sends (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    key       TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX sends_by_key ON sends (tenant_id, scope, key, at);
CREATE INDEX sends_by_time ON sends (at);
