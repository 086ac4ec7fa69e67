//! Removes export files a day after they were asked for: they hold customers' names and phone regions, and a
//! fresh export is a click away.

use super::{Job, JobContext, JobFuture, Outcome};
use crate::services::exports;
use crate::storage::Storage;

pub const KIND: &str = "export_expiry";

#[derive(Debug, Clone)]
pub struct ExportExpiry {
    pub keep: chrono::Duration,
    pub batch: i64,
    /// Where the files are removed from.
    pub storage: Storage,
}

impl ExportExpiry {
    /// A day's keeping, 200 files a run.
    pub fn new(storage: Storage) -> Self {
        ExportExpiry { keep: chrono::Duration::days(1), batch: 200, storage }
    }
}

impl Job for ExportExpiry {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let more = exports::expire(&ctx.pool, &self.storage, ctx.now - self.keep, self.batch).await?;
            Ok(if more { Outcome::MoreToDo } else { Outcome::Done })
        })
    }
}
