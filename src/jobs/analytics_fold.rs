//! Folds the analytics deltas that ticket changes appended into the dashboard's rollups, every few seconds, so
//! the deltas a dashboard view adds to the rollups stay few. Safe to run twice at once: each fold takes the
//! deltas it moves with SKIP LOCKED.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::services::analytics;

pub const KIND: &str = "analytics_fold";

#[derive(Debug, Clone, Copy, Default)]
pub struct AnalyticsFold;

impl Job for AnalyticsFold {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let mut conn = ctx.pool.get().await?;
            // A fold after a long outage moves many deltas: its statements may take longer than a page's.
            let folded = crate::db::with_long_statements(&mut conn, async |conn| analytics::fold(conn).await).await??;
            // A full batch means more wait: run again at once rather than let them pile up.
            Ok(if folded >= analytics::FOLD_BATCH { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
