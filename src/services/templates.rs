//! Templates and categories that supervisors keep: ticket templates (pre-fill
//! the new-ticket form), reply templates (expanded into a staff reply) and
//! cause categories. Bad input and duplicates come back as field problems.

use super::SessionUser;
use crate::domain::cause::CauseInput;
use crate::domain::ids::{ReplyMacroId, TicketTemplateId};
use crate::domain::macros::{self, MacroInput, MacroValues};
use crate::domain::ticket_form::TicketInput;
use crate::domain::ticket_template::TemplateInput;
use crate::domain::validate::{FieldError, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::causes::{self, Removal};
use crate::store::unique::Duplicate;
use crate::store::{Conn, reply_macros, ticket_templates};

/// Another template (or category) already has this name.
pub const NAME_TAKEN: FieldError = FieldError::new("settings-error-name-taken");
/// Another category already has this code.
pub const CODE_TAKEN: FieldError = FieldError::new("cause-error-code-taken");
/// Built-in categories are neither renamed nor removed.
pub const BUILTIN_FIXED: &str = "cause-builtin-fixed";
pub const CAUSE_IN_USE: &str = "cause-in-use";

fn duplicate(Duplicate(field): Duplicate) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, if field == "code" { CODE_TAKEN } else { NAME_TAKEN });
    AppError::Invalid(errors)
}

/// Adds a ticket template (`id` None) or replaces one.
pub async fn save_template(
    conn: &mut Conn,
    id: Option<TicketTemplateId>,
    input: &TemplateInput,
) -> AppResult<TicketTemplateId> {
    let draft = input.parse().map_err(AppError::Invalid)?;
    match id {
        None => ticket_templates::insert(conn, &draft).await?.map_err(duplicate),
        Some(id) => match ticket_templates::update(conn, id, &draft).await?.map_err(duplicate)? {
            true => Ok(id),
            false => Err(AppError::NotFound),
        },
    }
}

pub async fn delete_template(conn: &mut Conn, id: TicketTemplateId) -> AppResult<()> {
    ticket_templates::delete(conn, id).await?.then_some(()).ok_or(AppError::NotFound)
}

/// The new-ticket form pre-filled from the template `raw_id` names, in `lang`.
/// Returns false (form untouched) if no template has that id: a stale link or
/// a typed URL gets the plain form.
pub async fn prefill(conn: &mut Conn, raw_id: &str, lang: Lang, form: &mut TicketInput) -> AppResult<bool> {
    let Ok(id) = raw_id.trim().parse::<i64>() else {
        return Ok(false);
    };
    match ticket_templates::find(conn, TicketTemplateId(id)).await? {
        Some(template) => {
            template.draft().prefill(lang, form);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Adds a reply template (`id` None) or replaces one.
pub async fn save_macro(conn: &mut Conn, id: Option<ReplyMacroId>, input: &MacroInput) -> AppResult<ReplyMacroId> {
    let draft = input.parse().map_err(AppError::Invalid)?;
    match id {
        None => reply_macros::insert(conn, &draft).await?.map_err(duplicate),
        Some(id) => match reply_macros::update(conn, id, &draft).await?.map_err(duplicate)? {
            true => Ok(id),
            false => Err(AppError::NotFound),
        },
    }
}

pub async fn delete_macro(conn: &mut Conn, id: ReplyMacroId) -> AppResult<()> {
    reply_macros::delete(conn, id).await?.then_some(()).ok_or(AppError::NotFound)
}

/// The reply text after staff choose reply template `id` in `lang` on ticket
/// `number`: what they had typed (`draft`), then the template filled in with
/// the ticket's contact name, number and product and the staff member's name.
pub async fn macro_reply(
    conn: &mut Conn,
    number: &str,
    staff: &SessionUser,
    id: ReplyMacroId,
    lang: Lang,
    draft: &str,
) -> AppResult<String> {
    if !staff.is_staff() {
        return Err(AppError::Forbidden);
    }
    let ticket = super::tickets::load_visible(conn, number, staff).await?;
    let template = reply_macros::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let values = MacroValues {
        customer_name: &ticket.contact_name,
        ticket_number: &ticket.number,
        product: &ticket.product_model,
        agent_name: &staff.name,
    };
    let text = macros::expand(template.body(lang), &values);
    // Added below what was typed, so choosing a template never loses a draft.
    let draft = draft.trim_end();
    Ok(if draft.is_empty() { text } else { format!("{draft}\n\n{text}") })
}

/// Adds a cause category; returns its code.
pub async fn add_cause(conn: &mut Conn, input: &CauseInput) -> AppResult<String> {
    let draft = input.parse().map_err(AppError::Invalid)?;
    causes::add(conn, &draft).await?.map_err(duplicate)?;
    Ok(draft.code)
}

/// Renames an added category (its code stays, so reports keep counting it).
pub async fn rename_cause(conn: &mut Conn, code: &str, input: &CauseInput) -> AppResult<()> {
    let cause = causes::find(conn, code).await?.ok_or(AppError::NotFound)?;
    if cause.builtin {
        return Err(AppError::Conflict(BUILTIN_FIXED));
    }
    let (name_zh, name_en) = input.parse_names().map_err(AppError::Invalid)?;
    match causes::rename(conn, code, &name_zh, &name_en).await?.map_err(duplicate)? {
        true => Ok(()),
        // Removed since it was read.
        false => Err(AppError::NotFound),
    }
}

/// Removes an added category that no ticket was resolved under.
pub async fn remove_cause(conn: &mut Conn, code: &str) -> AppResult<()> {
    match causes::remove(conn, code).await? {
        Removal::Removed => Ok(()),
        Removal::NotFound => Err(AppError::NotFound),
        Removal::Builtin => Err(AppError::Conflict(BUILTIN_FIXED)),
        Removal::InUse => Err(AppError::Conflict(CAUSE_IN_USE)),
    }
}
