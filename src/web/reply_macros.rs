//! Reply templates (快捷回复): supervisors keep them at `/settings/reply-macros`;
//! on a ticket page staff pick one above the reply box and htmx swaps in the
//! box with the template filled in for that ticket
//! (`GET /tickets/{number}/macros/{id}?lang=zh-CN`).

use super::context::Page;
use super::render_status;
use super::session::{Staff, Supervisor};
use super::ticket_templates::DoneParam;
use super::{saved_or_again, see_other};
use crate::domain::ids::ReplyMacroId;
use crate::domain::macros::{MacroInput, PLACEHOLDERS};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::templates as service;
use crate::startup::AppState;
use crate::store::reply_macros::{self as store, ReplyMacro};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const LIST: &str = "/settings/reply-macros";

#[derive(Template)]
#[template(path = "settings/reply_macros.html")]
struct ListPage {
    page: Page,
    macros: Vec<ReplyMacro>,
    form: MacroInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings/reply_macro_edit.html")]
struct EditPage {
    page: Page,
    id: ReplyMacroId,
    form: MacroInput,
    errors: FieldErrors,
}

/// The placeholders, for the help text of the form.
pub fn placeholders() -> String {
    PLACEHOLDERS.join(" ")
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: MacroInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let macros = store::list(&mut conn).await?;
    render_status(status, &ListPage { page, macros, form, errors, notice })
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    list_page(&state, page, MacroInput::default(), FieldErrors::default(), query.notice(), StatusCode::OK).await
}

pub async fn create(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<MacroInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_macro(&mut conn, None, &form).await;
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
    let id = ReplyMacroId(id.into_inner());
    let mut conn = state.pool.get().await?;
    let found = store::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let template = EditPage { page, id, form: found.draft().to_input(), errors: FieldErrors::default() };
    render_status(StatusCode::OK, &template)
}

pub async fn update(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<MacroInput>,
) -> AppResult<HttpResponse> {
    let id = ReplyMacroId(id.into_inner());
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_macro(&mut conn, Some(id), &form).await;
    saved_or_again(result, &format!("{LIST}?done=saved"), async |errors| {
        // Bad input for a template that is gone is still "not found".
        store::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &EditPage { page, id, form, errors })
    })
    .await
}

pub async fn delete(_: Supervisor, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    service::delete_macro(&mut conn, ReplyMacroId(id.into_inner())).await?;
    Ok(see_other(&format!("{LIST}?done=deleted")))
}

/// The reply box of the ticket page, as the picker swaps it in.
#[derive(Template)]
#[template(path = "tickets/reply_textarea_partial.html")]
struct ReplyBox<'a> {
    page: &'a Page,
    text: String,
    errors: FieldErrors,
}

/// `?lang=` (the template's language; the page's when missing or unknown) and
/// `body` (what is already typed in the reply box, kept above the template).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InsertParams {
    lang: String,
    body: String,
}

/// `GET /tickets/{number}/macros/{id}`: the reply box with the template filled
/// in for this ticket. Staff only; staff may see every ticket.
pub async fn insert(
    Staff(me): Staff,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    query: web::Query<InsertParams>,
) -> AppResult<HttpResponse> {
    let (number, id) = path.into_inner();
    let lang = Lang::from_code(&query.lang).unwrap_or(page.lang);
    let mut conn = state.pool.get().await?;
    let text = service::macro_reply(&mut conn, &number, &me, ReplyMacroId(id), lang, &query.body).await?;
    render_status(StatusCode::OK, &ReplyBox { page: &page, text, errors: FieldErrors::default() })
}
