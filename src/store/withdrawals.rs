//! Withdrawal records: immediate withdrawals and requests with their decisions.

use super::Conn;
use crate::db::schema::{tickets, users, withdrawals as wd};
use crate::domain::withdrawal::{DisputeReason, Referral, WithdrawalFeedback, WithdrawalReason, WithdrawalStatus};
use crate::domain::{Channel, TicketId, TicketState, UserId, WithdrawalId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wd, check_for_backend(diesel::pg::Pg))]
pub struct Withdrawal {
    pub id: WithdrawalId,
    pub ticket_id: TicketId,
    pub customer_id: UserId,
    pub requested_by: UserId,
    pub requested_via: Channel,
    pub reason: WithdrawalReason,
    pub reason_text: Option<String>,
    pub state_at_request: TicketState,
    pub status: WithdrawalStatus,
    pub referral: Option<Referral>,
    pub referred_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub dispute_reason: Option<DisputeReason>,
    pub dispute_text: Option<String>,
    pub disputed_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub decision_note: Option<String>,
    pub state_at_decision: Option<TicketState>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub feedback: Option<WithdrawalFeedback>,
    pub feedback_comment: Option<String>,
    pub feedback_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = wd)]
pub struct NewWithdrawal<'a> {
    pub ticket_id: TicketId,
    pub customer_id: UserId,
    pub requested_by: UserId,
    pub requested_via: Channel,
    pub reason: WithdrawalReason,
    pub reason_text: Option<&'a str>,
    pub state_at_request: TicketState,
    pub status: WithdrawalStatus,
    pub referral: Option<Referral>,
    pub referred_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub state_at_decision: Option<TicketState>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut Conn, new: &NewWithdrawal<'_>) -> QueryResult<Withdrawal> {
    diesel::insert_into(wd::table).values(new).returning(Withdrawal::as_returning()).get_result(conn).await
}

/// Points the ticket at its pending request, or clears the flag.
pub async fn flag_ticket(conn: &mut Conn, ticket: TicketId, pending: Option<WithdrawalId>) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket)).set(tickets::withdrawal_id.eq(pending)).execute(conn).await.map(drop)
}

/// Loads and locks a withdrawal (the ticket is locked first, always, so two
/// deciders queue on the ticket and the second sees the first's decision).
pub async fn lock(conn: &mut Conn, id: WithdrawalId) -> QueryResult<Option<Withdrawal>> {
    wd::table.find(id).select(Withdrawal::as_select()).for_update().first(conn).await.optional()
}

pub async fn find(conn: &mut Conn, id: WithdrawalId) -> QueryResult<Option<Withdrawal>> {
    wd::table.find(id).select(Withdrawal::as_select()).first(conn).await.optional()
}

/// The ticket's withdrawals, oldest first.
pub async fn for_ticket(conn: &mut Conn, ticket: TicketId) -> QueryResult<Vec<Withdrawal>> {
    wd::table.filter(wd::ticket_id.eq(ticket)).order(wd::id).select(Withdrawal::as_select()).load(conn).await
}

/// A decision: the final status, who, when, the note and the ticket's state then.
pub struct Decision<'a> {
    pub status: WithdrawalStatus,
    pub by: Option<UserId>,
    pub note: Option<&'a str>,
    pub state: TicketState,
    pub at: DateTime<Utc>,
}

