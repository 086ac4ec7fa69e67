//! The append-only event log of each ticket (处理进度). Rows are only ever inserted.

use super::Conn;
use crate::db::schema::{ticket_events as ev, users};
use crate::domain::{EventId, TicketId, TicketState, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// What happened. Stored as text; the i18n key is `event-<code>`.
pub mod kind {
    pub const FILED: &str = "filed";
    pub const ASSIGNED: &str = "assigned";
    /// Given to an agent by the assignment rule when filed.
    pub const AUTO_ASSIGNED: &str = "auto_assigned";
    /// Moved to another agent (e.g. because the assignee became unavailable).
    pub const REASSIGNED: &str = "reassigned";
    pub const REPLY: &str = "reply";
    pub const NOTE: &str = "note";
    pub const CUSTOMER_INFO: &str = "customer_info";
    pub const STARTED: &str = "started";
    pub const INFO_REQUESTED: &str = "info_requested";
    pub const RESOLVED: &str = "resolved";
    pub const CONFIRMED: &str = "confirmed";
    pub const REOPENED: &str = "reopened";
    pub const AUTO_CLOSED: &str = "auto_closed";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const FIELDS_CHANGED: &str = "fields_changed";
    pub const CORRECTED: &str = "corrected";
    pub const RATED: &str = "rated";
    pub const WITHDRAWAL_REQUESTED: &str = "withdrawal_requested";
    pub const WITHDRAWAL_CANCELLED: &str = "withdrawal_cancelled";
    pub const WITHDRAWAL_ACCEPTED: &str = "withdrawal_accepted";
    /// The assignee's dispute (internal: the customer hears it was referred).
    pub const WITHDRAWAL_DISPUTED: &str = "withdrawal_disputed";
    pub const WITHDRAWAL_ESCALATED: &str = "withdrawal_escalated";
    /// The ticket was resolved while the request waited: a supervisor decides.
    pub const WITHDRAWAL_REFERRED: &str = "withdrawal_referred";
    pub const WITHDRAWAL_APPROVED: &str = "withdrawal_approved";
    pub const WITHDRAWAL_REJECTED: &str = "withdrawal_rejected";
    /// The ticket closed another way while the request waited.
    pub const WITHDRAWAL_LAPSED: &str = "withdrawal_lapsed";
    pub const WITHDRAWAL_FEEDBACK: &str = "withdrawal_feedback";
    pub const COMPENSATION_GIVEN: &str = "compensation_given";
    pub const COMPENSATION_RETURNED: &str = "compensation_returned";
    /// On the earlier ticket: a follow-up (问题复现) was filed.
    pub const FOLLOW_UP_FILED: &str = "follow_up_filed";
}

#[derive(Debug, Insertable)]
#[diesel(table_name = ev)]
pub struct NewEvent<'a> {
    pub ticket_id: TicketId,
    pub actor_id: Option<UserId>,
    pub kind: &'a str,
    pub from_state: Option<TicketState>,
    pub to_state: Option<TicketState>,
    pub body: Option<&'a str>,
    pub internal: bool,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl<'a> NewEvent<'a> {
    /// An event with no state change, text or data; set what applies.
    pub fn new(ticket_id: TicketId, actor_id: Option<UserId>, kind: &'a str, created_at: DateTime<Utc>) -> Self {
        NewEvent {
            ticket_id,
            actor_id,
            kind,
            from_state: None,
            to_state: None,
            body: None,
            internal: false,
            data: serde_json::Value::Object(Default::default()),
            created_at,
        }
    }

    pub fn transition(mut self, from: TicketState, to: TicketState) -> Self {
        self.from_state = Some(from);
        self.to_state = Some(to);
        self
    }
}

pub async fn append(conn: &mut Conn, event: &NewEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(ev::table).values(event).execute(conn).await.map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ev, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    pub id: EventId,
    pub kind: String,
    pub from_state: Option<TicketState>,
    pub to_state: Option<TicketState>,
    pub body: Option<String>,
    pub internal: bool,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    pub actor_name: Option<String>,
}

/// The ticket's history, oldest first; internal notes only when `with_internal`.
pub async fn list(conn: &mut Conn, ticket: TicketId, with_internal: bool) -> QueryResult<Vec<EventView>> {
    let mut query = ev::table
        .left_join(users::table)
        .filter(ev::ticket_id.eq(ticket))
        .select((Event::as_select(), users::name.nullable()))
        .into_boxed();
    if !with_internal {
        query = query.filter(ev::internal.eq(false));
    }
    let rows: Vec<(Event, Option<String>)> = query.order(ev::id).load(conn).await?;
    Ok(rows.into_iter().map(|(event, actor_name)| EventView { event, actor_name }).collect())
}

/// The last `per_ticket` events of each of these tickets, internal ones
/// included, oldest first: one query for a whole page of tickets (a window
/// over the `(ticket_id, id)` index) instead of one per ticket.
pub async fn latest_for_tickets(
    conn: &mut Conn,
    tickets: &[TicketId],
    per_ticket: i64,
) -> QueryResult<Vec<(TicketId, EventView)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Array, BigInt, Bool};
    let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
    let latest = sql::<Bool>(
        "ticket_events.id IN (SELECT id FROM (SELECT e.id, row_number() OVER (PARTITION BY e.ticket_id \
         ORDER BY e.id DESC) AS n FROM ticket_events e WHERE e.ticket_id = ANY(",
    )
    .bind::<Array<BigInt>, _>(ids)
    .sql(")) latest WHERE latest.n <= ")
    .bind::<BigInt, _>(per_ticket)
    .sql(")");
    let rows: Vec<(TicketId, Event, Option<String>)> = ev::table
        .left_join(users::table)
        .filter(latest)
        .select((ev::ticket_id, Event::as_select(), users::name.nullable()))
        .order(ev::id)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(ticket, event, actor_name)| (ticket, EventView { event, actor_name })).collect())
}
