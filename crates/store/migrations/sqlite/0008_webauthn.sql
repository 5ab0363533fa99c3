-- WebAuthn ceremony state, server-side: single use, with an expiry. A discoverable (passkey)
-- sign-in has no user yet, so this is a table of its own beside the code challenges.
CREATE TABLE webauthn_ceremonies (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    purpose          TEXT NOT NULL,
    session_id       TEXT,
    user_id          TEXT,
    authenticator_id TEXT,
    state            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_session ON webauthn_ceremonies (session_id);
CREATE INDEX webauthn_ceremonies_by_authenticator ON webauthn_ceremonies (authenticator_id);
-- Every new ceremony sweeps out the expired ones.
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);
