//! Who is waiting on a push on this node, so the device's answer wakes them at once. One waiter
//! per user (a user has one pending push at a time anyway) and a node-wide cap, so waiting
//! cannot pin the server: a request that finds no free place is answered at once instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// The waiters of this node, keyed by user id. Another node's waiters are not here: they find
/// the answer by re-reading the exchange (see `wait.rs`).
pub struct PushWaiters {
    limit: usize,
    waiting: Mutex<HashMap<String, Arc<Notify>>>,
}

/// A place taken in [`PushWaiters`], given back when dropped (also when the client hangs up and
/// the request is dropped mid-wait).
pub struct WaitPlace<'a> {
    waiters: &'a PushWaiters,
    user_id: String,
    notify: Arc<Notify>,
}

impl PushWaiters {
    /// At most `limit` requests wait at once on this node.
    pub fn new(limit: usize) -> PushWaiters {
        PushWaiters {
            limit,
            waiting: Mutex::default(),
        }
    }

    /// A place for the user's request to wait in; `None` when the user already waits in another
    /// request or the node is full.
    pub fn enter(&self, user_id: &str) -> Option<WaitPlace<'_>> {
        let mut waiting = self.waiting.lock().ok()?;
        if waiting.len() >= self.limit || waiting.contains_key(user_id) {
            return None;
        }
        let notify = Arc::new(Notify::new());
        waiting.insert(user_id.to_owned(), Arc::clone(&notify));
        Some(WaitPlace {
            waiters: self,
            user_id: user_id.to_owned(),
            notify,
        })
    }

    /// Wakes the user's waiter on this node, if any: their push was answered.
    pub fn wake(&self, user_id: &str) {
        let notify = match self.waiting.lock() {
            Ok(waiting) => waiting.get(user_id).cloned(),
            Err(_) => None,
        };
        if let Some(notify) = notify {
            // A permit is kept if the waiter is between two reads, so no answer is missed.
            notify.notify_one();
        }
    }
}

impl WaitPlace<'_> {
    /// Resolves when the user's push was answered on this node (or was before, since the place
    /// was taken).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }
}

impl Drop for WaitPlace<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.waiters.waiting.lock() {
            waiting.remove(&self.user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn one_place_per_user_and_none_past_the_limit() {
        let waiters = PushWaiters::new(2);
        let alice = waiters.enter("alice").expect("a free place");
        assert!(waiters.enter("alice").is_none(), "alice waits already");
        let _bob = waiters.enter("bob").expect("a free place");
        assert!(waiters.enter("carol").is_none(), "the node is full");
        drop(alice);
        assert!(
            waiters.enter("carol").is_some(),
            "alice's place is free again"
        );
    }

    #[tokio::test]
    async fn a_wake_before_the_wait_is_not_lost() {
        let waiters = PushWaiters::new(1);
        let place = waiters.enter("alice").unwrap();
        waiters.wake("alice");
        tokio::time::timeout(std::time::Duration::from_secs(1), place.woken())
            .await
            .expect("woken by the earlier answer");
    }
}
