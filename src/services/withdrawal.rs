//! Withdrawal (撤单): withdrawing at once, requests and their decisions, the
//! escalation of unanswered requests, and the customer's 回访 answer. Every step
//! locks the ticket first, asks `workflow` about the ticket and
//! `domain::withdrawal` about the request, writes the record, an event through
//! `tickets::apply`, and the notifications, in one transaction.

use super::SessionUser;
use super::notify::{self, To, kind as notice};
use super::tickets::{By, Change, apply, ensure_visible, lock_for};
use crate::domain::text_enum::UnknownCode;
use crate::domain::validate::Checker;
use crate::domain::withdrawal::{
    self as policy, DisputeReason, Opening, Referral, Step, WithdrawalFeedback, WithdrawalReason, WithdrawalStatus,
};
use crate::domain::workflow::{self, Action, Refusal};
use crate::domain::{Channel, TicketState, UserId, WithdrawalId};
use crate::error::{AppError, AppResult};
use crate::store::compensations::{self, Compensation};
use crate::store::events::{self, NewEvent};
use crate::store::tickets::{self, Ticket};
use crate::store::withdrawals::{self, Decision, NewWithdrawal, Withdrawal};
use crate::store::{Conn, users};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

/// How long the assignee (or, once referred, the supervisors) have to answer.
pub const DEFAULT_ANSWER_HOURS: u32 = 4;

/// The withdraw form: reason, free text (required for "other"), and for staff
/// the channel the customer used; the version of the page the person saw.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WithdrawInput {
    pub version: Option<i32>,
    pub reason: String,
    pub text: String,
    pub channel: String,
}

/// A step's form: which request it answers, a note or dispute text, a dispute reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StepInput {
    pub request: Option<i64>,
    pub text: String,
    pub dispute_reason: String,
}

/// The 回访 form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FeedbackInput {
    pub answer: String,
    pub comment: String,
}

struct Checked {
    reason: WithdrawalReason,
    text: Option<String>,
    channel: Channel,
}

fn check_withdraw(input: &WithdrawInput, who: &SessionUser) -> Result<Checked, AppError> {
    let mut c = Checker::default();
    let reason = c.choice("reason", &input.reason, WithdrawalReason::parse);
    let text = if reason == Some(WithdrawalReason::Other) {
        Some(c.required("text", &input.text, 2000))
    } else {
        c.optional("text", &input.text, 2000)
    };
    // Staff withdraw for a customer who asked by phone, email, in store…; the
    // customer's own request comes through the portal.
    let channel = if who.is_staff() { c.choice("channel", &input.channel, staff_channel) } else { Some(Channel::Web) };
    match (reason, channel) {
        (Some(reason), Some(channel)) if c.errors.is_empty() => Ok(Checked { reason, text, channel }),
        _ => Err(AppError::Invalid(c.errors)),
    }
}

/// A channel the customer reached staff by: the web portal is the customer's own.
fn staff_channel(code: &str) -> Result<Channel, UnknownCode> {
    Channel::parse(code)
        .ok()
        .filter(|channel| super::intake::CHANNELS.contains(channel))
        .ok_or_else(|| UnknownCode { kind: "channel", code: code.to_owned() })
}

/// What withdrawing would mean for this ticket now, for the dialog.
pub struct Preview {
    pub ticket: Ticket,
    /// What happens, or why it cannot.
    pub opening: Result<Opening, Refusal>,
    /// Who must answer (the assignee), if a request waits for them.
    pub assignee_name: Option<String>,
    pub answer_by: DateTime<Utc>,
    /// Compensation received that would have to be returned.
    pub to_return: Vec<Compensation>,
}

pub async fn preview(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    answer_within: Duration,
    now: DateTime<Utc>,
) -> AppResult<Preview> {
    let ticket = super::tickets::load_visible(conn, number, who).await?;
    let opening = match ticket.withdrawal_id {
        Some(_) => Err(Refusal::RequestPending),
        None => policy::opening(ticket.state, who.role.into()),
    };
    let assignee_name = match ticket.assignee_id {
        Some(id) => Some(users::find(conn, id).await?.name),
        None => None,
    };
    let to_return = compensations::for_tickets(conn, &[ticket.id])
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| c.returned_at.is_none() && c.return_due_at.is_none())
        .collect();
    Ok(Preview { ticket, opening, assignee_name, answer_by: now + answer_within, to_return })
}

