use async_trait::async_trait;
use twofold_core::user::User;

use super::SqliteStore;
use super::rows::{self, all, execute, json, lock_to_column, one};
use crate::{StoreError, UserQuery, Users};

/// The user's columns with the account-wide password run, which lives with the login throttle
/// (`login_throttle.rs`) because it is kept for names nobody has too.
pub(super) const SELECT_USERS: &str = "SELECT id, users.tenant_id AS tenant_id, username, email, email_verified, \
     phone, phone_verified, language, password_hash, mfa_enabled, required_factors, \
     sf_failures, sf_run, sf_lockouts, sf_locked_until, \
     COALESCE(pw.failures, 0) AS pw_failures, COALESCE(pw.run, 0) AS pw_run, \
     COALESCE(pw.lockouts, 0) AS pw_lockouts, pw.locked_until AS pw_locked_until, \
     created_at, users.updated_at AS updated_at \
     FROM users LEFT JOIN password_throttles pw \
     ON pw.tenant_id = users.tenant_id AND pw.subject = users.id AND pw.source = ''";

#[async_trait]
impl Users for SqliteStore {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let user = user.clone();
        let required = json(&user.required_factors)?;
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO users (id, tenant_id, username, email, email_verified, phone, \
                 phone_verified, password_hash, mfa_enabled, required_factors, sf_failures, \
                 sf_locked_until, created_at, updated_at, language) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                rusqlite::params![
                    user.id,
                    user.tenant_id,
                    user.username,
                    user.email,
                    user.email_verified,
                    user.phone,
                    user.phone_verified,
                    user.password_hash,
                    user.mfa_enabled,
                    required,
                    user.second_factor.failures,
                    lock_to_column(user.second_factor.lock),
                    user.created_at.0,
                    user.updated_at.0,
                    user.language,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        let (tenant_id, id) = (tenant_id.to_owned(), id.to_owned());
        self.read(move |conn| {
            let sql = format!("{SELECT_USERS} WHERE users.tenant_id = ?1 AND id = ?2");
            one(conn, &sql, [tenant_id, id], rows::user)
        })
        .await
    }

    async fn user_by_login_name(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError> {
        let (tenant_id, login_name) = (tenant_id.to_owned(), login_name.to_owned());
        self.read(move |conn| {
            let sql = format!(
                "{SELECT_USERS} WHERE users.tenant_id = ?1 \
                 AND (username = ?2 OR (email = ?2 AND email_verified = 1)) \
                 ORDER BY CASE WHEN username = ?2 THEN 0 ELSE 1 END LIMIT 1"
            );
            one(conn, &sql, [tenant_id, login_name], rows::user)
        })
        .await
    }

    async fn users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError> {
        let query = query.clone();
        self.read(move |conn| {
            // A prefix compared with substr, not LIKE: no wildcards to escape, and LIKE would fold
            // ASCII case. Names are stored folded already.
            let search = query.search.unwrap_or_default();
            let chars = i64::try_from(search.chars().count()).unwrap_or(i64::MAX);
            let sql = format!(
                "{SELECT_USERS} WHERE users.tenant_id = ?1 AND username > ?2 \
                 AND (?3 = '' OR substr(username, 1, ?4) = ?3 OR substr(email, 1, ?4) = ?3) \
                 ORDER BY username LIMIT ?5"
            );
            all(
                conn,
                &sql,
                (
                    query.tenant_id,
                    query.after.unwrap_or_default(),
                    search,
                    chars,
                    i64::from(query.limit),
                ),
                rows::user,
            )
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        let user = user.clone();
        let required = json(&user.required_factors)?;
        self.write(move |conn| {
            let updated = execute(
                conn,
                "UPDATE users SET email = ?1, email_verified = ?2, phone = ?3, phone_verified = ?4, \
                 password_hash = ?5, mfa_enabled = ?6, required_factors = ?7, updated_at = ?8, \
                 language = ?9 WHERE tenant_id = ?10 AND id = ?11",
                rusqlite::params![
                    user.email,
                    user.email_verified,
                    user.phone,
                    user.phone_verified,
                    user.password_hash,
                    user.mfa_enabled,
                    required,
                    user.updated_at.0,
                    user.language,
                    user.tenant_id,
                    user.id,
                ],
            )?;
            Ok(updated == 1)
        })
        .await
    }

    /// The user's rows that hold no foreign key to it (sessions, password throttles) go in the
    /// same closure, so nothing of a deleted user is left behind.
    async fn delete_user(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        let (tenant_id, id) = (tenant_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            let deleted = execute(
                conn,
                "DELETE FROM users WHERE tenant_id = ?1 AND id = ?2",
                [&tenant_id, &id],
            )?;
            execute(
                conn,
                "DELETE FROM sessions WHERE tenant_id = ?1 AND user_id = ?2",
                [&tenant_id, &id],
            )?;
            execute(
                conn,
                "DELETE FROM password_throttles WHERE tenant_id = ?1 AND subject = ?2",
                [&tenant_id, &id],
            )?;
            Ok(deleted == 1)
        })
        .await
    }
}
