//! 审批: the supervisors' list of withdrawal requests waiting for a decision,
//! and approving or rejecting one from it. A decision swaps the list in place
//! (htmx) or posts and comes back to the list (plain form); a note missing on a
//! rejection keeps the typed text under that row's form, and a request decided
//! meanwhile shows the list again with the reason on top.

use super::context::Page;
use super::session::Supervisor;
use super::{is_htmx, render_status, see_other};
use crate::domain::WithdrawalId;
use crate::domain::text_enum::Labelled;
use crate::domain::validate::FieldErrors;
use crate::domain::withdrawal::Step;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::services::approvals::{self, ApprovalRow, Cursor};
use crate::services::withdrawal::{self, StepInput};
use crate::startup::AppState;
use crate::store::compensations::Compensation;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

/// The list's element id, which htmx targets.
const LIST_ID: &str = "approvals-list";

/// What the page URL may carry: the page to show, and after a plain-form
/// decision which step was taken on which ticket (a message without a session flash).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApprovalsParams {
    after: String,
    done: String,
    ticket: String,
}

/// A message above the list.
pub struct Notice {
    pub success: bool,
    pub text: String,
}

/// The form that came back with problems: which request, which step, what was typed.
#[derive(Default)]
pub struct Retry {
    request: Option<WithdrawalId>,
    step: &'static str,
    text: String,
    errors: FieldErrors,
}

impl Retry {
    fn is(&self, request: &WithdrawalId, step: &str) -> bool {
        self.request == Some(*request) && self.step == step
    }
    pub fn text_for(&self, request: &WithdrawalId, step: &str) -> &str {
        if self.is(request, step) { &self.text } else { "" }
    }
    pub fn errors_for(&self, request: &WithdrawalId, step: &str) -> &FieldErrors {
        static NONE: FieldErrors = FieldErrors::empty();
        if self.is(request, step) { &self.errors } else { &NONE }
    }
}

#[derive(Template)]
#[template(path = "approvals/list_partial.html")]
struct ApprovalsList<'a> {
    page: &'a Page,
    rows: Vec<ApprovalRow>,
    next_href: Option<String>,
    notice: Option<Notice>,
    retry: &'a Retry,
}

#[derive(Template)]
#[template(path = "approvals/index.html")]
struct ApprovalsPage<'a> {
    page: &'a Page,
    list: &'a str,
}

impl ApprovalsList<'_> {
    /// How long the request has waited, e.g. "2 days 3 h" / "2 天 3 小时".
    fn waited(&self, waited: &Duration) -> String {
        let minutes = waited.num_minutes().max(0);
        let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        let args = [("days", Arg::from(days)), ("hours", Arg::from(hours)), ("minutes", Arg::from(mins))];
        let key = match (days, hours) {
            (0, 0) => "approvals-waited-minutes",
            (0, _) => "approvals-waited-hours",
            _ => "approvals-waited-days",
        };
        self.page.t_args(key, &args)
    }

    /// Why the supervisors have it, in words.
    fn referral(&self, row: &ApprovalRow) -> String {
        row.withdrawal.referral.map(|r| self.page.label(r)).unwrap_or_default()
    }

    /// "in_progress → resolved" when the ticket moved on since the request.
    fn state_note(&self, row: &ApprovalRow) -> String {
        let args = [
            ("then", Arg::from(self.page.label(row.withdrawal.state_at_request))),
            ("now", Arg::from(self.page.label(row.ticket.state))),
        ];
        self.page.t_args("approvals-state-changed", &args)
    }

    /// Kind and amount of one compensation, e.g. "Refund ¥120.00".
    fn compensation(&self, c: &Compensation) -> String {
        match c.amount() {
            Some(amount) => format!("{} ¥{amount}", self.page.label(c.kind)),
            None => self.page.label(c.kind),
        }
    }

    /// Whether it must come back, in words.
    fn return_status(&self, c: &Compensation) -> String {
        match (c.return_due_at, c.returned_at) {
            (_, Some(at)) => self.page.t_args("approvals-returned", &[("time", Arg::from(self.page.time(&at)))]),
            (Some(_), None) => self.page.t("approvals-return-open"),
            (None, None) => self.page.t("approvals-return-if-approved"),
        }
    }

    fn recent_withdrawals(&self, row: &ApprovalRow) -> String {
        self.page.t_args("approvals-recent-withdrawals", &[("count", Arg::from(row.recent_withdrawals))])
    }

    /// Whether the workflow lets a supervisor take the step (by its form code) now.
    fn allows(&self, row: &ApprovalRow, step: &str) -> bool {
        Step::parse(step).is_some_and(|step| row.allows(step))
    }

    fn label<L: Labelled>(&self, value: L) -> String {
        self.page.label(value)
    }
}

