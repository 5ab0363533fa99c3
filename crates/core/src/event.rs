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
    CodeSent,
    CodeRateLimited,
    ContactChanged,
    ContactVerified,
    SessionThrottled,
    AppCreated,
    AppUpdated,
    AppDeleted,
    SigningKeyRotated,
}

impl EventType {
    pub const ALL: [EventType; 23] = [
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
        EventType::CodeSent,
        EventType::CodeRateLimited,
        EventType::ContactChanged,
        EventType::ContactVerified,
        EventType::SessionThrottled,
        EventType::AppCreated,
        EventType::AppUpdated,
        EventType::AppDeleted,
        EventType::SigningKeyRotated,
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
            EventType::CodeSent => "code.sent",
            EventType::CodeRateLimited => "code.rate_limited",
            EventType::ContactChanged => "contact.changed",
            EventType::ContactVerified => "contact.verified",
            EventType::SessionThrottled => "session.throttled",
            EventType::AppCreated => "app.created",
            EventType::AppUpdated => "app.updated",
            EventType::AppDeleted => "app.deleted",
            EventType::SigningKeyRotated => "signing_key.rotated",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}
