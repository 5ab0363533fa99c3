//! Use cases shared by the JSON API, (later) the hosted UI, OIDC and the CLI, so a rule cannot
//! drift between them. Handlers parse, call one flow, and render.

pub mod admin_tokens;
pub mod apps;
pub mod auth_requests;
pub mod caller;
pub mod client_redirect;
pub mod contacts;
pub mod devices;
pub mod enrolment;
pub mod events;
pub mod factors;
mod failure_writes;
pub mod groups;
pub mod jwt;
pub mod oauth;
pub mod precheck;
pub mod precheck_subject;
pub mod session_commit;
pub mod session_input;
pub mod session_view;
pub mod settings;
pub mod setup_skip;
pub mod sign_in;
pub mod sign_in_methods;
pub mod signing_keys;
mod step_writes;
mod subject;
pub mod tokens;
pub mod users;

use twofold_core::UnixTime;

/// Who a request acts for, when, and from where: read once at the edge.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub tenant_id: String,
    pub now: UnixTime,
    pub ip: Option<String>,
    /// The session the request acts in, once known; events carry it.
    pub session_id: Option<String>,
    /// The caller holds the admin token: a backend, not a person at a browser.
    pub admin: bool,
}
