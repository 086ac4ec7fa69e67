//! Ticket use cases: filing, viewing (with the ownership check), taking, commenting.

use super::SessionUser;
use super::notify::{self, To, kind as notice};
use crate::db::PooledConn;
use crate::domain::ticket_form::TicketDraft;
use crate::domain::validate::FieldErrors;
use crate::domain::workflow::{self, Action};
use crate::domain::{Actor, Channel, Role, TicketState, UserId};
use crate::error::{AppError, AppResult};
use crate::store::events::{self, EventView, NewEvent, kind};
use crate::store::tickets::{self, Milestone, Ticket};
use crate::store::{Conn, users};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel_async::AsyncConnection;

/// Files a ticket for `customer` at `now`; numbered by the date in the service's zone.
pub async fn file(
    conn: &mut PooledConn,
    customer: &SessionUser,
    channel: Channel,
    draft: &TicketDraft,
    now: DateTime<Utc>,
    tz: Tz,
) -> AppResult<Ticket> {
    let number = take_number(conn, now, tz).await?;
    file_for(conn, number, customer.id, customer, channel, draft, now).await
}

/// The next ticket number of the day, taken in its own short transaction before the filing's: concurrent filings
/// then wait on the day's counter for one statement, not for each other's whole filing. A filing that fails
/// afterwards leaves a gap; a number is never given twice.
///
/// The counter's commit does not wait for the disk (else every filing would queue behind one flush per number):
/// the filing that uses the number commits later and synchronously, and flushing its commit flushes the earlier
/// counter update with it. So a crash can only lose a counter step whose ticket was lost too.
pub async fn take_number(conn: &mut Conn, now: DateTime<Utc>, tz: Tz) -> AppResult<String> {
    let day = now.with_timezone(&tz).date_naive();
    conn.transaction::<_, AppError, _>(async |conn| {
        tickets::commit_without_waiting_for_disk(conn).await?;
        Ok(tickets::next_number(conn, day).await?)
    })
    .await
}

/// Files a ticket of `customer_id` under `number` (from `take_number`), taken in by `filer`: the customer themself,
/// or an agent at intake (then the event names the agent and whom it was for).
/// Inside the caller's transaction if there is one (a savepoint then).
pub async fn file_for(
    conn: &mut Conn,
    number: String,
    customer_id: UserId,
    filer: &SessionUser,
    channel: Channel,
    draft: &TicketDraft,
    now: DateTime<Utc>,
) -> AppResult<Ticket> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let sla = super::sla::at_filing(conn, draft.ticket_type, draft.urgency, now).await?;
        let ticket = tickets::insert(conn, &number, customer_id, channel, draft, sla, now).await?;
        let mut event = NewEvent::new(ticket.id, Some(filer.id), kind::FILED, now);
        event.to_state = Some(TicketState::Submitted);
        if filer.id != customer_id {
            event.data = serde_json::json!({ "on_behalf_of": customer_id });
        }
        events::append(conn, &event).await?;
        // A receipt with the promise, even to a customer who filed it themself.
        let data = serde_json::json!({ "promised": ticket.first_response_due_at.map(|d| d.to_rfc3339()) });
        notify::tell(conn, &ticket, &[To::Customer], notice::RECEIVED, data, None, now).await?;
        // The active assignment rule gives it to an agent (not under "manual").
        super::assignment::auto_assign(conn, ticket, now).await
    })
    .await
}

/// A ticket as one person may see it.
pub struct TicketView {
    pub ticket: Ticket,
    pub assignee_name: Option<String>,
    pub events: Vec<EventView>,
    pub survey: Option<crate::store::surveys::Survey>,
}

/// Loads a ticket if `viewer` may see it. Another customer's ticket is "not
/// found", so its existence is not revealed.
pub async fn load_visible(conn: &mut Conn, number: &str, viewer: &SessionUser) -> AppResult<Ticket> {
    let ticket = tickets::find_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
    ensure_visible(&ticket, viewer)?;
    Ok(ticket)
}

