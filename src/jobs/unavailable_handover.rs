//! Hands on the open tickets of staff marked unavailable (leave, sickness;
//! DESIGN.md "SLA"). Marking someone unavailable moves their tickets at once;
//! this sweep catches the ones that reached them afterwards by another path,
//! or that nobody could take then, with the same service and the same locks.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::db::Pool;
use crate::services::assignment::{self, Handover};
use crate::store::assignment as store;
use chrono::{DateTime, Utc};

pub const KIND: &str = "unavailable_handover";

#[derive(Debug, Clone, Copy, Default)]
pub struct UnavailableHandover;

impl UnavailableHandover {
    /// Hands on what each unavailable person still holds, one transaction per
    /// person; returns the tickets moved and left (nobody could take them:
    /// the staff page warns about those).
    pub async fn sweep(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Handover> {
        let mut conn = pool.get().await?;
        let holders = store::unavailable_holding_tickets(&mut conn).await?;
        let mut total = Handover::default();
        let mut first_error = None;
        for staff in holders {
            match assignment::hand_over_from_unavailable(&mut conn, staff, now).await {
                Ok(handover) => {
                    if handover.moved > 0 {
                        tracing::info!(%staff, moved = handover.moved, left = handover.left, "tickets of an unavailable agent handed on");
                    }
                    total.moved += handover.moved;
                    total.left += handover.left;
                }
                Err(error) => {
                    tracing::warn!(%staff, %error, "handing on tickets failed");
                    first_error.get_or_insert(format!("{staff}: {error}"));
                }
            }
        }
        if let Some(error) = first_error {
            anyhow::bail!("unavailable handover: {error}");
        }
        Ok(total)
    }
}

impl Job for UnavailableHandover {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        // Staff are few, so one run takes them all; tickets nobody can take
        // stay where they are, and looking again at once would not change that.
        Box::pin(async move { self.sweep(&ctx.pool, ctx.now).await.map(|_| Outcome::Done) })
    }
}
