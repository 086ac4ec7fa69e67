//! Settings from flags and `AFTERSALES_*` environment variables, checked at start.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Folder for the managed PostgreSQL cluster, the session key and uploads.
    #[arg(long, env = "AFTERSALES_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Use this PostgreSQL server instead of the managed cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder with the PostgreSQL server binaries (initdb, postgres); found automatically if unset.
    #[arg(long, env = "AFTERSALES_PG_BIN", global = true)]
    pub pg_bin: Option<PathBuf>,

    /// Address to serve on.
    #[arg(long, env = "AFTERSALES_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: SocketAddr,

    /// Time zone that times are shown in (and business days counted in).
    #[arg(long, env = "AFTERSALES_TIMEZONE", default_value = "Asia/Shanghai", global = true)]
    pub timezone: chrono_tz::Tz,

    /// 64-byte session key as 128 hex digits; by default generated once and kept in the data folder.
    #[arg(long, env = "AFTERSALES_SESSION_KEY", global = true, hide_env_values = true)]
    pub session_key: Option<String>,

    /// Mark cookies `Secure` (set when served over https).
    #[arg(long, env = "AFTERSALES_SECURE_COOKIES", default_value_t = false, global = true)]
    pub secure_cookies: bool,

    /// Database connections in the pool.
    #[arg(long, env = "AFTERSALES_DB_POOL", default_value_t = 16, global = true)]
    pub db_pool: usize,

    /// The background worker (auto-close and other timed work).
    #[command(flatten)]
    pub worker: crate::jobs::WorkerSettings,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "AFTERSALES_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Largest attachment, in megabytes.
    #[arg(long, env = "AFTERSALES_MAX_UPLOAD_MB", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_upload_mb: u64,

    /// Most attachments one ticket may have (internal notes' files are counted apart).
    #[arg(long, env = "AFTERSALES_MAX_FILES_PER_TICKET", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_files_per_ticket: u32,

    /// Hours the assignee has to answer a withdrawal request before it goes to
    /// the supervisors (who then have as long again to decide).
    #[arg(long, value_name = "HOURS", env = "AFTERSALES_WITHDRAWAL_ANSWER_HOURS",
          default_value_t = crate::services::withdrawal::DEFAULT_ANSWER_HOURS, global = true,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub withdrawal_answer_hours: u32,
}

/// The service's time promises that code (handlers and jobs) needs.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How long an answer to a withdrawal request may take.
    pub withdrawal_answer: chrono::Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { withdrawal_answer: chrono::Duration::hours(crate::services::withdrawal::DEFAULT_ANSWER_HOURS.into()) }
    }
}

impl Settings {
    pub fn policy(&self) -> Policy {
        Policy { withdrawal_answer: chrono::Duration::hours(self.withdrawal_answer_hours.into()) }
    }

    pub fn database_name() -> &'static str {
        "aftersales"
    }
}
