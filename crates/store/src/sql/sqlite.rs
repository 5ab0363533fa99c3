//! SQLite: the embedded default. WAL so readers never wait for the writer.

use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

use super::migration;

pub(super) fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        migration(
            1,
            "init",
            include_str!("../../migrations/sqlite/0001_init.sql"),
        ),
        migration(
            2,
            "challenges",
            include_str!("../../migrations/sqlite/0002_challenges.sql"),
        ),
        migration(
            3,
            "user language",
            include_str!("../../migrations/sqlite/0003_user_language.sql"),
        ),
        migration(
            4,
            "apps",
            include_str!("../../migrations/sqlite/0004_apps.sql"),
        ),
        migration(
            5,
            "signing keys",
            include_str!("../../migrations/sqlite/0005_signing_keys.sql"),
        ),
        migration(
            6,
            "auth requests",
            include_str!("../../migrations/sqlite/0006_auth_requests.sql"),
        ),
        migration(
            7,
            "oidc",
            include_str!("../../migrations/sqlite/0007_oidc.sql"),
        ),
        migration(
            8,
            "webauthn",
            include_str!("../../migrations/sqlite/0008_webauthn.sql"),
        ),
        migration(
            9,
            "admin token ids",
            include_str!("../../migrations/sqlite/0009_admin_token_ids.sql"),
        ),
        migration(
            10,
            "login throttle",
            include_str!("../../migrations/sqlite/0010_login_throttle.sql"),
        ),
        migration(
            11,
            "password throttle pruning",
            include_str!("../../migrations/sqlite/0011_password_throttle_pruning.sql"),
        ),
    ])
}

pub(super) fn configure(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_connect(|conn, _meta| {
        Box::pin(async move {
            // NORMAL is durable in WAL mode except for the last commits on power loss.
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .await?;
            Ok(())
        })
    })
}
