//! Cause categories (问题原因) at `/settings/causes`: supervisors list them,
//! add more, rename or remove the ones they added. The seven built-ins stay as
//! they are. The resolve form lists whatever is in the table.

use super::context::Page;
use super::session::Supervisor;
use super::ticket_templates::DoneParam;
use super::{render_status, saved_or_again, see_other};
use crate::domain::cause::CauseInput;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::templates as service;
use crate::startup::AppState;
use crate::store::causes::{self as store, Cause};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

const LIST: &str = "/settings/causes";

#[derive(Template)]
#[template(path = "settings/causes.html")]
struct ListPage {
    page: Page,
    causes: Vec<Cause>,
    form: CauseInput,
    errors: FieldErrors,
    /// A change that was made (success) or refused (error), as a message key.
    notice: Option<(&'static str, bool)>,
}

#[derive(Template)]
#[template(path = "settings/cause_edit.html")]
struct EditPage {
    page: Page,
    code: String,
    form: CauseInput,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: CauseInput,
    errors: FieldErrors,
    notice: Option<(&'static str, bool)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let causes = store::list(&mut conn).await?;
    render_status(status, &ListPage { page, causes, form, errors, notice })
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    let notice = query.notice().map(|key| (key, true));
    list_page(&state, page, CauseInput::default(), FieldErrors::default(), notice, StatusCode::OK).await
}

pub async fn create(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<CauseInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::add_cause(&mut conn, &form).await;
    drop(conn);
    saved_or_again(result, &format!("{LIST}?done=saved"), |errors| {
        list_page(&state, page, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY)
    })
    .await
}

/// The rename form of an added category; a built-in one says it cannot be changed.
pub async fn edit_form(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let mut conn = state.pool.get().await?;
    let cause = store::find(&mut conn, &code).await?.ok_or(AppError::NotFound)?;
    if cause.builtin {
        return Err(AppError::Conflict(service::BUILTIN_FIXED));
    }
    let form = CauseInput { code: cause.code, name_zh: cause.name_zh, name_en: cause.name_en };
    render_status(StatusCode::OK, &EditPage { page, code, form, errors: FieldErrors::default() })
}

pub async fn rename(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    code: web::Path<String>,
    form: web::Form<CauseInput>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::rename_cause(&mut conn, &code, &form).await;
    saved_or_again(result, &format!("{LIST}?done=saved"), async |errors| {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &EditPage { page, code, form, errors })
    })
    .await
}

/// Removes an added category; one in use (or a built-in) stays, and the list says why.
pub async fn delete(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    match service::remove_cause(&mut conn, &code).await {
        Ok(()) => Ok(see_other(&format!("{LIST}?done=deleted"))),
        Err(e @ AppError::Conflict(key)) => {
            drop(conn);
            let notice = Some((key, false));
            list_page(&state, page, CauseInput::default(), FieldErrors::default(), notice, e.status_code()).await
        }
        Err(e) => Err(e),
    }
}
