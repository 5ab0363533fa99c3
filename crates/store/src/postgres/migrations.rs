//! PostgreSQL's migrations, embedded in the binary and run by sqlx's migrator, so databases made
//! by earlier versions (the same `_sqlx_migrations` table) upgrade in place.

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

fn migration(version: i64, description: &'static str, sql: &'static str) -> Migration {
    Migration::new(
        version,
        Cow::Borrowed(description),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        false,
    )
}

pub(super) fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        migration(
            1,
            "init",
            include_str!("../../migrations/postgres/0001_init.sql"),
        ),
        migration(
            2,
            "challenges",
            include_str!("../../migrations/postgres/0002_challenges.sql"),
        ),
        migration(
            3,
            "user language",
            include_str!("../../migrations/postgres/0003_user_language.sql"),
        ),
        migration(
            4,
            "apps",
            include_str!("../../migrations/postgres/0004_apps.sql"),
        ),
        migration(
            5,
            "signing keys",
            include_str!("../../migrations/postgres/0005_signing_keys.sql"),
        ),
        migration(
            6,
            "auth requests",
            include_str!("../../migrations/postgres/0006_auth_requests.sql"),
        ),
        migration(
            7,
            "oidc",
            include_str!("../../migrations/postgres/0007_oidc.sql"),
        ),
        migration(
            8,
            "webauthn",
            include_str!("../../migrations/postgres/0008_webauthn.sql"),
        ),
        migration(
            9,
            "admin token ids",
            include_str!("../../migrations/postgres/0009_admin_token_ids.sql"),
        ),
        migration(
            10,
            "login throttle",
            include_str!("../../migrations/postgres/0010_login_throttle.sql"),
        ),
        migration(
            11,
            "password throttle pruning",
            include_str!("../../migrations/postgres/0011_password_throttle_pruning.sql"),
        ),
        migration(
            12,
            "groups and contacts",
            include_str!("../../migrations/postgres/0012_groups_and_contacts.sql"),
        ),
        migration(
            13,
            "security questions",
            include_str!("../../migrations/postgres/0013_security_questions.sql"),
        ),
        migration(
            14,
            "push",
            include_str!("../../migrations/postgres/0014_push.sql"),
        ),
        migration(
            17,
            "lockout types",
            include_str!("../../migrations/postgres/0017_lockout_types.sql"),
        ),
    ])
}
