use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::app::App;
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::rows::{corrupt, flag, json, time};
use crate::{Apps, StoreError};

fn app(row: &PgRow) -> Result<App, StoreError> {
    let secret: Option<Vec<u8>> = row.try_get("secret_hash")?;
    let uris: String = row.try_get("redirect_uris")?;
    let mfa: String = row.try_get("mfa")?;
    Ok(App {
        client_id: row.try_get("client_id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        public: row.try_get::<i64, _>("public")? != 0,
        secret_hash: secret
            .map(|s| TokenHash::from_slice(&s).ok_or_else(|| corrupt("apps.secret_hash")))
            .transpose()?,
        redirect_uris: serde_json::from_str(&uris).map_err(|_| corrupt("apps.redirect_uris"))?,
        login_url: row.try_get("login_url")?,
        mfa: serde_json::from_str(&mfa).map_err(|_| corrupt("apps.mfa"))?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl Apps for PgStore {
    async fn insert_app(&self, a: &App) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO apps (client_id, tenant_id, name, public, secret_hash, redirect_uris, \
             login_url, mfa, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&a.client_id)
        .bind(&a.tenant_id)
        .bind(&a.name)
        .bind(flag(a.public))
        .bind(a.secret_hash.map(|h| h.0))
        .bind(json(&a.redirect_uris)?)
        .bind(&a.login_url)
        .bind(json(&a.mfa)?)
        .bind(a.created_at.0)
        .bind(a.updated_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn app(&self, tenant_id: &str, client_id: &str) -> Result<Option<App>, StoreError> {
        let row = sqlx::query(
            "SELECT client_id, tenant_id, name, public, secret_hash, redirect_uris, login_url, mfa, \
             created_at, updated_at FROM apps WHERE tenant_id = $1 AND client_id = $2",
        )
        .bind(tenant_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(app).transpose()
    }

    async fn apps(&self, tenant_id: &str) -> Result<Vec<App>, StoreError> {
        let found = sqlx::query(
            "SELECT client_id, tenant_id, name, public, secret_hash, redirect_uris, login_url, mfa, \
             created_at, updated_at FROM apps WHERE tenant_id = $1 ORDER BY created_at, client_id",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(app).collect()
    }

    async fn update_app(&self, a: &App) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE apps SET name = $1, secret_hash = $2, redirect_uris = $3, login_url = $4, \
             mfa = $5, updated_at = $6 WHERE tenant_id = $7 AND client_id = $8",
        )
        .bind(&a.name)
        .bind(a.secret_hash.map(|h| h.0))
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

    async fn delete_app(&self, tenant_id: &str, client_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM apps WHERE tenant_id = $1 AND client_id = $2")
            .bind(tenant_id)
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
