-- Times are Unix seconds; booleans are 0/1; ids are opaque text.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    username         TEXT NOT NULL,
    email            TEXT,
    email_verified   INTEGER NOT NULL DEFAULT 0,
    phone            TEXT,
    phone_verified   INTEGER NOT NULL DEFAULT 0,
    password_hash    TEXT,
    mfa_enabled      INTEGER NOT NULL DEFAULT 0,
    required_factors TEXT NOT NULL DEFAULT '[]',
    sf_failures      INTEGER NOT NULL DEFAULT 0,
    sf_locked_until  INTEGER,
    pw_failures      INTEGER NOT NULL DEFAULT 0,
    pw_locked_until  INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (tenant_id, username)
);
CREATE INDEX users_by_email ON users (tenant_id, email);

CREATE TABLE authenticators (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    factor        TEXT NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    sealed_secret BLOB,
    params        TEXT NOT NULL,
    last_step     INTEGER,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX authenticators_by_user ON authenticators (user_id);

CREATE TABLE backup_codes (
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    code_hash        BLOB NOT NULL,
    used_at          INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    -- No foreign key: a session for an unknown login name carries a stand-in id.
    user_id         TEXT,
    token_hash      BLOB NOT NULL,
    user_checked_at INTEGER,
    checks          TEXT NOT NULL,
    client_id       TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE UNIQUE INDEX sessions_by_token ON sessions (token_hash);

CREATE TABLE admin_tokens (
    token_hash BLOB PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    created_at INTEGER NOT NULL
);

-- Append-only; no foreign keys so the record outlives what it describes.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL,
    type       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    user_id    TEXT,
    session_id TEXT,
    ip         TEXT,
    detail     TEXT NOT NULL
);
CREATE INDEX events_by_user ON events (tenant_id, user_id, id);