/// Staff see every ticket; a customer only their own (another's is "not found").
pub fn ensure_visible(ticket: &Ticket, viewer: &SessionUser) -> AppResult<()> {
    match viewer.role {
        Role::Agent | Role::Supervisor => Ok(()),
        Role::Customer if ticket.customer_id == viewer.id => Ok(()),
        Role::Customer => Err(AppError::NotFound),
    }
}

pub async fn view(conn: &mut Conn, number: &str, viewer: &SessionUser) -> AppResult<TicketView> {
    let ticket = load_visible(conn, number, viewer).await?;
    let assignee_name = match ticket.assignee_id {
        Some(id) => Some(users::find(conn, id).await?.name),
        None => None,
    };
    // Internal notes never reach customers: filtered in the query, not the template.
    let events = events::list(conn, ticket.id, viewer.is_staff()).await?;
    let survey = crate::store::surveys::find(conn, ticket.id).await?;
    Ok(TicketView { ticket, assignee_name, events, survey })
}

/// Who makes a change: a signed-in person, or the system (timers and jobs).
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Person(&'a SessionUser),
    System,
}

impl By<'_> {
    fn actor(self) -> Actor {
        match self {
            By::Person(p) => p.role.into(),
            By::System => Actor::System,
        }
    }
    fn user_id(self) -> Option<UserId> {
        match self {
            By::Person(p) => Some(p.id),
            By::System => None,
        }
    }
    fn is_staff(self) -> bool {
        matches!(self, By::Person(p) if p.is_staff())
    }
}

/// Locks the ticket, checks the person may see it, that the page they acted on
/// is current, and that the workflow allows `action`; returns the ticket and
/// the state it moves to.
pub(super) async fn lock_for(
    conn: &mut Conn,
    number: &str,
    by: By<'_>,
    change: &Change<'_>,
) -> AppResult<(Ticket, TicketState)> {
    let ticket = tickets::lock_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
    if let By::Person(person) = by {
        ensure_visible(&ticket, person)?;
        // Agents work their own tickets; supervisors may act on anyone's.
        if workflow::assignee_only(change.action)
            && person.role == Role::Agent
            && ticket.assignee_id.is_some_and(|a| a != person.id)
        {
            return Err(AppError::Refused(workflow::Refusal::NotAssignee));
        }
    }
    let next = workflow::decide(ticket.state, change.action, by.actor()).map_err(AppError::Refused)?;
    if change.expected_version.is_some_and(|v| v != ticket.version) {
        return Err(AppError::Conflict("error-stale"));
    }
    Ok((ticket, next))
}

/// A staff member takes an unassigned ticket. Of two agents taking the same
/// ticket at once, the row lock lets one in; the other is refused.
pub async fn take(conn: &mut PooledConn, number: &str, staff: &SessionUser) -> AppResult<Ticket> {
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        apply(conn, number, By::Person(staff), Change::new(Action::Take), now).await
    })
    .await
}

/// Checked comment text: required, at most 5000 characters.
pub fn parse_comment(body: &str) -> Result<String, FieldErrors> {
    let mut c = crate::domain::validate::Checker::default();
    let body = c.required("body", body, 5000);
    c.errors.into_result(|| body)
}

/// A public reply or internal note (staff), or more information (customer).
pub async fn comment(
    conn: &mut PooledConn,
    number: &str,
    who: &SessionUser,
    body: &str,
    internal: bool,
) -> AppResult<Ticket> {
    if internal && !who.is_staff() {
        return Err(AppError::Forbidden);
    }
    let body = parse_comment(body).map_err(AppError::Invalid)?;
    let action = if who.is_staff() { Action::Reply } else { Action::AddInfo };
    let change = Change { text: Some(&body), internal, ..Change::new(action) };
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| apply(conn, number, By::Person(who), change, now).await).await
}

