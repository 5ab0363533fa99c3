-- Times are Unix seconds; booleans are 0/1 (BIGINT, as in SQLite, so one set of queries serves both); ids are opaque text.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    username         TEXT NOT NULL,
    email            TEXT,
    email_verified   BIGINT NOT NULL DEFAULT 0,
    phone            TEXT,
    phone_verified   BIGINT NOT NULL DEFAULT 0,
    password_hash    TEXT,
    mfa_enabled      BIGINT NOT NULL DEFAULT 0,
    required_factors TEXT NOT NULL DEFAULT '[]',
    sf_failures      BIGINT NOT NULL DEFAULT 0,
    sf_locked_until  BIGINT,
    pw_failures      BIGINT NOT NULL DEFAULT 0,
    pw_locked_until  BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (tenant_id, username)
);
CREATE INDEX users_by_email ON users (tenant_id, email);

CREATE TABLE authenticators (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    factor        TEXT NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    sealed_secret BYTEA,
    params        TEXT NOT NULL,
    last_step     BIGINT,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX authenticators_by_user ON authenticators (user_id);

CREATE TABLE backup_codes (
    authenticator_id TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    code_hash        BYTEA NOT NULL,
    used_at          BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    -- No foreign key: a session for an unknown login name carries a stand-in id.
    user_id         TEXT,
    token_hash      BYTEA NOT NULL,
    user_checked_at BIGINT,
    checks          TEXT NOT NULL,
    client_id       TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE UNIQUE INDEX sessions_by_token ON sessions (token_hash);

CREATE TABLE admin_tokens (
    token_hash BYTEA PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    created_at BIGINT NOT NULL
);

-- Append-only; no foreign keys so the record outlives what it describes.
CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    type       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    user_id    TEXT,
    session_id TEXT,
    ip         TEXT,
    detail     TEXT NOT NULL
);
CREATE INDEX events_by_user ON events (tenant_id, user_id, id);
