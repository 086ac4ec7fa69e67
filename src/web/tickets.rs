//! The ticket page, shared by customers and staff, and its actions. Small
//! actions swap the ticket's main part in place with htmx; without htmx they
//! post and redirect back. A refused or stale action shows the current ticket
//! with the reason on top.

use super::context::{Choice, Page};
use super::session::{Customer, SignedIn, Staff, Supervisor};
use super::{is_htmx, render_status, see_other};
use crate::domain::ticket_form::TicketInput;
use crate::domain::validate::FieldErrors;
use crate::domain::workflow::{self, Action};
use crate::domain::{DesiredOutcome, Role, TicketState, TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::services::attachments::{self as attachment_service, AttachmentPanel};
use crate::services::duplicates::{self, MergePanel};
use crate::services::lifecycle::{self, ActInput, CorrectInput, DetailsEdit, ReassignInput, SurveyInput};
use crate::services::tickets::{self as ticket_service, TicketView};
use crate::startup::AppState;
use crate::store::causes::{self, Cause};
use crate::store::users::{self, User};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

/// What the viewer may do now, asked of the workflow (templates never compare states).
pub struct Allowed {
    pub take: bool,
    pub comment: bool,
    pub internal_note: bool,
    pub start: bool,
    pub request_info: bool,
    pub resolve: bool,
    pub confirm: bool,
    pub reject: bool,
    pub reassign: bool,
    pub classify: bool,
    pub edit: bool,
    pub correct: bool,
    pub rate: bool,
}

impl Allowed {
    fn for_viewer(view: &TicketView, viewer: &SessionUser) -> Allowed {
        let ticket = &view.ticket;
        let works_it = viewer.role == Role::Supervisor || ticket.assignee_id.is_none_or(|a| a == viewer.id);
        let can = |action| {
            workflow::decide(ticket.state, action, viewer.role.into()).is_ok()
                && (works_it || !workflow::assignee_only(action))
        };
        let staff = viewer.is_staff();
        let comment_action = if staff { Action::Reply } else { Action::AddInfo };
        let correct =
            viewer.role == Role::Supervisor && workflow::correction_targets().iter().any(|t| can(Action::Correct(*t)));
        Allowed {
            take: can(Action::Take),
            comment: can(comment_action),
            internal_note: staff && can(Action::Reply),
            start: can(Action::Start),
            request_info: can(Action::RequestInfo),
            resolve: can(Action::Resolve),
            confirm: can(Action::Confirm),
            reject: can(Action::RejectFix),
            reassign: can(Action::Reassign) && ticket.assignee_id.is_some(),
            classify: staff && can(Action::EditDetails),
            edit: !staff && can(Action::EditDetails),
            correct,
            rate: can(Action::Rate) && view.survey.is_none(),
        }
    }
}

/// A form that came back with problems: which one, what was typed, what is wrong.
#[derive(Default)]
pub struct Retry {
    pub form: &'static str,
    pub text: String,
    pub errors: FieldErrors,
}

impl Retry {
    /// The typed text, if `form` is the one that failed.
    pub fn text_for(&self, form: &str) -> &str {
        if self.form == form { &self.text } else { "" }
    }
    /// The problems, if `form` is the one that failed.
    pub fn errors_for(&self, form: &str) -> &FieldErrors {
        static NONE: FieldErrors = FieldErrors::empty();
        if self.form == form { &self.errors } else { &NONE }
    }
}

/// What staff need for the action forms.
#[derive(Default)]
pub struct StaffTools {
    pub causes: Vec<Cause>,
    pub staff: Vec<User>,
    /// Reply templates for the picker above the reply box (staff who may reply).
    pub macros: Vec<crate::store::reply_macros::MacroChoice>,
}

/// The whole page: the layout around the main part, rendered once by `TicketMain`.
#[derive(Template)]
#[template(path = "tickets/show.html")]
struct TicketPage<'a> {
    page: &'a Page,
    number: &'a str,
    main: &'a str,
}

