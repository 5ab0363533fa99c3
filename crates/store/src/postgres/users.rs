use async_trait::async_trait;
use twofold_core::user::User;

use super::PgStore;
use super::rows::{self, flag, json, lock_to_column};
use crate::{StoreError, UserQuery, Users};

/// A user with the account-wide password run, which lives with the login throttle
/// (`login_throttle.rs`) because it is kept for names nobody has too. Followed by a WHERE clause.
macro_rules! select_users {
    () => {
        "SELECT id, users.tenant_id AS tenant_id, username, email, email_verified, phone, \
         phone_verified, language, password_hash, mfa_enabled, required_factors, \
         sf_failures, sf_run, sf_lockouts, sf_locked_until, \
         COALESCE(pw.failures, 0) AS pw_failures, COALESCE(pw.run, 0) AS pw_run, \
         COALESCE(pw.lockouts, 0) AS pw_lockouts, pw.locked_until AS pw_locked_until, \
         created_at, users.updated_at AS updated_at \
         FROM users LEFT JOIN password_throttles pw \
         ON pw.tenant_id = users.tenant_id AND pw.subject = users.id AND pw.source = '' "
    };
}

#[async_trait]
impl Users for PgStore {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, tenant_id, username, email, email_verified, phone, phone_verified, \
             password_hash, mfa_enabled, required_factors, sf_failures, sf_locked_until, created_at, \
             updated_at, language) \
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
        .bind(json(&user.required_factors)?)
        .bind(i64::from(user.second_factor.failures))
        .bind(lock_to_column(user.second_factor.lock))
        .bind(user.created_at.0)
        .bind(user.updated_at.0)
        .bind(&user.language)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(concat!(
            select_users!(),
            "WHERE users.tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn user_by_login_name(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(concat!(
            select_users!(),
            "WHERE users.tenant_id = $1 AND (username = $2 OR (email = $2 AND email_verified = 1)) \
             ORDER BY username = $2 DESC LIMIT 1"
        ))
        .bind(tenant_id)
        .bind(login_name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn users(&self, q: &UserQuery) -> Result<Vec<User>, StoreError> {
        // A byte prefix (starts_with), not LIKE: no wildcards to escape. Names are stored folded.
        let found = sqlx::query(concat!(
            select_users!(),
            "WHERE users.tenant_id = $1 AND username > $2 \
             AND ($3 = '' OR starts_with(username, $3) OR starts_with(email, $3)) \
             ORDER BY username LIMIT $4"
        ))
        .bind(&q.tenant_id)
        .bind(q.after.as_deref().unwrap_or_default())
        .bind(q.search.as_deref().unwrap_or_default())
        .bind(i64::from(q.limit))
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(rows::user).collect()
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET email = $1, email_verified = $2, phone = $3, phone_verified = $4, \
             password_hash = $5, mfa_enabled = $6, required_factors = $7, updated_at = $8, language = $9 \
             WHERE tenant_id = $10 AND id = $11",
        )
        .bind(&user.email)
        .bind(flag(user.email_verified))
        .bind(&user.phone)
        .bind(flag(user.phone_verified))
        .bind(&user.password_hash)
        .bind(flag(user.mfa_enabled))
        .bind(json(&user.required_factors)?)
        .bind(user.updated_at.0)
        .bind(&user.language)
        .bind(&user.tenant_id)
        .bind(&user.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One statement: the sessions (which carry no foreign key, since an unknown name has a
    /// stand-in id) and the password throttles go with the user; the rest cascades.
    async fn delete_user(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "WITH sessions_gone AS (DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2), \
                  throttles_gone AS (DELETE FROM password_throttles WHERE tenant_id = $1 AND subject = $2) \
             DELETE FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
