//! The SLA sweep (DESIGN.md "SLA"): when a ticket's running target reaches its
//! warning time (80 % used) the assignee gets a reminder (催办); when it is
//! overdue the breach is recorded and escalated to the supervisors. Each
//! warning and breach is recorded once per ticket and target (`sla_marks`),
//! and only the run that records it tells anyone, so several workers or app
//! instances never send one twice.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::db::Pool;
use crate::domain::sla::{SlaLevel, SlaTarget};
use crate::error::{AppError, AppResult};
use crate::services::notify::{self, To};
use crate::services::sla as sla_service;
use crate::store::Conn;
use crate::store::events::{self, NewEvent};
use crate::store::sla as store;
use crate::store::tickets::{self, Ticket};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;

pub const KIND: &str = "sla_sweep";

/// Notification kinds of the sweep (the i18n key is `notice-<kind>`).
pub mod notice {
    /// 催办: the running target is nearly used up.
    pub const SLA_WARNING: &str = "sla_warning";
    /// The running target was missed (escalated to the supervisors).
    pub const SLA_BREACHED: &str = "sla_breached";
}

/// Event kinds of the sweep, staff-only (the i18n key is `event-<kind>`).
pub mod event {
    pub const SLA_WARNING: &str = "sla_warning";
    pub const SLA_BREACHED: &str = "sla_breached";
}

/// The sweep: looks at tickets whose `sla_check_at` has come, `batch` at a time.
#[derive(Debug, Clone)]
pub struct SlaSweep {
    pub batch: i64,
}

impl Default for SlaSweep {
    fn default() -> Self {
        SlaSweep { batch: 200 }
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Tickets due for a check.
    pub found: usize,
    pub warned: usize,
    pub breached: usize,
}

impl SlaSweep {
    /// Checks up to `batch` due tickets at `now`, each in its own transaction.
    pub async fn sweep(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Sweep> {
        let mut conn = pool.get().await?;
        let due = store::due_for_check(&mut conn, now, self.batch).await?;
        let mut sweep = Sweep { found: due.len(), ..Sweep::default() };
        let mut first_error = None;
        for number in &due {
            let checked = conn.transaction::<_, AppError, _>(async |conn| check(conn, number, now).await).await;
            match checked {
                Ok(None) => {}
                Ok(Some(SlaLevel::Warning)) => sweep.warned += 1,
                Ok(Some(SlaLevel::Breach)) => sweep.breached += 1,
                // Keep checking the others; the run fails afterwards, so it is retried.
                Err(error) => {
                    tracing::warn!(ticket = %number, %error, "SLA check failed");
                    first_error.get_or_insert(format!("{number}: {error}"));
                }
            }
        }
        if let Some(error) = first_error {
            anyhow::bail!("SLA sweep: {error}");
        }
        Ok(sweep)
    }
}

/// Checks one ticket under its row lock: records what its running target has
/// reached by `now` (as stored; nothing is recomputed before deciding), tells
/// the people concerned, and moves `sla_check_at` to the next instant. A
/// ticket another worker has just checked, or that changed meanwhile (paused,
/// resolved), is only rescheduled.
async fn check(conn: &mut Conn, number: &str, now: DateTime<Utc>) -> AppResult<Option<SlaLevel>> {
    let Some(ticket) = tickets::lock_by_number(conn, number).await? else {
        return Ok(None);
    };
    if ticket.sla_check_at.is_none_or(|at| at > now) {
        return Ok(None);
    }
    let running = sla_service::running(ticket.state, ticket.first_response_at.is_some());
    let reached = match (running, ticket.sla_warn_at, ticket.sla_due_at) {
        // Overdue: a warning now would come too late to help; the breach says it all.
        (Some(target), _, Some(due)) if now >= due => Some((target, SlaLevel::Breach, due)),
        (Some(target), Some(warn), Some(due)) if now >= warn => Some((target, SlaLevel::Warning, due)),
        _ => None,
    };
    let mut recorded = None;
    if let Some((target, level, due)) = reached
        && record(conn, &ticket, target, level, due, now).await?
    {
        recorded = Some(level);
    }
    sla_service::schedule(conn, &ticket, now).await?;
    Ok(recorded)
}

/// Records the mark and, only if this run recorded it, the ticket's internal
/// event and the notifications: the reminder to the assignee (to the
/// supervisors while nobody is assigned), a breach to both.
async fn record(
    conn: &mut Conn,
    ticket: &Ticket,
    target: SlaTarget,
    level: SlaLevel,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if !store::mark(conn, ticket.id, target, level, due, now).await? {
        return Ok(false);
    }
    let (event_kind, notice_kind) = match level {
        SlaLevel::Warning => (event::SLA_WARNING, notice::SLA_WARNING),
        SlaLevel::Breach => (event::SLA_BREACHED, notice::SLA_BREACHED),
    };
    let due = due.to_rfc3339();
    let mut entry = NewEvent::new(ticket.id, None, event_kind, now);
    entry.internal = true;
    entry.data = json!({ "target": target, "due": due });
    events::append(conn, &entry).await?;
    // A notification's `due` reads "answer by": right for a reminder, not for a time already past.
    let (to, data): (&[To], _) = match (level, ticket.assignee_id) {
        (SlaLevel::Warning, Some(_)) => (&[To::Assignee], json!({ "target": target, "due": due })),
        (SlaLevel::Warning, None) => (&[To::Supervisors], json!({ "target": target, "due": due })),
        (SlaLevel::Breach, _) => (&[To::Assignee, To::Supervisors], json!({ "target": target, "was_due": due })),
    };
    notify::tell(conn, ticket, to, notice_kind, data, None, now).await?;
    tracing::info!(ticket = %ticket.number, %target, %level, "SLA mark recorded");
    Ok(true)
}

impl Job for SlaSweep {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let sweep = self.sweep(&ctx.pool, ctx.now).await?;
            Ok(if sweep.found as i64 >= self.batch { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
