//! What a failed check writes, held until its one transaction: the rolling counts it adds to,
//! its events, a password source's wait and the lock it earned (told only by the request whose
//! lock lands). The failure's counter moved already, with the attempt it reserved; everything
//! else commits together, without the session and whatever its token has become.

use serde_json::json;
use twofold_core::event::EventType;
use twofold_core::quota::Scope;
use twofold_core::settings::LoginSettings;
use twofold_core::step::FailureEffect;
use twofold_store::{
    Applied, Hit, Lock, LockWrite, NewEvent, SessionWrite, SourceDelay, StepWrite,
};

use super::factors::password::source_of;
use super::{Ctx, events};
use crate::error::Error;
use crate::state::Inner;

#[derive(Debug, Default)]
pub(in crate::flows) struct FailureWrite {
    hits: Vec<Hit>,
    events: Vec<NewEvent>,
    delay: Option<SourceDelay>,
    lock: Option<LockWrite>,
}

/// Whom a failure is about: `subject` is counted (a user's id, or the stand-in id of a name
/// nobody has); `user_id` is told in the events (none for a stand-in).
#[derive(Debug, Clone, Copy)]
pub(in crate::flows) struct About<'a> {
    pub subject: &'a str,
    pub user_id: Option<&'a str>,
}

impl FailureWrite {
    /// The writes a decided failure's effects come to, in their order; the one place effects
    /// become rows and events.
    pub(in crate::flows) fn of(
        ctx: &Ctx,
        settings: &LoginSettings,
        about: About<'_>,
        effects: &[FailureEffect<'_>],
    ) -> FailureWrite {
        let mode = settings.lockout.mode;
        let user_id = about.user_id;
        let mut write = FailureWrite::default();
        for effect in effects {
            match *effect {
                FailureEffect::SecondFactorFailed {
                    factor,
                    reason,
                    failures,
                    run,
                } => {
                    // A rolling count beside the consecutive one: a pass ends a run, not the
                    // memory of it.
                    write.hit(ctx, Scope::FailedCheckUser, about.subject);
                    let detail = json!({"factor": factor, "reason": reason, "failures": failures, "consecutive_failures": run});
                    write.event(events::new(
                        ctx,
                        EventType::SessionCheckFailed,
                        user_id,
                        detail,
                    ));
                }
                FailureEffect::CaptchaRequired { failures } => {
                    let detail = json!({"budget": "second_factor", "mode": mode, "captcha_required": true, "failures": failures});
                    write.event(events::new(ctx, EventType::UserLocked, user_id, detail));
                }
                FailureEffect::LockSecondFactor {
                    lock,
                    max_attempts,
                    ceiling,
                    run,
                } => {
                    let until = lock.state.until();
                    let (kind, detail) = if lock.ceiling {
                        let detail = json!({"budget": "second_factor", "consecutive_failures": run, "until": "unlocked"});
                        (EventType::UserBlocked, detail)
                    } else {
                        let duration = until.map(|t| t.seconds_since(ctx.now));
                        let detail = json!({"budget": "second_factor", "mode": mode, "level": lock.level, "duration_seconds": duration, "locked_until": until.map(|t| t.0)});
                        (EventType::UserLocked, detail)
                    };
                    let lock = Lock::SecondFactor {
                        user_id: about.subject.to_owned(),
                        state: lock.state,
                        max_attempts,
                        ceiling,
                    };
                    write.lock(lock, events::new(ctx, kind, user_id, detail));
                }
                FailureEffect::PasswordFailed {
                    factor,
                    known_user,
                    from_address,
                    failures,
                    from_source,
                } => {
                    if let (Some(ip), true) = (&ctx.ip, from_address) {
                        write.hit(ctx, Scope::FailedPasswordIp, ip);
                    }
                    // The "recent failures" risk signal, kept for stand-ins too so both cost
                    // the same.
                    write.hit(ctx, Scope::FailedCheckUser, about.subject);
                    let reason = if known_user { "wrong" } else { "unknown_user" };
                    let detail = json!({"factor": factor, "reason": reason, "failures": failures, "from_source": from_source});
                    write.event(events::new(
                        ctx,
                        EventType::SessionCheckFailed,
                        user_id,
                        detail,
                    ));
                }
                FailureEffect::LockPasswordAccount { lock, ceiling } => {
                    let until = lock.state.until();
                    let duration = until.map(|t| t.seconds_since(ctx.now));
                    let detail = json!({"budget": "password", "mode": mode, "level": lock.level, "duration_seconds": duration, "locked_until": until.map(|t| t.0), "known_user": user_id.is_some()});
                    let lock = Lock::PasswordAccount {
                        tenant_id: ctx.tenant_id.clone(),
                        subject: about.subject.to_owned(),
                        state: lock.state,
                        ceiling,
                    };
                    write.lock(
                        lock,
                        events::new(ctx, EventType::UserLocked, user_id, detail),
                    );
                }
                FailureEffect::DelaySource { seconds, failures } => {
                    let Some(source) = source_of(ctx) else {
                        continue;
                    };
                    write.delay_password_source(SourceDelay {
                        tenant_id: ctx.tenant_id.clone(),
                        subject: about.subject.to_owned(),
                        source: source.to_owned(),
                        until: ctx.now.plus_seconds(seconds),
                    });
                    let detail = json!({"reason": "source_waits", "failures": failures, "retry_after": seconds});
                    write.event(events::new(
                        ctx,
                        EventType::SessionThrottled,
                        user_id,
                        detail,
                    ));
                }
            }
        }
        write
    }

    /// One more in the rolling count `scope` of `key`.
    pub(in crate::flows) fn hit(&mut self, ctx: &Ctx, scope: Scope, key: &str) {
        self.hits.push(Hit {
            tenant_id: ctx.tenant_id.clone(),
            scope,
            key: key.to_owned(),
            at: ctx.now,
        });
    }

    pub(in crate::flows) fn event(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// An event told before the failure's own (why it failed, in a factor's words).
    pub(in crate::flows) fn event_first(&mut self, event: NewEvent) {
        self.events.insert(0, event);
    }

    pub(in crate::flows) fn delay_password_source(&mut self, delay: SourceDelay) {
        self.delay = Some(delay);
    }

    /// The lock, conditional on its budget still being spent; `event` is told only if it lands.
    pub(in crate::flows) fn lock(&mut self, lock: Lock, event: NewEvent) {
        self.lock = Some(LockWrite { lock, event });
    }

    /// Writes the failure in one transaction; true when its lock landed.
    pub(in crate::flows) async fn commit(self, state: &Inner) -> Result<bool, Error> {
        let mut write = StepWrite::new(SessionWrite::Keep);
        write.hits = self.hits;
        write.events = self.events;
        write.delay_password_source = self.delay;
        write.lock = self.lock;
        match state.store.apply_step(&write).await? {
            Applied::Committed { locked } => {
                let lock_event = write.lock.as_ref().filter(|_| locked);
                for event in write.events.iter().chain(lock_event.map(|l| &l.event)) {
                    state.metrics.count_event(event.kind);
                }
                Ok(locked)
            }
            // Nothing is conditional in a write that keeps the session and spends nothing.
            Applied::TokenLost | Applied::ConsumptionLost(_) => Err(Error::Internal(
                "a failure's writes were refused by a condition they do not have".into(),
            )),
        }
    }
}
