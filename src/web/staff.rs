//! Staff accounts, kept by supervisors.

use super::context::Page;
use super::session::Supervisor;
use super::{render_status, see_other};
use crate::domain::account_form::AccountInput;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::accounts;
use crate::startup::AppState;
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
}

impl StaffPage {
    fn roles(&self) -> Vec<super::context::Choice> {
        self.page.choices(&[crate::domain::Role::Agent, crate::domain::Role::Supervisor], &self.form.role)
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
    render_status(status, &StaffPage { page, staff, form, errors })
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