#[derive(Template)]
#[template(path = "tickets/main_partial.html")]
struct TicketMain<'a> {
    page: &'a Page,
    view: &'a TicketView,
    allowed: Allowed,
    retry: &'a Retry,
    notice: Option<String>,
    tools: StaffTools,
    attachments: &'a AttachmentPanel,
    warranty: &'a crate::domain::warranty::Warranty,
    merges: &'a MergePanel,
    compensations: &'a crate::services::compensation::CompensationPanel,
    follow_ups: &'a crate::services::follow_up::FollowUpPanel,
    withdrawal: &'a super::withdrawal::WithdrawalSection,
    sla: super::sla_view::SlaPanel,
}

/// Choices the action forms offer, computed for the page's language.
pub trait TicketForms {
    fn page(&self) -> &Page;
    fn view(&self) -> &TicketView;
    fn tools(&self) -> &StaffTools;

    fn cause_choices(&self) -> Vec<Choice> {
        self.tools()
            .causes
            .iter()
            .map(|c| Choice { code: c.code.clone(), label: c.name(self.page().lang).to_owned(), selected: false })
            .collect()
    }
    fn type_choices(&self) -> Vec<Choice> {
        self.page().choices(TicketType::ALL, self.view().ticket.ticket_type.code())
    }
    fn urgency_choices(&self) -> Vec<Choice> {
        self.page().choices(Urgency::ALL, self.view().ticket.urgency.code())
    }
    fn correction_choices(&self) -> Vec<Choice> {
        let current = self.view().ticket.state;
        let targets: Vec<TicketState> =
            workflow::correction_targets().iter().copied().filter(|t| *t != current).collect();
        self.page().choices(&targets, "")
    }
    fn outcome_label(&self) -> String {
        self.page().label(self.view().ticket.desired_outcome)
    }
    fn cause_label(&self) -> Option<String> {
        let code = self.view().ticket.cause_code.as_deref()?;
        let cause = self.tools().causes.iter().find(|c| c.code == code);
        Some(cause.map(|c| c.name(self.page().lang).to_owned()).unwrap_or_else(|| code.to_owned()))
    }
}

impl TicketForms for TicketMain<'_> {
    fn page(&self) -> &Page {
        self.page
    }
    fn view(&self) -> &TicketView {
        self.view
    }
    fn tools(&self) -> &StaffTools {
        &self.tools
    }
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
    /// The whole page, or just its main part for htmx.
    async fn respond(&self, status: StatusCode, retry: &Retry, notice: Option<String>) -> AppResult<HttpResponse> {
        let mut conn = self.state.pool.get().await?;
        let view = ticket_service::view(&mut conn, self.number, self.me).await?;
        let allowed = Allowed::for_viewer(&view, self.me);
        // Cause names are shown to everyone; the staff list only to staff.
        let mut tools = StaffTools { causes: causes::list(&mut conn).await?, ..StaffTools::default() };
        if allowed.reassign {
            tools.staff = users::list_staff(&mut conn).await?.into_iter().filter(|u| u.available).collect();
        }
        if allowed.comment && self.me.is_staff() {
            tools.macros = crate::store::reply_macros::choices(&mut conn).await?;
        }
        let attachments =
            &attachment_service::panel(&mut conn, &view.ticket, self.me, self.state.upload_limits).await?;
        let today = chrono::Utc::now().with_timezone(&self.state.tz).date_naive();
        let warranty = &crate::services::catalogue::warranty(&mut conn, &view.ticket, today).await?;
        let merges = &duplicates::panel(&mut conn, &view.ticket, self.me).await?;
        let compensations = &crate::services::compensation::panel(&mut conn, &view.ticket, self.me).await?;
        let follow_ups = &crate::services::follow_up::panel(&mut conn, &view.ticket, self.me).await?;
        let withdrawal =
            &super::withdrawal::WithdrawalSection::load(&mut conn, &view.ticket, self.me, chrono::Utc::now()).await?;
        let page = self.page;
        let main = TicketMain {
            page,
            view: &view,
            allowed,
            retry,
            notice,
            tools,
            attachments,
            warranty,
            merges,
            compensations,
            follow_ups,
            withdrawal,
            sla: super::sla_view::SlaPanel::new(page, &view.ticket, chrono::Utc::now()),
        };
        if is_htmx(self.req) {
            render_status(status, &main)
        } else {
            let main = main.render().map_err(AppError::internal)?;
            render_status(status, &TicketPage { page, number: &view.ticket.number, main: &main })
        }
    }

    /// After a change that succeeded: the fresh ticket (htmx) or a redirect back.
    pub(crate) async fn after_change(&self) -> AppResult<HttpResponse> {
        self.after(Ok(()), "", "").await
    }

    /// After an action: the fresh ticket (htmx) or a redirect back (plain form);
    /// bad input re-renders the form; a refusal or a stale page shows the
    /// current ticket with the reason.
    pub(crate) async fn after<T>(
        &self,
        result: AppResult<T>,
        form: &'static str,
        text: &str,
    ) -> AppResult<HttpResponse> {
        match result {
            Ok(_) if is_htmx(self.req) => self.respond(StatusCode::OK, &Retry::default(), None).await,
            Ok(_) => Ok(see_other(&format!("/tickets/{}", self.number))),
            Err(AppError::Invalid(errors)) => {
                let retry = Retry { form, text: text.to_owned(), errors };
                self.respond(StatusCode::UNPROCESSABLE_ENTITY, &retry, None).await
            }
            Err(e @ (AppError::Refused(_) | AppError::Conflict(_))) => {
                let notice = Some(self.page.t(e.message_key()));
                self.respond(e.status_code(), &Retry::default(), notice).await
            }
            Err(other) => Err(other),
        }
    }
}

