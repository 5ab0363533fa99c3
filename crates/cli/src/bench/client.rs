//! A thin JSON client for the API calls the bench makes.

use anyhow::{Context, bail};
use serde_json::{Value, json};

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    admin: String,
}

impl Client {
    pub fn new(base: &str, admin_token: &str) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            admin: admin_token.to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .json(&body);
        answer(request.send().await?).await
    }

    pub async fn create_session(&self, checks: Value) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}/v1/sessions", self.base))
            .json(&json!({ "checks": checks }));
        answer(request.send().await?).await
    }

    pub async fn patch_session(
        &self,
        id: &str,
        token: &str,
        checks: Value,
    ) -> anyhow::Result<Value> {
        let body = json!({"session_token": token, "checks": checks});
        let request = self
            .http
            .patch(format!("{}/v1/sessions/{id}", self.base))
            .json(&body);
        answer(request.send().await?).await
    }

    /// A session update carrying the admin token too, which may have codes returned.
    pub async fn patch_session_as_admin(&self, id: &str, body: Value) -> anyhow::Result<Value> {
        let request = self
            .http
            .patch(format!("{}/v1/sessions/{id}", self.base))
            .bearer_auth(&self.admin)
            .json(&body);
        answer(request.send().await?).await
    }

    pub async fn admin_get(&self, path: &str) -> anyhow::Result<Value> {
        answer(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.admin)
                .send()
                .await?,
        )
        .await
    }

    pub async fn admin_put(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        answer(
            self.http
                .put(format!("{}{path}", self.base))
                .bearer_auth(&self.admin)
                .json(&body)
                .send()
                .await?,
        )
        .await
    }
}

async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.context("response is not JSON")?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

pub fn text(value: &Value, key: &str) -> anyhow::Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{key}` in {value}"))
}
