//! `twofold push-device`: a reference push device on the command line. It does what a phone app
//! would over the server's HTTP API — enrol from the URI, list what is pending, approve with the
//! number the person reads off the login screen, or deny — with its private key in a file of its
//! own (mode 0600), so an operator can try push without an app and tests use a real device.
#![allow(
    clippy::disallowed_methods,
    reason = "a device of its own, outside the server: it reads its own clock and draws its own key"
)]

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twofold_core::UnixTime;
use twofold_core::push::{self, EnrolmentUri, PushDecision};

#[derive(Subcommand, Debug)]
pub enum PushDeviceCommand {
    /// Enrol from a `twofold-push://enrol?…` URI: makes a key, writes it to --keys (which must not
    /// exist yet), posts the public key and proves it by signing the server's challenge.
    Enrol(EnrolArgs),
    /// List the sign-ins waiting for an answer (app, client address, time), as JSON.
    Pending(KeysArg),
    /// Approve a sign-in with the number shown on its login screen.
    Approve(ApproveArgs),
    /// Deny a sign-in.
    Deny(DenyArgs),
}

#[derive(Args, Debug)]
pub struct KeysArg {
    /// The device's key file.
    #[arg(long)]
    keys: PathBuf,
}

#[derive(Args, Debug)]
pub struct EnrolArgs {
    /// The enrolment URI from `POST /v1/users/{id}/push-devices`.
    uri: String,
    #[command(flatten)]
    keys: KeysArg,
    /// The device's name (defaults to the one in the URI).
    #[arg(long)]
    name: Option<String>,
    /// The push token the gateway delivers to (none: the device polls).
    #[arg(long)]
    push_token: Option<String>,
    #[arg(long, value_enum, default_value = "ed25519")]
    key_type: KeyType,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    exchange_id: String,
    /// The number the login screen shows.
    #[arg(long)]
    number: u8,
    /// Say the device verified the person (biometrics or PIN), which adds `user` to amr.
    #[arg(long)]
    user_verified: bool,
    #[command(flatten)]
    keys: KeysArg,
}

#[derive(Args, Debug)]
pub struct DenyArgs {
    exchange_id: String,
    #[command(flatten)]
    keys: KeysArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    Ed25519,
    P256,
}

/// The key file: where the device is enrolled, and its private key.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    server: String,
    tenant: String,
    authenticator_id: String,
    key_type: KeyType,
    /// The 32-byte private scalar or seed, base64url.
    private_key: String,
}

enum Key {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

impl Key {
    fn generate(kind: KeyType) -> anyhow::Result<(Key, [u8; 32])> {
        loop {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| anyhow!("no randomness: {e}"))?;
            // A P-256 scalar must be below the group order; a retry is astronomically rare.
            if let Ok(key) = Key::from_secret(kind, &secret) {
                return Ok((key, secret));
            }
        }
    }

    fn from_secret(kind: KeyType, secret: &[u8; 32]) -> anyhow::Result<Key> {
        Ok(match kind {
            KeyType::Ed25519 => Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(secret)),
            KeyType::P256 => {
                Key::P256(p256::ecdsa::SigningKey::from_slice(secret).context("not a P-256 key")?)
            }
        })
    }

    fn public_jwk(&self) -> Value {
        match self {
            Key::Ed25519(key) => {
                json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                "x": BASE64URL_NOPAD.encode(key.verifying_key().as_bytes())})
            }
            Key::P256(key) => {
                let point = key.verifying_key().to_sec1_bytes();
                json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
                    "x": BASE64URL_NOPAD.encode(point.get(1..33).unwrap_or_default()),
                    "y": BASE64URL_NOPAD.encode(point.get(33..65).unwrap_or_default())})
            }
        }
    }

    fn sign(&self, message: &[u8]) -> String {
        use ed25519_dalek::Signer as _;
        match self {
            Key::Ed25519(key) => BASE64URL_NOPAD.encode(&key.sign(message).to_bytes()),
            Key::P256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                BASE64URL_NOPAD.encode(&signature.to_bytes())
            }
        }
    }
}

pub async fn run(command: PushDeviceCommand) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().build().context("HTTP client")?;
    let out = match command {
        PushDeviceCommand::Enrol(args) => enrol(&client, args).await?,
        PushDeviceCommand::Pending(args) => pending(&client, &args.keys).await?,
        PushDeviceCommand::Approve(args) => {
            let decision = PushDecision::Approve;
            let (number, uv) = (args.number, args.user_verified);
            answer(
                &client,
                &args.keys.keys,
                &args.exchange_id,
                decision,
                number,
                uv,
            )
            .await?
        }
        // A denial carries no number the person typed; 0 is never a number shown.
        PushDeviceCommand::Deny(args) => {
            let decision = PushDecision::Deny;
            answer(
                &client,
                &args.keys.keys,
                &args.exchange_id,
                decision,
                0,
                false,
            )
            .await?
        }
    };
    println!("{out}");
    Ok(())
}

