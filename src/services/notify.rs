//! Who hears of what (in-app notifications), written in the same transaction
//! as the change they report, so nobody hears of a change that did not happen.

use crate::domain::UserId;
use crate::store::notifications::{self, NewNotification};
use crate::store::tickets::Ticket;
use crate::store::{Conn, users};
use chrono::{DateTime, Utc};
use diesel::QueryResult;

/// What happened; the i18n key is `notice-<kind>`.
pub mod kind {
    /// The ticket was withdrawn (at once, accepted or approved).
    pub const WITHDRAWN: &str = "withdrawn";
    /// A customer asks to withdraw: accept or dispute by the due time.
    pub const WITHDRAWAL_REQUESTED: &str = "withdrawal_requested";
    /// A request is for the supervisors to decide (resolved, disputed, escalated).
    pub const WITHDRAWAL_TO_DECIDE: &str = "withdrawal_to_decide";
    /// The customer's request went to a supervisor.
    pub const WITHDRAWAL_REFERRED: &str = "withdrawal_referred";
    /// The assignee did not answer in time; the supervisors have it now.
    pub const WITHDRAWAL_ESCALATED: &str = "withdrawal_escalated";
    /// A supervisor rejected the request: the ticket goes on.
    pub const WITHDRAWAL_REJECTED: &str = "withdrawal_rejected";
    /// The customer took the request back.
    pub const WITHDRAWAL_CANCELLED: &str = "withdrawal_cancelled";
    /// The ticket closed another way while the request waited.
    pub const WITHDRAWAL_LAPSED: &str = "withdrawal_lapsed";
    /// A follow-up (问题复现) was filed for a ticket the agent worked.
    pub const FOLLOW_UP_FILED: &str = "follow_up_filed";
}

/// The people concerned with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Customer,
    Assignee,
    Supervisors,
}

/// Tells `to` about `ticket`, except the person who did it (they saw it happen).
pub async fn tell(
    conn: &mut Conn,
    ticket: &Ticket,
    to: &[To],
    kind: &str,
    data: serde_json::Value,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let mut people: Vec<UserId> = Vec::new();
    for audience in to {
        match audience {
            To::Customer => people.push(ticket.customer_id),
            To::Assignee => people.extend(ticket.assignee_id),
            To::Supervisors => people.extend(users::supervisor_ids(conn).await?),
        }
    }
    people.sort();
    people.dedup();
    people.retain(|p| Some(*p) != actor);
    let rows: Vec<NewNotification> = people
        .into_iter()
        .map(|user_id| NewNotification { user_id, ticket_id: Some(ticket.id), kind, data: &data, created_at: now })
        .collect();
    notifications::insert_all(conn, &rows).await
}
