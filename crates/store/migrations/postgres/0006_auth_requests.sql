-- Authorization requests waiting for a session to satisfy them.
CREATE TABLE auth_requests (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    client_id      TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    state          TEXT,
    nonce          TEXT,
    code_challenge TEXT,
    acr_values     TEXT NOT NULL,
    max_age        BIGINT,
    prompt         TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
