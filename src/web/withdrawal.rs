//! Withdrawal (撤单) on the ticket page: the dialog that says what withdrawing
//! means for this ticket before anyone confirms, the pending request with the
//! answers the viewer may give, the decided history, the 回访 question and,
//! for staff, the frequent-withdrawal flag. The approvals page is elsewhere.

use super::context::{Choice, Page};
use super::session::{Customer, SignedIn};
use super::tickets::{OnTicket, Retry, TicketCall};
use super::{is_htmx, render_status};
use crate::domain::validate::FieldErrors;
use crate::domain::withdrawal::{self as policy, DisputeReason, Opening, Step, WithdrawalFeedback, WithdrawalReason};
use crate::domain::withdrawal::{WithdrawalStatus, opening};
use crate::domain::workflow::{self, Refusal};
use crate::domain::{Role, UserId};
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::services::SessionUser;
use crate::services::withdrawal::{self as service, FeedbackInput, Preview, StepInput, WithdrawInput, WithdrawalPanel};
use crate::startup::AppState;
use crate::store::Conn;
use crate::store::tickets::Ticket;
use crate::store::withdrawals::Withdrawal;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use chrono::{DateTime, Utc};

/// Names of the step forms in `Retry`. Two-field forms keep the choice on the
/// first line of `Retry::text` and the typed text after it.
const DISPUTE_FORM: &str = "withdrawal_dispute";
const APPROVE_FORM: &str = "withdrawal_approve";
const REJECT_FORM: &str = "withdrawal_reject";
const FEEDBACK_FORM: &str = "withdrawal_feedback";

/// The withdrawal part of the ticket page and what the viewer may do there.
pub struct WithdrawalSection {
    pub panel: WithdrawalPanel,
    pub may: May,
}

/// The withdrawal actions the viewer may take now, asked of the policy and the
/// workflow (templates never compare states or statuses).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct May {
    /// Withdraw or ask to: no request is pending and the policy allows the viewer.
    pub open: bool,
    pub cancel: bool,
    pub accept: bool,
    pub dispute: bool,
    pub approve: bool,
    pub reject: bool,
    /// The 回访 question is open to this viewer.
    pub feedback: bool,
}

impl May {
    fn for_viewer(ticket: &Ticket, pending: Option<&Withdrawal>, viewer: &SessionUser, feedback_open: bool) -> May {
        let actor = viewer.role.into();
        // As `tickets::lock_for` says: agents answer for their own tickets, supervisors for any.
        let works_it = viewer.role == Role::Supervisor || ticket.assignee_id.is_none_or(|a| a == viewer.id);
        let can = |step: Step| {
            pending.is_some_and(|request| {
                workflow::decide(ticket.state, step.action(), actor).is_ok()
                    && policy::next_status(request.status, step).is_ok()
                    && (works_it || !workflow::assignee_only(step.action()))
            })
        };
        May {
            open: pending.is_none() && opening(ticket.state, actor).is_ok(),
            cancel: can(Step::Cancel),
            accept: can(Step::Accept),
            dispute: can(Step::Dispute),
            approve: can(Step::Approve),
            reject: can(Step::Reject),
            feedback: feedback_open,
        }
    }
}

impl WithdrawalSection {
    pub async fn load(
        conn: &mut Conn,
        ticket: &Ticket,
        viewer: &SessionUser,
        now: DateTime<Utc>,
    ) -> AppResult<WithdrawalSection> {
        let panel = service::panel(conn, ticket, viewer, now).await?;
        let may = May::for_viewer(ticket, panel.pending.as_ref(), viewer, panel.feedback_open.is_some());
        Ok(WithdrawalSection { panel, may })
    }

    /// Decided withdrawals and requests, oldest first.
    pub fn decided(&self) -> Vec<&Withdrawal> {
        self.panel.history.iter().filter(|w| !w.status.is_pending()).collect()
    }

    pub fn name(&self, id: &UserId) -> &str {
        self.panel.name(*id)
    }

    /// The reason as people read it: the label, and the text if any.
    pub fn reason(&self, page: &Page, w: &Withdrawal) -> String {
        match &w.reason_text {
            Some(text) => format!("{} — {text}", page.label(w.reason)),
            None => page.label(w.reason),
        }
    }

    /// Who holds the request: the assignee by name, or the supervisors.
    pub fn holder(&self, page: &Page, w: &Withdrawal, assignee: &Option<String>) -> String {
        match (w.status, assignee) {
            (WithdrawalStatus::WithAssignee, Some(name)) => {
                page.t_args("withdrawal-with-assignee", &[("name", Arg::from(name.clone()))])
            }
            _ => page.label(w.status),
        }
    }

    /// "With the supervisors" says why (resolved, disputed, not answered in time).
    pub fn referral(&self, page: &Page, w: &Withdrawal) -> Option<String> {
        w.referral.map(|r| page.label(r))
    }

    pub fn dispute_choices(&self, page: &Page, retry: &Retry) -> Vec<Choice> {
        page.choices(DisputeReason::ALL, retry.choice_for(DISPUTE_FORM))
    }

