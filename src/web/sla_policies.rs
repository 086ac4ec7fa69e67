//! SLA policies (服务时限) at `/settings/sla`: one per urgency, which
//! supervisors can change but not remove, and per-type overrides they add,
//! change and remove. Changes apply to due times computed from then on.

use super::context::{Choice, Page};
use super::session::Supervisor;
use super::ticket_templates::DoneParam;
use super::{render_status, saved_or_again, see_other};
use crate::domain::sla_settings::{CLOCK_ALWAYS, CLOCK_BUSINESS, PolicyInput};
use crate::domain::validate::FieldErrors;
use crate::domain::{TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::services::sla_settings as service;
use crate::startup::AppState;
use crate::store::sla_settings::{self as store, Policy};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

const LIST: &str = "/settings/sla";

/// The choices of the policy form, shared by the list page (add form) and the edit page.
trait PolicyForm {
    fn page(&self) -> &Page;
    fn form(&self) -> &PolicyInput;

    fn urgencies(&self) -> Vec<Choice> {
        self.page().choices(Urgency::ALL, &self.form().urgency)
    }
    fn ticket_types(&self) -> Vec<Choice> {
        self.page().choices(TicketType::ALL, &self.form().ticket_type)
    }
    /// (code, label key, checked) of the two clocks.
    fn clocks(&self) -> [(&'static str, &'static str, bool); 2] {
        let clock = self.form().clock.as_str();
        [
            (CLOCK_BUSINESS, "sla-clock-business", clock == CLOCK_BUSINESS),
            (CLOCK_ALWAYS, "sla-clock-always", clock == CLOCK_ALWAYS),
        ]
    }
}

super::form_pages!(PolicyForm, PolicyInput: ListPage, EditPage);

#[derive(Template)]
#[template(path = "settings/sla.html")]
struct ListPage {
    page: Page,
    policies: Vec<Policy>,
    form: PolicyInput,
    errors: FieldErrors,
    /// A change that was made (success) or refused (error), as a message key.
    notice: Option<(&'static str, bool)>,
}

#[derive(Template)]
#[template(path = "settings/sla_edit.html")]
struct EditPage {
    page: Page,
    policy: Policy,
    form: PolicyInput,
    errors: FieldErrors,
}

/// "All types" for a base policy, else the type's name.
fn scope_label(page: &Page, policy: &Policy) -> String {
    policy.ticket_type.map_or_else(|| page.t("sla-all-types"), |t| page.label(t))
}

impl ListPage {
    fn scope(&self, policy: &Policy) -> String {
        scope_label(&self.page, policy)
    }
}

impl EditPage {
    fn scope(&self) -> String {
        scope_label(&self.page, &self.policy)
    }
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: PolicyInput,
    errors: FieldErrors,
    notice: Option<(&'static str, bool)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let policies = store::policies(&mut conn).await?;
    render_status(status, &ListPage { page, policies, form, errors, notice })
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    let notice = query.notice().map(|key| (key, true));
    list_page(&state, page, PolicyInput::blank(), FieldErrors::default(), notice, StatusCode::OK).await
}

pub async fn create(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<PolicyInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::add_override(&mut conn, &me, &form, chrono::Utc::now()).await;
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
    let mut conn = state.pool.get().await?;
    let policy = store::find_policy(&mut conn, id.into_inner()).await?.ok_or(AppError::NotFound)?;
    let form = PolicyInput::from_draft(&policy.draft());
    render_status(StatusCode::OK, &EditPage { page, policy, form, errors: FieldErrors::default() })
}

pub async fn update(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<PolicyInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_policy(&mut conn, &me, id, &form, chrono::Utc::now()).await;
    saved_or_again(result, &format!("{LIST}?done=saved"), async |errors| {
        let policy = store::find_policy(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &EditPage { page, policy, form, errors })
    })
    .await
}

/// Removes an override; a base policy stays, and the list says why.
pub async fn delete(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    match service::remove_override(&mut conn, &me, id.into_inner()).await {
        Ok(()) => Ok(see_other(&format!("{LIST}?done=deleted"))),
        Err(e @ AppError::Conflict(key)) => {
            drop(conn);
            let (form, errors) = (PolicyInput::blank(), FieldErrors::default());
            list_page(&state, page, form, errors, Some((key, false)), e.status_code()).await
        }
        Err(e) => Err(e),
    }
}