/// The event kind an action writes.
fn event_kind(action: Action) -> &'static str {
    match action {
        Action::Take => kind::ASSIGNED,
        Action::Reassign => kind::REASSIGNED,
        Action::Start => kind::STARTED,
        Action::Reply => kind::REPLY,
        Action::AddInfo => kind::CUSTOMER_INFO,
        Action::RequestInfo => kind::INFO_REQUESTED,
        Action::Resolve => kind::RESOLVED,
        Action::Confirm => kind::CONFIRMED,
        Action::RejectFix => kind::REOPENED,
        Action::AutoClose => kind::AUTO_CLOSED,
        Action::Withdraw => kind::WITHDRAWN,
        Action::EditDetails => kind::FIELDS_CHANGED,
        Action::Correct(_) => kind::CORRECTED,
        Action::Rate => kind::RATED,
        Action::AutoAssign => kind::AUTO_ASSIGNED,
        Action::Merge => super::duplicates::MERGED_EVENT,
        Action::RequestWithdrawal => kind::WITHDRAWAL_REQUESTED,
        Action::CancelWithdrawal => kind::WITHDRAWAL_CANCELLED,
        Action::AcceptWithdrawal => kind::WITHDRAWAL_ACCEPTED,
        Action::DisputeWithdrawal => kind::WITHDRAWAL_DISPUTED,
        Action::ApproveWithdrawal => kind::WITHDRAWAL_APPROVED,
        Action::RejectWithdrawal => kind::WITHDRAWAL_REJECTED,
        Action::EscalateWithdrawal => kind::WITHDRAWAL_ESCALATED,
        Action::RateWithdrawal => kind::WITHDRAWAL_FEEDBACK,
        Action::FollowUp => kind::FOLLOW_UP_FILED,
        Action::Compensate => kind::COMPENSATION_GIVEN,
    }
}

/// The milestone an action reaches, for the timestamps metrics read.
fn milestone(action: Action) -> Option<Milestone> {
    match action {
        Action::Resolve => Some(Milestone::Resolved),
        Action::Confirm | Action::AutoClose | Action::Merge => Some(Milestone::Closed),
        Action::Withdraw | Action::AcceptWithdrawal | Action::ApproveWithdrawal => Some(Milestone::Withdrawn),
        Action::RejectFix => Some(Milestone::Reopened),
        Action::Correct(TicketState::Closed) => Some(Milestone::Closed),
        Action::Correct(TicketState::Resolved) => Some(Milestone::Resolved),
        Action::Take
        | Action::Reassign
        | Action::Start
        | Action::Reply
        | Action::AddInfo
        | Action::RequestInfo
        | Action::EditDetails
        | Action::Correct(_)
        | Action::Rate
        | Action::AutoAssign
        | Action::RequestWithdrawal
        | Action::CancelWithdrawal
        | Action::DisputeWithdrawal
        | Action::RejectWithdrawal
        | Action::EscalateWithdrawal
        | Action::RateWithdrawal
        | Action::FollowUp
        | Action::Compensate => None,
    }
}

/// One workflow action with its text, if any.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: Action,
    pub text: Option<&'a str>,
    /// An internal note: visible to staff only.
    pub internal: bool,
    /// The ticket version the person's page showed; a different current
    /// version means someone else changed it first (optimistic concurrency).
    pub expected_version: Option<i32>,
    /// For `Reassign`: the new assignee.
    pub new_assignee: Option<UserId>,
    /// Extra facts for the event (e.g. a cause category).
    pub data: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: Action) -> Self {
        Change { action, text: None, internal: false, expected_version: None, new_assignee: None, data: None }
    }
    pub fn text(mut self, text: &'a str) -> Self {
        self.text = Some(text);
        self
    }
    pub fn seen_version(mut self, version: Option<i32>) -> Self {
        self.expected_version = version;
        self
    }
}

