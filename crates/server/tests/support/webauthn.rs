//! A software authenticator for the tests: 1Password's passkey-rs (client + CTAP2 authenticator),
//! speaking the WebAuthn JSON a browser would hand to a login UI.

use std::sync::{Arc, Mutex};

use passkey::authenticator::{
    Authenticator, CredentialStore, DiscoverabilitySupport, StoreInfo, UiHint, UserCheck,
    UserValidationMethod,
};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::AvailableBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::make_credential::{
    Options, PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity,
};
use passkey::types::ctap2::{Aaguid, Ctap2Error, StatusCode};
use passkey::types::webauthn::{
    CredentialCreationOptions, CredentialRequestOptions, PublicKeyCredentialDescriptor,
};
use serde_json::{Value, json};
use url::Url;

use super::{Resp, Session, TestApp, TestUser, config, databases, merge};

pub const ORIGIN: &str = "https://login.example.com";
pub const RP_ID: &str = "example.com";

/// The credentials an authenticator holds; shared so a test can copy and restore them (a clone).
#[derive(Clone, Default)]
pub struct Keyring(Arc<Mutex<Vec<Passkey>>>);

impl Keyring {
    pub fn snapshot(&self) -> Vec<Passkey> {
        self.0.lock().unwrap().clone()
    }

    pub fn restore(&self, passkeys: Vec<Passkey>) {
        *self.0.lock().unwrap() = passkeys;
    }
}

#[async_trait::async_trait]
impl CredentialStore for Keyring {
    type PasskeyItem = Passkey;

    async fn find_credentials(
        &self,
        ids: Option<&[PublicKeyCredentialDescriptor]>,
        rp_id: &str,
        _user_handle: Option<&[u8]>,
    ) -> Result<Vec<Passkey>, StatusCode> {
        let all = self.0.lock().unwrap();
        let found: Vec<Passkey> = match ids.filter(|ids| !ids.is_empty()) {
            Some(ids) => all
                .iter()
                .filter(|p| ids.iter().any(|d| *d.id == *p.credential_id))
                .cloned()
                .collect(),
            None => all
                .iter()
                .filter(|p| p.rp_id == rp_id && p.user_handle.is_some())
                .cloned()
                .collect(),
        };
        if found.is_empty() {
            Err(Ctap2Error::NoCredentials.into())
        } else {
            Ok(found)
        }
    }

    async fn save_credential(
        &mut self,
        cred: Passkey,
        _user: PublicKeyCredentialUserEntity,
        _rp: PublicKeyCredentialRpEntity,
        _options: Options,
    ) -> Result<(), StatusCode> {
        self.0.lock().unwrap().push(cred);
        Ok(())
    }

    async fn update_credential(&mut self, cred: &Passkey) -> Result<(), StatusCode> {
        let mut all = self.0.lock().unwrap();
        all.retain(|p| p.credential_id != cred.credential_id);
        all.push(cred.clone());
        Ok(())
    }

    async fn get_info(&self) -> StoreInfo {
        StoreInfo {
            discoverability: DiscoverabilitySupport::Full,
        }
    }
}

/// A person present and verified (a PIN or a fingerprint) every time.
pub struct Verified;

#[async_trait::async_trait]
impl UserValidationMethod for Verified {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

pub struct SoftAuthenticator {
    client: Client<Keyring, Verified, AvailableBackend, public_suffix::PublicSuffixList, ()>,
    pub keyring: Keyring,
}

impl SoftAuthenticator {
    pub fn new() -> SoftAuthenticator {
        let keyring = Keyring::default();
        let mut authenticator = Authenticator::new(
            Aaguid::new_empty(),
            keyring.clone(),
            Verified,
            AvailableBackend,
        );
        // Counters let the server see a cloned credential go backwards.
        authenticator.set_make_credentials_with_signature_counter(true);
        SoftAuthenticator {
            client: Client::new(authenticator),
            keyring,
        }
    }

