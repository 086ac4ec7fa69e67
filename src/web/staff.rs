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
    /// Disabled accounts among those shown.
    disabled: std::collections::HashSet<crate::domain::UserId>,
    /// The customer looked up by email or phone (to disable or enable), and what was asked.
    customer: Option<User>,
    customer_q: String,
}

impl StaffPage {
    fn roles(&self) -> Vec<super::context::Choice> {
        self.page.choices(&[crate::domain::Role::Agent, crate::domain::Role::Supervisor], &self.form.role)
    }
    fn is_disabled(&self, id: &crate::domain::UserId) -> bool {
        self.disabled.contains(id)
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
    customer_q: String,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let staff = users::list_staff(&mut conn).await?;
    let open = assignment_store::staff_workloads(&mut conn).await?.into_iter().map(|w| (w.id, w.open_count)).collect();
    let rule = assignment_store::settings(&mut conn, false).await?.rule;
    let customer = crate::services::intake::lookup(&mut conn, &customer_q).await?;
    let mut shown: Vec<_> = staff.iter().map(|u| u.id).collect();
    shown.extend(customer.iter().map(|c| c.id));
    let disabled = crate::store::sessions::disabled_among(&mut conn, &shown).await?.into_iter().collect();
    let view = StaffPage { page, staff, form, errors, open, rule, disabled, customer, customer_q };
    render_status(status, &view)
}

/// `?customer=<email or phone>`: a customer account to show (to disable or enable it).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CustomerQuery {
    #[serde(default)]
    customer: String,
}

/// The staff list, the new-account form and the customer lookup.
pub async fn index(
    query: web::Query<CustomerQuery>,
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let form = AccountInput { role: "agent".into(), ..AccountInput::default() };
    staff_page(&state, page, form, FieldErrors::default(), StatusCode::OK, query.into_inner().customer).await
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
            staff_page(&state, page, form, errors, StatusCode::UNPROCESSABLE_ENTITY, String::new()).await
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
    let available = flag(&form.available, "assign-error-availability")?;
    let mut conn = state.pool.get().await?;
    let id = crate::domain::UserId(id.into_inner());
    crate::services::assignment::set_availability(&mut conn, &me, id, available).await?;
    Ok(see_other("/staff"))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AccessInput {
    #[serde(default)]
    enabled: String,
    /// The customer lookup to come back to.
    #[serde(default)]
    customer: String,
}

/// Disables or enables an account (staff or customer). Disabling ends its sessions at once.
pub async fn set_access(
    Supervisor(me): Supervisor,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<AccessInput>,
) -> AppResult<HttpResponse> {
    let enabled = flag(&form.enabled, "account-error-access")?;
    accounts::set_disabled(&state, &me, crate::domain::UserId(id.into_inner()), !enabled).await?;
    let back = match form.customer.trim() {
        "" => "/staff".to_owned(),
        q => format!("/staff?customer={}", super::context::urlencode(q)),
    };
    Ok(see_other(&back))
}

/// A form's `true`/`false`; anything else is refused with `message`.
fn flag(value: &str, message: &'static str) -> AppResult<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::BadRequest(message)),
    }
}
