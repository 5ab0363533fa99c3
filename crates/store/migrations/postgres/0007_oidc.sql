-- The OpenID provider: auth requests bound to the session answering them, grants with their one
-- authorization code, rotating refresh tokens, and what risk scoring remembers.
ALTER TABLE auth_requests ADD COLUMN session_id TEXT;
ALTER TABLE auth_requests ADD COLUMN consumed_at BIGINT;
ALTER TABLE sessions ADD COLUMN risk TEXT;

CREATE TABLE grants (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    client_id       TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id      TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    auth_time       BIGINT NOT NULL,
    amr             TEXT NOT NULL,
    acr             TEXT NOT NULL,
    code_hash       BYTEA NOT NULL,
    code_expires_at BIGINT NOT NULL,
    code_used_at    BIGINT,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE UNIQUE INDEX grants_by_code ON grants (code_hash);
CREATE INDEX grants_by_user ON grants (user_id);
-- Signing out revokes the session's grants.
CREATE INDEX grants_by_session ON grants (session_id);

CREATE TABLE refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);

CREATE TABLE devices (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id),
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash            BYTEA NOT NULL,
    trusted_until         BIGINT,
    last_second_factor_at BIGINT,
    created_at            BIGINT NOT NULL,
    last_seen_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX devices_by_token ON devices (token_hash);
CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE user_networks (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    network      TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, network)
);
