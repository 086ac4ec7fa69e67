//! Duplicate tickets: the "you may already have AS…" hint while a customer
//! files, and merging a duplicate into the ticket that carries on (the
//! survivor), whose page then shows what the duplicate held.

use super::SessionUser;
use super::tickets::{By, Change, apply, ensure_visible, lock_for};
use crate::db::PooledConn;
use crate::domain::validate::{Checker, FieldError, FieldErrors};
use crate::domain::workflow::{self, Action};
use crate::domain::{Role, TicketId};
use crate::error::{AppError, AppResult};
use crate::store::Conn;
use crate::store::attachments::AttachmentRow;
use crate::store::duplicates::{self as store, SimilarProbe, SimilarTicket};
use crate::store::events::{self, EventView, NewEvent};
use crate::store::tickets::{self, Ticket};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use std::collections::HashMap;

/// What the log calls a merge, on both tickets (`event-merged` in the Fluent files).
pub const MERGED_EVENT: &str = "merged";
/// How far back the hint looks.
pub const HINT_DAYS: i64 = 30;
/// Titles at least this alike (pg_trgm similarity) are hinted; 0.3 is pg_trgm's
/// own default threshold, and "洗碗机不进水" vs "洗碗机不出水" scores 0.4.
pub const MIN_SIMILARITY: f32 = 0.3;
/// The hint names a few tickets at most.
const HINT_LIMIT: i64 = 5;

/// What the new-ticket form holds so far.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HintInput {
    pub product_model: String,
    pub serial_number: String,
    pub title: String,
}

/// Cut to `max` characters: the hint reads what is typed, however long, and
/// the form's own checks deal with the length when it is sent.
fn clip(value: &str, max: usize) -> Option<&str> {
    let value = value.trim();
    let end = value.char_indices().nth(max).map_or(value.len(), |(i, _)| i);
    Some(&value[..end]).filter(|v| !v.is_empty())
}

/// The customer's own open tickets of the last 30 days on the same product or
/// serial number with a similar title. Nothing until a title and a product
/// or serial number are typed.
pub async fn hint(
    conn: &mut Conn,
    customer: &SessionUser,
    input: &HintInput,
    now: DateTime<Utc>,
) -> AppResult<Vec<SimilarTicket>> {
    // Only a customer's own tickets, ever: the probe is pinned to the session's person.
    if customer.role != Role::Customer {
        return Err(AppError::Forbidden);
    }
    let Some(title) = clip(&input.title, 120) else { return Ok(Vec::new()) };
    let probe = SimilarProbe {
        customer: customer.id,
        since: now - Duration::days(HINT_DAYS),
        product_model: clip(&input.product_model, 100),
        serial_number: clip(&input.serial_number, 64),
        title,
        min_similarity: MIN_SIMILARITY,
        limit: HINT_LIMIT,
    };
    Ok(store::similar_open(conn, &probe).await?)
}

/// The merge form: the surviving ticket's number and an optional note (the
/// customer sees it), with the version the duplicate's page showed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MergeInput {
    pub version: Option<i32>,
    pub into: String,
    pub note: String,
}

fn target_error(key: &'static str) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add("into", FieldError::new(key));
    AppError::Invalid(errors)
}

/// Merges ticket `number` (the duplicate) into the ticket numbered
/// `input.into` (the survivor), in one transaction: the duplicate closes
/// through the workflow (`Action::Merge`: staff, its assignee or a
/// supervisor), points to the survivor, and both get a `merged` entry naming
/// the other. The survivor must be another open, unmerged ticket of the same
/// customer; otherwise the number field says why and nothing changes.
pub async fn merge(conn: &mut PooledConn, number: &str, who: &SessionUser, input: &MergeInput) -> AppResult<Ticket> {
    let mut c = Checker::default();
    let into = c.required("into", &input.into, 40).to_uppercase();
    let note = c.optional("note", &input.note, 2000);
    if !c.errors.is_empty() {
        return Err(AppError::Invalid(c.errors));
    }
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        store::lock_pair(conn, number, &into).await?;
        let merge = Change::new(Action::Merge).seen_version(input.version);
        // Who may, the workflow, a stale page: the duplicate's checks come first.
        let (duplicate, _) = lock_for(conn, number, By::Person(who), &merge).await?;
        if store::merged_into(conn, duplicate.id).await?.is_some() {
            return Err(AppError::Conflict("error-merge-already-merged"));
        }
        let survivor =
            tickets::find_by_number(conn, &into).await?.ok_or_else(|| target_error("error-merge-unknown"))?;
        if survivor.id == duplicate.id {
            return Err(target_error("error-merge-self"));
        }
        if survivor.customer_id != duplicate.customer_id {
            return Err(target_error("error-merge-other-customer"));
        }
        if store::merged_into(conn, survivor.id).await?.is_some() {
            return Err(target_error("error-merge-target-merged"));
        }
        if !survivor.state.is_open() {
            return Err(target_error("error-merge-target-closed"));
        }
        let into_data = serde_json::json!({ "into_id": survivor.id, "into_number": survivor.number });
        let change = Change { text: note.as_deref(), data: Some(into_data), ..merge };
        let closed = apply(conn, number, By::Person(who), change, now).await?;
        store::set_merged_into(conn, duplicate.id, survivor.id).await?;
        store::touch(conn, survivor.id, now).await?;
        let mut taken_in = NewEvent::new(survivor.id, Some(who.id), MERGED_EVENT, now);
        taken_in.body = note.as_deref();
        taken_in.data = serde_json::json!({ "from_id": duplicate.id, "from_number": duplicate.number });
        events::append(conn, &taken_in).await?;
        Ok(closed)
    })
    .await
}

