//! PostgreSQL: the scale-out store. Any number of server nodes share one database.

use sqlx::any::AnyPoolOptions;
use sqlx::{AssertSqlSafe, Executor};

use super::migration;
use crate::StoreError;
use sqlx::migrate::Migrator;

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
    ])
}

/// Every connection creates (if needed) and uses `schema`. The name is checked, not quoted
/// blindly, because it becomes part of a statement.
pub(super) fn in_schema(
    options: AnyPoolOptions,
    schema: &str,
) -> Result<AnyPoolOptions, StoreError> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(StoreError::Unavailable(
            "schema must be lower-case letters, digits and _".to_owned(),
        ));
    }
    let statement = format!("CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}");
    Ok(options.after_connect(move |conn, _meta| {
        let statement = statement.clone();
        Box::pin(async move {
            conn.execute(AssertSqlSafe(statement)).await?;
            Ok(())
        })
    }))
}