/// Everything a ticket action needs besides the person and the form: the
/// request, the app, the page context and the ticket number from the path.
pub struct TicketCall {
    req: HttpRequest,
    state: web::Data<AppState>,
    page: Page,
    number: String,
}

impl TicketCall {
    pub(crate) fn number(&self) -> &str {
        &self.number
    }
    pub(crate) async fn conn(&self) -> AppResult<crate::db::PooledConn> {
        Ok(self.state.pool.get().await?)
    }
    pub(crate) fn on<'a>(&'a self, me: &'a SessionUser) -> OnTicket<'a> {
        OnTicket { req: &self.req, state: &self.state, page: &self.page, me, number: &self.number }
    }
}

impl actix_web::FromRequest for TicketCall {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let call = (|| {
            let state = req.app_data::<web::Data<AppState>>().cloned().ok_or(AppError::internal("no app state"))?;
            let number = req.match_info().get("number").ok_or(AppError::NotFound)?.to_owned();
            Ok(TicketCall { req: req.clone(), state, page: Page::from_request(req), number })
        })();
        std::future::ready(call)
    }
}

pub async fn show(SignedIn(me): SignedIn, call: TicketCall) -> AppResult<HttpResponse> {
    call.on(&me).respond(StatusCode::OK, &Retry::default(), None).await
}

pub async fn take(Staff(me): Staff, call: TicketCall) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = ticket_service::take(&mut conn, call.number(), &me).await;
    drop(conn);
    call.on(&me).after(result, "take", "").await
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
    call: TicketCall,
    form: web::Form<CommentInput>,
) -> AppResult<HttpResponse> {
    let internal = form.internal.is_some();
    if internal && !me.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut conn = call.conn().await?;
    let result = ticket_service::comment(&mut conn, call.number(), &me, &form.body, internal).await;
    drop(conn);
    call.on(&me).after(result, "comment", &form.body).await
}

/// Start, ask for information, resolve, confirm, reject: `POST /tickets/{number}/act/{action}`.
pub async fn act(
    SignedIn(me): SignedIn,
    call: TicketCall,
    code: web::Path<(String, String)>,
    form: web::Form<ActInput>,
) -> AppResult<HttpResponse> {
    let action = lifecycle::simple_action(&code.1).ok_or(AppError::NotFound)?;
    let form_name = match action {
        Action::RequestInfo => "request_info",
        Action::Resolve => "resolve",
        Action::RejectFix => "reject",
        _ => "act",
    };
    let mut conn = call.conn().await?;
    let result = lifecycle::act(&mut conn, call.number(), &me, action, &form).await;
    drop(conn);
    call.on(&me).after(result, form_name, &form.text).await
}

