use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_core::UnixTime;
use twofold_core::app::App;
use twofold_core::secrets::TokenHash;

use super::SqlStore;
use super::rows::{flag, json};
use crate::StoreError;

const COLUMNS: &str = "client_id, tenant_id, name, public, secret_hash, redirect_uris, login_url, mfa, created_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("apps.{what}"))
}

fn app(row: &AnyRow) -> Result<App, StoreError> {
    let secret: Option<Vec<u8>> = row.try_get("secret_hash")?;
    let uris: String = row.try_get("redirect_uris")?;
    let mfa: String = row.try_get("mfa")?;
    Ok(App {
        client_id: row.try_get("client_id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        public: row.try_get::<i64, _>("public")? != 0,
        secret_hash: secret
            .map(|s| TokenHash::from_slice(&s).ok_or_else(|| corrupt("secret_hash")))
            .transpose()?,
        redirect_uris: serde_json::from_str(&uris).map_err(|_| corrupt("redirect_uris"))?,
        login_url: row.try_get("login_url")?,
        mfa: serde_json::from_str(&mfa).map_err(|_| corrupt("mfa"))?,
        created_at: UnixTime(row.try_get("created_at")?),
        updated_at: UnixTime(row.try_get("updated_at")?),
    })
}

impl SqlStore {
    pub(super) async fn insert_app_row(&self, a: &App) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO apps (client_id, tenant_id, name, public, secret_hash, redirect_uris, login_url, mfa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&a.client_id)
        .bind(&a.tenant_id)
        .bind(&a.name)
        .bind(flag(a.public))
        .bind(a.secret_hash.map(|h| h.0.to_vec()))
        .bind(json(&a.redirect_uris)?)
        .bind(&a.login_url)
        .bind(json(&a.mfa)?)
        .bind(a.created_at.0)
        .bind(a.updated_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn app_row(
        &self,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<Option<App>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = $1 AND client_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(app).transpose()
    }

    pub(super) async fn apps_rows(&self, tenant_id: &str) -> Result<Vec<App>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM apps WHERE tenant_id = $1 ORDER BY created_at, client_id"
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(app).collect()
    }

    pub(super) async fn update_app_row(&self, a: &App) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE apps SET name = $1, secret_hash = $2, redirect_uris = $3, login_url = $4, mfa = $5, updated_at = $6 \
             WHERE tenant_id = $7 AND client_id = $8",
        )
        .bind(&a.name)
        .bind(a.secret_hash.map(|h| h.0.to_vec()))
        .bind(json(&a.redirect_uris)?)
        .bind(&a.login_url)
        .bind(json(&a.mfa)?)
        .bind(a.updated_at.0)
        .bind(&a.tenant_id)
        .bind(&a.client_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn delete_app_row(
        &self,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM apps WHERE tenant_id = $1 AND client_id = $2")
            .bind(tenant_id)
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
