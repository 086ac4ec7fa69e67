//! The customer portal: my tickets, and filing a new one.

use super::context::Page;
use super::follow_up::{FollowUpForm, FollowUpParam};
use super::session::Customer;
use super::{render, render_status, see_other};
use crate::domain::ticket_form::TicketInput;
use crate::domain::validate::FieldErrors;
use crate::domain::{DesiredOutcome, TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::startup::AppState;
use crate::store::tickets::{self, ListCursor, TicketSummary};
use crate::store::users;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PAGE_SIZE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    after: Option<String>,
    /// The search box: words every listed ticket must hold.
    #[serde(default)]
    q: String,
}

/// As long as the queue's search box allows.
const MAX_QUERY_CHARS: usize = 100;

#[derive(Template)]
#[template(path = "portal/my_tickets.html")]
struct MyTicketsPage {
    page: Page,
    tickets: Vec<TicketSummary>,
    q: String,
    next_href: Option<String>,
}

pub async fn my_tickets(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> AppResult<HttpResponse> {
    let after = match params.after.as_deref() {
        Some(raw) => Some(parse_list_cursor(raw).ok_or(AppError::BadRequest("error-bad-cursor"))?),
        None => None,
    };
    let q = params.q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest("error-bad-filter"));
    }
    let text = (!q.is_empty()).then_some(q);
    let mut conn = state.pool.get().await?;
    let mut rows = tickets::customer_page(&mut conn, me.id, text, after, PAGE_SIZE + 1).await?;
    let next_href = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|t| {
            let after = format!("{}.{}", t.created_at.timestamp_micros(), t.id);
            let query = serde_urlencoded::to_string([("q", q), ("after", after.as_str())]).unwrap_or_default();
            format!("/portal?{query}")
        })
    } else {
        None
    };
    render(&MyTicketsPage { page, tickets: rows, q: q.to_owned(), next_href })
}

fn parse_list_cursor(raw: &str) -> Option<ListCursor> {
    let (micros, id) = raw.split_once('.')?;
    Some(ListCursor {
        created_at: chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: crate::domain::TicketId(id.parse().ok()?),
    })
}

#[derive(Template)]
#[template(path = "portal/new_ticket.html")]
pub struct NewTicketPage {
    page: Page,
    form: TicketInput,
    errors: FieldErrors,
    picker: super::ticket_templates::TemplatePicker,
    follow_up: super::follow_up::FollowUpForm,
}

impl NewTicketPage {
    fn ticket_types(&self) -> Vec<super::context::Choice> {
        self.page.choices(TicketType::ALL, &self.form.ticket_type)
    }
    fn urgencies(&self) -> Vec<super::context::Choice> {
        self.page.choices(Urgency::ALL, &self.form.urgency)
    }
    fn outcomes(&self) -> Vec<super::context::Choice> {
        self.page.choices(DesiredOutcome::ALL, &self.form.desired_outcome)
    }
}

pub async fn new_ticket_form(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<super::ticket_templates::TemplateParam>,
    follow_up: web::Query<FollowUpParam>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let account = users::find(&mut conn, me.id).await?;
    let mut form = TicketInput {
        urgency: Urgency::Normal.code().into(),
        contact_name: account.name,
        contact_phone: account.phone.unwrap_or_default(),
        contact_email: account.email.unwrap_or_default(),
        region: account.region.unwrap_or_default(),
        ..TicketInput::default()
    };
    let follow_up = FollowUpForm::prefill(&mut conn, &follow_up, &me, &page, &mut form).await?;
    // A follow-up is pre-filled from the earlier ticket, not from a template.
    let picker = match follow_up.of {
        Some(_) => Default::default(),
        None => {
            let template = query.template.as_deref();
            super::ticket_templates::TemplatePicker::load(&mut conn, template, page.lang, &mut form).await?
        }
    };
    let status = follow_up.status;
    let errors = FieldErrors::default();
    render_status(status, &NewTicketPage { page, form, errors, picker, follow_up })
}

/// The new-ticket form as sent: the ticket, and the earlier ticket if it is a follow-up.
#[derive(Debug, Default, Deserialize)]
pub struct FileInput {
    #[serde(flatten)]
    follow_up: FollowUpParam,
    #[serde(flatten)]
    form: TicketInput,
}

pub async fn file_ticket(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    input: web::Form<FileInput>,
) -> AppResult<HttpResponse> {
    let FileInput { follow_up: param, form } = input.into_inner();
    let today = chrono::Utc::now().with_timezone(&state.tz).date_naive();
    let (errors, follow_up) = match form.parse(today) {
        Ok(draft) => match super::follow_up::file(&state, &me, &param, &draft).await {
            Ok(ticket) => return Ok(see_other(&format!("/tickets/{}", ticket.number))),
            Err(e) => (FieldErrors::default(), FollowUpForm::refused(e, &param, &page)?),
        },
        Err(errors) => (errors, FollowUpForm::keep(&param)),
    };
    let status = if errors.is_empty() { follow_up.status } else { StatusCode::UNPROCESSABLE_ENTITY };
    let picker = Default::default();
    render_status(status, &NewTicketPage { page, form, errors, picker, follow_up })
}
