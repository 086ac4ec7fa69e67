//! How SLA times read on the pages: a policy's targets ("2 小时"), the time
//! left or over ("剩 1 小时 20 分", "超时 3 小时"), the badge of a ticket's
//! SLA state in the queue, and the two targets on the ticket page.

use super::context::Page;
use crate::domain::TicketState;
use crate::domain::sla::{self, SlaState, SlaTarget};
use crate::i18n::Arg;
use crate::store::tickets::Ticket;
use chrono::{DateTime, Duration, Utc};

const HOUR: i64 = 60;
const DAY: i64 = 24 * HOUR;

fn hours_minutes(page: &Page, minutes: i64) -> String {
    let (h, m) = (minutes / HOUR, minutes % HOUR);
    match (h, m) {
        (0, m) => page.t_args("sla-span-minutes", &[("minutes", Arg::from(m))]),
        (h, 0) => page.t_args("sla-span-hours", &[("hours", Arg::from(h))]),
        (h, m) => page.t_args("sla-span-hours-minutes", &[("hours", Arg::from(h)), ("minutes", Arg::from(m))]),
    }
}

/// A policy's target: hours and minutes, never days (a business day is not 24 hours).
pub fn target_text(page: &Page, minutes: &i32) -> String {
    hours_minutes(page, i64::from(*minutes))
}

/// A stretch of wall time, as coarse as a glance needs: days and hours from a
/// day on, else hours and minutes; at least a minute.
pub fn span_text(page: &Page, span: Duration) -> String {
    let minutes = span.num_minutes().max(1);
    if minutes < DAY {
        return hours_minutes(page, minutes);
    }
    let (d, h) = (minutes / DAY, minutes % DAY / HOUR);
    match h {
        0 => page.t_args("sla-span-days", &[("days", Arg::from(d))]),
        h => page.t_args("sla-span-days-hours", &[("days", Arg::from(d)), ("hours", Arg::from(h))]),
    }
}

/// The clock stands still while the customer is asked for information.
pub fn paused(state: TicketState) -> bool {
    state == TicketState::AwaitingCustomer
}

/// A ticket's SLA state with what it says: the time left or over, or the state's name.
pub struct SlaBadge {
    pub state: SlaState,
    pub text: String,
}

impl SlaBadge {
    pub fn new(
        page: &Page,
        now: DateTime<Utc>,
        state: TicketState,
        warn: Option<DateTime<Utc>>,
        due: Option<DateTime<Utc>>,
    ) -> SlaBadge {
        let sla_state = sla::state(now, warn, due, paused(state));
        let time = |span| Arg::from(span_text(page, span));
        let text = match (sla_state, due) {
            (SlaState::OnTime, Some(due)) => page.t_args("sla-left", &[("time", time(due - now))]),
            (SlaState::Warning, Some(due)) => page.t_args("sla-warning-left", &[("time", time(due - now))]),
            (SlaState::Breached, Some(due)) => page.t_args("sla-over", &[("time", time(now - due))]),
            _ => page.label(sla_state),
        };
        SlaBadge { state: sla_state, text }
    }

    /// Only a running or paused clock gets a badge; "done" shows nothing.
    pub fn shown(&self) -> bool {
        self.state != SlaState::Done
    }
}

/// One target on the ticket page: met, due or overdue, and the badge if it is the one running.
pub struct SlaLine {
    pub target: SlaTarget,
    pub text: Option<String>,
    /// For staff only: customers see the promised times, not the warnings.
    pub badge: Option<SlaBadge>,
}

/// The ticket page's SLA lines: both targets, and the running one's state.
pub struct SlaPanel {
    pub lines: [SlaLine; 2],
    pub paused: bool,
}

impl SlaPanel {
    pub fn new(page: &Page, ticket: &Ticket, now: DateTime<Utc>) -> SlaPanel {
        let running = crate::services::sla::running(ticket.state, ticket.first_response_at.is_some());
        let line = |target: SlaTarget, met: Option<DateTime<Utc>>, due: Option<DateTime<Utc>>| {
            let runs = running == Some(target);
            let time = |at: DateTime<Utc>| Arg::from(page.time(&at));
            let over = |span: Duration| Arg::from(span_text(page, span));
            let text = due.map(|due| match met {
                Some(at) if at > due => page.t_args("sla-met-late", &[("time", time(at)), ("over", over(at - due))]),
                Some(at) => page.t_args("sla-met-at", &[("time", time(at))]),
                None if runs && now >= due && page.is_staff() => {
                    page.t_args("sla-overdue", &[("time", time(due)), ("over", over(now - due))])
                }
                None => page.t_args("sla-due-at", &[("time", time(due))]),
            });
            let badge = (runs && page.is_staff())
                .then(|| SlaBadge::new(page, now, ticket.state, ticket.sla_warn_at, ticket.sla_due_at))
                .filter(SlaBadge::shown);
            SlaLine { target, text, badge }
        };
        SlaPanel {
            lines: [
                line(SlaTarget::FirstResponse, ticket.first_response_at, ticket.first_response_due_at),
                line(SlaTarget::Resolution, ticket.resolved_at, ticket.resolution_due_at),
            ],
            paused: paused(ticket.state),
        }
    }
}