impl Notice {
    fn done(page: &Page, step: Step, number: &str) -> Notice {
        let key = if step == Step::Approve { "approvals-done-approve" } else { "approvals-done-reject" };
        Notice { success: true, text: page.t_args(key, &[("number", Arg::from(number.to_owned()))]) }
    }
}

/// One request to the approvals page: the list (htmx) or the whole page.
struct Reply<'a> {
    req: &'a HttpRequest,
    page: &'a Page,
    state: &'a AppState,
}

impl Reply<'_> {
    async fn list(
        &self,
        status: StatusCode,
        after: Option<Cursor>,
        notice: Option<Notice>,
        retry: &Retry,
    ) -> AppResult<HttpResponse> {
        let mut conn = self.state.pool.get().await?;
        let found = approvals::page(&mut conn, after, Utc::now()).await?;
        drop(conn);
        let next_href = found.next.map(|c| format!("/approvals?after={}", c.encode()));
        let list = ApprovalsList { page: self.page, rows: found.rows, next_href, notice, retry };
        // htmx asks for the list alone: the next page, or after a decision.
        if is_htmx(self.req) && self.req.headers().get("HX-Target").is_some_and(|t| t == LIST_ID) {
            return render_status(status, &list);
        }
        let list = list.render().map_err(AppError::internal)?;
        render_status(status, &ApprovalsPage { page: self.page, list: &list })
    }
}

/// `GET /approvals`: the requests waiting for a supervisor, longest waiting first.
pub async fn index(
    _: Supervisor,
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    params: web::Query<ApprovalsParams>,
) -> AppResult<HttpResponse> {
    let after = match params.after.as_str() {
        "" => None,
        text => Some(Cursor::decode(text).ok_or(AppError::BadRequest("error-bad-cursor"))?),
    };
    let notice = match Step::parse(&params.done) {
        Some(step @ (Step::Approve | Step::Reject)) if is_ticket_number(&params.ticket) => {
            Some(Notice::done(&page, step, &params.ticket))
        }
        _ => None,
    };
    Reply { req: &req, page: &page, state: &state }.list(StatusCode::OK, after, notice, &Retry::default()).await
}

/// Only a plausible ticket number is echoed back on the page.
fn is_ticket_number(text: &str) -> bool {
    (1..=40).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `POST /approvals/{request}/{approve|reject}`: decides one request, with the
/// note the customer reads (required to reject).
pub async fn decide(
    Supervisor(me): Supervisor,
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<StepInput>,
) -> AppResult<HttpResponse> {
    let (id, code) = path.into_inner();
    let step = match Step::parse(&code) {
        Some(step @ (Step::Approve | Step::Reject)) => step,
        _ => return Err(AppError::NotFound),
    };
    let mut input = form.into_inner();
    // The path names the request; a form naming another one is not ours.
    if input.request.is_some_and(|r| r != id) {
        return Err(AppError::BadRequest("error-bad-request"));
    }
    input.request = Some(id);
    let request = WithdrawalId(id);
    let mut conn = state.pool.get().await?;
    let answer_within = state.policy.withdrawal_answer;
    let result: AppResult<String> = async {
        let number = approvals::pending_ticket(&mut conn, request).await?;
        withdrawal::step(&mut conn, &number, &me, step, &input, answer_within, Utc::now()).await?;
        Ok(number)
    }
    .await;
    drop(conn);
    let reply = Reply { req: &req, page: &page, state: &state };
    match result {
        Ok(number) if is_htmx(&req) => {
            let notice = Some(Notice::done(&page, step, &number));
            // The navigation's counts change with the decision.
            Ok(super::badges::changed(reply.list(StatusCode::OK, None, notice, &Retry::default()).await?))
        }
        Ok(number) => Ok(see_other(&format!("/approvals?done={}&ticket={number}", step.code()))),
        Err(AppError::Invalid(errors)) => {
            let retry = Retry { request: Some(request), step: step.code(), text: input.text, errors };
            reply.list(StatusCode::UNPROCESSABLE_ENTITY, None, None, &retry).await
        }
        Err(e @ (AppError::Refused(_) | AppError::Conflict(_))) => {
            let notice = Some(Notice { success: false, text: page.t(e.message_key()) });
            reply.list(e.status_code(), None, notice, &Retry::default()).await
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_ticket_numbers_are_echoed() {
        assert!(super::is_ticket_number("AS20261123-000042"));
        for bad in ["", "<script>", "a b", &"A".repeat(41)] {
            assert!(!super::is_ticket_number(bad), "{bad}");
        }
    }
}