async fn enrol(client: &reqwest::Client, args: EnrolArgs) -> anyhow::Result<Value> {
    let uri = EnrolmentUri::parse(&args.uri).map_err(|e| anyhow!("{e}"))?;
    let (key, secret) = Key::generate(args.key_type)?;
    // Created before anything is posted and never overwritten: a code is spent once.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode_0600()
        .open(&args.keys.keys)
        .with_context(|| format!("cannot create {}", args.keys.keys.display()))?;
    let name = args.name.or(uri.name.clone());
    let mut body =
        json!({"enrolment_code": uri.code, "public_key": key.public_jwk(), "name": name});
    if let Some(token) = args.push_token {
        body["push_token"] = json!(token);
    }
    let enrolled = call(
        client
            .post(format!("{}/v1/push/enrol", uri.server))
            .json(&body),
    )
    .await?;
    let id = text(&enrolled, "authenticator_id")?;
    let challenge = text(&enrolled, "challenge")?;
    let keys = KeyFile {
        server: uri.server.clone(),
        tenant: uri.tenant.clone(),
        authenticator_id: id.clone(),
        key_type: args.key_type,
        private_key: BASE64URL_NOPAD.encode(&secret),
    };
    file.write_all(serde_json::to_string_pretty(&keys)?.as_bytes())?;
    file.sync_all()?;
    let message = push::enrolment_bytes(&id, &challenge).map_err(|e| anyhow!("{e}"))?;
    let url = format!("{}/v1/push/devices/{id}/activate", uri.server);
    let body = json!({"signature": key.sign(&message)});
    call(client.post(url).json(&body)).await
}

async fn pending(client: &reqwest::Client, keys: &Path) -> anyhow::Result<Value> {
    let (file, key) = load(keys)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("clock before 1970")?
        .as_secs();
    let now = UnixTime(i64::try_from(now)?);
    let message = push::pending_bytes(&file.authenticator_id, now).map_err(|e| anyhow!("{e}"))?;
    let url = format!(
        "{}/v1/push/devices/{}/pending",
        file.server, file.authenticator_id
    );
    let request = client
        .get(url)
        .header("twofold-push-signed-at", now.0.to_string())
        .header("twofold-push-signature", key.sign(&message));
    call(request).await
}

async fn answer(
    client: &reqwest::Client,
    keys: &Path,
    exchange_id: &str,
    decision: PushDecision,
    number: u8,
    user_verified: bool,
) -> anyhow::Result<Value> {
    let (file, key) = load(keys)?;
    let message = push::answer_bytes(
        &file.authenticator_id,
        exchange_id,
        decision,
        number,
        user_verified,
    )
    .map_err(|e| anyhow!("{e}"))?;
    let url = format!("{}/v1/push/challenges/{exchange_id}", file.server);
    let body = json!({
        "approve": decision == PushDecision::Approve,
        "number": number,
        "user_verified": user_verified,
        "signature": key.sign(&message),
    });
    call(client.post(url).json(&body)).await
}

fn load(path: &Path) -> anyhow::Result<(KeyFile, Key)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: KeyFile = serde_json::from_str(&text).context("not a push-device key file")?;
    let secret = BASE64URL_NOPAD
        .decode(file.private_key.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| anyhow!("the key file's private_key is not 32 bytes of base64url"))?;
    let key = Key::from_secret(file.key_type, &secret)?;
    Ok((file, key))
}

/// Sends a request; a problem answer becomes an error naming its code and detail.
async fn call(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request.send().await.context("server unreachable")?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let code = body.get("code").and_then(Value::as_str).unwrap_or("error");
        let detail = body.get("detail").and_then(Value::as_str).unwrap_or("");
        bail!("{status} {code}: {detail}");
    }
    Ok(body)
}

fn text(body: &Value, field: &str) -> anyhow::Result<String> {
    body.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the server's answer lacks `{field}`"))
}

/// Owner read/write only, where the platform has modes.
trait Private {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Private for OpenOptions {
    #[cfg(unix)]
    fn mode_0600(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt as _;
        self.mode(0o600)
    }

    #[cfg(not(unix))]
    fn mode_0600(&mut self) -> &mut Self {
        self
    }
}
