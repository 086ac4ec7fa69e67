//! Compensation (补偿) given on a ticket: staff record it while the ticket is
//! open (refund, replacement shipped, voucher, other), and record it as
//! returned once a withdrawal asked for it back (`require_return` in the
//! withdrawal service marks what is due).

use super::SessionUser;
use super::tickets::{By, Change, apply, ensure_visible, lock_for};
use crate::domain::validate::{Checker, FieldError};
use crate::domain::withdrawal::{CompensationKind, parse_amount};
use crate::domain::workflow::{self, Action};
use crate::domain::{CompensationId, Role};
use crate::error::{AppError, AppResult};
use crate::store::compensations::{self, Compensation, NewCompensation};
use crate::store::events::{self, NewEvent, kind};
use crate::store::tickets::{self, Ticket};
use crate::store::{Conn, users};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

/// The longest description staff may write.
pub const DESCRIPTION_MAX: usize = 500;
/// An amount that is not a positive sum in yuan with at most two decimals.
pub const BAD_AMOUNT: FieldError = FieldError::new("compensation-error-amount");
/// The compensation is not (or no longer) waiting to be returned, or is another ticket's.
pub const NOT_RETURNABLE: &str = "compensation-not-returnable";

/// The record form as sent: every field a string, so a bad value can be shown back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompensationInput {
    pub version: Option<i32>,
    pub kind: String,
    /// In yuan, e.g. "12.50".
    pub amount: String,
    pub description: String,
}

/// Compensation that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCompensation {
    pub kind: CompensationKind,
    pub amount_cents: Option<i64>,
    pub description: String,
}

/// A refund or a voucher is worth a sum; for a replacement or other help an
/// amount is optional (e.g. the part's value).
fn amount_required(kind: CompensationKind) -> bool {
    match kind {
        CompensationKind::Refund | CompensationKind::Voucher => true,
        CompensationKind::Replacement | CompensationKind::Other => false,
    }
}

impl CompensationInput {
    pub fn parse(&self) -> Result<CheckedCompensation, crate::domain::validate::FieldErrors> {
        let mut c = Checker::default();
        let kind = c.choice("kind", &self.kind, CompensationKind::parse);
        let amount_cents = match self.amount.trim() {
            "" if kind.is_some_and(amount_required) => {
                c.errors.add("amount", crate::domain::validate::REQUIRED);
                None
            }
            "" => None,
            typed => parse_amount(typed).or_else(|| {
                c.errors.add("amount", BAD_AMOUNT);
                None
            }),
        };
        let description = c.required("description", &self.description, DESCRIPTION_MAX);
        match kind {
            Some(kind) if c.errors.is_empty() => Ok(CheckedCompensation { kind, amount_cents, description }),
            _ => Err(c.errors),
        }
    }
}

/// Records compensation given on an open ticket: its assignee or a supervisor
/// (the workflow's `Compensate`), with a `compensation_given` event.
pub async fn record(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    input: &CompensationInput,
    now: DateTime<Utc>,
) -> AppResult<Compensation> {
    if !who.is_staff() {
        return Err(AppError::Forbidden);
    }
    let checked = input.parse().map_err(AppError::Invalid)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let change = Change::new(Action::Compensate).seen_version(input.version);
        let (ticket, _) = lock_for(conn, number, By::Person(who), &change).await?;
        let given = compensations::insert(
            conn,
            &NewCompensation {
                ticket_id: ticket.id,
                kind: checked.kind,
                amount_cents: checked.amount_cents,
                description: &checked.description,
                given_by: who.id,
                given_at: now,
            },
        )
        .await?;
        let change = Change {
            data: Some(json!({
                "compensation": given.id,
                "kind": checked.kind.code(),
                "amount_cents": checked.amount_cents,
                "description": checked.description,
            })),
            ..change
        };
        apply(conn, number, By::Person(who), change, now).await?;
        Ok(given)
    })
    .await
}

