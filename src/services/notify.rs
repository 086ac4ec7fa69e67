//! Who hears of what: in-app notifications and, for those who want them,
//! emails through the outbox — all written in the same transaction as the
//! change they report, so nobody hears of a change that did not happen, and
//! every change that happened is told (the worker sends the emails later).

use super::messages::{self, Facts};
use crate::domain::UserId;
use crate::domain::workflow::Action;
use crate::i18n::Lang;
use crate::store::notifications::{self, NewNotification};
use crate::store::outbox::{self, NewMessage};
use crate::store::tickets::Ticket;
use crate::store::users::Contact;
use crate::store::{Conn, users};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
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
    /// The customer's ticket was filed (with the promised first response).
    pub const RECEIVED: &str = "received";
    /// The customer's ticket has someone working on it (taken, assigned or passed on).
    pub const ASSIGNED: &str = "assigned";
    /// A ticket was given to the reader.
    pub const ASSIGNED_TO_YOU: &str = "assigned_to_you";
    /// Staff answered the customer (never an internal note).
    pub const REPLY: &str = "reply";
    /// Staff need more information from the customer.
    pub const INFO_REQUESTED: &str = "info_requested";
    /// A solution waits for the customer's confirmation.
    pub const RESOLVED: &str = "resolved";
    /// The ticket closed: confirmed, closed by itself, or merged into another.
    pub const CLOSED: &str = "closed";
    /// The customer added information.
    pub const CUSTOMER_REPLIED: &str = "customer_replied";
    /// The customer rejected the solution: the ticket is open again.
    pub const REOPENED: &str = "reopened";
}

/// Who hears of a workflow step, and as what: the one table of it (filing
/// tells [`kind::RECEIVED`]; the withdrawal steps tell their own news, in
/// `services::withdrawal`). `tell` leaves out whoever did it.
pub fn news_of(action: Action, internal: bool) -> &'static [(To, &'static str)] {
    const ASSIGNMENT: &[(To, &str)] = &[(To::Customer, kind::ASSIGNED), (To::Assignee, kind::ASSIGNED_TO_YOU)];
    match action {
        Action::Take | Action::AutoAssign | Action::Reassign => ASSIGNMENT,
        // An internal note is for staff only: nobody is told of it.
        Action::Reply if internal => &[],
        Action::Reply => &[(To::Customer, kind::REPLY)],
        Action::RequestInfo => &[(To::Customer, kind::INFO_REQUESTED)],
        Action::Resolve => &[(To::Customer, kind::RESOLVED)],
        Action::Confirm | Action::AutoClose | Action::Merge => &[(To::Customer, kind::CLOSED)],
        Action::AddInfo => &[(To::Assignee, kind::CUSTOMER_REPLIED)],
        Action::RejectFix => &[(To::Assignee, kind::REOPENED)],
        Action::Start
        | Action::EditDetails
        | Action::Correct(_)
        | Action::Rate
        | Action::Compensate
        | Action::FollowUp
        | Action::Withdraw
        | Action::RequestWithdrawal
        | Action::CancelWithdrawal
        | Action::AcceptWithdrawal
        | Action::DisputeWithdrawal
        | Action::ApproveWithdrawal
        | Action::RejectWithdrawal
        | Action::EscalateWithdrawal
        | Action::RateWithdrawal => &[],
    }
}

/// Tells everyone concerned of a workflow step on `ticket` (as it is after the step).
pub async fn tell_step(
    conn: &mut Conn,
    ticket: &Ticket,
    action: Action,
    internal: bool,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    for (to, kind) in news_of(action, internal) {
        tell(conn, ticket, &[*to], kind, serde_json::json!({}), actor, now).await?;
    }
    Ok(())
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
        .iter()
        .map(|&user_id| NewNotification { user_id, ticket_id: Some(ticket.id), kind, data: &data, created_at: now })
        .collect();
    notifications::insert_all(conn, &rows).await?;
    write_messages(conn, ticket, &people, kind, now).await
}

/// Kinds worth a text message to someone without an email address: the
/// customer must act on a solution (confirm or reject it).
const SMS_KINDS: &[&str] = &[kind::RESOLVED];

/// One outbox message for each of `people` who wants messages: an email if
/// they have an address, else a text message for the few kinds that ask them
/// to act; in their language. Nothing but the kind and the ticket's safe facts goes in.
async fn write_messages(
    conn: &mut Conn,
    ticket: &Ticket,
    people: &[UserId],
    kind: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let wanting: Vec<Contact> = users::contacts(conn, people)
        .await?
        .into_iter()
        .filter(|c| c.email_notifications && (c.email.is_some() || (c.phone.is_some() && SMS_KINDS.contains(&kind))))
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    // The site's address (`AFTERSALES_PUBLIC_URL`) and zone, as the instances wrote them at start.
    let (zone, site) = crate::store::sla::site(conn).await?;
    let promised = match (kind, ticket.first_response_due_at) {
        (kind::RECEIVED, Some(due)) => Some(local_time(due, zone)),
        _ => None,
    };
    let facts = Facts {
        number: &ticket.number,
        link: format!("{site}/tickets/{}", ticket.number),
        promised,
        account_link: format!("{site}/account"),
    };
    let rows: Vec<NewMessage> = wanting
        .into_iter()
        .filter_map(|contact| {
            let lang = Lang::from_code(&contact.language).unwrap_or_default();
            let (channel, recipient, subject, body) = match (contact.email, contact.phone) {
                (Some(address), _) => {
                    let mail = messages::email(lang, kind, &contact.name, &facts);
                    (outbox::EMAIL, address, mail.subject, mail.body)
                }
                (None, Some(phone)) => (outbox::SMS, phone, String::new(), messages::sms(lang, kind, &facts)),
                (None, None) => return None,
            };
            Some(NewMessage {
                channel,
                recipient,
                user_id: Some(contact.id),
                ticket_id: Some(ticket.id),
                subject,
                body,
                created_at: now,
                next_attempt_at: now,
            })
        })
        .collect();
    outbox::insert_all(conn, &rows).await
}

/// A moment as people of the service read it, e.g. `2026-11-23 14:05 (Asia/Shanghai)`.
fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    format!("{} ({})", at.with_timezone(&zone).format("%Y-%m-%d %H:%M"), zone.name())
}
