//! What an authorization request's decision is made from: the precheck decides with it, and
//! remembering a device after sign-in reads it.

use twofold_core::Factor;
use twofold_core::app::App;
use twofold_core::authorize::AuthRequest;
use twofold_core::device::Device;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;

/// Everything a decision is made from, read fresh from the store.
pub struct Subject {
    pub request: AuthRequest,
    pub app: App,
    pub session: Session,
    pub user: Option<User>,
    pub active: Vec<Factor>,
    pub settings: LoginSettings,
    pub device: Option<Device>,
}
