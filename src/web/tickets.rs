//! The ticket page, shared by customers and staff, and its small actions
//! (take, comment) that swap the ticket's main part in place with htmx.

use super::context::Page;
use super::session::{SignedIn, Staff};
use super::{is_htmx, render_status, see_other};
use crate::domain::validate::FieldErrors;
use crate::domain::workflow::{self, Action};
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::services::attachments::{self as attachment_service, AttachmentPanel};
use crate::services::tickets::{self as ticket_service, TicketView};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// What the viewer may do now, asked of the workflow (templates never compare states).
pub struct Allowed {
    pub take: bool,
    pub comment: bool,
    pub internal_note: bool,
}

impl Allowed {
    fn for_viewer(view: &TicketView, viewer: &SessionUser) -> Allowed {
        let can = |action| workflow::decide(view.ticket.state, action, viewer.role.into()).is_ok();
        let comment_action = if viewer.is_staff() { Action::Reply } else { Action::AddInfo };
        Allowed {
            take: can(Action::Take),
            comment: can(comment_action),
            internal_note: viewer.is_staff() && can(Action::Reply),
        }
    }
}

#[derive(Template)]
#[template(path = "tickets/show.html")]
struct TicketPage<'a> {
    page: &'a Page,
    view: &'a TicketView,
    allowed: Allowed,
    comment: &'a str,
    errors: &'a FieldErrors,
    attachments: &'a AttachmentPanel,
}

#[derive(Template)]
#[template(path = "tickets/main_partial.html")]
struct TicketMain<'a> {
    page: &'a Page,
    view: &'a TicketView,
    allowed: Allowed,
    comment: &'a str,
    errors: &'a FieldErrors,
    attachments: &'a AttachmentPanel,
}

/// One request on one ticket: who asks, about which ticket, in which language.
pub(crate) struct OnTicket<'a> {
    pub req: &'a HttpRequest,
    pub state: &'a AppState,
    pub page: &'a Page,
    pub me: &'a SessionUser,
    pub number: &'a str,
}

impl OnTicket<'_> {
    /// The whole page, or just its main part for htmx, with the comment box as given.
    async fn respond(&self, status: StatusCode, comment: &str, errors: &FieldErrors) -> AppResult<HttpResponse> {
        let mut conn = self.state.pool.get().await?;
        let view = ticket_service::view(&mut conn, self.number, self.me).await?;
        let allowed = Allowed::for_viewer(&view, self.me);
        let attachments =
            &attachment_service::panel(&mut conn, &view.ticket, self.me, self.state.upload_limits).await?;
        let page = self.page;
        if is_htmx(self.req) {
            render_status(status, &TicketMain { page, view: &view, allowed, comment, errors, attachments })
        } else {
            render_status(status, &TicketPage { page, view: &view, allowed, comment, errors, attachments })
        }
    }

    /// After a change: htmx gets the fresh main part, a plain form post a redirect.
    pub(crate) async fn after_change(&self) -> AppResult<HttpResponse> {
        if is_htmx(self.req) {
            self.respond(StatusCode::OK, "", &FieldErrors::default()).await
        } else {
            Ok(see_other(&format!("/tickets/{}", self.number)))
        }
    }
}

pub async fn show(
    SignedIn(me): SignedIn,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    let on = OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number };
    on.respond(StatusCode::OK, "", &FieldErrors::default()).await
}

pub async fn take(
    Staff(me): Staff,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    ticket_service::take(&mut conn, &number, &me).await?;
    drop(conn);
    OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number }.after_change().await
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentInput {
    #[serde(default)]
    body: String,
    /// Checkbox: present ("on") for an internal note.
    internal: Option<String>,
}

pub async fn comment(
    SignedIn(me): SignedIn,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    form: web::Form<CommentInput>,
) -> AppResult<HttpResponse> {
    let internal = form.internal.is_some();
    let mut conn = state.pool.get().await?;
    let result = ticket_service::comment(&mut conn, &number, &me, &form.body, internal).await;
    drop(conn);
    let on = OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number };
    match result {
        Ok(_) => on.after_change().await,
        Err(AppError::Invalid(errors)) => on.respond(StatusCode::UNPROCESSABLE_ENTITY, &form.body, &errors).await,
        Err(other) => Err(other),
    }
}
