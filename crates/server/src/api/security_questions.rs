//! A user's security questions: the whole answer set, set at once.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use twofold_core::Factor;
use twofold_core::factor_change::FactorChange;
use twofold_core::security_questions::AnswerInput;

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::enrolment;
use crate::flows::factors::security_questions;
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    answers: Vec<AnswerInput>,
}

/// `PUT /v1/users/{id}/security-questions`: replaces the user's answers; the set is active at once.
pub async fn put_answers(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<AnswersBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let change = FactorChange::SetUp(Factor::SecurityQuestions);
    let (user, _) = enrolment::authorize(&state, &ctx, &caller, &user_id, change).await?;
    let set = security_questions::enrol(&state, &ctx, &user, &body.answers).await?;
    Ok(ok(present::authenticator(&set)))
}