/// Records that compensation due for return came back. Any staff member may,
/// also on a withdrawn ticket: the ticket itself does not change, so only its
/// row is locked (returns of one ticket are recorded one at a time) and the
/// event is written beside it.
pub async fn mark_returned(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    id: CompensationId,
    now: DateTime<Utc>,
) -> AppResult<Compensation> {
    if !who.is_staff() {
        return Err(AppError::Forbidden);
    }
    conn.transaction::<_, AppError, _>(async |conn| {
        let ticket = tickets::lock_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
        ensure_visible(&ticket, who)?;
        let returned = compensations::mark_returned(conn, ticket.id, id, who.id, now)
            .await?
            .ok_or(AppError::Conflict(NOT_RETURNABLE))?;
        let mut event = NewEvent::new(ticket.id, Some(who.id), kind::COMPENSATION_RETURNED, now);
        event.data = json!({
            "compensation": returned.id,
            "kind": returned.kind.code(),
            "amount_cents": returned.amount_cents,
        });
        events::append(conn, &event).await?;
        Ok(returned)
    })
    .await
}

/// One compensation as the ticket page lists it.
pub struct Given {
    pub compensation: Compensation,
    /// Who gave it and who recorded the return: shown to staff only.
    pub given_by: String,
    pub returned_by: Option<String>,
}

/// The compensation part of a ticket page.
pub struct CompensationPanel {
    pub given: Vec<Given>,
    /// The viewer may record compensation now (assignee or supervisor, open ticket).
    pub may_record: bool,
    /// The viewer may mark open returns as returned (any staff member).
    pub may_mark_returned: bool,
}

/// What compensation the ticket carries, for a viewer who may see the ticket
/// (its customer sees everything given to them, without the staff names).
pub async fn panel(conn: &mut Conn, ticket: &Ticket, viewer: &SessionUser) -> AppResult<CompensationPanel> {
    ensure_visible(ticket, viewer)?;
    let staff = viewer.is_staff();
    let mut given = Vec::new();
    for (compensation, giver) in compensations::for_tickets(conn, &[ticket.id]).await? {
        let (given_by, returned_by) = match compensation.returned_by {
            _ if !staff => (String::new(), None),
            Some(id) => (giver, Some(users::find(conn, id).await?.name)),
            None => (giver, None),
        };
        given.push(Given { compensation, given_by, returned_by });
    }
    let works_it = viewer.role == Role::Supervisor || ticket.assignee_id.is_none_or(|a| a == viewer.id);
    let may_record =
        staff && works_it && workflow::decide(ticket.state, Action::Compensate, viewer.role.into()).is_ok();
    Ok(CompensationPanel { given, may_record, may_mark_returned: staff })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, amount: &str, description: &str) -> CompensationInput {
        CompensationInput { version: None, kind: kind.into(), amount: amount.into(), description: description.into() }
    }

    #[test]
    fn refunds_and_vouchers_need_an_amount() {
        for kind in ["refund", "voucher"] {
            let errors = input(kind, "", "退差价").parse().unwrap_err();
            assert_eq!(errors.get("amount").map(|e| e.key), Some("error-required"), "{kind}");
        }
        let replacement = input("replacement", "", "换新机一台").parse().unwrap();
        assert_eq!(replacement.amount_cents, None);
        let refund = input("refund", "¥12.5", " 退差价 ").parse().unwrap();
        assert_eq!(
            refund,
            CheckedCompensation {
                kind: CompensationKind::Refund,
                amount_cents: Some(1250),
                description: "退差价".into()
            }
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = input("cash", "12,50", "").parse().unwrap_err();
        assert_eq!(errors.get("kind").map(|e| e.key), Some("error-choice"));
        assert_eq!(errors.get("amount").map(|e| e.key), Some("compensation-error-amount"));
        assert_eq!(errors.get("description").map(|e| e.key), Some("error-required"));
        let long = "长".repeat(DESCRIPTION_MAX + 1);
        let errors = input("other", "", &long).parse().unwrap_err();
        assert_eq!(errors.get("description").map(|e| e.key), Some("error-too-long"));
    }
}
