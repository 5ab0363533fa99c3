//! WebAuthn credentials as stored: the library's public credential in the authenticator's
//! params, the signature counter beside it; and the stand-ins shown for accounts without any.

use serde_json::json;
use twofold_core::authenticator::Authenticator;
use twofold_core::event::EventType;
use twofold_core::user::User;
use twofold_core::webauthn::CredentialKind;
use twofold_core::{Factor, UnixTime};
use twofold_store::{Consumption, NewEvent};
use webauthn_rs::prelude::{AuthenticationResult, Credential, Passkey, Uuid, WebauthnError};

use crate::error::Error;
use crate::flows::{Ctx, events};
use crate::state::Inner;

/// A failure of the library or of stored state, never of the caller's input.
pub(in crate::flows) fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("webauthn: {e}"))
}

/// The stored public credential of a WebAuthn authenticator (`None` for other factors and for a
/// pending one that has none yet).
pub fn credential_of(a: &Authenticator) -> Result<Option<Credential>, Error> {
    if CredentialKind::of_factor(a.factor).is_none() || a.params.get("cred_id").is_none() {
        return Ok(None);
    }
    serde_json::from_value(a.params.clone())
        .map(Some)
        .map_err(|e| Error::Internal(format!("authenticator {}: credential: {e}", a.id)))
}

/// The user handle of a user's credentials: the user id's UUID (user ids are random UUIDs), so a
/// discoverable credential names its user and nothing else about them.
pub fn user_handle(user: &User) -> Result<Uuid, Error> {
    Uuid::parse_str(&user.id)
        .map_err(|_| Error::Internal(format!("user {} has no UUID id", user.id)))
}

/// A credential nobody holds, stable per account: shown in the allow-list of a user who has no
/// passkey (or does not exist), so the answer looks like any other user's. Its public key is one
/// published in a test vector, whose private half we do not know; and the ceremony is marked, so
/// no assertion against it is ever accepted anyway.
pub fn stand_in(state: &Inner, tenant_id: &str, account: &str) -> Result<Passkey, Error> {
    let id = state
        .hashing
        .hash(&format!("webauthn-stand-in:{tenant_id}"), account)
        .0;
    let credential = json!({
        "cred_id": data_encoding::BASE64URL_NOPAD.encode(&id),
        "cred": {"type_": "ES256", "key": {"EC_EC2": {"curve": "SECP256R1", "x": GX, "y": GY}}},
        "counter": 0,
        "transports": null,
        "user_verified": true,
        "backup_eligible": true,
        "backup_state": true,
        "registration_policy": "required",
        "extensions": {
            "cred_protect": "Ignored",
            "hmac_create_secret": "NotRequested",
            "appid": "NotRequested",
            "cred_props": "Ignored"
        },
        "attestation": {"data": "None", "metadata": "None"},
        "attestation_format": "none"
    });
    serde_json::from_value::<Credential>(credential)
        .map(Passkey::from)
        .map_err(|e| Error::Internal(format!("stand-in credential: {e}")))
}

/// A P-256 public key from webauthn-rs' test vectors (a hardware key's; its private half is not
/// ours to know).
const GX: [u8; 32] = [
    194, 126, 127, 109, 252, 23, 131, 21, 252, 6, 223, 99, 44, 254, 140, 27, 230, 17, 94, 5, 133,
    28, 104, 41, 144, 69, 171, 149, 161, 26, 200, 243,
];
const GY: [u8; 32] = [
    143, 123, 183, 156, 24, 178, 21, 248, 117, 159, 162, 69, 171, 52, 188, 252, 26, 59, 6, 47, 103,
    92, 19, 58, 117, 103, 249, 0, 219, 8, 95, 196,
];

/// The user's active WebAuthn credentials of `factors`, with their authenticators.
pub(in crate::flows) fn credentials(
    authenticators: &[Authenticator],
    factors: &[Factor],
) -> Result<Vec<(Authenticator, Credential)>, Error> {
    let mut found = Vec::new();
    for a in authenticators
        .iter()
        .filter(|a| a.is_usable() && factors.contains(&a.factor))
    {
        if let Some(credential) = credential_of(a)? {
            found.push((a.clone(), credential));
        }
    }
    Ok(found)
}

/// Why the library refused, in the words the audit log uses.
pub(in crate::flows) fn reason(e: WebauthnError) -> String {
    match e {
        WebauthnError::CredentialPossibleCompromise => "counter_regression".to_owned(),
        other => other.to_string(),
    }
}

/// The credential with its new counter and backup flags, spent by the step's transaction only if
/// no other sign-in saved a counter at least as high meanwhile (a cloned credential, or a replay
/// racing on another node).
pub(in crate::flows) fn counter_spent(
    authenticator: &Authenticator,
    credential: Credential,
    result: &AuthenticationResult,
    now: UnixTime,
) -> Result<Consumption, Error> {
    let mut passkey = Passkey::from(credential);
    passkey.update_credential(result);
    let updated = serde_json::to_value(Credential::from(passkey)).map_err(internal)?;
    Ok(Consumption::CredentialCounter {
        authenticator_id: authenticator.id.clone(),
        credential: updated,
        counter: result.counter(),
        at: now,
    })
}

/// A refused registration or assertion, in the audit log with the stage and the reason.
pub(in crate::flows) async fn refused(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    stage: &str,
    reason: &str,
) -> Result<(), Error> {
    let event = refusal(ctx, user, stage, reason);
    state.store.append_event(&event).await?;
    state.metrics.count_event(event.kind);
    Ok(())
}

/// The refusal's event, for a step that writes it with the failure it counts.
pub(in crate::flows) fn refusal(ctx: &Ctx, user: &User, stage: &str, reason: &str) -> NewEvent {
    let detail = json!({"stage": stage, "reason": reason});
    events::new(ctx, EventType::WebauthnRefused, Some(&user.id), detail)
}
