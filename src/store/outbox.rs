//! The outbox: messages leaving the system (email, SMS), written in the same
//! transaction as the change they report and delivered by the worker.
//!
//! A sender claims due rows with `FOR UPDATE SKIP LOCKED` and a lease in
//! `claimed_until`; the lease value it set is its proof of the claim when it
//! records the outcome, so a sender whose lease ran out records nothing. The delivery job claims one message at a
//! time, so a sender that stops (or loses the database) holds one message at most, for one lease.

use super::Conn;
use crate::db::schema::outbox;
use crate::domain::{TicketId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::RunQueryDsl;

/// The channels a message can take (the column's CHECK).
pub const EMAIL: &str = "email";
pub const SMS: &str = "sms";

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMessage {
    pub channel: &'static str,
    pub recipient: String,
    pub user_id: Option<UserId>,
    pub ticket_id: Option<TicketId>,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Due at once.
    pub next_attempt_at: DateTime<Utc>,
}

pub async fn insert_all(conn: &mut Conn, rows: &[NewMessage]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(outbox::table).values(rows).execute(conn).await.map(drop)
}

/// A message a sender has claimed.
#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Including this one.
    pub attempts: i32,
    pub claimed_until: Option<DateTime<Utc>>,
    /// When the row was written: with its id, what makes the message's `Message-ID` (the same on every resend).
    pub created_at: DateTime<Utc>,
}

/// Claims up to `limit` unsent messages due at `now` until `until`, oldest
/// first, counting the attempt. Rows being claimed elsewhere are skipped, not
/// waited for; a claim that ran out (its sender died) is taken over. Uses the
/// partial index of unsent rows.
pub async fn claim(conn: &mut Conn, now: DateTime<Utc>, until: DateTime<Utc>, limit: i64) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "WITH due AS MATERIALIZED ( \
             SELECT id FROM outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
               AND (claimed_until IS NULL OR claimed_until <= $1) \
             ORDER BY next_attempt_at, id \
             LIMIT $3 \
             FOR UPDATE SKIP LOCKED) \
         UPDATE outbox SET claimed_until = $2, attempts = outbox.attempts + 1 \
         FROM due WHERE outbox.id = due.id \
         RETURNING outbox.id, outbox.channel, outbox.recipient, outbox.subject, outbox.body, outbox.attempts, \
                   outbox.claimed_until, outbox.created_at",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(until)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// The message while its sender still holds the claim (and it is unsent).
macro_rules! held {
    ($m:expr) => {
        outbox::table
            .filter(outbox::id.eq($m.id))
            .filter(outbox::claimed_until.eq($m.claimed_until))
            .filter(outbox::sent_at.is_null())
    };
}

/// Sent: never sent again. False if the claim was lost meanwhile.
pub async fn mark_sent(conn: &mut Conn, m: &Claimed, now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(held!(m))
        .set((outbox::sent_at.eq(now), outbox::claimed_until.eq(None::<DateTime<Utc>>)))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Not sent this time: tried again at `at`, the error kept.
pub async fn retry_at(conn: &mut Conn, m: &Claimed, at: DateTime<Utc>, error: &str) -> QueryResult<bool> {
    let n = diesel::update(held!(m))
        .set((
            outbox::next_attempt_at.eq(at),
            outbox::last_error.eq(error),
            outbox::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Given up after its last attempt: it stays, with the error, and is not tried again.
pub async fn give_up(conn: &mut Conn, m: &Claimed, now: DateTime<Utc>, error: &str) -> QueryResult<bool> {
    let n = diesel::update(held!(m))
        .set((outbox::failed_at.eq(now), outbox::last_error.eq(error), outbox::claimed_until.eq(None::<DateTime<Utc>>)))
        .execute(conn)
        .await?;
    Ok(n == 1)
}