/// Applies a workflow action at `now` inside the caller's transaction: the one
/// path every change to a ticket takes (lock, ownership, workflow, update, event).
pub async fn apply(
    conn: &mut Conn,
    number: &str,
    by: By<'_>,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> AppResult<Ticket> {
    let (ticket, next) = lock_for(conn, number, by, &change).await?;
    let assignee = match (change.action, by) {
        (Action::Take, By::Person(who)) => Some(who.id),
        (Action::Reassign, _) => change.new_assignee.or(ticket.assignee_id),
        _ => ticket.assignee_id,
    };
    let updated = tickets::set_state(conn, ticket.id, next, assignee, now).await?;
    if let Some(milestone) = milestone(change.action) {
        tickets::stamp(conn, ticket.id, milestone, now).await?;
    }
    // An internal reply is a note; other internal texts (reasons) keep their action's kind.
    let kind = if change.internal && change.action == Action::Reply { kind::NOTE } else { event_kind(change.action) };
    let mut event = NewEvent::new(ticket.id, by.user_id(), kind, now);
    if next != ticket.state {
        event = event.transition(ticket.state, next);
    }
    event.body = change.text;
    event.internal = change.internal;
    if let (Action::Take, By::Person(who)) = (change.action, by) {
        event.data = serde_json::json!({ "assignee_id": who.id, "assignee_name": who.name });
    }
    if let Some(data) = change.data {
        event.data = data;
    }
    events::append(conn, &event).await?;
    notify::tell_step(conn, &updated, change.action, change.internal, by.user_id(), now).await?;
    let responded = by.is_staff()
        && change.text.is_some()
        && !change.internal
        && tickets::mark_first_response(conn, ticket.id, now).await?;
    // Analytics count these two durations on the business calendar where the policy says so.
    let closing = matches!(milestone(change.action), Some(Milestone::Closed));
    if responded || closing {
        super::analytics::measure(conn, &updated, responded.then_some(now), closing).await?;
    }
    // The SLA clock: a new state may pause, resume or stop it; a first response
    // moves it on to the resolution target.
    if responded || next != ticket.state {
        let mut current = updated.clone();
        if responded {
            current.first_response_at = Some(now);
        }
        super::sla::schedule(conn, &current, now).await?;
    }
    // A pending withdrawal request follows the ticket: resolved → the
    // supervisors decide; closed another way → the request lapses.
    if updated.withdrawal_id.is_some() && !is_withdrawal_step(change.action) && updated.state != ticket.state {
        super::withdrawal::follow_state(conn, &updated, now).await?;
    }
    Ok(updated)
}

/// Actions that are steps of the withdrawal process itself (they update the request).
fn is_withdrawal_step(action: Action) -> bool {
    matches!(
        action,
        Action::Withdraw
            | Action::RequestWithdrawal
            | Action::CancelWithdrawal
            | Action::AcceptWithdrawal
            | Action::DisputeWithdrawal
            | Action::ApproveWithdrawal
            | Action::RejectWithdrawal
            | Action::EscalateWithdrawal
    )
}

/// A change of assignee made by the assignment rules.
#[derive(Debug, Clone)]
pub struct RuleAssignment<'a> {
    /// `AutoAssign` for a new ticket, `Reassign` to move one.
    pub action: Action,
    pub assignee: UserId,
    pub kind: &'a str,
    /// The rule, the people involved and why, for the event log.
    pub data: serde_json::Value,
}

/// Gives a ticket to `assignment.assignee` inside the caller's transaction,
/// along the same checks as `apply` (lock, ownership, workflow), with its event.
pub async fn assign_by_rule(
    conn: &mut Conn,
    number: &str,
    by: By<'_>,
    assignment: RuleAssignment<'_>,
    now: DateTime<Utc>,
) -> AppResult<Ticket> {
    let (ticket, next) = lock_for(conn, number, by, &Change::new(assignment.action)).await?;
    let updated = tickets::set_state(conn, ticket.id, next, Some(assignment.assignee), now).await?;
    let mut event = NewEvent::new(ticket.id, by.user_id(), assignment.kind, now);
    if next != ticket.state {
        event = event.transition(ticket.state, next);
    }
    event.data = assignment.data;
    events::append(conn, &event).await?;
    notify::tell_step(conn, &updated, assignment.action, false, by.user_id(), now).await?;
    Ok(updated)
}
