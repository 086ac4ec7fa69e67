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

    /// CA certificate(s), PEM, that the DATABASE_URL server's certificate must chain to: for sslmode=verify-ca and
    /// verify-full (and prefer/require, which then verify as verify-ca does). `sslrootcert=` in the URL wins.
    #[arg(long, value_name = "FILE", env = "AFTERSALES_DATABASE_CA_FILE", global = true)]
    pub database_ca_file: Option<PathBuf>,

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

    /// Time limits on the database and on requests, so a stuck database answers 503 instead of hanging.
    #[command(flatten)]
    pub limits: Limits,

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

    /// Minutes a session may go unused before it ends (the next page asks to sign in again).
    #[arg(long, value_name = "MINUTES", env = "AFTERSALES_SESSION_IDLE_MINUTES", default_value_t = 480, global = true,
          value_parser = clap::value_parser!(u32).range(1..=525_600))]
    pub session_idle_minutes: u32,

    /// Days after signing in that a session ends however much it is used.
    #[arg(long, value_name = "DAYS", env = "AFTERSALES_SESSION_MAX_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub session_max_days: u32,

    /// Seconds an instance trusts its last check of a session before asking the database again: the longest a
    /// session ended on another instance (sign-out, a disabled account, a role change) still works here.
    #[arg(long, value_name = "SECONDS", env = "AFTERSALES_SESSION_CHECK_SECONDS", default_value_t = 3, global = true,
          value_parser = clap::value_parser!(u32).range(0..=60))]
    pub session_check_seconds: u32,

    /// Reverse proxies (comma-separated addresses, e.g. `127.0.0.1` for nginx on this machine) whose
    /// `X-Forwarded-For` names the client, for the sign-in limiter; from anyone else the header is ignored.
    #[arg(long, value_name = "ADDRESSES", env = "AFTERSALES_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// A bearer token `/metrics` requires; unset, `/metrics` answers only requests from this machine.
    #[arg(long, env = "AFTERSALES_METRICS_TOKEN", global = true, hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Compress pages (gzip) for browsers that ask; off when a proxy in front compresses. Static files come
    /// precompressed (brotli or gzip) either way.
    #[arg(long, value_name = "BOOL", env = "AFTERSALES_COMPRESS", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub compress: bool,

    /// Count and time requests per route for `/metrics` (the pool, jobs and outbox figures are read regardless).
    #[arg(long, value_name = "BOOL", env = "AFTERSALES_REQUEST_METRICS", default_value_t = true,
          action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub request_metrics: bool,

    /// Log lines as text for people, or as JSON for a log collector.
    #[arg(long, value_enum, env = "AFTERSALES_LOG_FORMAT", default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Email (and later SMS) that the worker sends from the outbox.
    #[command(flatten)]
    pub mail: Mail,

    /// Where attachments and exports are kept: the data folder, or an S3-compatible bucket.
    #[command(flatten)]
    pub storage: crate::storage::StorageSettings,
}

/// Time limits on the database path. A stuck database (frozen, unreachable, overloaded) must cost a request a few
/// seconds and a 503, never an open-ended wait.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Longest a statement of the app may run (PostgreSQL's `statement_timeout` on the app's connections); exports
    /// and the analytics fold set a longer one for their own statements.
    #[arg(long, value_name = "MS", env = "AFTERSALES_DB_STATEMENT_TIMEOUT_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(100..=86_400_000), global = true)]
    pub db_statement_timeout_ms: u64,

    /// Longest a transaction may sit idle before the server ends its session
    /// (`idle_in_transaction_session_timeout`), so a stuck holder cannot keep row locks.
    #[arg(long, value_name = "MS", env = "AFTERSALES_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(100..=86_400_000), global = true)]
    pub db_idle_in_transaction_timeout_ms: u64,

    /// Longest a request waits for a free database connection before it answers 503.
    #[arg(long, value_name = "MS", env = "AFTERSALES_DB_POOL_WAIT_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(10..=600_000), global = true)]
    pub db_pool_wait_ms: u64,

    /// Longest a request's handler may take before it answers 503 (uploads get six times as long); the response's
    /// body (a download) streams after it and is not limited.
    #[arg(long, value_name = "MS", env = "AFTERSALES_REQUEST_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000), global = true)]
    pub request_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            db_statement_timeout_ms: 30_000,
            db_idle_in_transaction_timeout_ms: 60_000,
            db_pool_wait_ms: 2_000,
            request_timeout_ms: 10_000,
        }
    }
}

