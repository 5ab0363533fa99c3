//! The trait, answered by the per-table modules beside this one.

use async_trait::async_trait;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::app::App;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::authorize::AuthRequest;
use twofold_core::challenge::{Challenge, Channel, Purpose};
use twofold_core::device::Device;
use twofold_core::grant::{Grant, Redemption, Rotation};
use twofold_core::lockout::{Counter, LockState, PasswordThrottle};
use twofold_core::quota::{Scope, WindowCount};
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::signing_key::SigningKey;
use twofold_core::user::User;
use twofold_core::webauthn::Ceremony;

use super::SqlStore;
use crate::{
    AdminTokens, Apps, AuthRequests, Authenticators, BackupCodes, Ceremonies, Challenges, Devices,
    EventQuery, Events, Grants, Hits, NewEvent, PasswordThrottles, SecondFactorLockout, Sessions,
    SettingsRevision, SigningKeys, StoreError, StoredEvent, Tenants, UserQuery, Users,
};

#[async_trait]
impl Tenants for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn ensure_tenant(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.ensure_tenant_row(id, name, settings, now).await
    }

    async fn tenant_settings(&self, tenant_id: &str) -> Result<Option<LoginSettings>, StoreError> {
        self.tenant_settings_row(tenant_id).await
    }

    async fn save_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
    ) -> Result<(), StoreError> {
        self.save_tenant_settings_row(tenant_id, settings).await
    }

    async fn tenant_settings_revision(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(LoginSettings, SettingsRevision)>, StoreError> {
        self.tenant_settings_revision_row(tenant_id).await
    }

    async fn replace_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
        read: &SettingsRevision,
    ) -> Result<bool, StoreError> {
        self.replace_tenant_settings_row(tenant_id, settings, read)
            .await
    }
}

#[async_trait]
impl AdminTokens for SqlStore {
    async fn insert_admin_token(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError> {
        self.insert_admin_token_row(token, hash).await
    }

    async fn admin_token_by_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AdminToken>, StoreError> {
        self.admin_token_by_hash_row(hash).await
    }

    async fn admin_tokens(&self, tenant_id: &str) -> Result<Vec<AdminToken>, StoreError> {
        self.admin_token_rows(tenant_id).await
    }

    async fn record_admin_token_use(&self, id: &str, now: UnixTime) -> Result<(), StoreError> {
        self.record_admin_token_use_row(id, now).await
    }

    async fn revoke_admin_token(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Revocation, StoreError> {
        self.revoke_admin_token_row(tenant_id, id).await
    }
}

#[async_trait]
impl Users for SqlStore {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.insert_user_row(user).await
    }

    async fn user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        self.user_row(tenant_id, id).await
    }

    async fn user_by_login_name(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError> {
        self.user_by_login_name_row(tenant_id, login_name).await
    }

    async fn users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError> {
        self.user_rows(query).await
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        self.update_user_row(user).await
    }

    async fn delete_user(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_user_row(tenant_id, id).await
    }
}

#[async_trait]
impl SecondFactorLockout for SqlStore {
    async fn record_second_factor_failure(&self, user_id: &str) -> Result<Counter, StoreError> {
        self.record_second_factor_failure_row(user_id).await
    }

    async fn lock_second_factor(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        self.lock_second_factor_row(user_id, lock, max_attempts, ceiling)
            .await
    }

    async fn clear_second_factor_failures(&self, user_id: &str) -> Result<(), StoreError> {
        self.clear_second_factor_failures_row(user_id).await
    }

