-- Failed passwords per login name, known or not (subject: the user id, or the stand-in id of a
-- name nobody has), from one client address (source) and from anywhere (source '').
CREATE TABLE password_throttles (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    subject      TEXT NOT NULL,
    source       TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    run          INTEGER NOT NULL DEFAULT 0,
    lockouts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, subject, source)
);
-- An admin unlock clears every row of a user.
CREATE INDEX password_throttles_by_subject ON password_throttles (subject);

-- The account-wide password run moved to password_throttles, with the runs and locks it holds
-- (a lock in force, or a block until an admin unlocks, survives the upgrade).
INSERT INTO password_throttles (tenant_id, subject, source, failures, run, lockouts, locked_until, updated_at)
SELECT tenant_id, id, '', pw_failures, pw_failures,
       CASE WHEN pw_locked_until IS NULL THEN 0 ELSE 1 END, pw_locked_until, updated_at
FROM users WHERE pw_failures > 0 OR pw_locked_until IS NOT NULL;
ALTER TABLE users DROP COLUMN pw_failures;
ALTER TABLE users DROP COLUMN pw_locked_until;

-- Second factors: consecutive failures across suspensions, and how many suspensions they earned.
ALTER TABLE users ADD COLUMN sf_run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN sf_lockouts INTEGER NOT NULL DEFAULT 0;

-- The old default of ten failed passwords locked the account for everyone; the account-wide
-- ceiling is now 100 (per-source waits come first). A deliberately chosen other value stays.
UPDATE tenants SET settings = REPLACE(settings, '"password_max_attempts":10,', '"password_max_attempts":100,');