impl Limits {
    pub fn statement_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_statement_timeout_ms)
    }
    pub fn idle_in_transaction_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_idle_in_transaction_timeout_ms)
    }
    pub fn pool_wait(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_pool_wait_ms)
    }
    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.request_timeout_ms)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How messages leave the system. Without an SMTP server they are written to
/// the log instead (and count as sent), so a demo or a test needs no mail server.
#[derive(Debug, Clone, Args)]
pub struct Mail {
    /// SMTP server, e.g. `smtp://host:25` or `smtp://user:pass@host:587?tls=required` (STARTTLS);
    /// `smtps://…` for TLS from the start. Unset: messages go to the log.
    #[arg(long, value_name = "URL", env = "AFTERSALES_SMTP_URL", global = true, hide_env_values = true,
          value_parser = parse_smtp_url)]
    pub smtp_url: Option<String>,

    /// Sender of the emails.
    #[arg(long, value_name = "ADDRESS", env = "AFTERSALES_MAIL_FROM", default_value = DEFAULT_MAIL_FROM, global = true)]
    pub mail_from: lettre::message::Mailbox,

    /// The address people reach this site at, for the links in messages.
    #[arg(long, value_name = "URL", env = "AFTERSALES_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL, global = true,
          value_parser = parse_public_url)]
    pub public_url: String,
}

pub const DEFAULT_MAIL_FROM: &str = "aftersales@localhost";
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

impl Default for Mail {
    /// Log only, the default sender and site address.
    fn default() -> Self {
        Mail {
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.parse().expect("the default sender is an address"),
            public_url: DEFAULT_PUBLIC_URL.into(),
        }
    }
}

/// Checked at start, so a typo stops the server instead of every email failing later.
fn parse_smtp_url(url: &str) -> Result<String, String> {
    use lettre::{AsyncSmtpTransport, Tokio1Executor};
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(drop).map_err(|e| e.to_string())?;
    Ok(url.to_owned())
}

/// An http(s) address without a trailing slash (links add `/tickets/…`).
fn parse_public_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err("must be an http:// or https:// address".into()),
    }
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
    /// The defaults, as a start with no flags would have them (the environment's `AFTERSALES_*` still count), for
    /// the tests and the bench to adjust before building an instance.
    pub fn defaults() -> Settings {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            settings: Settings,
        }
        <Defaults as clap::Parser>::parse_from(["aftersales"]).settings
    }

    pub fn policy(&self) -> Policy {
        Policy { withdrawal_answer: chrono::Duration::hours(self.withdrawal_answer_hours.into()) }
    }

    pub fn database_name() -> &'static str {
        "aftersales"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_time_limits_default_as_documented_and_are_checked() {
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            limits: Limits,
        }
        let cli = Cli::parse_from(["x"]);
        let defaults = Limits::default();
        assert_eq!(
            (cli.limits.db_statement_timeout_ms, cli.limits.db_idle_in_transaction_timeout_ms),
            (defaults.db_statement_timeout_ms, defaults.db_idle_in_transaction_timeout_ms)
        );
        assert_eq!((cli.limits.db_pool_wait_ms, cli.limits.request_timeout_ms), (2_000, 10_000));
        let cli = Cli::parse_from(["x", "--db-statement-timeout-ms", "5000", "--request-timeout-ms", "3000"]);
        assert_eq!(cli.limits.statement_timeout(), std::time::Duration::from_secs(5));
        assert_eq!(cli.limits.request_timeout(), std::time::Duration::from_secs(3));
        assert!(Cli::try_parse_from(["x", "--db-pool-wait-ms", "0"]).is_err());
    }

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        mail: Mail,
    }

    #[test]
    fn mail_settings_default_to_the_log_and_are_checked() {
        let cli = Cli::parse_from(["x"]);
        assert_eq!(cli.mail.smtp_url, None);
        assert_eq!(cli.mail.mail_from.to_string(), DEFAULT_MAIL_FROM);
        assert_eq!(cli.mail.public_url, DEFAULT_PUBLIC_URL);
        let cli = Cli::parse_from([
            "x",
            "--smtp-url",
            "smtp://user:pass@mail.example.com:587?tls=required",
            "--mail-from",
            "售后 <service@example.com>",
            "--public-url",
            "https://service.example.com/",
        ]);
        assert!(cli.mail.smtp_url.is_some());
        assert_eq!(cli.mail.mail_from.email.to_string(), "service@example.com");
        assert_eq!(cli.mail.public_url, "https://service.example.com");
        for bad in [["--smtp-url", "ftp://host"], ["--public-url", "example.com"], ["--mail-from", "nobody"]] {
            assert!(Cli::try_parse_from(["x", bad[0], bad[1]]).is_err(), "{bad:?}");
        }
    }
}