    async fn unlock(&self, user_id: &str) -> Result<bool, StoreError> {
        self.unlock_row(user_id).await
    }
}

#[async_trait]
impl PasswordThrottles for SqlStore {
    async fn password_throttle(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<PasswordThrottle, StoreError> {
        self.password_throttle_rows(tenant_id, subject, source)
            .await
    }

    async fn record_password_failure(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        now: UnixTime,
    ) -> Result<PasswordThrottle, StoreError> {
        self.record_password_failure_rows(tenant_id, subject, source, now)
            .await
    }

    async fn forget_stale_password_failures(
        &self,
        tenant_id: &str,
        last_failure_before: UnixTime,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        self.forget_stale_password_failures_rows(tenant_id, last_failure_before, now)
            .await
    }

    async fn delay_password_source(
        &self,
        tenant_id: &str,
        subject: &str,
        source: &str,
        until: UnixTime,
    ) -> Result<(), StoreError> {
        self.delay_password_source_row(tenant_id, subject, source, until)
            .await
    }

    async fn lock_password_account(
        &self,
        tenant_id: &str,
        subject: &str,
        lock: LockState,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        self.lock_password_account_row(tenant_id, subject, lock, ceiling)
            .await
    }

    async fn clear_password_failures(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        self.clear_password_failures_rows(tenant_id, subject, source)
            .await
    }
}

#[async_trait]
impl Authenticators for SqlStore {
    async fn insert_authenticator(&self, authenticator: &Authenticator) -> Result<(), StoreError> {
        self.insert_authenticator_row(authenticator).await
    }

    async fn authenticators_of(&self, user_id: &str) -> Result<Vec<Authenticator>, StoreError> {
        self.authenticators_of_rows(user_id).await
    }

    async fn activate_authenticator(
        &self,
        id: &str,
        proof_step: Option<u64>,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.activate_authenticator_row(id, proof_step, now).await
    }

    async fn delete_authenticator(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_authenticator_row(user_id, id).await
    }

    async fn rename_authenticator(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        self.rename_authenticator_row(user_id, id, name).await
    }

    async fn activate_credential(
        &self,
        id: &str,
        name: &str,
        credential: &serde_json::Value,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.activate_credential_row(id, name, credential, now)
            .await
    }

    async fn update_credential(
        &self,
        id: &str,
        credential: &serde_json::Value,
        counter: u32,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.update_credential_row(id, credential, counter, now)
            .await
    }

    async fn set_factor_state(
        &self,
        user_id: &str,
        factor: Factor,
        state: AuthenticatorState,
    ) -> Result<u64, StoreError> {
        self.set_factor_state_rows(user_id, factor, state).await
    }

    async fn consume_totp_step(
        &self,
        id: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.consume_totp_step_row(id, step, now).await
    }
}

#[async_trait]
impl Ceremonies for SqlStore {
    async fn replace_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        self.replace_ceremony_rows(ceremony).await
    }

    async fn take_ceremony(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        self.take_ceremony_row(session_id, authenticator_id, now)
            .await
    }
}

#[async_trait]
impl BackupCodes for SqlStore {
    async fn replace_backup_codes(
        &self,
        authenticator: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError> {
        self.replace_backup_codes_rows(authenticator, hashes).await
    }

    async fn consume_backup_code(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.consume_backup_code_row(user_id, hash, now).await
    }

    async fn unused_backup_codes(&self, user_id: &str) -> Result<u32, StoreError> {
        self.unused_backup_codes_row(user_id).await
    }
}

#[async_trait]
impl Sessions for SqlStore {
    async fn insert_session(&self, session: &Session, token: &TokenHash) -> Result<(), StoreError> {
        self.insert_session_row(session, token).await
    }

    async fn session(&self, id: &str) -> Result<Option<(Session, TokenHash)>, StoreError> {
        self.session_row(id).await
    }

    async fn session_by_token(&self, token: &TokenHash) -> Result<Option<Session>, StoreError> {
        self.session_by_token_row(token).await
    }

    async fn update_session(
        &self,
        session: &Session,
        expected: &TokenHash,
        next: &TokenHash,
    ) -> Result<bool, StoreError> {
        self.update_session_row(session, expected, next).await
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_session_row(id).await
    }

    async fn set_session_risk(&self, session: &Session) -> Result<bool, StoreError> {
        self.set_session_risk_row(session).await
    }
}

#[async_trait]
impl Challenges for SqlStore {
    async fn replace_challenge(&self, challenge: &Challenge) -> Result<(), StoreError> {
        self.replace_challenge_rows(challenge).await
    }

