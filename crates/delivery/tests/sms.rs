//! SMS goes out over HTTP to a real listener: the JSON webhook and the Twilio-compatible form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use twofold_core::secrets::SecretString;
use twofold_delivery::{
    CodeMessage, DeliveryError, Destination, MessagePurpose, Sender, TwilioSender, WebhookSender,
};

#[derive(Clone, Default)]
struct Gateway {
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Arc<Mutex<Vec<u16>>>,
}

async fn receive(State(gateway): State<Gateway>, headers: HeaderMap, body: String) -> StatusCode {
    gateway.seen.lock().unwrap().push((headers, body));
    let next = {
        let mut script = gateway.script.lock().unwrap();
        if script.is_empty() {
            200
        } else {
            script.remove(0)
        }
    };
    StatusCode::from_u16(next).unwrap()
}

async fn start(script: Vec<u16>) -> (String, Gateway) {
    let gateway = Gateway {
        script: Arc::new(Mutex::new(script)),
        ..Gateway::default()
    };
    let app = Router::new()
        .route("/{*path}", post(receive))
        .with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, gateway)
}

fn message() -> CodeMessage {
    CodeMessage {
        to: Destination::Phone("+41791234567".to_owned()),
        code: SecretString::new("271828".to_owned()),
        purpose: MessagePurpose::SignIn,
        valid_for_seconds: 300,
        exchange_id: "x-42".to_owned(),
        language: None,
    }
}

#[tokio::test]
async fn the_webhook_gets_json_with_a_bearer_token_and_survives_a_5xx() {
    let (base, gateway) = start(vec![503]).await;
    let sender = WebhookSender::new(&format!("{base}/sms"), Some("gw-secret".to_owned())).unwrap();
    sender.send(&message()).await.unwrap();
    let seen = gateway.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one retry after the 503");
    let (headers, body) = &seen[1];
    assert_eq!(headers["authorization"], "Bearer gw-secret");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["to"], "+41791234567");
    assert_eq!(json["exchange_id"], "x-42");
    assert_eq!(
        json["message"],
        "Your code to sign in: 271828. Valid for 5 minutes."
    );
}

#[tokio::test]
async fn a_gateway_that_keeps_failing_is_unavailable_and_a_4xx_is_final() {
    let (base, gateway) = start(vec![500, 502, 503, 504]).await;
    let down = WebhookSender::new(&format!("{base}/sms"), None)
        .unwrap()
        .send(&message())
        .await;
    assert!(
        matches!(down, Err(DeliveryError::Unavailable(_))),
        "{down:?}"
    );
    assert_eq!(
        gateway.seen.lock().unwrap().len(),
        3,
        "three attempts, then give up"
    );

    let (base, gateway) = start(vec![400]).await;
    let refused = WebhookSender::new(&format!("{base}/sms"), None)
        .unwrap()
        .send(&message())
        .await;
    assert!(
        matches!(refused, Err(DeliveryError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(
        gateway.seen.lock().unwrap().len(),
        1,
        "a refusal is not retried"
    );

    let nobody = WebhookSender::new("http://127.0.0.1:9/sms", None)
        .unwrap()
        .send(&message())
        .await;
    assert!(
        matches!(nobody, Err(DeliveryError::Unavailable(_))),
        "{nobody:?}"
    );
}

#[tokio::test]
async fn twilio_gets_a_form_post_with_basic_auth() {
    let (base, gateway) = start(vec![]).await;
    let sender = TwilioSender::new(&base, "AC123", "tok", "+15005550006").unwrap();
    sender.send(&message()).await.unwrap();
    let seen = gateway.seen.lock().unwrap().clone();
    let (headers, body) = &seen[0];
    assert!(
        headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
    assert!(
        body.contains("To=%2B41791234567")
            && body.contains("From=%2B15005550006")
            && body.contains("271828"),
        "{body}"
    );
}
