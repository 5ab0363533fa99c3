-- Groups carry an MFA policy (JSON) that every member is held to, on top of the tenant's, the
-- app's and the user's own. Names are unique in a tenant so an administrator can tell them apart.
CREATE TABLE user_groups (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    mfa        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);

-- Membership goes with either side: deleting a group or a user deletes it.
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- A user's further email addresses and phone numbers (the primary ones stay on `users`), each
-- with its own id, the `medium_id` a code challenge may name.
CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    value      TEXT NOT NULL,
    verified   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, channel, value)
);

-- Prompt mode: until when a user's skip of setting up a second factor holds.
CREATE TABLE mfa_setup_skips (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    skipped_until BIGINT NOT NULL
);