    async fn live_challenge(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError> {
        self.live_challenge_row(user_id, channel, purpose).await
    }

    async fn take_challenge_attempt(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<u32>, StoreError> {
        self.take_challenge_attempt_row(id, now).await
    }

    async fn consume_challenge(&self, id: &str) -> Result<bool, StoreError> {
        self.consume_challenge_row(id).await
    }
}

#[async_trait]
impl Hits for SqlStore {
    async fn record_hits(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError> {
        self.record_hits_rows(tenant_id, keys, at).await
    }

    async fn forget_hits(&self, ids: &[i64]) -> Result<(), StoreError> {
        self.forget_hits_rows(ids).await
    }

    async fn count_hits(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError> {
        self.count_hits_row(tenant_id, scope, key, since).await
    }
}

#[async_trait]
impl Apps for SqlStore {
    async fn insert_app(&self, app: &App) -> Result<(), StoreError> {
        self.insert_app_row(app).await
    }

    async fn app(&self, tenant_id: &str, client_id: &str) -> Result<Option<App>, StoreError> {
        self.app_row(tenant_id, client_id).await
    }

    async fn apps(&self, tenant_id: &str) -> Result<Vec<App>, StoreError> {
        self.apps_rows(tenant_id).await
    }

    async fn update_app(&self, app: &App) -> Result<bool, StoreError> {
        self.update_app_row(app).await
    }

    async fn delete_app(&self, tenant_id: &str, client_id: &str) -> Result<bool, StoreError> {
        self.delete_app_row(tenant_id, client_id).await
    }
}

#[async_trait]
impl AuthRequests for SqlStore {
    async fn insert_auth_request(&self, request: &AuthRequest) -> Result<(), StoreError> {
        self.insert_auth_request_row(request).await
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        self.auth_request_row(id).await
    }

    async fn bind_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.bind_auth_request_row(id, session_id, now).await
    }

    async fn consume_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        self.consume_auth_request_row(id, session_id, now).await
    }
}

#[async_trait]
impl Grants for SqlStore {
    async fn insert_grant(&self, grant: &Grant, code: &TokenHash) -> Result<(), StoreError> {
        self.insert_grant_row(grant, code).await
    }

    async fn grant(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        self.grant_row(id).await
    }

    async fn redeem_code(&self, code: &TokenHash, now: UnixTime) -> Result<Redemption, StoreError> {
        self.redeem_code_row(code, now).await
    }

    async fn revoke_grant(&self, id: &str, now: UnixTime) -> Result<bool, StoreError> {
        self.revoke_grant_row(id, now).await
    }

    async fn revoke_grants_of_session(
        &self,
        session_id: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        self.revoke_grants_of_session_row(session_id, now).await
    }

    async fn insert_refresh_token(
        &self,
        hash: &TokenHash,
        grant_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        self.insert_refresh_token_row(hash, grant_id, now, expires_at)
            .await
    }

    async fn rotate_refresh_token(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Rotation, StoreError> {
        self.rotate_refresh_token_row(hash, now).await
    }
}

#[async_trait]
impl Devices for SqlStore {
    async fn insert_device(&self, device: &Device, token: &TokenHash) -> Result<(), StoreError> {
        self.insert_device_row(device, token).await
    }

    async fn device_by_token(&self, token: &TokenHash) -> Result<Option<Device>, StoreError> {
        self.device_by_token_row(token).await
    }

    async fn devices_of(&self, user_id: &str) -> Result<Vec<Device>, StoreError> {
        self.devices_of_row(user_id).await
    }

    async fn update_device(&self, device: &Device) -> Result<bool, StoreError> {
        self.update_device_row(device).await
    }

    async fn delete_device(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_device_row(user_id, id).await
    }

    async fn record_network(
        &self,
        user_id: &str,
        network: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        self.record_network_row(user_id, network, now).await
    }

    async fn knows_network(&self, user_id: &str, network: &str) -> Result<bool, StoreError> {
        self.knows_network_row(user_id, network).await
    }
}

#[async_trait]
impl SigningKeys for SqlStore {
    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        self.insert_signing_key_row(key).await
    }

    async fn signing_keys(&self, tenant_id: &str) -> Result<Vec<SigningKey>, StoreError> {
        self.signing_keys_rows(tenant_id).await
    }

    async fn retire_signing_keys(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError> {
        self.retire_signing_keys_row(tenant_id, except_kid, at)
            .await
    }
}

#[async_trait]
impl Events for SqlStore {
    async fn append_event(&self, event: &NewEvent) -> Result<(), StoreError> {
        self.append_event_row(event).await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        self.event_rows(query).await
    }
}
