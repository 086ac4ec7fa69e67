//! Follow-ups (问题复现): a ticket filed because the problem of a withdrawn or
//! closed ticket came back, linked to it by `tickets.follow_up_of`.

use super::Conn;
use super::tickets::Ticket;
use crate::db::schema::tickets;
use crate::domain::{TicketId, TicketState, UserId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// A linked ticket as a link shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub struct LinkedTicket {
    pub id: TicketId,
    pub number: String,
    pub customer_id: UserId,
    pub title: String,
    pub state: TicketState,
}

/// Marks `ticket` as the follow-up of `earlier`.
pub async fn link(conn: &mut Conn, ticket: TicketId, earlier: TicketId) -> QueryResult<Ticket> {
    diesel::update(tickets::table.find(ticket))
        .set(tickets::follow_up_of.eq(earlier))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: TicketId) -> QueryResult<LinkedTicket> {
    tickets::table.find(id).select(LinkedTicket::as_select()).first(conn).await
}

/// The follow-ups filed for `earlier`, oldest first.
pub async fn of(conn: &mut Conn, earlier: TicketId) -> QueryResult<Vec<LinkedTicket>> {
    tickets::table
        .filter(tickets::follow_up_of.eq(earlier))
        .order(tickets::id)
        .select(LinkedTicket::as_select())
        .load(conn)
        .await
}
