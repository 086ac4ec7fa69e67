//! 问题复现: when the problem of a withdrawn or closed ticket comes back, its
//! customer files a follow-up — pre-filled from the earlier ticket, linked both
//! ways, at least as urgent as the earlier one, and its assignee is told.

use super::SessionUser;
use super::notify::{self, To, kind as notice};
use super::tickets::{By, Change, apply, ensure_visible, file_for, load_visible, lock_for, take_number};
use crate::db::PooledConn;
use crate::domain::ticket_form::{TicketDraft, TicketInput};
use crate::domain::workflow::{self, Action, Refusal};
use crate::domain::{Channel, Role, Urgency};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::Conn;
use crate::store::events::{self, EventView};
use crate::store::follow_ups::{self, LinkedTicket};
use crate::store::tickets::Ticket;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel_async::AsyncConnection;
use serde_json::json;

/// The earlier ticket is still open: more information goes on it, not into a follow-up.
pub const EARLIER_OPEN: &str = "follow-up-earlier-open";
/// The longest title a ticket may have (as the ticket form checks).
const TITLE_MAX: usize = 120;

/// The workflow's answer for a follow-up of `earlier`, with the clear message
/// for the one refusal customers meet (the ticket is still open).
fn may_follow_up(earlier: &Ticket, who: &SessionUser) -> AppResult<()> {
    workflow::decide(earlier.state, Action::FollowUp, who.role.into()).map(drop).map_err(refused)
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::WrongState(_) => AppError::Conflict(EARLIER_OPEN),
        other => AppError::Refused(other),
    }
}

/// The new-ticket form pre-filled from the earlier ticket `number`: the same
/// product, contact and wishes, the title marked as a follow-up, and an empty
/// description for what happened this time.
pub async fn prefill(conn: &mut Conn, number: &str, who: &SessionUser, lang: Lang) -> AppResult<TicketInput> {
    let earlier = load_visible(conn, number, who).await?;
    may_follow_up(&earlier, who)?;
    let mut form = earlier.draft().to_input();
    form.title = follow_up_title(&lang.t("follow-up-title-prefix"), &earlier.title);
    form.description.clear();
    Ok(form)
}

/// "问题复现：" + the earlier title, once (a follow-up of a follow-up keeps one
/// prefix), cut to the longest title a ticket may have.
fn follow_up_title(prefix: &str, earlier: &str) -> String {
    let title = if earlier.starts_with(prefix) { earlier.to_owned() } else { format!("{prefix}{earlier}") };
    title.chars().take(TITLE_MAX).collect()
}

/// The more urgent of the two: a follow-up never starts below the earlier ticket.
fn at_least(wanted: Urgency, earlier: Urgency) -> Urgency {
    if earlier.rank() < wanted.rank() { earlier } else { wanted }
}

/// Files a follow-up of the ticket `earlier` for its customer, all in one
/// transaction: the earlier ticket is locked and checked (visible to `filer`,
/// withdrawn or closed), the new ticket filed and linked, a `follow_up_filed`
/// event written on the earlier ticket, and its assignee told.
pub async fn file(
    conn: &mut PooledConn,
    earlier: &str,
    filer: &SessionUser,
    channel: Channel,
    draft: &TicketDraft,
    now: DateTime<Utc>,
    tz: Tz,
) -> AppResult<Ticket> {
    let number = take_number(conn, now, tz).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::FollowUp);
        let (before, _) = lock_for(conn, earlier, By::Person(filer), &change).await.map_err(|e| match e {
            AppError::Refused(refusal) => refused(refusal),
            other => other,
        })?;
        let draft = TicketDraft { urgency: at_least(draft.urgency, before.urgency), ..draft.clone() };
        let filed = file_for(conn, number, before.customer_id, filer, channel, &draft, now).await?;
        let filed = follow_ups::link(conn, filed.id, before.id).await?;
        let data = json!({ "follow_up": filed.number });
        let change = Change { data: Some(data.clone()), ..change };
        let earlier = apply(conn, earlier, By::Person(filer), change, now).await?;
        notify::tell(conn, &earlier, &[To::Assignee], notice::FOLLOW_UP_FILED, data, Some(filer.id), now).await?;
        Ok(filed)
    })
    .await
}

/// The ticket this one follows up.
pub struct Earlier {
    pub ticket: LinkedTicket,
    /// Its progress log, internal notes included (staff only; empty for customers).
    pub history: Vec<EventView>,
}

/// The follow-up part of a ticket page: links both ways, and whether the
/// viewer may file a follow-up of this ticket.
pub struct FollowUpPanel {
    pub earlier: Option<Earlier>,
    pub later: Vec<LinkedTicket>,
    /// The ticket's customer, on a withdrawn or closed ticket.
    pub may_file: bool,
}

pub async fn panel(conn: &mut Conn, ticket: &Ticket, viewer: &SessionUser) -> AppResult<FollowUpPanel> {
    ensure_visible(ticket, viewer)?;
    let staff = viewer.is_staff();
    // Follow-ups are filed for the earlier ticket's customer; checked again so a
    // customer never sees another's ticket here whatever the data says.
    let theirs = |linked: &LinkedTicket| staff || linked.customer_id == viewer.id;
    let earlier = match ticket.follow_up_of {
        Some(id) => Some(follow_ups::find(conn, id).await?).filter(theirs),
        None => None,
    };
    let earlier = match earlier {
        Some(linked) if staff => Some(Earlier { history: events::list(conn, linked.id, true).await?, ticket: linked }),
        Some(linked) => Some(Earlier { ticket: linked, history: Vec::new() }),
        None => None,
    };
    let mut later = follow_ups::of(conn, ticket.id).await?;
    later.retain(theirs);
    let may_file = viewer.role == Role::Customer && may_follow_up(ticket, viewer).is_ok();
    Ok(FollowUpPanel { earlier, later, may_file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_starts_at_least_at_the_earlier_urgency() {
        use Urgency::*;
        assert_eq!(at_least(Normal, Urgent), Urgent);
        assert_eq!(at_least(Critical, Urgent), Critical);
        assert_eq!(at_least(Normal, Normal), Normal);
        assert_eq!(at_least(Urgent, Critical), Critical);
    }

    #[test]
    fn the_title_says_once_that_it_is_a_follow_up() {
        assert_eq!(follow_up_title("问题复现：", "不出水"), "问题复现：不出水");
        assert_eq!(follow_up_title("问题复现：", "问题复现：不出水"), "问题复现：不出水");
        assert_eq!(follow_up_title("Problem came back: ", &"x".repeat(200)).chars().count(), TITLE_MAX);
    }
}
