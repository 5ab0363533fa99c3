-- Lockout types: failed unlock attempts (backup codes while locked) per lock, and the ALTCHA
-- challenges already spent, kept until they expire so a solved payload is used once.
ALTER TABLE users ADD COLUMN sf_unlock_failures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE spent_captchas (
    id         TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX spent_captchas_by_expiry ON spent_captchas (expires_at);
