//! Security questions (factor `security-questions`, amr `kba`): enrolling the whole answer set at
//! once, asking a stable subset of it in a sign-in, and checking the answers.
//!
//! The rules are the domain's (`twofold_core::security_questions`): the normal form of an
//! answer, what an enrolment must meet, which questions are asked. Here they meet the store (the
//! answer set, the one pending exchange per user) and the Argon2id worker pool the passwords use.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::lockout::UnlockWith;
use twofold_core::secrets::SecretString;
use twofold_core::security_questions::{
    self as questions, AnswerInput, GivenAnswer, NormalisedAnswer, QuestionRef,
};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, Admission, Budget};
use twofold_core::user::User;
use twofold_store::{Consumption, QuestionExchange, StoredAnswer};

use super::{backup_code_fallback, budget};
use crate::error::Error;
use crate::flows::step_writes::Pending;
use crate::flows::subject::{Subject, second_factor_gate};
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

/// One question as a check asks it.
#[derive(Debug, Clone)]
pub struct AskedQuestion {
    pub question_id: String,
    pub text: String,
}

/// The questions a session challenge asks, under the exchange id the check names.
#[derive(Debug, Clone)]
pub struct AskedQuestions {
    pub exchange_id: String,
    pub questions: Vec<AskedQuestion>,
}

/// Sets the user's answers, all at once, replacing any earlier set; active at once, since the
/// answers are their own proof. Refusals name the question, never the answer.
pub async fn enrol(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    answers: &[AnswerInput],
) -> Result<Authenticator, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    if !settings.second_factors.contains(&Factor::SecurityQuestions) {
        return Err(Error::Forbidden(
            "security questions are not enabled for this tenant".to_owned(),
        ));
    }
    let enrolled = questions::validate_enrolment(&settings.security_questions, answers)
        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
    let mut stored = Vec::with_capacity(enrolled.len());
    for answer in &enrolled {
        let (question_id, question_text) = match &answer.question {
            QuestionRef::Catalogue { id } => (id.clone(), None),
            QuestionRef::Own { id, text } => (id.clone(), Some(text.clone())),
        };
        let answer_hash = state
            .passwords
            .hash(&secret(&answer.answer), state.random.as_ref())
            .await?;
        stored.push(StoredAnswer {
            question_id,
            question_text,
            answer_hash,
        });
    }
    let set = Authenticator {
        id: random::new_id(state.random.as_ref())?,
        user_id: user.id.clone(),
        factor: Factor::SecurityQuestions,
        name: "security questions".to_owned(),
        state: AuthenticatorState::Active,
        sealed_secret: None,
        params: json!({"answers": stored.len()}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.replace_security_answers(&set, &stored).await?;
    let ids: Vec<&str> = stored.iter().map(|s| s.question_id.as_str()).collect();
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        json!({"factor": Factor::SecurityQuestions, "authenticator_id": set.id, "questions": ids}),
    )
    .await?;
    Ok(set)
}

/// The session challenge: the user's pending questions, or a fresh random subset kept as pending
/// until a check decides it. The same gate as every second factor: the questions (own ones are
/// the user's words) are shown only after the first factor.
pub(in crate::flows) async fn ask(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &Session,
    subject: &mut Subject,
) -> Result<AskedQuestions, Error> {
    let factor = Factor::SecurityQuestions;
    let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
    let set = subject
        .authenticators(state)
        .await?
        .iter()
        .find(|a| a.factor == factor && a.is_usable())
        .map(|a| a.id.clone())
        .ok_or_else(|| Error::InvalidRequest(format!("`{factor}` is not set up for this user")))?;
    let answers = state.store.security_answers(&user.id).await?;
    let enrolled: Vec<String> = answers.iter().map(|a| a.question_id.clone()).collect();
    let pending = state
        .store
        .question_exchange(&user.id)
        .await?
        .filter(|e| e.authenticator_id == set);
    let count = settings.security_questions.asked_per_check;
    let roll = random::bytes::<32>(state.random.as_ref())?;
    let pending_ids = pending.as_ref().map(|e| e.question_ids.as_slice());
    let asked = questions::questions_to_ask(&enrolled, pending_ids, count, &roll);
    let exchange = match pending {
        Some(pending) if !asked.fresh => pending,
        stale => {
            if let Some(stale) = stale {
                state.store.end_question_exchange(&stale.id).await?;
            }
            let fresh = QuestionExchange {
                id: random::new_id(state.random.as_ref())?,
                user_id: user.id.clone(),
                authenticator_id: set,
                question_ids: asked.question_ids,
                created_at: ctx.now,
            };
            // Of two sessions asking at once, both get whichever was kept.
            state.store.open_question_exchange(&fresh).await?
        }
    };
    let language = user.language.as_deref();
    let questions = exchange
        .question_ids
        .iter()
        .map(|id| AskedQuestion {
            question_id: id.clone(),
            text: text_of(settings, &answers, id, language),
        })
        .collect();
    Ok(AskedQuestions {
        exchange_id: exchange.id,
        questions,
    })
}

