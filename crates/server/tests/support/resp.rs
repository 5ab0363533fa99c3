//! A server answer as the tests read it, with the assertions on its status and problem shape.

use reqwest::header::HeaderMap;
use serde_json::Value;

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub async fn from(response: reqwest::Response) -> Resp {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "{:?}", self.body);
        self.body
    }

    pub fn created(self) -> Value {
        assert_eq!(self.status, 201, "{:?}", self.body);
        self.body
    }

    /// The seconds of its `Retry-After` header, which must be there.
    pub fn retry_after(&self) -> u64 {
        let header = self.headers.get("retry-after");
        let value = header.unwrap_or_else(|| panic!("no Retry-After: {self:?}"));
        value.to_str().unwrap().parse().unwrap()
    }

    /// Asserts an RFC 9457 problem with this stable code; returns the body.
    pub fn problem(self, code: &str) -> Value {
        assert_eq!(
            self.body["code"], code,
            "status {} body {:?}",
            self.status, self.body
        );
        assert_eq!(self.headers["content-type"], "application/problem+json");
        assert_eq!(self.body["status"], self.status);
        assert!(self.status >= 400 && self.status != 500, "{self:?}");
        assert!(
            self.body["detail"].is_string()
                && self.body["type"].is_string()
                && self.body["title"].is_string()
        );
        self.body
    }
}
