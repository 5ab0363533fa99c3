-- Keys that sign ID and access tokens. The private key is sealed; retired keys stay published
-- until the tokens they signed have expired.
CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    alg            TEXT NOT NULL,
    sealed_private BYTEA NOT NULL,
    public_jwk     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);
CREATE INDEX signing_keys_by_tenant ON signing_keys (tenant_id, created_at);
