//! Deleting rows whose use is over, a batch at a time (see `jobs::prune` for what is kept how long). Each delete
//! walks an index on its cut-off column, so a sweep costs what it removes, not the table's size.

use super::Conn;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::RunQueryDsl;

/// What a sweep removes, and the moment before which it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// One-off jobs that finished or gave up (recurring ones are never removed).
    FinishedJobs,
    /// Messages delivered.
    SentMessages,
    /// Messages given up on, kept longer for looking into.
    FailedMessages,
    /// Failed sign-ins, long past the limiter's window.
    LoginFailures,
    /// Exports whose file is gone (expired) or never came (failed).
    EndedExports,
    /// One-time form keys past their life (a repeat after that is served as a new submission).
    Submissions,
    /// Sessions not seen for long: ended by the idle or the absolute limit, or revoked (a revoked one is not seen).
    StaleSessions,
    /// Browsers that have not signed in for long (the cookie itself lasts half a year).
    ForgottenDevices,
}

impl Stale {
    pub const ALL: [Stale; 8] = [
        Stale::FinishedJobs,
        Stale::SentMessages,
        Stale::FailedMessages,
        Stale::LoginFailures,
        Stale::EndedExports,
        Stale::Submissions,
        Stale::StaleSessions,
        Stale::ForgottenDevices,
    ];

    fn sql(self) -> &'static str {
        match self {
            Stale::FinishedJobs => {
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE repeat_seconds IS NULL \
                 AND coalesce(done_at, failed_at) < $1 ORDER BY coalesce(done_at, failed_at) LIMIT $2)"
            }
            Stale::SentMessages => {
                "DELETE FROM outbox WHERE id IN \
                 (SELECT id FROM outbox WHERE sent_at < $1 ORDER BY sent_at LIMIT $2)"
            }
            Stale::FailedMessages => {
                "DELETE FROM outbox WHERE id IN \
                 (SELECT id FROM outbox WHERE failed_at < $1 ORDER BY failed_at LIMIT $2)"
            }
            Stale::LoginFailures => {
                "DELETE FROM login_failures WHERE id IN \
                 (SELECT id FROM login_failures WHERE failed_at < $1 ORDER BY failed_at LIMIT $2)"
            }
            Stale::EndedExports => {
                "DELETE FROM exports WHERE id IN (SELECT id FROM exports WHERE status IN ('expired', 'failed') \
                 AND created_at < $1 ORDER BY created_at LIMIT $2)"
            }
            Stale::Submissions => {
                "DELETE FROM submissions WHERE key IN \
                 (SELECT key FROM submissions WHERE created_at < $1 ORDER BY created_at LIMIT $2)"
            }
            Stale::StaleSessions => {
                "DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE last_seen_at < $1 ORDER BY last_seen_at LIMIT $2)"
            }
            Stale::ForgottenDevices => {
                "DELETE FROM known_devices WHERE (token_hash, user_id) IN (SELECT token_hash, user_id \
                 FROM known_devices WHERE last_seen_at < $1 ORDER BY last_seen_at LIMIT $2)"
            }
        }
    }
}

/// Deletes up to `limit` rows of `what` from before `cutoff`; how many went.
pub async fn delete_before(
    conn: &mut Conn,
    what: Stale,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(what.sql()).bind::<Timestamptz, _>(cutoff).bind::<BigInt, _>(limit).execute(conn).await
}
