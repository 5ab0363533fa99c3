//! The audit log: paged oldest first, filtered.

use serde_json::json;
use twofold_core::UnixTime;
use twofold_core::event::EventType;
use twofold_store::{EventQuery, NewEvent};

use crate::support::{TENANT, stores};

#[tokio::test]
async fn events_page_oldest_first_with_filters() {
    for store in stores().await {
        for i in 0..7 {
            let event = NewEvent {
                tenant_id: TENANT.to_owned(),
                kind: if i % 2 == 0 {
                    EventType::SessionCheckFailed
                } else {
                    EventType::UserCreated
                },
                at: UnixTime(i),
                user_id: Some(if i < 4 { "u1" } else { "u2" }.to_owned()),
                session_id: None,
                ip: Some("127.0.0.1".to_owned()),
                detail: json!({"n": i}),
            };
            store.append_event(&event).await.unwrap();
        }
        let query =
            |user: Option<&str>, kind: Option<&str>, after: Option<i64>, limit: u32| EventQuery {
                tenant_id: TENANT.to_owned(),
                user_id: user.map(str::to_owned),
                kind: kind.map(str::to_owned),
                after,
                limit,
            };
        let page = store.events(&query(None, None, None, 3)).await.unwrap();
        assert_eq!(
            page.iter()
                .map(|e| e.detail["n"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let rest = store
            .events(&query(None, None, Some(page[2].id), 10))
            .await
            .unwrap();
        assert_eq!(rest.len(), 4);
        let u1_failures = store
            .events(&query(Some("u1"), Some("session.check_failed"), None, 10))
            .await
            .unwrap();
        assert_eq!(
            u1_failures.iter().map(|e| e.at).collect::<Vec<_>>(),
            vec![UnixTime(0), UnixTime(2)]
        );
        assert!(
            store
                .events(&EventQuery {
                    tenant_id: "other".into(),
                    ..query(None, None, None, 10)
                })
                .await
                .unwrap()
                .is_empty()
        );
    }
}
