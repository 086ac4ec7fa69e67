//! In-app notifications. Stored as a kind and facts, rendered in the reader's language.

use super::Conn;
use crate::db::schema::{notifications as nt, tickets};
use crate::domain::{NotificationId, TicketId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Insertable)]
#[diesel(table_name = nt)]
pub struct NewNotification<'a> {
    pub user_id: UserId,
    pub ticket_id: Option<TicketId>,
    pub kind: &'a str,
    pub data: &'a serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_all(conn: &mut Conn, rows: &[NewNotification<'_>]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(nt::table).values(rows).execute(conn).await.map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nt, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    pub id: NotificationId,
    pub kind: String,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A notification with its ticket's number, for the list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub notification: Notification,
    pub ticket_number: Option<String>,
}

/// The person's notifications, newest first, before the keyset `before`.
pub async fn list(
    conn: &mut Conn,
    user: UserId,
    before: Option<NotificationId>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let mut query = nt::table
        .left_join(tickets::table)
        .filter(nt::user_id.eq(user))
        .select((Notification::as_select(), tickets::number.nullable()))
        .order(nt::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(nt::id.lt(before));
    }
    let rows: Vec<(Notification, Option<String>)> = query.load(conn).await?;
    Ok(rows.into_iter().map(|(notification, ticket_number)| Listed { notification, ticket_number }).collect())
}

/// One of the person's notifications (another person's is none).
pub async fn find(conn: &mut Conn, user: UserId, id: NotificationId) -> QueryResult<Option<Listed>> {
    let row: Option<(Notification, Option<String>)> = nt::table
        .left_join(tickets::table)
        .filter(nt::id.eq(id))
        .filter(nt::user_id.eq(user))
        .select((Notification::as_select(), tickets::number.nullable()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(notification, ticket_number)| Listed { notification, ticket_number }))
}

pub async fn unread_count(conn: &mut Conn, user: UserId) -> QueryResult<i64> {
    nt::table.filter(nt::user_id.eq(user)).filter(nt::read_at.is_null()).count().get_result(conn).await
}

/// Marks one of the person's notifications read; its ticket, if it is theirs.
pub async fn mark_read(
    conn: &mut Conn,
    user: UserId,
    id: NotificationId,
    at: DateTime<Utc>,
) -> QueryResult<Option<Option<TicketId>>> {
    // Only the person's own; an already-read one keeps its first read time.
    diesel::update(nt::table.find(id).filter(nt::user_id.eq(user)).filter(nt::read_at.is_null()))
        .set(nt::read_at.eq(at))
        .execute(conn)
        .await?;
    nt::table.find(id).filter(nt::user_id.eq(user)).select(nt::ticket_id).first(conn).await.optional()
}

pub async fn mark_all_read(conn: &mut Conn, user: UserId, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(nt::table.filter(nt::user_id.eq(user)).filter(nt::read_at.is_null()))
        .set(nt::read_at.eq(at))
        .execute(conn)
        .await
}

/// Who got what about a ticket (tests and the ticket's history for staff).
pub async fn recipients(conn: &mut Conn, ticket: TicketId) -> QueryResult<Vec<(UserId, String)>> {
    nt::table.filter(nt::ticket_id.eq(Some(ticket))).order(nt::id).select((nt::user_id, nt::kind)).load(conn).await
}