    pub fn feedback_choices(&self, page: &Page, retry: &Retry) -> Vec<Choice> {
        page.choices(WithdrawalFeedback::ALL, retry.choice_for(FEEDBACK_FORM))
    }

    /// The staff flag: "this customer withdrew N tickets in the last 90 days".
    pub fn frequent_text(&self, page: &Page) -> Option<String> {
        let count = self.panel.frequent?;
        Some(page.t_args("withdrawal-frequent", &[("count", Arg::from(count)), ("days", Arg::from(90))]))
    }
}

impl Retry {
    /// The choice of a two-field step form that came back (first line).
    pub fn choice_for(&self, form: &str) -> &str {
        self.text_for(form).split_once('\n').map_or("", |(choice, _)| choice)
    }
    /// The text of a two-field step form that came back (after the first line).
    pub fn rest_for(&self, form: &str) -> &str {
        self.text_for(form).split_once('\n').map_or("", |(_, rest)| rest)
    }
}

/// A choice and a text as `Retry` keeps them.
fn two_fields(choice: &str, text: &str) -> String {
    let choice: String = choice.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    format!("{choice}\n{text}")
}

/// The dialog before withdrawing: what it means for this ticket, and the form.
#[derive(Template)]
#[template(path = "tickets/withdraw_dialog_partial.html")]
struct Dialog<'a> {
    page: &'a Page,
    preview: &'a Preview,
    input: &'a WithdrawInput,
    errors: &'a FieldErrors,
    /// Why the dialog came back (the ticket changed, a refusal).
    notice: Option<String>,
    /// Shown inside the ticket page (htmx); else a page of its own that posts plainly.
    inline: bool,
    staff: bool,
}

impl Dialog<'_> {
    fn title(&self) -> String {
        self.page.t_args("withdraw-title", &[("number", Arg::from(self.number().to_owned()))])
    }
    fn number(&self) -> &str {
        &self.preview.ticket.number
    }
    /// The form is offered when the policy allows the viewer to withdraw now.
    fn may_withdraw(&self) -> bool {
        self.preview.opening.is_ok()
    }
    fn immediate(&self) -> bool {
        self.preview.opening == Ok(Opening::Immediate)
    }
    /// What will not go on: the repair, replacement, refund or explanation asked for.
    fn claim_ends(&self) -> String {
        self.page.t(&format!("withdraw-ends-{}", self.preview.ticket.desired_outcome.code()))
    }
    /// Withdrawn now, or who must answer by when.
    fn next_steps(&self) -> Vec<String> {
        let page = self.page;
        let at = Arg::from(page.time(&self.preview.answer_by));
        let assignee = self.preview.assignee_name.clone().unwrap_or_default();
        match self.preview.opening {
            Ok(Opening::Immediate) => {
                let mut lines = vec![page.t("withdraw-next-now")];
                if !assignee.is_empty() {
                    lines.push(page.t_args("withdraw-next-now-assignee", &[("name", Arg::from(assignee))]));
                }
                lines
            }
            Ok(Opening::Request(WithdrawalStatus::WithAssignee, _)) => {
                vec![page.t_args("withdraw-next-assignee", &[("name", Arg::from(assignee)), ("time", at)])]
            }
            Ok(Opening::Request(..)) => vec![page.t_args("withdraw-next-supervisor", &[("time", at)])],
            Err(_) => Vec::new(),
        }
    }
    /// Why the viewer cannot withdraw the ticket now.
    fn refusal(&self) -> Option<String> {
        let text = match self.preview.opening {
            Ok(_) => return None,
            Err(Refusal::NotYourRole) if self.staff => self.page.t("withdraw-staff-too-late"),
            Err(refusal) => self.page.t(refusal.message_key()),
        };
        // Said once: a refused form comes back with the same words on top.
        (self.notice.as_ref() != Some(&text)).then_some(text)
    }
    fn compensation_lines(&self) -> Vec<String> {
        self.preview
            .to_return
            .iter()
            .map(|c| {
                let mut line = self.page.label(c.kind);
                if let Some(amount) = c.amount() {
                    line.push_str(&format!(" ¥{amount}"));
                }
                if !c.description.is_empty() {
                    line.push_str(&format!(" — {}", c.description));
                }
                line
            })
            .collect()
    }
    fn reasons(&self) -> Vec<Choice> {
        self.page.choices(WithdrawalReason::ALL, &self.input.reason)
    }
    fn channels(&self) -> Vec<Choice> {
        self.page.choices(crate::services::intake::CHANNELS, &self.input.channel)
    }
    /// The version the form carries: the ticket as the dialog describes it.
    fn version(&self) -> i32 {
        self.preview.ticket.version
    }
}

/// The dialog as a page of its own, for browsers without htmx.
#[derive(Template)]
#[template(path = "tickets/withdraw_dialog.html")]
struct DialogPage<'a> {
    page: &'a Page,
    number: &'a str,
    dialog: &'a str,
}

