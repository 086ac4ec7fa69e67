//! Escalation: a withdrawal request the assignee has not answered in time goes
//! to the supervisors (DESIGN.md "Withdrawal policy").

use super::{Job, JobContext, JobFuture, Outcome};
use crate::config::Policy;
use crate::db::Pool;
use crate::error::AppError;
use crate::services::withdrawal;
use crate::store::withdrawals;
use chrono::{DateTime, Utc};

pub const KIND: &str = "withdrawal_escalation";

#[derive(Debug, Clone)]
pub struct Escalation {
    pub policy: Policy,
    pub batch: i64,
}

impl Escalation {
    pub fn new(policy: Policy) -> Self {
        Escalation { policy, batch: 200 }
    }

    /// Escalates up to `batch` overdue requests at `now`, each in its own
    /// transaction; returns how many were found and how many escalated. One
    /// answered meanwhile is left alone (the service re-checks under the lock).
    pub async fn sweep(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<(usize, usize)> {
        let mut conn = pool.get().await?;
        let due = withdrawals::overdue_with_assignee(&mut conn, now, self.batch).await?;
        let mut escalated = 0;
        let mut first_error = None;
        for number in &due {
            match withdrawal::escalate(&mut conn, number, self.policy.withdrawal_answer, now).await {
                Ok(true) => escalated += 1,
                Ok(false) | Err(AppError::Refused(_) | AppError::NotFound) => {}
                Err(error) => {
                    tracing::warn!(ticket = %number, %error, "withdrawal escalation failed");
                    first_error.get_or_insert(format!("{number}: {error}"));
                }
            }
        }
        if let Some(error) = first_error {
            anyhow::bail!("withdrawal escalation: {error}");
        }
        Ok((due.len(), escalated))
    }
}

impl Job for Escalation {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let (found, escalated) = self.sweep(&ctx.pool, ctx.now).await?;
            if escalated > 0 {
                tracing::info!(escalated, "withdrawal requests escalated to supervisors");
            }
            Ok(if found as i64 >= self.batch { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
