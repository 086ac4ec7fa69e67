//! Duplicates: a customer's recent open tickets like the one being filed, and
//! merges — which ticket went into which, and what a surviving ticket took in.

use super::Conn;
use super::attachments::{Attachment, AttachmentRow};
use super::events::{Event, EventView};
use crate::db::schema::{attachments as at, ticket_events as ev, tickets, users};
use crate::domain::{TicketId, TicketState, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

diesel::define_sql_function! {
    /// pg_trgm: how alike two texts are, from 0 to 1 (shared trigrams ÷ all trigrams).
    fn similarity(a: Text, b: Text) -> Float4;
}
diesel::define_sql_function! {
    fn lower(a: Text) -> Text;
}

/// Which of a customer's tickets may be the one they are filing again.
#[derive(Debug, Clone)]
pub struct SimilarProbe<'a> {
    pub customer: UserId,
    /// Only tickets filed since then (the last 30 days).
    pub since: DateTime<Utc>,
    /// Same product/model, or (when given) same serial number; both compared
    /// without regard to case.
    pub product_model: Option<&'a str>,
    pub serial_number: Option<&'a str>,
    pub title: &'a str,
    /// The least pg_trgm similarity of the titles that counts as alike.
    pub min_similarity: f32,
    pub limit: i64,
}

/// A hint: one of the customer's own open tickets.
#[derive(Debug, Clone, Queryable)]
pub struct SimilarTicket {
    pub number: String,
    pub title: String,
    pub state: TicketState,
    pub created_at: DateTime<Utc>,
}

/// The customer's open tickets like the probe, most alike first. The
/// customer and the time window come first so `tickets_customer_idx`
/// (customer_id, created_at DESC) reads only that customer's last 30 days;
/// the rest is checked on those few rows.
pub async fn similar_open(conn: &mut Conn, probe: &SimilarProbe<'_>) -> QueryResult<Vec<SimilarTicket>> {
    let open: Vec<TicketState> = TicketState::ALL.iter().copied().filter(|s| s.is_open()).collect();
    let score = similarity(tickets::title, probe.title);
    let mut query = tickets::table
        .filter(tickets::customer_id.eq(probe.customer))
        .filter(tickets::created_at.ge(probe.since))
        .filter(tickets::state.eq_any(open))
        .filter(score.ge(probe.min_similarity))
        .select((tickets::number, tickets::title, tickets::state, tickets::created_at))
        .into_boxed();
    let same_serial = |serial: &str| lower(tickets::serial_number.assume_not_null()).eq(lower(serial.to_owned()));
    query = match (probe.product_model, probe.serial_number) {
        (Some(model), Some(serial)) => {
            query.filter(lower(tickets::product_model).eq(lower(model.to_owned())).or(same_serial(serial)))
        }
        (Some(model), None) => query.filter(lower(tickets::product_model).eq(lower(model.to_owned()))),
        (None, Some(serial)) => query.filter(same_serial(serial)),
        (None, None) => return Ok(Vec::new()),
    };
    query.order((score.desc(), tickets::created_at.desc(), tickets::id.desc())).limit(probe.limit).load(conn).await
}

/// Locks two tickets (by number) in id order, so two merges of the same pair in
/// opposite directions wait for each other instead of deadlocking.
pub async fn lock_pair(conn: &mut Conn, a: &str, b: &str) -> QueryResult<()> {
    tickets::table
        .filter(tickets::number.eq_any([a, b]))
        .select(tickets::id)
        .order(tickets::id)
        .for_update()
        .load::<TicketId>(conn)
        .await
        .map(drop)
}

/// The ticket this one was merged into, if any: (id, number).
pub async fn merged_into(conn: &mut Conn, ticket: TicketId) -> QueryResult<Option<(TicketId, String)>> {
    let survivor = diesel::alias!(tickets as survivor);
    tickets::table
        .inner_join(survivor.on(tickets::merged_into_id.eq(survivor.field(tickets::id).nullable())))
        .filter(tickets::id.eq(ticket))
        .select((survivor.field(tickets::id), survivor.field(tickets::number)))
        .first(conn)
        .await
        .optional()
}

