//! Exports of the ticket list: who asked for what, and how far the worker has got.

use super::Conn;
use crate::db::schema::exports;
use crate::domain::UserId;
use crate::export::{ExportStatus, Format};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = exports, check_for_backend(diesel::pg::Pg))]
pub struct Export {
    pub id: i64,
    pub requested_by: UserId,
    pub format: Format,
    /// The queue's filters as its URL carries them.
    pub filters: String,
    pub lang: String,
    pub tz: String,
    pub status: ExportStatus,
    pub rows_expected: Option<i64>,
    pub rows_done: i64,
    pub file_path: String,
    /// A message key: why it failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = exports)]
pub struct NewExport<'a> {
    pub requested_by: UserId,
    pub format: Format,
    pub filters: &'a str,
    pub lang: &'a str,
    pub tz: &'a str,
    pub file_path: &'a str,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewExport<'_>) -> QueryResult<Export> {
    diesel::insert_into(exports::table).values(new).returning(Export::as_returning()).get_result(conn).await
}

pub async fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<Export>> {
    exports::table.find(id).select(Export::as_select()).first(conn).await.optional()
}

/// A run begins (again, after a failed attempt: the count starts afresh).
pub async fn start(conn: &mut Conn, id: i64, rows_expected: i64) -> QueryResult<()> {
    diesel::update(exports::table.find(id))
        .set((
            exports::status.eq(ExportStatus::Running),
            exports::rows_expected.eq(rows_expected),
            exports::rows_done.eq(0),
            exports::error.eq(None::<String>),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn progress(conn: &mut Conn, id: i64, rows_done: i64) -> QueryResult<()> {
    diesel::update(exports::table.find(id)).set(exports::rows_done.eq(rows_done)).execute(conn).await.map(drop)
}

pub async fn finish(conn: &mut Conn, id: i64, rows_done: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(exports::table.find(id))
        .set((exports::status.eq(ExportStatus::Done), exports::rows_done.eq(rows_done), exports::finished_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Gave up, for the reason `error` (a message key).
pub async fn fail(conn: &mut Conn, id: i64, error: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(exports::table.find(id))
        .set((exports::status.eq(ExportStatus::Failed), exports::error.eq(error), exports::finished_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Up to `limit` exports asked for before `cutoff` whose file may still exist (`exports_live_idx`).
pub async fn expiring(conn: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    exports::table
        .filter(exports::status.ne(ExportStatus::Expired))
        .filter(exports::created_at.lt(cutoff))
        .order(exports::created_at)
        .select((exports::id, exports::file_path))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn mark_expired(conn: &mut Conn, ids: &[i64]) -> QueryResult<()> {
    diesel::update(exports::table.filter(exports::id.eq_any(ids)))
        .set(exports::status.eq(ExportStatus::Expired))
        .execute(conn)
        .await
        .map(drop)
}