/// Withdraws the ticket at once, or opens a request, as the policy says for
/// its state now. A page that showed another version is stale: what
/// withdrawing means may have changed (work started), so the person looks again.
pub async fn withdraw(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    input: &WithdrawInput,
    answer_within: Duration,
    now: DateTime<Utc>,
) -> AppResult<Withdrawal> {
    let checked = check_withdraw(input, who)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let ticket = tickets::lock_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
        ensure_visible(&ticket, who)?;
        if ticket.withdrawal_id.is_some() {
            return Err(AppError::Refused(Refusal::RequestPending));
        }
        // Before the policy: staff who saw "withdrawn at once" on a ticket where
        // work has started since are told it changed, not that their role can't.
        if input.version.is_some_and(|v| v != ticket.version) {
            return Err(AppError::Conflict("error-stale"));
        }
        let opening = policy::opening(ticket.state, who.role.into()).map_err(AppError::Refused)?;
        let (status, referral, action) = match opening {
            Opening::Immediate => (WithdrawalStatus::Immediate, None, Action::Withdraw),
            Opening::Request(status, referral) => (status, referral, Action::RequestWithdrawal),
        };
        let immediate = status == WithdrawalStatus::Immediate;
        let record = withdrawals::insert(
            conn,
            &NewWithdrawal {
                ticket_id: ticket.id,
                customer_id: ticket.customer_id,
                requested_by: who.id,
                requested_via: checked.channel,
                reason: checked.reason,
                reason_text: checked.text.as_deref(),
                state_at_request: ticket.state,
                status,
                referral,
                referred_at: referral.map(|_| now),
                answer_due_at: (!immediate).then(|| now + answer_within),
                decided_by: immediate.then_some(who.id),
                state_at_decision: immediate.then_some(ticket.state),
                requested_at: now,
                decided_at: immediate.then_some(now),
            },
        )
        .await?;
        let mut change = Change::new(action);
        change.text = checked.text.as_deref();
        change.data = Some(json!({
            "withdrawal": record.id, "reason": checked.reason.code(), "channel": checked.channel.code(),
        }));
        let updated = apply(conn, number, By::Person(who), change, now).await?;
        let due = record.answer_due_at.map(|d| d.to_rfc3339());
        if immediate {
            compensations::require_return(conn, ticket.id, record.id, now).await?;
            let data = json!({ "reason": checked.reason.code() });
            notify::tell(conn, &updated, &[To::Customer, To::Assignee], notice::WITHDRAWN, data, Some(who.id), now)
                .await?;
        } else {
            withdrawals::flag_ticket(conn, ticket.id, Some(record.id)).await?;
            let reason = checked.reason.code();
            if status == WithdrawalStatus::WithSupervisors {
                // The assignee's solution may be what the customer objects to: they hear of it too.
                let data = json!({ "reason": reason, "due": due, "referral": "resolved" });
                let to = [To::Supervisors, To::Assignee];
                notify::tell(conn, &updated, &to, notice::WITHDRAWAL_TO_DECIDE, data, None, now).await?;
            } else {
                let data = json!({ "reason": reason, "due": due });
                notify::tell(conn, &updated, &[To::Assignee], notice::WITHDRAWAL_REQUESTED, data, None, now).await?;
            }
        }
        Ok(record)
    })
    .await
}

