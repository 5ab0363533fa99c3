//! Registering WebAuthn credentials: security keys (a second factor) and passkeys (discoverable,
//! user-verified: passwordless). The ceremony's state stays server-side, single use, with an
//! expiry; the authenticator stays pending — unusable — until the browser's answer verifies.

use serde_json::{Value, json};
use twofold_core::Factor;
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::event::EventType;
use twofold_core::user::User;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose, CredentialKind, format_aaguid};
use webauthn_rs::prelude::{
    Credential, PasskeyRegistration, RegisterPublicKeyCredential, SecurityKeyRegistration,
};

use super::credentials::{credential_of, internal, refused, user_handle};
use crate::error::Error;
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

pub struct Started {
    pub authenticator_id: String,
    pub options: Value,
}

/// The ceremony state as stored: which kind, and the library's state for it.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
enum Registration {
    SecurityKey(SecurityKeyRegistration),
    Passkey(PasskeyRegistration),
}

pub async fn start(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    kind: CredentialKind,
    domain: Option<&str>,
) -> Result<Started, Error> {
    let rp = state.relying_party()?;
    if domain.is_some_and(|d| d != rp.rp_id) {
        return Err(Error::InvalidRequest(format!(
            "domain must be the relying party id `{}`",
            rp.rp_id
        )));
    }
    let settings = state.settings(&ctx.tenant_id).await?;
    let factor = kind.factor();
    let enabled = settings.second_factors.contains(&factor)
        || (factor == Factor::Passkey && settings.first_factors.contains(&factor));
    if !enabled {
        return Err(Error::Forbidden(format!(
            "`{factor}` is not enabled for this tenant"
        )));
    }
    let policy = &settings.webauthn;
    // A registration abandoned past its ceremony's timeout can never finish: forget it, so
    // abandoned attempts cannot fill the user's allowance.
    let (stale, existing): (Vec<Authenticator>, Vec<Authenticator>) = state
        .store
        .authenticators_of(&user.id)
        .await?
        .into_iter()
        .partition(|a| {
            a.factor == factor && !a.is_usable() && policy.is_abandoned(a.created_at, ctx.now)
        });
    for stale in &stale {
        state
            .store
            .delete_authenticator(&user.id, &stale.id)
            .await?;
        let detail = json!({"factor": factor, "authenticator_id": stale.id, "reason": "abandoned"});
        events::record(
            state,
            ctx,
            EventType::AuthenticatorRemoved,
            Some(&user.id),
            detail,
        )
        .await?;
    }
    authenticator::ensure_room(&existing)?;
    // The browser refuses to register a credential it already holds for this user.
    let exclude = existing
        .iter()
        .filter(|a| a.is_usable())
        .filter_map(|a| credential_of(a).ok().flatten())
        .map(|c| c.cred_id)
        .collect::<Vec<_>>();
    let handle = user_handle(user)?;
    let (options, registration) = match kind {
        CredentialKind::SecurityKey => {
            let (ccr, reg) = rp
                .webauthn
                .start_securitykey_registration(
                    handle,
                    &user.username,
                    &user.username,
                    Some(exclude),
                    None,
                    None,
                )
                .map_err(internal)?;
            (
                serde_json::to_value(ccr).map_err(internal)?,
                Registration::SecurityKey(reg),
            )
        }
        CredentialKind::Passkey => {
            let (ccr, reg) = rp
                .webauthn
                .start_passkey_registration(handle, &user.username, &user.username, Some(exclude))
                .map_err(internal)?;
            let mut options = serde_json::to_value(ccr).map_err(internal)?;
            // A passkey must be discoverable: the sign-in finds the user from it.
            let selection = &mut options["publicKey"]["authenticatorSelection"];
            selection["residentKey"] = json!("required");
            selection["requireResidentKey"] = json!(true);
            (options, Registration::Passkey(reg))
        }
    };
    let mut options = options;
    options["publicKey"]["timeout"] = json!(policy.ceremony_timeout_seconds * 1000);
    let id = random::new_id(state.random.as_ref())?;
    let pending = Authenticator {
        id: id.clone(),
        user_id: user.id.clone(),
        factor,
        name: authenticator::normalise_name(None, factor, &existing)?,
        state: AuthenticatorState::Pending,
        sealed_secret: None,
        params: json!({}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.insert_authenticator(&pending).await?;
    let ceremony = Ceremony {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        purpose: CeremonyPurpose::Register,
        session_id: None,
        user_id: Some(user.id.clone()),
        authenticator_id: Some(id.clone()),
        state: serde_json::to_string(&registration).map_err(internal)?,
        created_at: ctx.now,
        expires_at: policy.ceremony_expires_at(ctx.now),
    };
    state.store.replace_ceremony(&ceremony).await?;
    let detail = json!({"factor": factor, "authenticator_id": id, "state": "pending"});
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        detail,
    )
    .await?;
    Ok(Started {
        authenticator_id: id,
        options,
    })
}

/// Verifies the browser's answer and activates the authenticator. A refused answer is recorded
/// and spends the ceremony: start again.
pub async fn finish(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    authenticator_id: &str,
    answer: Value,
    name: Option<&str>,
) -> Result<Authenticator, Error> {
    let rp = state.relying_party()?;
    let existing = state.store.authenticators_of(&user.id).await?;
    let Some(pending) = existing
        .iter()
        .find(|a| a.id == authenticator_id && CredentialKind::of_factor(a.factor).is_some())
    else {
        return Err(Error::NotFound("webauthn authenticator"));
    };
    if pending.is_usable() {
        return Err(Error::Conflict(
            "authenticator is already active".to_owned(),
        ));
    }
    let name = authenticator::normalise_name(name, pending.factor, &existing)?;
    let answer: RegisterPublicKeyCredential = serde_json::from_value(answer).map_err(|e| {
        Error::InvalidRequest(format!("public_key_credential is not a registration: {e}"))
    })?;
    let ceremony = state
        .store
        .take_ceremony(None, Some(authenticator_id), ctx.now)
        .await?
        .filter(|c| c.user_id.as_deref() == Some(user.id.as_str()))
        .ok_or(Error::CodeExpired)?;
    let registration: Registration = serde_json::from_str(&ceremony.state).map_err(internal)?;
    let verified: Result<Credential, _> = match &registration {
        Registration::SecurityKey(reg) => rp
            .webauthn
            .finish_securitykey_registration(&answer, reg)
            .map(Credential::from),
        Registration::Passkey(reg) => rp
            .webauthn
            .finish_passkey_registration(&answer, reg)
            .map(Credential::from),
    };
    let credential = match verified {
        Ok(credential) => credential,
        Err(e) => {
            refused(state, ctx, user, "register", &e.to_string()).await?;
            return Err(Error::InvalidRequest(format!(
                "the credential was refused: {e}"
            )));
        }
    };
    let settings = state.settings(&ctx.tenant_id).await?;
    let aaguid = aaguid_of(&answer);
    if !settings.webauthn.allows(&aaguid) {
        refused(
            state,
            ctx,
            user,
            "register",
            &format!("aaguid {aaguid} not allowed"),
        )
        .await?;
        return Err(Error::Forbidden(
            "this authenticator model is not allowed here".to_owned(),
        ));
    }
    let stored = serde_json::to_value(&credential).map_err(internal)?;
    if !state
        .store
        .activate_credential(authenticator_id, &name, &stored, ctx.now)
        .await?
    {
        return Err(Error::Conflict(
            "authenticator is already active".to_owned(),
        ));
    }
    let detail =
        json!({"factor": pending.factor, "authenticator_id": authenticator_id, "aaguid": aaguid});
    events::record(
        state,
        ctx,
        EventType::AuthenticatorActivated,
        Some(&user.id),
        detail,
    )
    .await?;
    let mut active = pending.clone();
    active.state = AuthenticatorState::Active;
    active.name = name;
    active.params = stored;
    active.last_used_at = Some(ctx.now);
    Ok(active)
}

/// The authenticator model a registration claims: the AAGUID in the attested credential data of
/// its authenticator data (all zeros when the authenticator does not say).
fn aaguid_of(answer: &RegisterPublicKeyCredential) -> String {
    let bytes: &[u8] = answer.response.attestation_object.as_ref();
    let auth_data = match serde_cbor_2::from_slice::<serde_cbor_2::Value>(bytes) {
        Ok(serde_cbor_2::Value::Map(map)) => map.into_iter().find_map(|(k, v)| match (k, v) {
            (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(v)) if k == "authData" => {
                Some(v)
            }
            _ => None,
        }),
        _ => None,
    };
    // rpIdHash (32) · flags (1) · signCount (4) · AAGUID (16) when the AT flag (0x40) is set.
    let aaguid: [u8; 16] = auth_data
        .filter(|d| d.len() >= 53 && d[32] & 0x40 != 0)
        .and_then(|d| d[37..53].try_into().ok())
        .unwrap_or([0; 16]);
    format_aaguid(&aaguid)
}
