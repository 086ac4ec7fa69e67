//! Compensation given on a ticket, and whether it must be (or was) returned.

use super::Conn;
use crate::db::schema::{compensations as cp, users};
use crate::domain::withdrawal::CompensationKind;
use crate::domain::{CompensationId, TicketId, UserId, WithdrawalId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cp, check_for_backend(diesel::pg::Pg))]
pub struct Compensation {
    pub id: CompensationId,
    pub ticket_id: TicketId,
    pub kind: CompensationKind,
    pub amount_cents: Option<i64>,
    pub description: String,
    pub given_by: UserId,
    pub given_at: DateTime<Utc>,
    pub return_due_at: Option<DateTime<Utc>>,
    pub withdrawal_id: Option<WithdrawalId>,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_by: Option<UserId>,
}

impl Compensation {
    /// Must come back and has not yet.
    pub fn return_open(&self) -> bool {
        self.return_due_at.is_some() && self.returned_at.is_none()
    }
    pub fn amount(&self) -> Option<String> {
        self.amount_cents.map(crate::domain::withdrawal::format_amount)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cp)]
pub struct NewCompensation<'a> {
    pub ticket_id: TicketId,
    pub kind: CompensationKind,
    pub amount_cents: Option<i64>,
    pub description: &'a str,
    pub given_by: UserId,
    pub given_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewCompensation<'_>) -> QueryResult<Compensation> {
    diesel::insert_into(cp::table).values(new).returning(Compensation::as_returning()).get_result(conn).await
}

/// The compensation on these tickets, with the giver's name, oldest first.
pub async fn for_tickets(conn: &mut Conn, tickets: &[TicketId]) -> QueryResult<Vec<(Compensation, String)>> {
    cp::table
        .inner_join(users::table.on(users::id.eq(cp::given_by)))
        .filter(cp::ticket_id.eq_any(tickets))
        .order(cp::id)
        .select((Compensation::as_select(), users::name))
        .load(conn)
        .await
}

/// A withdrawal took effect: everything given and not yet asked back must be returned.
pub async fn require_return(
    conn: &mut Conn,
    ticket: TicketId,
    withdrawal: WithdrawalId,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(cp::table.filter(cp::ticket_id.eq(ticket)).filter(cp::return_due_at.is_null()))
        .set((cp::return_due_at.eq(at), cp::withdrawal_id.eq(withdrawal)))
        .execute(conn)
        .await
}

/// Records an open return as done; false if it was not open (or not this ticket's).
pub async fn mark_returned(
    conn: &mut Conn,
    ticket: TicketId,
    id: CompensationId,
    by: UserId,
    at: DateTime<Utc>,
) -> QueryResult<Option<Compensation>> {
    diesel::update(
        cp::table
            .find(id)
            .filter(cp::ticket_id.eq(ticket))
            .filter(cp::return_due_at.is_not_null())
            .filter(cp::returned_at.is_null()),
    )
    .set((cp::returned_at.eq(at), cp::returned_by.eq(by)))
    .returning(Compensation::as_returning())
    .get_result(conn)
    .await
    .optional()
}
