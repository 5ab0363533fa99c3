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

use crate::{EventQuery, NewEvent, StoreError, StoredEvent, UserQuery};

/// Which stored settings a change was built on: opaque, compared by the store when saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRevision(pub(crate) String);

#[async_trait]
pub trait Store: Send + Sync {
    /// Answers only when the database does.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates the tenant with `settings` unless it exists; true when created.
    async fn ensure_tenant(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    async fn tenant_settings(&self, tenant_id: &str) -> Result<Option<LoginSettings>, StoreError>;
    async fn save_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
    ) -> Result<(), StoreError>;
    /// The tenant's settings with the revision they were read at, for a change built on them.
    async fn tenant_settings_revision(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(LoginSettings, SettingsRevision)>, StoreError>;
    /// Saves `settings` only while the stored ones are still those of `read` (compare-and-set):
    /// false when someone changed them since, and nothing is saved.
    async fn replace_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
        read: &SettingsRevision,
    ) -> Result<bool, StoreError>;

    async fn insert_admin_token(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError>;
    /// The admin token with this hash, if it exists (revoked tokens do not).
    async fn admin_token_by_hash(&self, hash: &TokenHash)
    -> Result<Option<AdminToken>, StoreError>;
    /// The tenant's admin tokens, oldest first.
    async fn admin_tokens(&self, tenant_id: &str) -> Result<Vec<AdminToken>, StoreError>;
    async fn record_admin_token_use(&self, id: &str, now: UnixTime) -> Result<(), StoreError>;
    /// Deletes the token unless it is the tenant's last.
    async fn revoke_admin_token(&self, tenant_id: &str, id: &str)
    -> Result<Revocation, StoreError>;

    /// Fails with `Conflict` when the username is taken in the tenant.
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;
    async fn user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError>;
    /// By username, or by email once that email is verified; a username wins a tie.
    async fn user_by_login_name(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError>;
    /// A page of the tenant's users (see [`UserQuery`]).
    async fn users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError>;
    /// Saves profile, password and MFA fields (not the lockout counters, which only move atomically).
    async fn update_user(&self, user: &User) -> Result<bool, StoreError>;
    /// Deletes the user with everything that hangs off it, sessions included.
    async fn delete_user(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Counts one failed second-factor check, in the budget and in the run; returns the counter
    /// after it (all zero for no such user).
    async fn record_second_factor_failure(&self, user_id: &str) -> Result<Counter, StoreError>;
    /// Locks the second factor and starts a fresh budget, counting the lock — only while the
    /// budget is spent (`max_attempts` failures, or the run at `ceiling`), so of two failures
    /// racing into the same budget exactly one locks. True when this call locked.
    async fn lock_second_factor(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError>;
    /// A passed second factor ends the run: failures, run and escalation back to zero.
    async fn clear_second_factor_failures(&self, user_id: &str) -> Result<(), StoreError>;
    /// Clears the second-factor counters and lock and every password throttle of the user; true
    /// when the user exists.
    async fn unlock(&self, user_id: &str) -> Result<bool, StoreError>;

    /// Failed passwords for a login name (`subject`: a user id or a stand-in id) from `source`
    /// (a client address) and from anywhere.
    async fn password_throttle(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<PasswordThrottle, StoreError>;
    /// Counts one failed password from `source` and account-wide, atomically; both after it.
    async fn record_password_failure(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        now: UnixTime,
    ) -> Result<PasswordThrottle, StoreError>;
    /// Forgets the tenant's password throttles (sources and accounts) whose last failure came
    /// before `last_failure_before` and that hold no lock at `now` (a block always holds); how
    /// many were forgotten.
    async fn forget_stale_password_failures(
        &self,
        tenant_id: &str,
        last_failure_before: UnixTime,
        now: UnixTime,
    ) -> Result<u64, StoreError>;
    /// Makes `source` wait until `until` (a later wait already set stands).
    async fn delay_password_source(
        &self,
        tenant_id: &str,
        subject: &str,
        source: &str,
        until: UnixTime,
    ) -> Result<(), StoreError>;
    /// Locks the login name for everyone and starts a fresh count, counting the lock — only while
    /// its failures are at `ceiling`, so of racing failures one locks. True when this call locked.
    async fn lock_password_account(
        &self,
        tenant_id: &str,
        subject: &str,
        lock: LockState,
        ceiling: u32,
    ) -> Result<bool, StoreError>;
    /// A right password ends the run of its source and the account's.
    async fn clear_password_failures(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError>;

    async fn insert_authenticator(&self, authenticator: &Authenticator) -> Result<(), StoreError>;
    async fn authenticators_of(&self, user_id: &str) -> Result<Vec<Authenticator>, StoreError>;
    /// Pending → active, once; records the step that proved it so that code cannot be replayed.
    async fn activate_authenticator(
        &self,
        id: &str,
        proof_step: Option<u64>,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    async fn delete_authenticator(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;
    async fn rename_authenticator(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError>;
    /// Pending → active for a WebAuthn credential, storing its public credential; once.
    async fn activate_credential(
        &self,
        id: &str,
        name: &str,
        credential: &serde_json::Value,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    /// Saves a credential after a sign-in, only if its signature counter moved forward (or is 0).
    async fn update_credential(
        &self,
        id: &str,
        credential: &serde_json::Value,
        counter: u32,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Stores a WebAuthn ceremony, voiding an earlier one of its session or authenticator.
    async fn replace_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError>;
    /// Takes (deletes) the ceremony of a session or a pending authenticator; `None` when there is
    /// none or it expired.
    async fn take_ceremony(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError>;
    /// Sets every authenticator of `factor` of the user to `state` (a changed phone number
    /// suspends its SMS factor until verified again); returns how many changed.
    async fn set_factor_state(
        &self,
        user_id: &str,
        factor: Factor,
        state: AuthenticatorState,
    ) -> Result<u64, StoreError>;
    /// Succeeds only if `step` is newer than the last accepted one (compare-and-set).
    async fn consume_totp_step(
        &self,
        id: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Stores a new backup-code authenticator with its code hashes, removing any earlier set.
    async fn replace_backup_codes(
        &self,
        authenticator: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError>;
    /// Marks the code used if it exists and is unused; true for exactly one caller.
    async fn consume_backup_code(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    async fn unused_backup_codes(&self, user_id: &str) -> Result<u32, StoreError>;

    async fn insert_session(&self, session: &Session, token: &TokenHash) -> Result<(), StoreError>;
    async fn session(&self, id: &str) -> Result<Option<(Session, TokenHash)>, StoreError>;
    /// The session a bearer token belongs to (the hash is keyed, so the lookup leaks nothing).
    async fn session_by_token(&self, token: &TokenHash) -> Result<Option<Session>, StoreError>;
    /// Saves the session and rotates its token, only if `expected` is still the current token:
    /// of two updates racing with one token, one wins.
    async fn update_session(
        &self,
        session: &Session,
        expected: &TokenHash,
        next: &TokenHash,
    ) -> Result<bool, StoreError>;
    async fn delete_session(&self, id: &str) -> Result<bool, StoreError>;
    /// Saves the session's risk score without touching its token.
    async fn set_session_risk(&self, session: &Session) -> Result<bool, StoreError>;

    /// Stores a challenge, voiding any live one of the same user, channel and purpose.
    async fn replace_challenge(&self, challenge: &Challenge) -> Result<(), StoreError>;
    async fn live_challenge(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError>;
    /// Spends one try of a live challenge; the tries left after it, or `None` when the challenge
    /// is gone, expired or out of tries.
    async fn take_challenge_attempt(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<u32>, StoreError>;
    /// Removes the challenge; true for exactly one caller.
    async fn consume_challenge(&self, id: &str) -> Result<bool, StoreError>;

    /// Counts one hit (a code sent, a password failed) under each key; returns row ids so a
    /// refused send can be forgotten.
    async fn record_hits(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError>;
    async fn forget_hits(&self, ids: &[i64]) -> Result<(), StoreError>;
    /// Hits under a key after `since`, and the oldest of them.
    async fn count_hits(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError>;

    async fn insert_app(&self, app: &App) -> Result<(), StoreError>;
    async fn app(&self, tenant_id: &str, client_id: &str) -> Result<Option<App>, StoreError>;
    async fn apps(&self, tenant_id: &str) -> Result<Vec<App>, StoreError>;
    async fn update_app(&self, app: &App) -> Result<bool, StoreError>;
    async fn delete_app(&self, tenant_id: &str, client_id: &str) -> Result<bool, StoreError>;

    async fn insert_auth_request(&self, request: &AuthRequest) -> Result<(), StoreError>;
    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError>;
    /// Binds a live, unanswered request to the session a login UI started for it; the first
    /// session keeps it until that session is deleted.
    async fn bind_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    /// Marks a live request answered for `session_id` (its bound session, or any while none is);
    /// true for exactly one caller.
    async fn consume_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    async fn insert_grant(&self, grant: &Grant, code: &TokenHash) -> Result<(), StoreError>;
    async fn grant(&self, id: &str) -> Result<Option<Grant>, StoreError>;
    /// Uses the authorization code once: the grant for the first caller, `Replayed` after.
    async fn redeem_code(&self, code: &TokenHash, now: UnixTime) -> Result<Redemption, StoreError>;
    /// Revokes the grant and its unused refresh tokens; true when it was live.
    async fn revoke_grant(&self, id: &str, now: UnixTime) -> Result<bool, StoreError>;
    /// Revokes every live grant that came from the session; how many.
    async fn revoke_grants_of_session(
        &self,
        session_id: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError>;
    async fn insert_refresh_token(
        &self,
        hash: &TokenHash,
        grant_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError>;
    /// Uses a refresh token once: `Rotated` for the first caller, `Reused` after.
    async fn rotate_refresh_token(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Rotation, StoreError>;

    async fn insert_device(&self, device: &Device, token: &TokenHash) -> Result<(), StoreError>;
    async fn device_by_token(&self, token: &TokenHash) -> Result<Option<Device>, StoreError>;
    async fn devices_of(&self, user_id: &str) -> Result<Vec<Device>, StoreError>;
    async fn update_device(&self, device: &Device) -> Result<bool, StoreError>;
    async fn delete_device(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;
    /// Remembers that a satisfied sign-in of the user came from `network`.
    async fn record_network(
        &self,
        user_id: &str,
        network: &str,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    async fn knows_network(&self, user_id: &str, network: &str) -> Result<bool, StoreError>;

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError>;
    /// The tenant's keys, newest first.
    async fn signing_keys(&self, tenant_id: &str) -> Result<Vec<SigningKey>, StoreError>;
    /// Marks every other active key retired (after a new key took over).
    async fn retire_signing_keys(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError>;

    async fn append_event(&self, event: &NewEvent) -> Result<(), StoreError>;
    async fn events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError>;
}
