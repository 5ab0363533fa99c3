use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::app::App;
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::rows::{all, corrupt, execute, from_json, json, one, time};
use crate::{Apps, StoreError};

const SELECT_APPS: &str = "SELECT client_id, tenant_id, name, public, secret_hash, redirect_uris, \
     login_url, mfa, created_at, updated_at FROM apps";

fn app(row: &Row<'_>) -> Result<App, StoreError> {
    let secret: Option<Vec<u8>> = row.get("secret_hash")?;
    let uris: String = row.get("redirect_uris")?;
    let mfa: String = row.get("mfa")?;
    Ok(App {
        client_id: row.get("client_id")?,
        tenant_id: row.get("tenant_id")?,
        name: row.get("name")?,
        public: row.get("public")?,
        secret_hash: secret
            .map(|s| TokenHash::from_slice(&s).ok_or_else(|| corrupt("apps.secret_hash")))
            .transpose()?,
        redirect_uris: from_json(&uris, "apps.redirect_uris")?,
        login_url: row.get("login_url")?,
        mfa: from_json(&mfa, "apps.mfa")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl Apps for SqliteStore {
    async fn insert_app(&self, app: &App) -> Result<(), StoreError> {
        let a = app.clone();
        let (uris, mfa) = (json(&a.redirect_uris)?, json(&a.mfa)?);
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO apps (client_id, tenant_id, name, public, secret_hash, redirect_uris, \
                 login_url, mfa, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    a.client_id,
                    a.tenant_id,
                    a.name,
                    a.public,
                    a.secret_hash.map(|h| h.0),
                    uris,
                    a.login_url,
                    mfa,
                    a.created_at.0,
                    a.updated_at.0,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn app(&self, tenant_id: &str, client_id: &str) -> Result<Option<App>, StoreError> {
        let (tenant_id, client_id) = (tenant_id.to_owned(), client_id.to_owned());
        self.read(move |conn| {
            let sql = format!("{SELECT_APPS} WHERE tenant_id = ?1 AND client_id = ?2");
            one(conn, &sql, [tenant_id, client_id], app)
        })
        .await
    }

    async fn apps(&self, tenant_id: &str) -> Result<Vec<App>, StoreError> {
        let tenant_id = tenant_id.to_owned();
        self.read(move |conn| {
            let sql = format!("{SELECT_APPS} WHERE tenant_id = ?1 ORDER BY created_at, client_id");
            all(conn, &sql, [tenant_id], app)
        })
        .await
    }

    async fn update_app(&self, app: &App) -> Result<bool, StoreError> {
        let a = app.clone();
        let (uris, mfa) = (json(&a.redirect_uris)?, json(&a.mfa)?);
        self.write(move |conn| {
            let updated = execute(
                conn,
                "UPDATE apps SET name = ?1, secret_hash = ?2, redirect_uris = ?3, login_url = ?4, \
                 mfa = ?5, updated_at = ?6 WHERE tenant_id = ?7 AND client_id = ?8",
                rusqlite::params![
                    a.name,
                    a.secret_hash.map(|h| h.0),
                    uris,
                    a.login_url,
                    mfa,
                    a.updated_at.0,
                    a.tenant_id,
                    a.client_id,
                ],
            )?;
            Ok(updated == 1)
        })
        .await
    }

    async fn delete_app(&self, tenant_id: &str, client_id: &str) -> Result<bool, StoreError> {
        let (tenant_id, client_id) = (tenant_id.to_owned(), client_id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "DELETE FROM apps WHERE tenant_id = ?1 AND client_id = ?2",
                [tenant_id, client_id],
            )? == 1)
        })
        .await
    }
}
