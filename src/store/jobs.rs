//! The job queue of the background worker: enqueueing, claiming due jobs with
//! `FOR UPDATE SKIP LOCKED`, and recording how a run ended.

use super::Conn;
use crate::db::schema::jobs;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

/// A job to put in the queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = jobs)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub dedupe_key: Option<String>,
    pub repeat_seconds: Option<i32>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Adds a job; with a dedupe key that is already taken nothing is added and
/// `None` comes back (the job is scheduled once, however often it is asked for).
pub async fn enqueue(conn: &mut Conn, job: &NewJob) -> QueryResult<Option<i64>> {
    diesel::insert_into(jobs::table)
        .values(job)
        .on_conflict_do_nothing()
        .returning(jobs::id)
        .get_result(conn)
        .await
        .optional()
}

/// Makes sure a recurring job exists (keyed by `job.dedupe_key`). An existing
/// row keeps its schedule but takes the current interval, payload and attempts,
/// so a changed setting applies from the next run.
pub async fn ensure_recurring(conn: &mut Conn, job: &NewJob) -> QueryResult<()> {
    use diesel::upsert::excluded;
    diesel::insert_into(jobs::table)
        .values(job)
        .on_conflict(jobs::dedupe_key)
        .do_update()
        .set((
            jobs::repeat_seconds.eq(excluded(jobs::repeat_seconds)),
            jobs::payload.eq(excluded(jobs::payload)),
            jobs::max_attempts.eq(excluded(jobs::max_attempts)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// A job a worker has claimed.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    /// Including this run.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    pub repeat_seconds: Option<i32>,
}

/// Which kinds a claim takes: with `in_long_lane` set, only the `long` kinds (true) or only the others (false);
/// without it, every kind.
#[derive(Debug, Clone, Copy)]
pub struct Kinds<'a> {
    pub long: &'a [&'static str],
    pub in_long_lane: Option<bool>,
}

impl Kinds<'_> {
    /// Every kind.
    pub const ALL: Kinds<'static> = Kinds { long: &[], in_long_lane: None };
}

/// Claims up to `limit` jobs due at `now` for `worker` until `until`, oldest
/// first. Rows another worker is claiming at this moment are skipped, not
/// waited for; a claim whose `locked_until` has passed (its worker died) is
/// taken over, and noted as the job's last error. The CTE is materialised so
/// the locked set is chosen once.
pub async fn claim(
    conn: &mut Conn,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
    kinds: Kinds<'_>,
) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "WITH due AS MATERIALIZED ( \
             SELECT id FROM jobs \
             WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $2 \
               AND (locked_until IS NULL OR locked_until <= $2) \
               AND ($6::boolean IS NULL OR (kind = ANY($5)) = $6) \
             ORDER BY run_at, id \
             LIMIT $4 \
             FOR UPDATE SKIP LOCKED) \
         UPDATE jobs SET locked_by = $1, locked_until = $3, attempts = jobs.attempts + 1, \
             last_error = CASE WHEN jobs.locked_by IS NULL THEN jobs.last_error \
                               ELSE 'claim by ' || jobs.locked_by || ' expired' END \
         FROM due WHERE jobs.id = due.id \
         RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts, jobs.repeat_seconds",
    )
    .bind::<Text, _>(worker)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(until)
    .bind::<BigInt, _>(limit)
    .bind::<Array<Text>, _>(kinds.long)
    .bind::<Nullable<Bool>, _>(kinds.in_long_lane)
    .load(conn)
    .await
}

/// Job `id` while `worker` still holds its claim: a run that outlived its
/// lease may have been taken over, and its result is then not recorded.
macro_rules! held {
    ($id:expr, $worker:expr) => {
        jobs::table.filter(jobs::id.eq($id)).filter(jobs::locked_by.eq($worker))
    };
}

/// A one-off job succeeded. False if the claim was lost.
pub async fn mark_done(conn: &mut Conn, id: i64, worker: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(held!(id, worker))
        .set((jobs::done_at.eq(now), jobs::locked_by.eq(None::<String>), jobs::locked_until.eq(None::<DateTime<Utc>>)))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// The job runs again at `run_at`: a retry (with the error), the next run of a
/// recurring job (its count of attempts starting afresh), or a recurring job
/// that has more to do. False if the claim was lost.
pub async fn reschedule(
    conn: &mut Conn,
    id: i64,
    worker: &str,
    run_at: DateTime<Utc>,
    attempts: i32,
    error: Option<&str>,
) -> QueryResult<bool> {
    let n = diesel::update(held!(id, worker))
        .set((
            jobs::run_at.eq(run_at),
            jobs::attempts.eq(attempts),
            jobs::last_error.eq(error),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// The job failed its last attempt: it stays, with the error, and is not run again.
pub async fn mark_failed(conn: &mut Conn, id: i64, worker: &str, now: DateTime<Utc>, error: &str) -> QueryResult<bool> {
    let n = diesel::update(held!(id, worker))
        .set((
            jobs::failed_at.eq(now),
            jobs::last_error.eq(error),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// The heartbeat of a running worker: the claims among `ids` that `worker` still holds now last until `until`.
/// Returns how many.
pub async fn renew(conn: &mut Conn, worker: &str, ids: &[i64], until: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::done_at.is_null())
        .filter(jobs::failed_at.is_null())
        .set(jobs::locked_until.eq(until))
        .execute(conn)
        .await
}

/// Gives back claims a stopping worker did not start; the attempt is not counted.
pub async fn release(conn: &mut Conn, ids: &[i64], worker: &str) -> QueryResult<()> {
    diesel::update(jobs::table)
        .filter(jobs::id.eq_any(ids))
        .filter(jobs::locked_by.eq(worker))
        .set((
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(drop)
}
