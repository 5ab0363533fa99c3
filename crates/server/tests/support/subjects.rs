//! Who a test signs in as: a user with their TOTP generators, and a session with its token.

use serde_json::Value;

use super::Generator;

pub struct TestUser {
    pub id: String,
    pub username: String,
    pub totp: Vec<Generator>,
}

impl TestUser {
    pub fn totp_now(&self) -> String {
        self.totp[0].now()
    }
}

#[derive(Clone)]
pub struct Session {
    pub id: String,
    pub token: String,
}

impl Session {
    pub fn from(body: &Value) -> Session {
        Session {
            id: body["session_id"].as_str().unwrap().to_owned(),
            token: body["session_token"].as_str().unwrap().to_owned(),
        }
    }
}