/// Cancel, accept, dispute, approve or reject the ticket's pending request.
/// The form names the request: if it was cancelled or decided meanwhile (or
/// another one is pending now), nothing changes and the person is told.
pub async fn step(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    step: Step,
    input: &StepInput,
    answer_within: Duration,
    now: DateTime<Utc>,
) -> AppResult<Withdrawal> {
    let mut c = Checker::default();
    let (text, dispute) = match step {
        Step::Dispute => (
            Some(c.required("text", &input.text, 2000)),
            c.choice("dispute_reason", &input.dispute_reason, DisputeReason::parse),
        ),
        // The customer reads the supervisor's note: a rejection must say why.
        Step::Reject => (Some(c.required("text", &input.text, 2000)), None),
        Step::Approve | Step::Accept | Step::Cancel => (c.optional("text", &input.text, 2000), None),
    };
    if !c.errors.is_empty() {
        return Err(AppError::Invalid(c.errors));
    }
    let requested = input.request.map(WithdrawalId).ok_or(AppError::BadRequest("error-bad-request"))?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let mut change = Change::new(step.action());
        change.text = text.as_deref();
        let ticket = match lock_for(conn, number, By::Person(who), &change).await {
            Ok((ticket, _)) => ticket,
            // Someone decided or cancelled first (a withdrawn ticket is then
            // "finished"): that is the news, unless the person may not do it at all.
            Err(AppError::Refused(refusal))
                if !is_permission(refusal) && !still_pending(conn, number, requested).await? =>
            {
                return Err(AppError::Refused(Refusal::NoPendingRequest));
            }
            Err(error) => return Err(error),
        };
        if ticket.withdrawal_id != Some(requested) {
            return Err(AppError::Refused(Refusal::NoPendingRequest));
        }
        let record = withdrawals::lock(conn, requested).await?.ok_or(AppError::NotFound)?;
        let status = policy::next_status(record.status, step).map_err(AppError::Refused)?;
        // The agent's dispute is for the supervisors; the customer hears it was referred.
        change.internal = step == Step::Dispute;
        change.data = Some(json!({ "withdrawal": record.id, "status": status.code() }));
        let updated = apply(conn, number, By::Person(who), change, now).await?;
        let note = text.as_deref();
        let record = if let (WithdrawalStatus::WithSupervisors, Some(reason)) = (status, dispute) {
            withdrawals::record_dispute(conn, record.id, reason, note.unwrap_or_default(), who.id).await?;
            let record = withdrawals::refer(conn, record.id, Referral::Disputed, now, now + answer_within).await?;
            let data = json!({ "referral": "disputed", "dispute_reason": reason.code() });
            notify::tell(conn, &updated, &[To::Supervisors], notice::WITHDRAWAL_TO_DECIDE, data, Some(who.id), now)
                .await?;
            notify::tell(conn, &updated, &[To::Customer], notice::WITHDRAWAL_REFERRED, json!({}), Some(who.id), now)
                .await?;
            record
        } else {
            let decision = Decision { status, by: Some(who.id), note, state: ticket.state, at: now };
            let record = withdrawals::decide(conn, record.id, &decision).await?;
            withdrawals::flag_ticket(conn, ticket.id, None).await?;
            let data = json!({ "note": note });
            let with_supervisors = record.referral.is_some();
            match status {
                WithdrawalStatus::Accepted | WithdrawalStatus::Approved => {
                    compensations::require_return(conn, ticket.id, record.id, now).await?;
                    let to = [To::Customer, To::Assignee];
                    notify::tell(conn, &updated, &to, notice::WITHDRAWN, data, Some(who.id), now).await?;
                }
                WithdrawalStatus::Rejected => {
                    let to = [To::Customer, To::Assignee];
                    notify::tell(conn, &updated, &to, notice::WITHDRAWAL_REJECTED, data, Some(who.id), now).await?;
                }
                _ => {
                    let to: &[To] = if with_supervisors { &[To::Assignee, To::Supervisors] } else { &[To::Assignee] };
                    notify::tell(conn, &updated, to, notice::WITHDRAWAL_CANCELLED, data, Some(who.id), now).await?;
                }
            }
            record
        };
        Ok(record)
    })
    .await
}

/// Refusals about who may act, which stand whatever happened to the request.
fn is_permission(refusal: Refusal) -> bool {
    matches!(refusal, Refusal::NotYourRole | Refusal::NotAssignee)
}