pub async fn decide(conn: &mut Conn, id: WithdrawalId, d: &Decision<'_>) -> QueryResult<Withdrawal> {
    diesel::update(wd::table.find(id))
        .set((
            wd::status.eq(d.status),
            wd::decided_by.eq(d.by),
            wd::decision_note.eq(d.note),
            wd::state_at_decision.eq(d.state),
            wd::decided_at.eq(d.at),
            wd::answer_due_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(Withdrawal::as_returning())
        .get_result(conn)
        .await
}

/// Sends a pending request to the supervisors.
pub async fn refer(
    conn: &mut Conn,
    id: WithdrawalId,
    referral: Referral,
    at: DateTime<Utc>,
    answer_due: DateTime<Utc>,
) -> QueryResult<Withdrawal> {
    diesel::update(wd::table.find(id))
        .set((
            wd::status.eq(WithdrawalStatus::WithSupervisors),
            wd::referral.eq(referral),
            wd::referred_at.eq(at),
            wd::answer_due_at.eq(answer_due),
        ))
        .returning(Withdrawal::as_returning())
        .get_result(conn)
        .await
}

pub async fn record_dispute(
    conn: &mut Conn,
    id: WithdrawalId,
    reason: DisputeReason,
    text: &str,
    by: UserId,
) -> QueryResult<()> {
    diesel::update(wd::table.find(id))
        .set((wd::dispute_reason.eq(reason), wd::dispute_text.eq(text), wd::disputed_by.eq(by)))
        .execute(conn)
        .await
        .map(drop)
}

/// Records the 回访 answer; false if it was answered already.
pub async fn record_feedback(
    conn: &mut Conn,
    id: WithdrawalId,
    answer: WithdrawalFeedback,
    comment: Option<&str>,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(wd::table.find(id).filter(wd::feedback_at.is_null()))
        .set((wd::feedback.eq(answer), wd::feedback_comment.eq(comment), wd::feedback_at.eq(at)))
        .execute(conn)
        .await?;
    Ok(updated == 1)
}

/// Requests the assignee has not answered by `now`, longest overdue first.
pub async fn overdue_with_assignee(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> QueryResult<Vec<String>> {
    wd::table
        .inner_join(tickets::table.on(tickets::id.eq(wd::ticket_id)))
        .filter(wd::status.eq(WithdrawalStatus::WithAssignee))
        .filter(wd::answer_due_at.le(now))
        .order(wd::answer_due_at)
        .select(tickets::number)
        .limit(limit)
        .load(conn)
        .await
}

/// Requests waiting for a supervisor (the navigation badge).
pub async fn count_with_supervisors(conn: &mut Conn) -> QueryResult<i64> {
    wd::table.filter(wd::status.eq(WithdrawalStatus::WithSupervisors)).count().get_result(conn).await
}

/// One row of the approvals page: the request, its ticket and the names.
#[derive(Debug, Clone, Queryable)]
pub struct Pending {
    pub withdrawal: Withdrawal,
    pub ticket: super::tickets::Ticket,
    pub customer_name: String,
}

/// Requests with the supervisors, longest waiting first, after the keyset `after`.
pub async fn with_supervisors(
    conn: &mut Conn,
    after: Option<(DateTime<Utc>, WithdrawalId)>,
    limit: i64,
) -> QueryResult<Vec<Pending>> {
    let mut query = wd::table
        .inner_join(tickets::table.on(tickets::id.eq(wd::ticket_id)))
        .inner_join(users::table.on(users::id.eq(wd::customer_id)))
        .filter(wd::status.eq(WithdrawalStatus::WithSupervisors))
        .select((Withdrawal::as_select(), super::tickets::Ticket::as_select(), users::name))
        .order((wd::requested_at, wd::id))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(wd::requested_at.gt(at).or(wd::requested_at.eq(at).and(wd::id.gt(id))));
    }
    query.load(conn).await
}

/// Withdrawals that took effect for these customers, newest first (history).
pub async fn withdrawn_for_customers(conn: &mut Conn, customers: &[UserId]) -> QueryResult<Vec<(Withdrawal, String)>> {
    wd::table
        .inner_join(tickets::table.on(tickets::id.eq(wd::ticket_id)))
        .filter(wd::customer_id.eq_any(customers))
        .filter(wd::status.eq_any([
            WithdrawalStatus::Immediate,
            WithdrawalStatus::Accepted,
            WithdrawalStatus::Approved,
        ]))
        .order(wd::decided_at.desc())
        .select((Withdrawal::as_select(), tickets::number))
        .load(conn)
        .await
}

/// How many of the customer's tickets were withdrawn since `since`.
pub async fn withdrawn_count_since(conn: &mut Conn, customer: UserId, since: DateTime<Utc>) -> QueryResult<i64> {
    wd::table
        .filter(wd::customer_id.eq(customer))
        .filter(wd::status.eq_any([
            WithdrawalStatus::Immediate,
            WithdrawalStatus::Accepted,
            WithdrawalStatus::Approved,
        ]))
        .filter(wd::decided_at.ge(since))
        .count()
        .get_result(conn)
        .await
}

/// The number of the ticket a withdrawal belongs to, and where the withdrawal stands.
pub async fn ticket_number(conn: &mut Conn, id: WithdrawalId) -> QueryResult<Option<(String, WithdrawalStatus)>> {
    wd::table
        .inner_join(tickets::table.on(tickets::id.eq(wd::ticket_id)))
        .filter(wd::id.eq(id))
        .select((tickets::number, wd::status))
        .first(conn)
        .await
        .optional()
}
