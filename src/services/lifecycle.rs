//! Working a ticket through its life: start, ask for information, resolve,
//! confirm or reject, reassign, edit details, corrections, the survey.
//! Each runs in one transaction through `tickets::apply` or `tickets::lock_for`.

use super::SessionUser;
use super::tickets::{By, Change, apply, lock_for};
use crate::db::PooledConn;
use crate::domain::ticket_form::TicketDraft;
use crate::domain::validate::{Checker, FieldError};
use crate::domain::workflow::Action;
use crate::domain::{TicketState, TicketType, Urgency, UserId};
use crate::error::{AppError, AppResult};
use crate::store::events::{self, NewEvent, kind};
use crate::store::tickets::{self, Ticket};
use crate::store::{causes, surveys, users};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::Deserialize;

/// What a person sends with a simple action: the page's version and, for some
/// actions, a text (question, solution, reason) and a cause category.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActInput {
    pub version: Option<i32>,
    pub text: String,
    pub cause: String,
}

/// The actions that are a button (and perhaps a text) on the ticket page.
pub fn simple_action(code: &str) -> Option<Action> {
    match code {
        "start" => Some(Action::Start),
        "request_info" => Some(Action::RequestInfo),
        "resolve" => Some(Action::Resolve),
        "confirm" => Some(Action::Confirm),
        "reject" => Some(Action::RejectFix),
        _ => None,
    }
}

/// Start, ask for information, resolve (with a solution and a cause), confirm, reject (with a reason).
pub async fn act(
    conn: &mut PooledConn,
    number: &str,
    who: &SessionUser,
    action: Action,
    input: &ActInput,
) -> AppResult<Ticket> {
    let mut c = Checker::default();
    let text = match action {
        Action::RequestInfo | Action::Resolve | Action::RejectFix => Some(c.required("text", &input.text, 5000)),
        _ => None,
    };
    let cause = match action {
        Action::Resolve => Some(c.required("cause", &input.cause, 40)),
        _ => None,
    };
    if let Some(code) = cause.as_deref().filter(|c| !c.is_empty())
        && !causes::exists(conn, code).await?
    {
        c.errors.add("cause", crate::domain::validate::BAD_CHOICE);
    }
    if !c.errors.is_empty() {
        return Err(AppError::Invalid(c.errors));
    }
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let mut change = Change::new(action).seen_version(input.version);
        change.text = text.as_deref();
        if let Some(cause) = &cause {
            change.data = Some(serde_json::json!({ "cause": cause }));
        }
        let ticket = apply(conn, number, By::Person(who), change, now).await?;
        if let (Some(solution), Some(cause)) = (&text, &cause) {
            tickets::set_resolution(conn, ticket.id, solution, cause).await?;
        }
        Ok(ticket)
    })
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReassignInput {
    pub version: Option<i32>,
    pub assignee: String,
    pub reason: String,
}

/// Gives the ticket to another available staff member, with a reason.
/// Agents may pass on their own tickets; supervisors anyone's.
pub async fn reassign(
    conn: &mut PooledConn,
    number: &str,
    who: &SessionUser,
    input: &ReassignInput,
) -> AppResult<Ticket> {
    let mut c = Checker::default();
    let reason = c.required("reason", &input.reason, 500);
    let target = input.assignee.trim().parse::<i64>().ok().map(UserId);
    let target = match target {
        Some(id) => users::find(conn, id).await.ok().filter(|u| u.role.is_staff() && u.available),
        None => None,
    };
    if target.is_none() {
        c.errors.add("assignee", FieldError::new("error-assignee"));
    }
    let (Some(target), true) = (target, c.errors.is_empty()) else {
        return Err(AppError::Invalid(c.errors));
    };
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let data = serde_json::json!({ "to_id": target.id, "to_name": target.name, "reason": reason });
        let change = Change {
            text: Some(&reason),
            internal: true,
            new_assignee: Some(target.id),
            data: Some(data),
            ..Change::new(Action::Reassign).seen_version(input.version)
        };
        apply(conn, number, By::Person(who), change, now).await
    })
    .await
}

/// What an edit changes: everything (the customer before work starts) or the
/// classification (staff).
pub enum DetailsEdit {
    All(Box<TicketDraft>),
    Classification { ticket_type: TicketType, urgency: Urgency },
}

/// Edits the ticket's details; each changed field is logged with old and new value.
pub async fn edit_details(
    conn: &mut PooledConn,
    number: &str,
    who: &SessionUser,
    edit: DetailsEdit,
    version: Option<i32>,
) -> AppResult<Ticket> {
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::EditDetails).seen_version(version);
        let (ticket, _) = lock_for(conn, number, By::Person(who), &change).await?;
        let before = ticket.draft();
        let after = match edit {
            DetailsEdit::All(draft) => *draft,
            DetailsEdit::Classification { ticket_type, urgency } => {
                TicketDraft { ticket_type, urgency, ..before.clone() }
            }
        };
        let changes = before.changes_to(&after);
        if changes.is_empty() {
            return Ok(ticket);
        }
        let updated = tickets::update_details(conn, ticket.id, &ticket.number, &after, now).await?;
        if (before.ticket_type, before.urgency) != (after.ticket_type, after.urgency) {
            // New targets: the due times are computed again from filing.
            super::sla::schedule(conn, &updated, now).await?;
        }
        let mut event = NewEvent::new(ticket.id, Some(who.id), kind::FIELDS_CHANGED, now);
        event.data = serde_json::json!({ "changes": changes });
        events::append(conn, &event).await?;
        Ok(updated)
    })
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CorrectInput {
    pub version: Option<i32>,
    pub state: String,
    pub reason: String,
}

/// A supervisor's correction of a wrong state, with a required reason (logged, staff-only).
pub async fn correct(
    conn: &mut PooledConn,
    number: &str,
    who: &SessionUser,
    input: &CorrectInput,
) -> AppResult<Ticket> {
    let mut c = Checker::default();
    let reason = c.required("reason", &input.reason, 500);
    let target = c.choice("state", &input.state, TicketState::parse);
    let (Some(target), true) = (target, c.errors.is_empty()) else {
        return Err(AppError::Invalid(c.errors));
    };
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change {
            text: Some(&reason),
            internal: true,
            ..Change::new(Action::Correct(target)).seen_version(input.version)
        };
        apply(conn, number, By::Person(who), change, now).await
    })
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SurveyInput {
    pub score: String,
    pub comment: String,
}

/// The customer's satisfaction survey, once per closed ticket.
pub async fn rate(conn: &mut PooledConn, number: &str, who: &SessionUser, input: &SurveyInput) -> AppResult<()> {
    let mut c = Checker::default();
    let score = input.score.trim().parse::<i16>().ok().filter(|s| (1..=5).contains(s));
    if score.is_none() {
        c.errors.add("score", FieldError::new("error-score"));
    }
    let comment = c.optional("comment", &input.comment, 1000);
    let (Some(score), true) = (score, c.errors.is_empty()) else {
        return Err(AppError::Invalid(c.errors));
    };
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::Rate);
        let (ticket, _) = lock_for(conn, number, By::Person(who), &change).await?;
        super::duplicates::ensure_not_merged(conn, ticket.id).await?;
        if !surveys::insert(conn, ticket.id, who.id, score, comment.as_deref()).await? {
            return Err(AppError::Conflict("error-already-rated"));
        }
        let mut event = NewEvent::new(ticket.id, Some(who.id), kind::RATED, now);
        event.data = serde_json::json!({ "score": score });
        event.body = comment.as_deref();
        events::append(conn, &event).await?;
        Ok(())
    })
    .await
}
