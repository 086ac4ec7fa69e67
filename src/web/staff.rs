//! Staff accounts, kept by supervisors.

use super::context::Page;
use super::session::Supervisor;
use super::{render_status, see_other};
use crate::domain::account_form::AccountInput;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::accounts;
use crate::startup::AppState;
use crate::store::assignment as assignment_store;
use crate::store::users::{self, User};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "staff/index.html")]
struct StaffPage {
    page: Page,
    staff: Vec<User>,
    form: AccountInput,
    errors: FieldErrors,
    /// Open tickets per person, and the active assignment rule.
    open: std::collections::HashMap<crate::domain::UserId, i64>,
    rule: crate::domain::assignment::Rule,
}

impl StaffPage {
    fn roles(&self) -> Vec<super::context::Choice> {
        self.page.choices(&[crate::domain::Role::Agent, crate::domain::Role::Supervisor], &self.form.role)
    }
    fn open_count(&self, id: &crate::domain::UserId) -> i64 {
        self.open.get(id).copied().unwrap_or(0)
    }
    /// Warnings about unavailable people who still hold open tickets (the rule
    /// is manual, or nobody was free to take them): a supervisor must act.
    fn stranded(&self) -> Vec<String> {
        use crate::i18n::Arg;
        self.staff
            .iter()
            .filter(|u| !u.available && self.open_count(&u.id) > 0)
            .map(|u| {
                let args = [("name", Arg::from(u.name.clone())), ("count", Arg::from(self.open_count(&u.id)))];
                self.page.t_args("assign-staff-stranded", &args)
            })
            .collect()
    }
    /// What marking someone unavailable will do, asked before it is done.
    fn confirm_unavailable(&self, u: &User) -> String {
        self.page.t_args("assign-confirm-unavailable", &[("name", crate::i18n::Arg::from(u.name.clone()))])
    }
}

async fn staff_page(
    state: &AppState,
    page: Page,
    form: AccountInput,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let staff = users::list_staff(&mut conn).await?;
    let open = assignment_store::staff_workloads(&mut conn).await?.into_iter().map(|w| (w.id, w.open_count)).collect();
    let rule = assignment_store::settings(&mut conn, false).await?.rule;
    render_status(status, &StaffPage { page, staff, form, errors, open, rule })
}

pub async fn index(_: Supervisor, page: Page, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let form = AccountInput { role: "agent".into(), ..AccountInput::default() };
    staff_page(&state, page, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<AccountInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let created = match form.parse_staff() {
        Ok(draft) => accounts::create(&state.pool, draft).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match created {
        Ok(_) => Ok(see_other("/staff")),
        Err(AppError::Invalid(errors)) => {
            staff_page(&state, page, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AvailabilityInput {
    #[serde(default)]
    available: String,
}

/// Marks a staff member available or not (leave, sickness). Becoming
/// unavailable hands their open tickets on by the active assignment rule.
pub async fn set_availability(
    Supervisor(me): Supervisor,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<AvailabilityInput>,
) -> AppResult<HttpResponse> {
    let available = match form.available.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("assign-error-availability")),
    };
    let mut conn = state.pool.get().await?;
    let id = crate::domain::UserId(id.into_inner());
    crate::services::assignment::set_availability(&mut conn, &me, id, available).await?;
    Ok(see_other("/staff"))
}
