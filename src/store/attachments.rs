//! Attachment rows: what was uploaded to which ticket, by whom, and with which
//! log entry (whose `internal` flag decides who may see the file).

use super::Conn;
use crate::db::schema::{attachments as at, ticket_events as ev, tickets, users};
use crate::domain::attachment::FileType;
use crate::domain::ids::AttachmentId;
use crate::domain::{EventId, TicketId, UserId};
use crate::store::events::NewEvent;
use crate::store::tickets::Ticket;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Insertable)]
#[diesel(table_name = at)]
pub struct NewAttachment<'a> {
    pub ticket_id: TicketId,
    pub event_id: Option<EventId>,
    pub uploader_id: UserId,
    pub file_name: &'a str,
    pub content_type: FileType,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = at, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    pub id: AttachmentId,
    pub ticket_id: TicketId,
    pub file_name: String,
    pub content_type: FileType,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// An attachment as the ticket page lists it.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub attachment: Attachment,
    pub uploader_name: String,
    /// Came with an internal note: staff only.
    pub internal: bool,
}

impl AttachmentRow {
    pub fn size(&self) -> String {
        crate::domain::attachment::human_size(self.attachment.size_bytes)
    }
    pub fn previewable(&self) -> bool {
        self.attachment.content_type.previewable()
    }
}

pub async fn insert_all(conn: &mut Conn, rows: &[NewAttachment<'_>]) -> QueryResult<Vec<AttachmentId>> {
    diesel::insert_into(at::table).values(rows).returning(at::id).get_results(conn).await
}

/// How many internal (or public) files the ticket has. The two are counted
/// apart so that a customer's limit never hints at files they cannot see.
pub async fn count_for_ticket(conn: &mut Conn, ticket: TicketId, internal: bool) -> QueryResult<i64> {
    let query = at::table.left_join(ev::table).filter(at::ticket_id.eq(ticket)).into_boxed();
    let query = if internal {
        query.filter(ev::internal.nullable().eq(true))
    } else {
        query.filter(ev::internal.nullable().is_distinct_from(true))
    };
    query.count().get_result(conn).await
}

/// Writes the upload's log entry and returns its id, which the rows point to.
/// (`events::append` returns nothing; this is its one caller needing the id.)
pub async fn append_event(conn: &mut Conn, event: &NewEvent<'_>) -> QueryResult<EventId> {
    diesel::insert_into(ev::table).values(event).returning(ev::id).get_result(conn).await
}

/// The ticket's files in upload order, one query; internal ones only when `with_internal`.
pub async fn list(conn: &mut Conn, ticket: TicketId, with_internal: bool) -> QueryResult<Vec<AttachmentRow>> {
    let mut query = at::table
        .inner_join(users::table)
        .left_join(ev::table)
        .filter(at::ticket_id.eq(ticket))
        .select((Attachment::as_select(), users::name, ev::internal.nullable()))
        .into_boxed();
    if !with_internal {
        // Files of public entries, and files with no entry; filtered in the
        // query so an internal file never reaches a customer's page.
        query = query.filter(ev::internal.nullable().is_distinct_from(true));
    }
    let rows: Vec<(Attachment, String, Option<bool>)> = query.order(at::id).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(attachment, uploader_name, internal)| AttachmentRow {
            attachment,
            uploader_name,
            internal: internal.unwrap_or(false),
        })
        .collect())
}

/// One attachment with its ticket (for the visibility check) and whether it is internal.
pub async fn find(conn: &mut Conn, id: AttachmentId) -> QueryResult<Option<(Attachment, Ticket, bool)>> {
    let row: Option<(Attachment, Ticket, Option<bool>)> = at::table
        .inner_join(tickets::table)
        .left_join(ev::table)
        .filter(at::id.eq(id))
        .select((Attachment::as_select(), Ticket::as_select(), ev::internal.nullable()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(a, t, internal)| (a, t, internal.unwrap_or(false))))
}