/// A question's text in the user's language: an own question in the user's words; a catalogue
/// question in English or German. A question the operator has since taken out of the catalogue
/// is still asked (the user's answer to it stands), by its id.
fn text_of(
    settings: &LoginSettings,
    answers: &[StoredAnswer],
    id: &str,
    language: Option<&str>,
) -> String {
    let own = answers
        .iter()
        .find(|a| a.question_id == id)
        .and_then(|a| a.question_text.clone());
    own.or_else(|| {
        settings
            .security_questions
            .question(id)
            .map(|q| q.text.for_language(language).to_owned())
    })
    .unwrap_or_else(|| id.to_owned())
}

/// Answers to the pending exchange. A set that does not fit the questions asked is refused before
/// anything is compared (a malformed request costs no attempt); otherwise an attempt is reserved,
/// then every answer is compared with its Argon2id hash. A pass spends the exchange in the step's
/// transaction; a failure ends it too, so the next challenge asks afresh. Under a
/// `security_questions` lock the attempt comes from the lock's unlock budget instead, and a
/// right set lifts the lock in the step's transaction (and is the `kba` pass).
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    exchange_id: &str,
    given: &[GivenAnswer],
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let exchange = state
        .store
        .question_exchange(&user.id)
        .await?
        .filter(|e| e.id == exchange_id)
        .ok_or_else(|| {
            Error::InvalidRequest(
                "no such security-questions exchange is pending; ask the questions again"
                    .to_owned(),
            )
        })?;
    let mut normalised: Vec<(String, NormalisedAnswer)> = Vec::with_capacity(given.len());
    questions::answers_match(&exchange.question_ids, given, |id, answer| {
        normalised.push((id.to_owned(), answer.clone()));
        true
    })
    .map_err(|e| Error::InvalidRequest(e.to_string()))?;
    let stored = state.store.security_answers(&user.id).await?;
    let factor = Factor::SecurityQuestions;
    // Locked until they are answered: the attempt comes from the lock's unlock budget.
    let gate = budget::gate(state, settings, user, ctx.now).await?;
    if step::admit(factor, gate, pending.has_captcha()) == Admission::Try(Budget::Unlock) {
        let unlocking = match backup_code_fallback::reserve(
            state,
            ctx,
            settings,
            user,
            gate,
            UnlockWith::SecurityQuestions,
        )
        .await?
        {
            Ok(unlocking) => unlocking,
            Err(locked) => return Ok(locked),
        };
        if all_match(state, &normalised, &stored).await? {
            let consumption = Consumption::QuestionExchange { id: exchange.id };
            let lifted = backup_code_fallback::lifted;
            return Ok(lifted(ctx, user, factor, consumption, unlocking, pending));
        }
        state.store.end_question_exchange(&exchange.id).await?;
        return backup_code_fallback::failed(state, ctx, settings, user, unlocking).await;
    }
    let counter = match budget::reserve(
        state,
        ctx,
        settings,
        user,
        Factor::SecurityQuestions,
        pending,
    )
    .await?
    {
        Ok(counter) => counter,
        Err(locked) => return Ok(locked),
    };
    if all_match(state, &normalised, &stored).await? {
        let consumption = Consumption::QuestionExchange { id: exchange.id };
        return Ok(budget::passed_reserved(
            user,
            factor,
            ctx,
            pending,
            Some((consumption, "wrong")),
            counter,
        ));
    }
    // Decided: the next challenge rolls again, as the domain asks.
    state.store.end_question_exchange(&exchange.id).await?;
    budget::failed_reserved(state, ctx, settings, user, factor, "wrong", counter).await
}

/// Whether every given answer matches its stored hash.
async fn all_match(
    state: &Inner,
    given: &[(String, NormalisedAnswer)],
    stored: &[StoredAnswer],
) -> Result<bool, Error> {
    let mut all = true;
    for (id, answer) in given {
        let hash = stored
            .iter()
            .find(|s| s.question_id == *id)
            .map(|s| s.answer_hash.as_str());
        // Every answer is verified, right or wrong, so the time does not tell which one was.
        all &= state.passwords.verify(&secret(answer), hash).await?;
    }
    Ok(all)
}

fn secret(answer: &NormalisedAnswer) -> SecretString {
    SecretString::new(answer.expose().to_owned())
}