/// Whether `requested` is still the ticket's pending request (the ticket is locked already).
async fn still_pending(conn: &mut Conn, number: &str, requested: WithdrawalId) -> AppResult<bool> {
    let ticket = tickets::find_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
    Ok(ticket.withdrawal_id == Some(requested))
}

/// The ticket's state changed by another action while a request waited: a
/// resolved ticket is the supervisors' call; a closed one ends the request.
/// Called by `tickets::apply` inside its transaction.
pub(super) async fn follow_state(conn: &mut Conn, ticket: &Ticket, now: DateTime<Utc>) -> AppResult<()> {
    let Some(id) = ticket.withdrawal_id else { return Ok(()) };
    let record = withdrawals::lock(conn, id).await?.ok_or(AppError::NotFound)?;
    if ticket.state == TicketState::Resolved && record.status == WithdrawalStatus::WithAssignee {
        // Same time to answer as the request had.
        let window =
            record.answer_due_at.map_or(Duration::hours(DEFAULT_ANSWER_HOURS.into()), |d| d - record.requested_at);
        withdrawals::refer(conn, id, Referral::Resolved, now, now + window).await?;
        let mut event = NewEvent::new(ticket.id, None, events::kind::WITHDRAWAL_REFERRED, now);
        event.data = json!({ "withdrawal": id, "referral": "resolved" });
        events::append(conn, &event).await?;
        let data = json!({ "referral": "resolved" });
        notify::tell(conn, ticket, &[To::Supervisors], notice::WITHDRAWAL_TO_DECIDE, data, None, now).await?;
        notify::tell(conn, ticket, &[To::Customer], notice::WITHDRAWAL_REFERRED, json!({}), None, now).await?;
    } else if !ticket.state.is_open() {
        let decision =
            Decision { status: WithdrawalStatus::Lapsed, by: None, note: None, state: ticket.state, at: now };
        withdrawals::decide(conn, id, &decision).await?;
        withdrawals::flag_ticket(conn, ticket.id, None).await?;
        let mut event = NewEvent::new(ticket.id, None, events::kind::WITHDRAWAL_LAPSED, now);
        event.data = json!({ "withdrawal": id });
        events::append(conn, &event).await?;
        notify::tell(conn, ticket, &[To::Customer], notice::WITHDRAWAL_LAPSED, json!({}), None, now).await?;
    }
    Ok(())
}

/// Sends one overdue request to the supervisors (the escalation job). False if
/// it was answered, cancelled or already escalated meanwhile: safe to repeat and
/// to run on several workers at once (the ticket lock queues them).
pub async fn escalate(conn: &mut Conn, number: &str, answer_within: Duration, now: DateTime<Utc>) -> AppResult<bool> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::EscalateWithdrawal);
        let (ticket, _) = lock_for(conn, number, By::System, &change).await?;
        let Some(id) = ticket.withdrawal_id else { return Ok(false) };
        let record = withdrawals::lock(conn, id).await?.ok_or(AppError::NotFound)?;
        if record.status != WithdrawalStatus::WithAssignee || record.answer_due_at.is_none_or(|due| due > now) {
            return Ok(false);
        }
        let change = Change { data: Some(json!({ "withdrawal": id })), ..change };
        let updated = apply(conn, number, By::System, change, now).await?;
        withdrawals::refer(conn, id, Referral::Escalated, now, now + answer_within).await?;
        let data = json!({ "referral": "escalated" });
        notify::tell(conn, &updated, &[To::Supervisors], notice::WITHDRAWAL_TO_DECIDE, data, None, now).await?;
        notify::tell(conn, &updated, &[To::Assignee], notice::WITHDRAWAL_ESCALATED, json!({}), None, now).await?;
        notify::tell(conn, &updated, &[To::Customer], notice::WITHDRAWAL_REFERRED, json!({}), None, now).await?;
        Ok(true)
    })
    .await
}

