//! The supervisors' approvals page (审批): the withdrawal requests waiting for
//! a decision, each with what a supervisor needs to decide it — the ticket's
//! state then and now, the dispute, the compensation given, the customer's
//! earlier withdrawals and the latest work log. A page of rows is loaded in a
//! fixed handful of queries, whatever the number of rows.

use crate::domain::withdrawal::{self as policy, Step, WithdrawalReason};
use crate::domain::workflow::{self, Actor, Refusal};
use crate::domain::{TicketId, UserId, WithdrawalId};
use crate::error::{AppError, AppResult};
use crate::store::compensations::{self, Compensation};
use crate::store::events::{self, EventView};
use crate::store::tickets::Ticket;
use crate::store::withdrawals::{self, Pending, Withdrawal};
use crate::store::{Conn, users};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Requests per page.
pub const PAGE_SIZE: i64 = 50;
/// Latest events of the work log shown per request.
pub const LOG_LENGTH: i64 = 8;
/// Earlier withdrawals listed per request (all of them are counted).
pub const HISTORY_SHOWN: usize = 5;

/// Where a page of the list starts: after this request in waiting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub requested_at: DateTime<Utc>,
    pub id: WithdrawalId,
}

impl Cursor {
    /// As carried in the page's URL: `<microseconds>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.requested_at.timestamp_micros(), self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (micros, id) = text.split_once('.')?;
        let requested_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Cursor { requested_at, id: WithdrawalId(id.parse().ok()?) })
    }
}

/// An earlier withdrawal of the same customer.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub number: String,
    pub reason: WithdrawalReason,
    pub at: DateTime<Utc>,
}

/// One request with its context.
#[derive(Debug, Clone)]
pub struct ApprovalRow {
    pub withdrawal: Withdrawal,
    pub ticket: Ticket,
    pub customer_name: String,
    pub assignee_name: Option<String>,
    pub disputed_by_name: Option<String>,
    /// Compensation given on the ticket, oldest first, with the giver's name.
    pub compensation: Vec<(Compensation, String)>,
    /// The customer's latest withdrawals that took effect, newest first.
    pub history: Vec<Earlier>,
    /// How many took effect in the frequent-withdrawal window (90 days).
    pub recent_withdrawals: i64,
    /// The ticket's latest events, oldest first, internal notes included.
    pub log: Vec<EventView>,
    /// How long the customer has been waiting for an answer.
    pub waited: Duration,
}

impl ApprovalRow {
    /// The ticket moved on since the customer asked: the decision follows the state now.
    pub fn state_changed(&self) -> bool {
        self.withdrawal.state_at_request != self.ticket.state
    }

    /// Three or more withdrawals in the window: staff should know (not a block).
    pub fn frequent(&self) -> bool {
        self.recent_withdrawals >= policy::FREQUENT_COUNT
    }

    /// Whether the workflow lets a supervisor take this step on the ticket as it is now.
    pub fn allows(&self, step: Step) -> bool {
        workflow::decide(self.ticket.state, step.action(), Actor::Supervisor).is_ok()
    }
}

