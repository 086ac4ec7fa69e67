//! SLA clock of a ticket (DESIGN.md "SLA"): due times from its policy and the
//! business calendar, the running target, pauses while awaiting the customer,
//! and when the SLA sweep must next look at it. `schedule` is called whenever
//! something it depends on changes (filing, a state change, the first
//! response, a new type or urgency); it is idempotent.

use crate::domain::calendar::Clock;
use crate::domain::sla::{self, DueTimes, SlaLevel, SlaTarget};
use crate::domain::{TicketState, TicketType, Urgency};
use crate::error::AppResult;
use crate::store::Conn;
use crate::store::sla::{self as store, TicketSla};
use crate::store::tickets::Ticket;
use chrono::{DateTime, Duration, Utc};

/// The target running for a ticket in `state`: the first response until there
/// is one, then the resolution; none while awaiting the customer or once resolved.
pub fn running(state: TicketState, responded: bool) -> Option<SlaTarget> {
    match state {
        TicketState::Submitted | TicketState::Assigned | TicketState::InProgress if responded => {
            Some(SlaTarget::Resolution)
        }
        TicketState::Submitted | TicketState::Assigned | TicketState::InProgress => Some(SlaTarget::FirstResponse),
        TicketState::AwaitingCustomer | TicketState::Resolved | TicketState::Closed | TicketState::Withdrawn => None,
    }
}

/// The due times of a ticket of this type and urgency filed at `created_at`
/// (policy, calendar, pauses so far).
pub async fn due_times(
    conn: &mut Conn,
    ticket_type: TicketType,
    urgency: Urgency,
    created_at: DateTime<Utc>,
    paused_seconds: i64,
) -> AppResult<Option<DueTimes>> {
    let targets = store::targets(conn, ticket_type, urgency).await?;
    let calendar;
    let clock = if targets.business_hours {
        calendar = store::calendar(conn).await?;
        Clock::BusinessHours(&calendar)
    } else {
        Clock::Always
    };
    Ok(sla::due_times(clock, created_at, targets, Duration::seconds(paused_seconds)))
}

/// Paused time given back so far: what was stored, plus the pause that ends now.
async fn paused_seconds(
    conn: &mut Conn,
    ticket: &Ticket,
    now: DateTime<Utc>,
) -> AppResult<(i64, Option<DateTime<Utc>>)> {
    let awaiting = ticket.state == TicketState::AwaitingCustomer;
    match (ticket.sla_paused_at, awaiting) {
        (None, true) => Ok((ticket.sla_paused_seconds, Some(now))),
        (Some(since), true) => Ok((ticket.sla_paused_seconds, Some(since))),
        (None, false) => Ok((ticket.sla_paused_seconds, None)),
        (Some(since), false) => {
            let targets = store::targets(conn, ticket.ticket_type, ticket.urgency).await?;
            let pause = if targets.business_hours {
                store::calendar(conn).await?.between(since, now)
            } else {
                (now - since).max(Duration::zero())
            };
            Ok((ticket.sla_paused_seconds + pause.num_seconds(), None))
        }
    }
}

/// Sets the ticket's SLA columns from its state at `now`; returns what was set.
pub async fn schedule(conn: &mut Conn, ticket: &Ticket, now: DateTime<Utc>) -> AppResult<TicketSla> {
    let (paused, paused_at) = paused_seconds(conn, ticket, now).await?;
    let due = due_times(conn, ticket.ticket_type, ticket.urgency, ticket.created_at, paused).await?;
    let target = running(ticket.state, ticket.first_response_at.is_some());
    let marks = if target.is_some() { store::marks(conn, ticket.id).await? } else { Vec::new() };
    let columns = columns(target, due, &marks, paused, paused_at);
    store::set_ticket(conn, ticket.id, &columns).await?;
    Ok(columns)
}

/// The SLA columns of a ticket about to be filed now, so the row is written
/// once with them (a new ticket runs its first-response target, unmarked).
pub async fn at_filing(
    conn: &mut Conn,
    ticket_type: TicketType,
    urgency: Urgency,
    now: DateTime<Utc>,
) -> AppResult<TicketSla> {
    let due = due_times(conn, ticket_type, urgency, now, 0).await?;
    Ok(columns(running(TicketState::Submitted, false), due, &[], 0, None))
}

/// The columns for the running `target` given the due times and the marks recorded so far.
fn columns(
    target: Option<SlaTarget>,
    due: Option<DueTimes>,
    marks: &[(SlaTarget, SlaLevel)],
    paused: i64,
    paused_at: Option<DateTime<Utc>>,
) -> TicketSla {
    let (warn, due_at) = match (target, due) {
        (Some(SlaTarget::FirstResponse), Some(d)) => (Some(d.first_response_warn), Some(d.first_response_due)),
        (Some(SlaTarget::Resolution), Some(d)) => (Some(d.resolution_warn), Some(d.resolution_due)),
        _ => (None, None),
    };
    let check = match (target, warn, due_at) {
        (Some(target), Some(warn), Some(due_at)) => {
            let has = |level| marks.contains(&(target, level));
            sla::next_check(warn, due_at, has(SlaLevel::Warning), has(SlaLevel::Breach)).map(|(_, at)| at)
        }
        _ => None,
    };
    TicketSla {
        first_response_due_at: due.map(|d| d.first_response_due),
        resolution_due_at: due.map(|d| d.resolution_due),
        sla_paused_seconds: paused,
        sla_paused_at: paused_at,
        sla_warn_at: warn,
        sla_due_at: due_at,
        sla_check_at: check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_target() {
        use TicketState::*;
        assert_eq!(running(Submitted, false), Some(SlaTarget::FirstResponse));
        assert_eq!(running(InProgress, false), Some(SlaTarget::FirstResponse));
        assert_eq!(running(InProgress, true), Some(SlaTarget::Resolution));
        for done in [AwaitingCustomer, Resolved, Closed, Withdrawn] {
            assert_eq!(running(done, true), None, "{done:?}");
        }
    }
}