/// The customer's 回访 answer about the withdrawal (once, optional, apart from the survey).
pub async fn feedback(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    input: &FeedbackInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut c = Checker::default();
    let answer = c.choice("answer", &input.answer, WithdrawalFeedback::parse);
    let comment = c.optional("comment", &input.comment, 2000);
    let answer = match answer {
        Some(answer) if c.errors.is_empty() => answer,
        _ => return Err(AppError::Invalid(c.errors)),
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::RateWithdrawal);
        let (ticket, _) = lock_for(conn, number, By::Person(who), &change).await?;
        let record = withdrawals::for_ticket(conn, ticket.id)
            .await?
            .into_iter()
            .rfind(|w| w.status.withdrew())
            .ok_or(AppError::Refused(Refusal::WrongState(ticket.state)))?;
        if !withdrawals::record_feedback(conn, record.id, answer, comment.as_deref(), now).await? {
            return Err(AppError::Refused(Refusal::AlreadyAnswered));
        }
        // In the log, not through `apply`: the answer is no change to the ticket.
        let mut event = NewEvent::new(ticket.id, Some(who.id), events::kind::WITHDRAWAL_FEEDBACK, now);
        event.data = json!({ "withdrawal": record.id, "answer": answer.code() });
        events::append(conn, &event).await?;
        Ok(())
    })
    .await
}

/// The withdrawal part of a ticket page: the pending request, the history,
/// whether the 回访 question is open, and (for staff) the frequent-withdrawal flag.
/// For a customer the assignee's dispute (reason and text) is left out here,
/// so no page can show it.
pub struct WithdrawalPanel {
    pub pending: Option<Withdrawal>,
    pub requester_name: Option<String>,
    pub history: Vec<Withdrawal>,
    /// Names of the people the records mention (requested, disputed, decided by).
    pub names: Vec<(UserId, String)>,
    /// The withdrawal the customer may still answer the 回访 question about.
    pub feedback_open: Option<WithdrawalId>,
    /// The one they answered, if any.
    pub answered: Option<Withdrawal>,
    /// Staff only: withdrawals by this customer in the last 90 days, when 3 or more.
    pub frequent: Option<i64>,
}

impl WithdrawalPanel {
    /// The name of someone a record mentions.
    pub fn name(&self, id: UserId) -> &str {
        self.names.iter().find(|(known, _)| *known == id).map_or("", |(_, name)| name.as_str())
    }
}

pub async fn panel(
    conn: &mut Conn,
    ticket: &Ticket,
    viewer: &SessionUser,
    now: DateTime<Utc>,
) -> AppResult<WithdrawalPanel> {
    let mut history = withdrawals::for_ticket(conn, ticket.id).await?;
    if !viewer.is_staff() {
        for record in &mut history {
            record.dispute_reason = None;
            record.dispute_text = None;
            record.disputed_by = None;
        }
    }
    let mut people: Vec<UserId> =
        history.iter().flat_map(|w| [Some(w.requested_by), w.disputed_by, w.decided_by]).flatten().collect();
    people.sort();
    people.dedup();
    let mut names = Vec::with_capacity(people.len());
    for id in people {
        names.push((id, users::find(conn, id).await?.name));
    }
    let pending = history.iter().find(|w| w.status.is_pending()).cloned();
    let requester_name =
        pending.as_ref().and_then(|w| names.iter().find(|(id, _)| *id == w.requested_by)).map(|(_, n)| n.clone());
    let last_withdrawn = history.iter().rfind(|w| w.status.withdrew());
    let may_answer = workflow::decide(ticket.state, Action::RateWithdrawal, viewer.role.into()).is_ok();
    let feedback_open = last_withdrawn.filter(|w| w.feedback_at.is_none() && may_answer).map(|w| w.id);
    let answered = last_withdrawn.filter(|w| w.feedback_at.is_some()).cloned();
    let frequent = if viewer.is_staff() {
        let since = now - Duration::days(policy::FREQUENT_WINDOW_DAYS);
        let count = withdrawals::withdrawn_count_since(conn, ticket.customer_id, since).await?;
        (count >= policy::FREQUENT_COUNT).then_some(count)
    } else {
        None
    };
    Ok(WithdrawalPanel { pending, requester_name, history, names, feedback_open, answered, frequent })
}
