//! Removes rows whose use is over, so the tables the app reads stay the size of what is current: finished one-off
//! jobs and delivered messages after 30 days, messages given up on after 90, failed sign-ins after a day (the
//! limiter looks back 15 minutes), one-time form keys after a day, ended exports after 30 days (their files went after one), sessions
//! unseen for 90 days (past any idle or absolute limit a deployment would set), known devices unused for 180 days.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::store::retention::{self, Stale};

pub const KIND: &str = "prune";

#[derive(Debug, Clone)]
pub struct Prune {
    /// Rows removed per kind in one run; a run that removed a whole batch runs again at once.
    pub batch: i64,
}

impl Default for Prune {
    fn default() -> Self {
        Prune { batch: 5_000 }
    }
}

/// How long each kind of row is kept.
pub fn kept(what: Stale) -> chrono::Duration {
    match what {
        Stale::FinishedJobs | Stale::SentMessages | Stale::EndedExports => chrono::Duration::days(30),
        Stale::FailedMessages | Stale::StaleSessions => chrono::Duration::days(90),
        Stale::LoginFailures | Stale::Submissions => chrono::Duration::days(1),
        Stale::ForgottenDevices => chrono::Duration::days(180),
    }
}

impl Job for Prune {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let mut conn = ctx.pool.get().await?;
            let mut more = false;
            for what in Stale::ALL {
                let removed = retention::delete_before(&mut conn, what, ctx.now - kept(what), self.batch).await?;
                more |= removed as i64 == self.batch;
            }
            Ok(if more { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