pub struct ApprovalsPage {
    pub rows: Vec<ApprovalRow>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// The requests with the supervisors, longest waiting first, after `after`.
pub async fn page(conn: &mut Conn, after: Option<Cursor>, now: DateTime<Utc>) -> AppResult<ApprovalsPage> {
    let mut pending = withdrawals::with_supervisors(conn, after.map(|c| (c.requested_at, c.id)), PAGE_SIZE + 1).await?;
    let next = if pending.len() as i64 > PAGE_SIZE {
        pending.truncate(PAGE_SIZE as usize);
        pending.last().map(|p| Cursor { requested_at: p.withdrawal.requested_at, id: p.withdrawal.id })
    } else {
        None
    };
    let context = Context::load(conn, &pending, now).await?;
    let rows = pending.into_iter().map(|p| context.row(p, now)).collect();
    Ok(ApprovalsPage { rows, next })
}

/// Everything the rows of one page need, each part loaded for all rows at once.
#[derive(Default)]
struct Context {
    names: HashMap<UserId, String>,
    compensation: HashMap<TicketId, Vec<(Compensation, String)>>,
    history: HashMap<UserId, Vec<Withdrawal>>,
    numbers: HashMap<TicketId, String>,
    logs: HashMap<TicketId, Vec<EventView>>,
    window_start: DateTime<Utc>,
}

impl Context {
    async fn load(conn: &mut Conn, pending: &[Pending], now: DateTime<Utc>) -> AppResult<Context> {
        let window_start = now - Duration::days(policy::FREQUENT_WINDOW_DAYS);
        let mut context = Context { window_start, ..Context::default() };
        if pending.is_empty() {
            return Ok(context);
        }
        let ticket_ids: Vec<TicketId> = pending.iter().map(|p| p.ticket.id).collect();
        let mut customers: Vec<UserId> = pending.iter().map(|p| p.withdrawal.customer_id).collect();
        customers.sort();
        customers.dedup();
        let mut people: Vec<UserId> =
            pending.iter().flat_map(|p| [p.ticket.assignee_id, p.withdrawal.disputed_by]).flatten().collect();
        people.sort();
        people.dedup();
        context.names = users::names(conn, &people).await?.into_iter().collect();
        for (c, giver) in compensations::for_tickets(conn, &ticket_ids).await? {
            context.compensation.entry(c.ticket_id).or_default().push((c, giver));
        }
        for (w, number) in withdrawals::withdrawn_for_customers(conn, &customers).await? {
            context.numbers.insert(w.ticket_id, number);
            context.history.entry(w.customer_id).or_default().push(w);
        }
        for (ticket, event) in events::latest_for_tickets(conn, &ticket_ids, LOG_LENGTH).await? {
            context.logs.entry(ticket).or_default().push(event);
        }
        Ok(context)
    }

    fn row(&self, p: Pending, now: DateTime<Utc>) -> ApprovalRow {
        let name = |id: Option<UserId>| id.and_then(|id| self.names.get(&id).cloned());
        let earlier = self.history.get(&p.withdrawal.customer_id).map(Vec::as_slice).unwrap_or_default();
        let recent_withdrawals =
            earlier.iter().filter(|w| w.decided_at.is_some_and(|at| at >= self.window_start)).count() as i64;
        let history = earlier
            .iter()
            .take(HISTORY_SHOWN)
            .map(|w| Earlier {
                number: self.numbers.get(&w.ticket_id).cloned().unwrap_or_default(),
                reason: w.reason,
                at: w.decided_at.unwrap_or(w.requested_at),
            })
            .collect();
        ApprovalRow {
            assignee_name: name(p.ticket.assignee_id),
            disputed_by_name: name(p.withdrawal.disputed_by),
            compensation: self.compensation.get(&p.ticket.id).cloned().unwrap_or_default(),
            history,
            recent_withdrawals,
            log: self.logs.get(&p.ticket.id).cloned().unwrap_or_default(),
            waited: now - p.withdrawal.requested_at,
            withdrawal: p.withdrawal,
            ticket: p.ticket,
            customer_name: p.customer_name,
        }
    }
}

/// The ticket of a request still waiting for a decision. One decided or
/// cancelled meanwhile is named as such, rather than by what the ticket's
/// state now refuses (the decision itself checks again under the ticket's lock).
pub async fn pending_ticket(conn: &mut Conn, request: WithdrawalId) -> AppResult<String> {
    match withdrawals::ticket_number(conn, request).await? {
        Some((number, status)) if status.is_pending() => Ok(number),
        Some(_) => Err(AppError::Refused(Refusal::NoPendingRequest)),
        None => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_the_url() {
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        let cursor = Cursor { requested_at: at, id: WithdrawalId(42) };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in ["", "1", "x.1", "1.x", "1.2.3"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
