//! Audit events: what happened, to whom, in which session. Details never hold secrets.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    SessionCreated,
    SessionCheckPassed,
    SessionCheckFailed,
    SessionTerminated,
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserLocked,
    UserUnlocked,
    AuthenticatorAdded,
    AuthenticatorActivated,
    AuthenticatorRemoved,
    SettingsUpdated,
    AdminTokenCreated,
    AdminTokenRevoked,
    CodeSent,
    CodeRateLimited,
    ContactChanged,
    ContactVerified,
    ContactRemoved,
    SessionThrottled,
    AppCreated,
    AppUpdated,
    AppDeleted,
    SigningKeyRotated,
    AuthRequestBound,
    PrecheckRefused,
    CodeIssued,
    TokensIssued,
    GrantRevoked,
    DeviceTrusted,
    DeviceRevoked,
    WebauthnRefused,
    AuthenticatorRenamed,
    UserBlocked,
    /// Push paused for a user after too many refused pushes.
    PushFatigue,
    /// A backup code lifted a lock (or a wrong one spent the unlock budget).
    LockFallback,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    /// Prompt mode: the user skipped setting up a second factor.
    MfaSetupSkipped,
}

impl EventType {
    pub const ALL: [EventType; 43] = [
        EventType::SessionCreated,
        EventType::SessionCheckPassed,
        EventType::SessionCheckFailed,
        EventType::SessionTerminated,
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeleted,
        EventType::UserLocked,
        EventType::UserUnlocked,
        EventType::AuthenticatorAdded,
        EventType::AuthenticatorActivated,
        EventType::AuthenticatorRemoved,
        EventType::SettingsUpdated,
        EventType::AdminTokenCreated,
        EventType::AdminTokenRevoked,
        EventType::CodeSent,
        EventType::CodeRateLimited,
        EventType::ContactChanged,
        EventType::ContactVerified,
        EventType::ContactRemoved,
        EventType::SessionThrottled,
        EventType::AppCreated,
        EventType::AppUpdated,
        EventType::AppDeleted,
        EventType::SigningKeyRotated,
        EventType::AuthRequestBound,
        EventType::PrecheckRefused,
        EventType::CodeIssued,
        EventType::TokensIssued,
        EventType::GrantRevoked,
        EventType::DeviceTrusted,
        EventType::DeviceRevoked,
        EventType::WebauthnRefused,
        EventType::AuthenticatorRenamed,
        EventType::UserBlocked,
        EventType::PushFatigue,
        EventType::LockFallback,
        EventType::GroupCreated,
        EventType::GroupUpdated,
        EventType::GroupDeleted,
        EventType::GroupMemberAdded,
        EventType::GroupMemberRemoved,
        EventType::MfaSetupSkipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SessionCreated => "session.created",
            EventType::SessionCheckPassed => "session.check_passed",
            EventType::SessionCheckFailed => "session.check_failed",
            EventType::SessionTerminated => "session.terminated",
            EventType::UserCreated => "user.created",
            EventType::UserUpdated => "user.updated",
            EventType::UserDeleted => "user.deleted",
            EventType::UserLocked => "user.locked",
            EventType::UserUnlocked => "user.unlocked",
            EventType::AuthenticatorAdded => "authenticator.added",
            EventType::AuthenticatorActivated => "authenticator.activated",
            EventType::AuthenticatorRemoved => "authenticator.removed",
            EventType::SettingsUpdated => "settings.updated",
            EventType::AdminTokenCreated => "admin_token.created",
            EventType::AdminTokenRevoked => "admin_token.revoked",
            EventType::CodeSent => "code.sent",
            EventType::CodeRateLimited => "code.rate_limited",
            EventType::ContactChanged => "contact.changed",
            EventType::ContactVerified => "contact.verified",
            EventType::ContactRemoved => "contact.removed",
            EventType::SessionThrottled => "session.throttled",
            EventType::AppCreated => "app.created",
            EventType::AppUpdated => "app.updated",
            EventType::AppDeleted => "app.deleted",
            EventType::SigningKeyRotated => "signing_key.rotated",
            EventType::AuthRequestBound => "auth_request.bound",
            EventType::PrecheckRefused => "auth_request.refused",
            EventType::CodeIssued => "oauth.code_issued",
            EventType::TokensIssued => "oauth.tokens_issued",
            EventType::GrantRevoked => "oauth.grant_revoked",
            EventType::DeviceTrusted => "device.trusted",
            EventType::DeviceRevoked => "device.revoked",
            EventType::WebauthnRefused => "webauthn.refused",
            EventType::AuthenticatorRenamed => "authenticator.renamed",
            EventType::UserBlocked => "user.blocked",
            EventType::PushFatigue => "push.fatigue",
            EventType::LockFallback => "user.lock_fallback",
            EventType::GroupCreated => "group.created",
            EventType::GroupUpdated => "group.updated",
            EventType::GroupDeleted => "group.deleted",
            EventType::GroupMemberAdded => "group.member_added",
            EventType::GroupMemberRemoved => "group.member_removed",
            EventType::MfaSetupSkipped => "session.mfa_setup_skipped",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_name_is_unique_and_parses_back() {
        for (i, kind) in EventType::ALL.iter().enumerate() {
            assert_eq!(EventType::parse(kind.as_str()), Some(*kind));
            assert!(
                EventType::ALL[..i]
                    .iter()
                    .all(|other| other.as_str() != kind.as_str())
            );
        }
        assert_eq!(
            EventType::parse("push.fatigue"),
            Some(EventType::PushFatigue)
        );
    }
}
