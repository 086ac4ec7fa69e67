//! Ticket templates: supervisors keep them at `/settings/ticket-templates`;
//! customers pick one on the new-ticket form (`?template=ID`, a plain GET, so
//! it works without JavaScript) and get the form pre-filled in their language.

use super::context::{Choice, Page};
use super::session::Supervisor;
use super::{render, render_status, saved_or_again, see_other};
use crate::domain::ids::TicketTemplateId;
use crate::domain::ticket_form::TicketInput;
use crate::domain::ticket_template::TemplateInput;
use crate::domain::validate::FieldErrors;
use crate::domain::{DesiredOutcome, TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::templates as service;
use crate::startup::AppState;
use crate::store::Conn;
use crate::store::ticket_templates::{self as store, TemplateChoice, TicketTemplate};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const LIST: &str = "/settings/ticket-templates";

/// `?done=saved` or `?done=deleted` after a change, for the confirmation line.
#[derive(Debug, Default, Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

impl DoneParam {
    /// The message key for what was just done, if anything.
    pub fn notice(&self) -> Option<&'static str> {
        match self.done.as_deref() {
            Some("saved") => Some("settings-saved"),
            Some("deleted") => Some("settings-deleted"),
            _ => None,
        }
    }
}

/// The choice lists of the template form, shared by the list page (add form) and the edit page.
trait TemplateForm {
    fn page(&self) -> &Page;
    fn form(&self) -> &TemplateInput;

    fn ticket_types(&self) -> Vec<Choice> {
        self.page().choices(TicketType::ALL, &self.form().ticket_type)
    }
    fn urgencies(&self) -> Vec<Choice> {
        self.page().choices(Urgency::ALL, &self.form().urgency)
    }
    fn outcomes(&self) -> Vec<Choice> {
        self.page().choices(DesiredOutcome::ALL, &self.form().desired_outcome)
    }
}

super::form_pages!(TemplateForm, TemplateInput: ListPage, EditPage);

#[derive(Template)]
#[template(path = "settings/ticket_templates.html")]
struct ListPage {
    page: Page,
    templates: Vec<TicketTemplate>,
    form: TemplateInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings/ticket_template_edit.html")]
struct EditPage {
    page: Page,
    id: TicketTemplateId,
    form: TemplateInput,
    errors: FieldErrors,
}

impl ListPage {
    fn outcome_label(&self, t: &TicketTemplate) -> String {
        t.desired_outcome.map(|o| self.page.label(o)).unwrap_or_else(|| self.page.t("tpl-outcome-customer"))
    }
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: TemplateInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let templates = store::list(&mut conn).await?;
    render_status(status, &ListPage { page, templates, form, errors, notice })
}

/// A new template starts as a normal-urgency one.
fn blank() -> TemplateInput {
    TemplateInput { urgency: Urgency::Normal.code().to_owned(), ..TemplateInput::default() }
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    list_page(&state, page, blank(), FieldErrors::default(), query.notice(), StatusCode::OK).await
}

pub async fn create(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<TemplateInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_template(&mut conn, None, &form).await;
    drop(conn);
    saved_or_again(result, &format!("{LIST}?done=saved"), |errors| {
        list_page(&state, page, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY)
    })
    .await
}

pub async fn edit_form(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = TicketTemplateId(id.into_inner());
    let mut conn = state.pool.get().await?;
    let template = store::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    render(&EditPage { page, id, form: template.draft().to_input(), errors: FieldErrors::default() })
}

pub async fn update(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<TemplateInput>,
) -> AppResult<HttpResponse> {
    let id = TicketTemplateId(id.into_inner());
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_template(&mut conn, Some(id), &form).await;
    saved_or_again(result, &format!("{LIST}?done=saved"), async |errors| {
        // Bad input for a template that is gone is still "not found".
        store::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &EditPage { page, id, form, errors })
    })
    .await
}

pub async fn delete(_: Supervisor, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    service::delete_template(&mut conn, TicketTemplateId(id.into_inner())).await?;
    Ok(see_other(&format!("{LIST}?done=deleted")))
}

/// `?template=ID` on the new-ticket form.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateParam {
    pub template: Option<String>,
}

/// The template picker above the new-ticket form.
#[derive(Debug, Default)]
pub struct TemplatePicker {
    pub choices: Vec<TemplateChoice>,
    /// The template the form was pre-filled from.
    pub chosen: Option<TicketTemplateId>,
    /// A template was asked for that does not exist (any more).
    pub missing: bool,
}

impl TemplatePicker {
    /// Lists the templates and, if `raw_id` names one, pre-fills `form` from it in `lang`.
    pub async fn load(conn: &mut Conn, raw_id: Option<&str>, lang: Lang, form: &mut TicketInput) -> AppResult<Self> {
        let choices = store::choices(conn).await?;
        let raw_id = raw_id.map(str::trim).filter(|r| !r.is_empty());
        let Some(raw_id) = raw_id else {
            return Ok(TemplatePicker { choices, chosen: None, missing: false });
        };
        let found = service::prefill(conn, raw_id, lang, form).await?;
        let chosen = found.then(|| raw_id.parse().ok().map(TicketTemplateId)).flatten();
        Ok(TemplatePicker { choices, chosen, missing: !found })
    }

    pub fn is_chosen(&self, choice: &TemplateChoice) -> bool {
        self.chosen == Some(choice.id)
    }
}
