//! Intake for others (`/intake`, staff only): find the customer by phone or
//! email (an htmx lookup that swaps in the match), or make a new customer
//! record, then file the ticket with the channel it came in by.

use super::context::{Choice, Page};
use super::session::Staff;
use super::{is_htmx, render, render_status, see_other};
use crate::domain::validate::FieldErrors;
use crate::domain::{DesiredOutcome, TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::services::intake::{self as intake_service, CHANNELS, IntakeInput, NEW_CUSTOMER};
use crate::startup::AppState;
use crate::store::Conn;
use crate::store::users::User;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// The customer part of the form: what was looked up, what matched, what is chosen.
pub struct LookupView {
    pub q: String,
    pub found: Option<User>,
    /// The form's `customer` value: an id, `new`, or empty.
    pub selected: String,
}

impl LookupView {
    fn is_selected(&self, user: &User) -> bool {
        self.selected == user.id.to_string()
    }
    fn new_selected(&self) -> bool {
        self.selected == NEW_CUSTOMER
    }
}

#[derive(Template)]
#[template(path = "intake/new.html")]
struct IntakePage {
    page: Page,
    form: IntakeInput,
    lookup: LookupView,
    errors: FieldErrors,
}

impl IntakePage {
    fn channels(&self) -> Vec<Choice> {
        self.page.choices(CHANNELS, &self.form.channel)
    }
    fn ticket_types(&self) -> Vec<Choice> {
        self.page.choices(TicketType::ALL, &self.form.ticket.ticket_type)
    }
    fn urgencies(&self) -> Vec<Choice> {
        self.page.choices(Urgency::ALL, &self.form.ticket.urgency)
    }
    fn outcomes(&self) -> Vec<Choice> {
        self.page.choices(DesiredOutcome::ALL, &self.form.ticket.desired_outcome)
    }
}

/// The customer part alone, for the htmx lookup.
#[derive(Template)]
#[template(path = "intake/customer_partial.html")]
struct CustomerPartial {
    page: Page,
    lookup: LookupView,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupParams {
    #[serde(default)]
    q: String,
}

/// Looks `q` up; a match is chosen at once (the agent can still pick "new").
async fn look_up(conn: &mut Conn, q: &str) -> AppResult<LookupView> {
    let found = intake_service::lookup(conn, q).await?;
    let selected = found.as_ref().map(|u| u.id.to_string()).unwrap_or_default();
    Ok(LookupView { q: q.trim().to_owned(), found, selected })
}

/// The form, or with `HX-Request` only its customer part (the lookup result).
pub async fn show(
    Staff(_): Staff,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<LookupParams>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let lookup = look_up(&mut conn, &params.q).await?;
    let errors = FieldErrors::default();
    if is_htmx(&req) {
        return render(&CustomerPartial { page, lookup, errors });
    }
    let mut form = IntakeInput { channel: "phone".into(), q: lookup.q.clone(), ..IntakeInput::default() };
    form.ticket.urgency = Urgency::Normal.code().into();
    if let Some(customer) = &lookup.found {
        form.ticket.contact_name = customer.name.clone();
        form.ticket.contact_phone = customer.phone.clone().unwrap_or_default();
        form.ticket.contact_email = customer.email.clone().unwrap_or_default();
        form.ticket.region = customer.region.clone().unwrap_or_default();
    }
    render(&IntakePage { page, form, lookup, errors })
}

pub async fn file(
    Staff(me): Staff,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<IntakeInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    match intake_service::file(&mut conn, &me, &form, chrono::Utc::now(), state.tz).await {
        Ok(ticket) => Ok(see_other(&format!("/tickets/{}", ticket.number))),
        Err(AppError::Invalid(errors)) => {
            // Shown again as sent, with the chosen customer still shown.
            let found = match form.customer.trim().parse::<i64>() {
                Ok(id) => intake_service::find_customer(&mut conn, crate::domain::UserId(id)).await?,
                Err(_) => None,
            };
            let lookup = LookupView { q: form.q.clone(), found, selected: form.customer.trim().to_owned() };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &IntakePage { page, form, lookup, errors })
        }
        Err(other) => Err(other),
    }
}
