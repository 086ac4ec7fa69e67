//! Writes one export of the ticket list (queued when a supervisor asks; see `services::exports`).

use super::{GaveUpFuture, Job, JobContext, JobFuture, Outcome};
use crate::services::exports;
use crate::storage::Storage;

pub const KIND: &str = exports::JOB_KIND;

/// The job, with the store the finished files go to.
#[derive(Debug, Clone)]
pub struct TicketExport {
    storage: Storage,
}

impl TicketExport {
    pub fn new(storage: Storage) -> Self {
        TicketExport { storage }
    }
}

impl Job for TicketExport {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            exports::run(&ctx.pool, &self.storage, export_id(ctx)?).await?;
            Ok(Outcome::Done)
        })
    }

    fn gave_up<'a>(&'a self, ctx: &'a JobContext, _error: &'a str) -> GaveUpFuture<'a> {
        Box::pin(async move { exports::give_up(&ctx.pool, export_id(ctx)?).await })
    }
}

fn export_id(ctx: &JobContext) -> anyhow::Result<i64> {
    let id = ctx.payload.get("export").and_then(serde_json::Value::as_i64);
    id.ok_or_else(|| anyhow::anyhow!("payload without an export id: {}", ctx.payload))
}
