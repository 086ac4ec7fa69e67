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