/// A merged duplicate was closed by the merge, not by a solution: the
/// customer rates the service on the ticket it went into, so it is counted once.
pub async fn ensure_not_merged(conn: &mut Conn, ticket: TicketId) -> AppResult<()> {
    match store::merged_into(conn, ticket).await? {
        Some(_) => Err(AppError::Conflict("error-merged-no-survey")),
        None => Ok(()),
    }
}

/// A ticket merged into the one on the page, with what the viewer may read of it.
#[derive(Debug, Clone)]
pub struct MergedView {
    pub ticket: store::MergedTicket,
    pub texts: Vec<EventView>,
    pub attachments: Vec<AttachmentRow>,
}

impl MergedView {
    /// Merged into a ticket that was itself merged into this one later.
    pub fn via(&self, here: &str) -> Option<&str> {
        Some(self.ticket.into_number.as_str()).filter(|n| *n != here)
    }
}

/// What the ticket page shows about merges.
#[derive(Debug, Clone, Default)]
pub struct MergePanel {
    /// This ticket was merged into the ticket with this number.
    pub merged_into: Option<String>,
    /// Tickets merged into this one.
    pub merged_from: Vec<MergedView>,
    /// The viewer may merge this ticket into another now.
    pub may_merge: bool,
}

/// Loads the merge panel of a ticket the viewer may see: two index lookups,
/// and for a survivor one query each for the texts and files of all its
/// duplicates (filtered for customers in the query, never in the template).
pub async fn panel(conn: &mut Conn, ticket: &Ticket, viewer: &SessionUser) -> AppResult<MergePanel> {
    ensure_visible(ticket, viewer)?;
    let merged_into = store::merged_into(conn, ticket.id).await?.map(|(_, number)| number);
    let mut merged = store::merged_from(conn, ticket.id).await?;
    // Merges join tickets of one customer; checked again so a customer can
    // never read another's ticket here whatever the data says.
    merged.retain(|m| viewer.is_staff() || m.customer_id == viewer.id);
    let ids: Vec<TicketId> = merged.iter().map(|m| m.id).collect();
    let mut texts: HashMap<TicketId, Vec<EventView>> = HashMap::new();
    let mut files: HashMap<TicketId, Vec<AttachmentRow>> = HashMap::new();
    if !ids.is_empty() {
        let skip = [MERGED_EVENT, super::attachments::EVENT_KIND];
        for (id, text) in store::texts_of(conn, &ids, viewer.is_staff(), &skip).await? {
            texts.entry(id).or_default().push(text);
        }
        for file in store::attachments_of(conn, &ids, viewer.is_staff()).await? {
            files.entry(file.attachment.ticket_id).or_default().push(file);
        }
    }
    let merged_from = merged
        .into_iter()
        .map(|m| MergedView {
            texts: texts.remove(&m.id).unwrap_or_default(),
            attachments: files.remove(&m.id).unwrap_or_default(),
            ticket: m,
        })
        .collect();
    let works_it = viewer.role == Role::Supervisor || ticket.assignee_id.is_none_or(|a| a == viewer.id);
    let may_merge = merged_into.is_none()
        && workflow::decide(ticket.state, Action::Merge, viewer.role.into()).is_ok()
        && (works_it || !workflow::assignee_only(Action::Merge));
    Ok(MergePanel { merged_into, merged_from, may_merge })
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn typed_text_is_trimmed_and_clipped_by_characters() {
        assert_eq!(clip("  洗碗机不进水  ", 3), Some("洗碗机"));
        assert_eq!(clip("   ", 10), None);
        assert_eq!(clip("DW-600", 100), Some("DW-600"));
    }
}
