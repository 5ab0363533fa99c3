use twofold_core::user::User;

use super::SqlStore;
use super::rows::{self, flag, lock_to_column};
use crate::{StoreError, UserQuery};

/// The account-wide password run lives with the login throttle (`login_throttle.rs`): it is kept
/// for names nobody has too.
pub(super) const USER_COLUMNS: &str = "id, users.tenant_id AS tenant_id, username, email, email_verified, phone, phone_verified, language, password_hash, \
     mfa_enabled, required_factors, sf_failures, sf_run, sf_lockouts, sf_locked_until, \
     COALESCE(pw.failures, 0) AS pw_failures, COALESCE(pw.run, 0) AS pw_run, COALESCE(pw.lockouts, 0) AS pw_lockouts, \
     pw.locked_until AS pw_locked_until, created_at, users.updated_at AS updated_at";

/// The users table with its account-wide password run.
pub(super) const USERS: &str = "users LEFT JOIN password_throttles pw ON pw.tenant_id = users.tenant_id AND pw.subject = users.id AND pw.source = ''";

impl SqlStore {
    pub(super) async fn insert_user_row(&self, user: &User) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, tenant_id, username, email, email_verified, phone, phone_verified, password_hash, \
             mfa_enabled, required_factors, sf_failures, sf_locked_until, created_at, updated_at, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&user.id)
        .bind(&user.tenant_id)
        .bind(&user.username)
        .bind(&user.email)
        .bind(flag(user.email_verified))
        .bind(&user.phone)
        .bind(flag(user.phone_verified))
        .bind(&user.password_hash)
        .bind(flag(user.mfa_enabled))
        .bind(rows::json(&user.required_factors)?)
        .bind(i64::from(user.second_factor.failures))
        .bind(lock_to_column(user.second_factor.lock))
        .bind(user.created_at.0)
        .bind(user.updated_at.0)
        .bind(&user.language)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn user_row(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM {USERS} WHERE users.tenant_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    pub(super) async fn user_by_login_name_row(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM {USERS} WHERE users.tenant_id = $1 AND (username = $2 OR (email = $3 AND email_verified = 1)) \
             ORDER BY CASE WHEN username = $4 THEN 0 ELSE 1 END LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .bind(login_name)
            .bind(login_name)
            .bind(login_name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    pub(super) async fn user_rows(&self, q: &UserQuery) -> Result<Vec<User>, StoreError> {
        // A prefix compared with substr, not LIKE: no wildcards to escape, and SQLite's LIKE
        // would fold ASCII case where PostgreSQL's does not. Names are stored folded already.
        let search = q.search.clone().unwrap_or_default();
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM {USERS} WHERE users.tenant_id = $1 AND username > $2 \
             AND ($3 = '' OR substr(username, 1, CAST($4 AS INTEGER)) = $5 OR substr(email, 1, CAST($6 AS INTEGER)) = $7) \
             ORDER BY username LIMIT $8"
        );
        let chars = search.chars().count() as i64;
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&q.tenant_id)
            .bind(q.after.clone().unwrap_or_default())
            .bind(&search)
            .bind(chars)
            .bind(&search)
            .bind(chars)
            .bind(&search)
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(rows::user).collect()
    }

    pub(super) async fn update_user_row(&self, user: &User) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET email = $1, email_verified = $2, phone = $3, phone_verified = $4, password_hash = $5, \
             mfa_enabled = $6, required_factors = $7, updated_at = $8, language = $9 WHERE tenant_id = $10 AND id = $11",
        )
        .bind(&user.email)
        .bind(flag(user.email_verified))
        .bind(&user.phone)
        .bind(flag(user.phone_verified))
        .bind(&user.password_hash)
        .bind(flag(user.mfa_enabled))
        .bind(rows::json(&user.required_factors)?)
        .bind(user.updated_at.0)
        .bind(&user.language)
        .bind(&user.tenant_id)
        .bind(&user.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn delete_user_row(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM password_throttles WHERE tenant_id = $1 AND subject = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
