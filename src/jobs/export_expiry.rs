//! Removes export files a day after they were asked for: they hold customers' names and phone regions, and a
//! fresh export is a click away.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::services::exports;

pub const KIND: &str = "export_expiry";

#[derive(Debug, Clone)]
pub struct ExportExpiry {
    pub keep: chrono::Duration,
    pub batch: i64,
}

impl Default for ExportExpiry {
    fn default() -> Self {
        ExportExpiry { keep: chrono::Duration::days(1), batch: 200 }
    }
}

impl Job for ExportExpiry {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let more = exports::expire(&ctx.pool, ctx.now - self.keep, self.batch).await?;
            Ok(if more { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