/// Records that `duplicate` went into `survivor`.
pub async fn set_merged_into(conn: &mut Conn, duplicate: TicketId, survivor: TicketId) -> QueryResult<()> {
    diesel::update(tickets::table.find(duplicate))
        .set(tickets::merged_into_id.eq(survivor))
        .execute(conn)
        .await
        .map(drop)
}

/// A change that is not a state change (a ticket taken in): a new version, so
/// a page showing the ticket before it is stale.
pub async fn touch(conn: &mut Conn, ticket: TicketId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket))
        .set((tickets::version.eq(tickets::version + 1), tickets::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// A ticket merged into a survivor, as the survivor's page shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct MergedTicket {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: TicketId,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub customer_id: UserId,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The ticket it went into: the survivor itself, or (merged before that
    /// one was merged in turn) an intermediate.
    #[diesel(sql_type = Text)]
    pub into_number: String,
}

/// Every ticket merged into `survivor`, directly or through a ticket that was
/// merged into it later, oldest first. Each step follows `tickets_merged_into_idx`;
/// `UNION` (not `UNION ALL`) stops even on a cycle, which the merge rules rule out.
pub async fn merged_from(conn: &mut Conn, survivor: TicketId) -> QueryResult<Vec<MergedTicket>> {
    diesel::sql_query(
        "WITH RECURSIVE merged (id) AS ( \
             SELECT id FROM tickets WHERE merged_into_id = $1 \
             UNION \
             SELECT t.id FROM tickets t JOIN merged m ON t.merged_into_id = m.id \
         ) \
         SELECT t.id, t.number, t.customer_id, t.title, t.description, t.created_at, s.number AS into_number \
         FROM merged m JOIN tickets t ON t.id = m.id JOIN tickets s ON s.id = t.merged_into_id \
         WHERE t.id <> $1 ORDER BY t.id",
    )
    .bind::<diesel::sql_types::BigInt, _>(survivor.0)
    .load(conn)
    .await
}

/// Entries with text (replies, notes, questions, solutions…) of these tickets,
/// oldest first; internal ones only when `with_internal`. Uploads are listed
/// with the files and the merge entries by the banner, so they are left out.
pub async fn texts_of(
    conn: &mut Conn,
    ticket_ids: &[TicketId],
    with_internal: bool,
    skip_kinds: &[&str],
) -> QueryResult<Vec<(TicketId, EventView)>> {
    let mut query = ev::table
        .left_join(users::table)
        .filter(ev::ticket_id.eq_any(ticket_ids))
        .filter(ev::body.is_not_null())
        .filter(ev::kind.ne_all(skip_kinds))
        .select((ev::ticket_id, Event::as_select(), users::name.nullable()))
        .into_boxed();
    if !with_internal {
        // Filtered in the query, as `events::list` does: an internal note never reaches a customer.
        query = query.filter(ev::internal.eq(false));
    }
    let rows: Vec<(TicketId, Event, Option<String>)> = query.order(ev::id).load(conn).await?;
    Ok(rows.into_iter().map(|(ticket, event, actor_name)| (ticket, EventView { event, actor_name })).collect())
}

/// The files of these tickets in upload order, with the same rule as
/// `attachments::list`: an internal note's files only when `with_internal`.
pub async fn attachments_of(
    conn: &mut Conn,
    ticket_ids: &[TicketId],
    with_internal: bool,
) -> QueryResult<Vec<AttachmentRow>> {
    let mut query = at::table
        .inner_join(users::table)
        .left_join(ev::table)
        .filter(at::ticket_id.eq_any(ticket_ids))
        .select((Attachment::as_select(), users::name, ev::internal.nullable()))
        .into_boxed();
    if !with_internal {
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