pub async fn reassign(Staff(me): Staff, call: TicketCall, form: web::Form<ReassignInput>) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = lifecycle::reassign(&mut conn, call.number(), &me, &form).await;
    drop(conn);
    call.on(&me).after(result, "reassign", &form.reason).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClassifyInput {
    version: Option<i32>,
    ticket_type: String,
    urgency: String,
}

/// Staff change the type or urgency; both values are logged before and after.
pub async fn classify(Staff(me): Staff, call: TicketCall, form: web::Form<ClassifyInput>) -> AppResult<HttpResponse> {
    let mut c = crate::domain::validate::Checker::default();
    let ticket_type = c.choice("ticket_type", &form.ticket_type, TicketType::parse);
    let urgency = c.choice("urgency", &form.urgency, Urgency::parse);
    let result = match (ticket_type, urgency) {
        (Some(ticket_type), Some(urgency)) => {
            let mut conn = call.conn().await?;
            let edit = DetailsEdit::Classification { ticket_type, urgency };
            lifecycle::edit_details(&mut conn, call.number(), &me, edit, form.version).await
        }
        _ => Err(AppError::Invalid(c.errors)),
    };
    call.on(&me).after(result, "classify", "").await
}

pub async fn correct(
    Supervisor(me): Supervisor,
    call: TicketCall,
    form: web::Form<CorrectInput>,
) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = lifecycle::correct(&mut conn, call.number(), &me, &form).await;
    drop(conn);
    call.on(&me).after(result, "correct", &form.reason).await
}

pub async fn survey(Customer(me): Customer, call: TicketCall, form: web::Form<SurveyInput>) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = lifecycle::rate(&mut conn, call.number(), &me, &form).await;
    drop(conn);
    call.on(&me).after(result, "survey", &form.comment).await
}

#[derive(Template)]
#[template(path = "tickets/edit.html")]
struct EditPage<'a> {
    page: Page,
    number: &'a str,
    version: i32,
    form: TicketInput,
    errors: FieldErrors,
    notice: Option<String>,
}

impl EditPage<'_> {
    fn ticket_types(&self) -> Vec<Choice> {
        self.page.choices(TicketType::ALL, &self.form.ticket_type)
    }
    fn urgencies(&self) -> Vec<Choice> {
        self.page.choices(Urgency::ALL, &self.form.urgency)
    }
    fn outcomes(&self) -> Vec<Choice> {
        self.page.choices(DesiredOutcome::ALL, &self.form.desired_outcome)
    }
}

/// The customer's edit form, while work has not started.
pub async fn edit_form(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let ticket = ticket_service::load_visible(&mut conn, &number, &me).await?;
    workflow::decide(ticket.state, Action::EditDetails, me.role.into()).map_err(AppError::Refused)?;
    let form = ticket.draft().to_input();
    let template =
        EditPage { page, number: &number, version: ticket.version, form, errors: FieldErrors::default(), notice: None };
    render_status(StatusCode::OK, &template)
}

#[derive(Debug, Default, Deserialize)]
pub struct EditInput {
    version: Option<i32>,
    #[serde(flatten)]
    form: TicketInput,
}

pub async fn edit(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    number: web::Path<String>,
    input: web::Form<EditInput>,
) -> AppResult<HttpResponse> {
    let EditInput { version, form } = input.into_inner();
    let today = chrono::Utc::now().with_timezone(&state.tz).date_naive();
    let result = match form.parse(today) {
        Ok(draft) => {
            let mut conn = state.pool.get().await?;
            lifecycle::edit_details(&mut conn, &number, &me, DetailsEdit::All(Box::new(draft)), version).await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    let (status, errors, notice) = match result {
        Ok(_) => return Ok(see_other(&format!("/tickets/{number}"))),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Err(e @ (AppError::Conflict(_) | AppError::Refused(_))) => {
            (e.status_code(), FieldErrors::default(), Some(page.t(e.message_key())))
        }
        Err(other) => return Err(other),
    };
    let version = version.unwrap_or_default();
    render_status(status, &EditPage { page, number: &number, version, form, errors, notice })
}