/// What the dialog shows besides the ticket: typed input, problems, a message.
#[derive(Default)]
struct Shown {
    input: WithdrawInput,
    errors: FieldErrors,
    notice: Option<String>,
}

/// Builds the dialog from a fresh preview and answers with it: the fragment
/// for htmx, else the page. A problem answered to an htmx form is put back
/// into the dialog's place on the ticket page (the form targets the ticket).
async fn dialog(on: &OnTicket<'_>, status: Option<StatusCode>, shown: Shown) -> AppResult<HttpResponse> {
    let mut conn = on.state.pool.get().await?;
    let answer_within = on.state.policy.withdrawal_answer;
    let preview = service::preview(&mut conn, on.number, on.me, answer_within, Utc::now()).await?;
    drop(conn);
    let inline = is_htmx(on.req);
    let status = status.unwrap_or_else(|| match preview.opening {
        Ok(_) => StatusCode::OK,
        Err(refusal) => AppError::Refused(refusal).status_code(),
    });
    let Shown { input, errors, notice } = shown;
    let page = on.page;
    let dialog =
        Dialog { page, preview: &preview, input: &input, errors: &errors, notice, inline, staff: on.me.is_staff() };
    if inline {
        let mut res = render_status(status, &dialog)?;
        if status != StatusCode::OK {
            let headers = res.headers_mut();
            headers.insert(HeaderName::from_static("hx-retarget"), HeaderValue::from_static("#withdraw-dialog"));
            headers.insert(HeaderName::from_static("hx-reswap"), HeaderValue::from_static("innerHTML"));
        }
        Ok(res)
    } else {
        let body = dialog.render().map_err(AppError::internal)?;
        render_status(status, &DialogPage { page, number: on.number, dialog: &body })
    }
}

/// `GET /tickets/{number}/withdraw`: what withdrawing this ticket means, and the form.
pub async fn show(
    SignedIn(me): SignedIn,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    let on = OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number };
    dialog(&on, None, Shown::default()).await
}

/// `POST /tickets/{number}/withdraw`: withdraws at once or opens a request, as
/// the policy says for the ticket now. Problems come back in the dialog.
pub async fn withdraw(
    SignedIn(me): SignedIn,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    form: web::Form<WithdrawInput>,
) -> AppResult<HttpResponse> {
    let on = OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number };
    let input = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::withdraw(&mut conn, &number, &me, &input, state.policy.withdrawal_answer, Utc::now()).await;
    drop(conn);
    let (status, errors, notice) = match result {
        Ok(_) => return on.after_change().await,
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        // What withdrawing means may have changed with the ticket: the fresh dialog says it now.
        Err(e @ AppError::Conflict(_)) => (e.status_code(), FieldErrors::default(), Some(page.t("withdraw-changed"))),
        Err(e @ AppError::Refused(_)) => (e.status_code(), FieldErrors::default(), Some(page.t(e.message_key()))),
        Err(other) => return Err(other),
    };
    dialog(&on, Some(status), Shown { input, errors, notice }).await
}

/// `POST /tickets/{number}/withdrawal/{step}`: cancel, accept, dispute, approve
/// or reject the pending request named in the form.
pub async fn step(
    SignedIn(me): SignedIn,
    call: TicketCall,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<StepInput>,
) -> AppResult<HttpResponse> {
    let step = Step::parse(&path.1).ok_or(AppError::NotFound)?;
    let (form_name, typed) = match step {
        Step::Dispute => (DISPUTE_FORM, two_fields(&form.dispute_reason, &form.text)),
        Step::Approve => (APPROVE_FORM, form.text.clone()),
        Step::Reject => (REJECT_FORM, form.text.clone()),
        Step::Accept | Step::Cancel => ("withdrawal", String::new()),
    };
    let mut conn = call.conn().await?;
    let answer_within = state.policy.withdrawal_answer;
    let result = service::step(&mut conn, call.number(), &me, step, &form, answer_within, Utc::now()).await;
    drop(conn);
    call.on(&me).after(result, form_name, &typed).await
}

/// `POST /tickets/{number}/withdrawal/feedback`: the customer's 回访 answer.
pub async fn feedback(
    Customer(me): Customer,
    call: TicketCall,
    form: web::Form<FeedbackInput>,
) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = service::feedback(&mut conn, call.number(), &me, &form, Utc::now()).await;
    drop(conn);
    call.on(&me).after(result, FEEDBACK_FORM, &two_fields(&form.answer, &form.comment)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fields_of_a_step_form_come_back() {
        let retry =
            Retry {
                form: DISPUTE_FORM, text: two_fields("work_done\n", "换了主板\n两次上门"), ..Retry::default()
            };
        assert_eq!(retry.choice_for(DISPUTE_FORM), "work_done");
        assert_eq!(retry.rest_for(DISPUTE_FORM), "换了主板\n两次上门");
        assert_eq!(retry.choice_for(FEEDBACK_FORM), "", "only the form that failed");
    }
}
