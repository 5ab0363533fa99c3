-- OAuth clients. The secret is a keyed hash; redirect URIs and MFA policy are JSON.
CREATE TABLE apps (
    client_id     TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    public        BIGINT NOT NULL,
    secret_hash   BYTEA,
    redirect_uris TEXT NOT NULL,
    login_url     TEXT,
    mfa           TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX apps_by_tenant ON apps (tenant_id, created_at);
