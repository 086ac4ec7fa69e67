//! Auto-close (超时自动关闭): a resolved ticket the customer has not confirmed or
//! rejected within the auto-close period closes by itself, as the system.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::db::Pool;
use crate::domain::workflow::Action;
use crate::error::AppError;
use crate::services::tickets::{self as ticket_service, By, Change};
use crate::store::tickets;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

pub const KIND: &str = "auto_close";

/// The sweep: closes tickets resolved longer ago than `after`, `batch` at a time.
#[derive(Debug, Clone)]
pub struct AutoClose {
    pub after: chrono::Duration,
    pub batch: i64,
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Overdue tickets found.
    pub found: usize,
    pub closed: usize,
}

impl AutoClose {
    pub fn new(days: u32) -> Self {
        AutoClose { after: chrono::Duration::days(days.into()), batch: 200 }
    }

    /// Closes up to `batch` overdue tickets at `now`, each in its own short
    /// transaction through the ticket workflow. A ticket that changed since it
    /// was found (the customer answered, someone replied) is left alone: its
    /// version no longer matches, or the workflow refuses. The next sweep looks
    /// at it afresh.
    pub async fn sweep(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Sweep> {
        let mut conn = pool.get().await?;
        let due = tickets::resolved_before(&mut conn, now - self.after, self.batch).await?;
        let mut sweep = Sweep { found: due.len(), closed: 0 };
        let mut first_error = None;
        for (number, version) in &due {
            let change = Change::new(Action::AutoClose).seen_version(Some(*version));
            let closed = conn
                .transaction::<_, AppError, _>(async |conn| {
                    ticket_service::apply(conn, number, By::System, change, now).await
                })
                .await;
            match closed {
                Ok(_) => sweep.closed += 1,
                Err(AppError::Conflict(_) | AppError::Refused(_) | AppError::NotFound) => {}
                // Keep closing the others; the run fails afterwards, so it is retried.
                Err(error) => {
                    tracing::warn!(ticket = %number, %error, "auto-close failed");
                    first_error.get_or_insert(format!("{number}: {error}"));
                }
            }
        }
        if let Some(error) = first_error {
            anyhow::bail!("auto-close: {error}");
        }
        Ok(sweep)
    }
}

impl Job for AutoClose {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let sweep = self.sweep(&ctx.pool, ctx.now).await?;
            if sweep.closed > 0 {
                tracing::info!(closed = sweep.closed, "auto-closed resolved tickets");
            }
            Ok(if sweep.found as i64 >= self.batch { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