    /// `navigator.credentials.create()` at `origin` with the server's creation options.
    pub async fn register(&mut self, origin: &str, options: &Value) -> Result<Value, String> {
        let request: CredentialCreationOptions =
            serde_json::from_value(options.clone()).map_err(|e| format!("options: {e}"))?;
        let origin = Url::parse(origin).unwrap();
        let created = self
            .client
            .register(&origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(serde_json::to_value(created).unwrap())
    }

    /// `navigator.credentials.get()` at `origin` with the server's request options.
    pub async fn sign(&mut self, origin: &str, options: &Value) -> Result<Value, String> {
        let request: CredentialRequestOptions =
            serde_json::from_value(options.clone()).map_err(|e| format!("options: {e}"))?;
        let origin = Url::parse(origin).unwrap();
        let signed = self
            .client
            .authenticate(&origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(serde_json::to_value(signed).unwrap())
    }
}

/// A server per backend with WebAuthn for `example.com`, used from `https://login.example.com`,
/// and both WebAuthn factors on.
pub async fn webauthn_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for database in databases() {
        let backend = if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        let mut config = config(database);
        config.webauthn_rp_id = Some(RP_ID.to_owned());
        config.webauthn_origins = vec![ORIGIN.to_owned()];
        let app = TestApp::spawn_with(backend, config).await;
        app.settings(json!({
            "first_factors": ["password", "passkey"],
            "second_factors": ["totp", "backup-code", "webauthn", "passkey"],
        }))
        .await;
        apps.push(app);
    }
    apps
}

/// Starts a registration as admin; the answer has the authenticator id and the creation options.
pub async fn start_registration(app: &TestApp, user: &TestUser, kind: &str) -> Value {
    let started = app
        .admin_post(
            &format!("/v1/users/{}/webauthn", user.id),
            json!({"kind": kind}),
        )
        .await
        .created();
    assert_eq!(started["state"], "pending");
    started
}

/// Finishes a registration as admin with the browser's answer (and `extra`, such as a name).
pub async fn finish_registration(
    app: &TestApp,
    user: &TestUser,
    started: &Value,
    credential: Value,
    extra: Value,
) -> Resp {
    let id = started["authenticator_id"].as_str().unwrap();
    let mut body = json!({"public_key_credential": credential});
    merge(&mut body, extra);
    app.admin_post(&format!("/v1/users/{}/webauthn/{id}", user.id), body)
        .await
}

pub async fn register(
    app: &TestApp,
    user: &TestUser,
    key: &mut SoftAuthenticator,
    kind: &str,
    name: &str,
) -> Value {
    let started = start_registration(app, user, kind).await;
    let options = &started["public_key_credential_creation_options"];
    let credential = key.register(ORIGIN, options).await.unwrap();
    finish_registration(app, user, &started, credential, json!({"name": name}))
        .await
        .ok()
}

/// A session with no user and a WebAuthn challenge: a discoverable (passkey) sign-in, with `extra`
/// in the body; returns the session and the request options.
pub async fn passwordless(app: &TestApp, extra: Value) -> (Session, Value) {
    let mut body = json!({"challenges": {"webauthn": {}}});
    merge(&mut body, extra);
    let started = app
        .request(reqwest::Method::POST, "/v1/sessions", None, Some(body))
        .await
        .created();
    let options =
        started["challenges"]["webauthn"]["public_key_credential_request_options"].clone();
    (Session::from(&started), options)
}

/// Starts a WebAuthn challenge in the session and returns its request options.
pub async fn challenge(app: &TestApp, session: &mut Session) -> Value {
    let started = app
        .patch_session(session, json!({"challenges": {"webauthn": {}}}))
        .await
        .ok();
    started["challenges"]["webauthn"]["public_key_credential_request_options"].clone()
}

pub async fn check(app: &TestApp, session: &mut Session, assertion: Value) -> Resp {
    app.check(
        session,
        json!({"webauthn": {"credential_assertion": assertion}}),
    )
    .await
}
