-- Push devices are authenticators (factor 'push'); these are what enrolling and signing in with
-- one needs beside them.

-- One-time enrolment codes, stored only as keyed hashes; taken (deleted) when a device uses one.
CREATE TABLE push_enrolments (
    code_hash        BLOB PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX push_enrolments_by_authenticator ON push_enrolments (authenticator_id);

-- Push approvals a sign-in waits on. state: pending, approved, denied, wrong_number, expired
-- (a pending one past its expiry, set when the next one starts so the index below holds).
CREATE TABLE push_exchanges (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    session_id       TEXT NOT NULL,
    number           INTEGER NOT NULL,
    state            TEXT NOT NULL,
    user_verified    INTEGER NOT NULL DEFAULT 0,
    app              TEXT,
    client_ip        TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    answered_at      INTEGER
);
-- One pending push per user, however many sessions ask at once.
CREATE UNIQUE INDEX push_exchanges_one_pending ON push_exchanges (user_id) WHERE state = 'pending';
CREATE INDEX push_exchanges_by_user ON push_exchanges (user_id, created_at);
CREATE INDEX push_exchanges_by_device ON push_exchanges (authenticator_id, state);

-- The latest fatigue pause per user, so its event is written once per pause.
CREATE TABLE push_pauses (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    paused_until INTEGER NOT NULL
);
