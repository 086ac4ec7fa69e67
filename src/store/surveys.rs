//! Satisfaction surveys: one per closed ticket.

use super::Conn;
use crate::db::schema::surveys as sv;
use crate::domain::{TicketId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sv, check_for_backend(diesel::pg::Pg))]
pub struct Survey {
    pub score: i16,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Records the survey; false if the ticket was rated already.
pub async fn insert(
    conn: &mut Conn,
    ticket: TicketId,
    customer: UserId,
    score: i16,
    comment: Option<&str>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(sv::table)
        .values((sv::ticket_id.eq(ticket), sv::customer_id.eq(customer), sv::score.eq(score), sv::comment.eq(comment)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn find(conn: &mut Conn, ticket: TicketId) -> QueryResult<Option<Survey>> {
    sv::table.find(ticket).select(Survey::as_select()).first(conn).await.optional()
}
