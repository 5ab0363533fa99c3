//! Who a request about a user's authenticators comes from.

use twofold_core::session::Session;

/// Either credential: the admin token, or the session token of a user signing in.
pub enum Caller {
    Admin { tenant_id: String },
    Session(Box<Session>),
}

impl Caller {
    pub fn tenant_id(&self) -> &str {
        match self {
            Caller::Admin { tenant_id } => tenant_id,
            Caller::Session(session) => &session.tenant_id,
        }
    }
}
