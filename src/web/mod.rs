//! The HTTP side: the route table, extractors, middleware and one module per area.

pub mod account;
pub mod analytics;
pub mod approvals;
pub mod assets;
pub mod attachments;
pub mod auth;
pub mod badges;
#[cfg(feature = "bench")]
pub mod bench_floor;
pub mod business_calendar;
pub mod catalogue;
pub mod causes;
pub mod chart;
pub mod client;
pub mod compensation;
pub mod context;
pub mod csrf;
pub mod deadline;
pub mod duplicates;
pub mod errors;
pub mod exports;
pub mod files;
pub mod follow_up;
pub mod health;
pub mod intake;
pub mod keyword_rules;
pub mod metrics;
pub mod notifications;
pub mod origin;
pub mod portal;
pub mod queue;
pub mod reply_macros;
pub mod session;
pub mod settings;
pub mod settings_index;
pub mod sla_policies;
pub mod sla_view;
pub mod staff;
pub mod submission;
pub mod templates;
pub mod text;
pub mod ticket_templates;
pub mod tickets;
pub mod withdrawal;

use crate::error::{AppError, AppResult};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, web};
use askama::Template;

/// Every route of the app, into the app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    declare(cfg);
}

/// Every route of the app, as method and path: the authorization matrix (tests/app/authorization.rs) must hold a row
/// for each, so no route is added without saying who may use it.
pub fn route_table() -> Vec<(Method, &'static str)> {
    let mut table = RouteTable(Vec::new());
    declare(&mut table);
    table.0
}

/// Somewhere routes are declared into: the app's `ServiceConfig`, or the list of them.
pub trait Routes {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;

    fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler)
    }

    fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler)
    }
}

impl Routes for web::ServiceConfig {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(path, web::method(method).to(handler))
    }
}

struct RouteTable(Vec<(Method, &'static str)>);

impl Routes for RouteTable {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, _: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.0.push((method, path));
        self
    }
}

fn declare(r: &mut impl Routes) {
    r.get("/", home)
        .get("/livez", health::livez)
        .get("/readyz", health::readyz)
        .get("/healthz", health::readyz)
        .get("/metrics", metrics::scrape)
        .get("/static/{file}", assets::serve)
        // Browsers ask for it whatever the page says; one answer instead of a 404 on every visit.
        .get("/favicon.ico", assets::favicon)
        .get("/lang/{code}", auth::switch_lang)
        .get("/login", auth::login_form)
        .post("/login", auth::login)
        .post("/logout", auth::logout)
        .get("/register", auth::register_form)
        .post("/register", auth::register)
        .get("/portal", portal::my_tickets)
        .get("/portal/tickets/new", portal::new_ticket_form)
        .post("/portal/tickets", portal::file_ticket)
        .get("/portal/tickets/similar", duplicates::similar)
        .get("/tickets/{number}", tickets::show)
        .post("/tickets/{number}/take", tickets::take)
        .post("/tickets/{number}/comments", tickets::comment)
        .post("/tickets/{number}/act/{action}", tickets::act)
        .post("/tickets/{number}/reassign", tickets::reassign)
        .post("/tickets/{number}/classify", tickets::classify)
        .post("/tickets/{number}/correct", tickets::correct)
        .post("/tickets/{number}/survey", tickets::survey)
        .post("/tickets/{number}/merge", duplicates::merge)
        .get("/tickets/{number}/edit", tickets::edit_form)
        .post("/tickets/{number}/edit", tickets::edit)
        .post("/tickets/{number}/attachments", attachments::upload)
        .get("/attachments/{id}", attachments::serve)
        .get("/queue", queue::index)
        .get("/settings", settings_index::index)
        .get("/staff", staff::index)
        .post("/staff", staff::create)
        .post("/staff/{id}/availability", staff::set_availability)
        .post("/accounts/{id}/access", staff::set_access)
        .get("/settings/assignment", settings::show)
        .post("/settings/assignment", settings::update)
        .get("/settings/products", catalogue::index)
        .post("/settings/products", catalogue::create)
        .get("/settings/products/{id}/edit", catalogue::edit_form)
        .post("/settings/products/{id}/edit", catalogue::update)
        .get("/portal/products/models", catalogue::model_options)
        .get("/settings/keywords", keyword_rules::index)
        .post("/settings/keywords", keyword_rules::create)
        .get("/settings/keywords/{id}/edit", keyword_rules::edit_form)
        .post("/settings/keywords/{id}/edit", keyword_rules::update)
        .post("/settings/keywords/{id}/delete", keyword_rules::delete)
        .get("/portal/tickets/suggest", keyword_rules::suggest)
        .get("/intake", intake::show)
        .post("/intake", intake::file)
        .get("/settings/ticket-templates", ticket_templates::index)
        .post("/settings/ticket-templates", ticket_templates::create)
        .get("/settings/ticket-templates/{id}", ticket_templates::edit_form)
        .post("/settings/ticket-templates/{id}", ticket_templates::update)
        .post("/settings/ticket-templates/{id}/delete", ticket_templates::delete)
        .get("/settings/reply-macros", reply_macros::index)
        .post("/settings/reply-macros", reply_macros::create)
        .get("/settings/reply-macros/{id}", reply_macros::edit_form)
        .post("/settings/reply-macros/{id}", reply_macros::update)
        .post("/settings/reply-macros/{id}/delete", reply_macros::delete)
        .get("/tickets/{number}/macros/{id}", reply_macros::insert)
        .get("/settings/causes", causes::index)
        .post("/settings/causes", causes::create)
        .get("/settings/causes/{code}", causes::edit_form)
        .post("/settings/causes/{code}", causes::rename)
        .post("/settings/causes/{code}/delete", causes::delete)
        // Compensation on a ticket (follow-ups go through the new-ticket form).
        .post("/tickets/{number}/compensations", compensation::record)
        .post("/tickets/{number}/compensations/{id}/returned", compensation::returned)
        // Withdrawal approvals (审批), notifications (通知) and the navigation's counts.
        .get("/approvals", approvals::index)
        .post("/approvals/{request}/{step}", approvals::decide)
        .get("/notifications", notifications::index)
        .post("/notifications/read-all", notifications::read_all)
        .post("/notifications/{id}/read", notifications::mark_read)
        .get("/nav/badges", badges::badges)
        // Withdrawal (撤单) on the ticket page: the dialog, the request's steps, the 回访 answer.
        // The feedback route comes before `{step}`, which it would otherwise match.
        .get("/tickets/{number}/withdraw", withdrawal::show)
        .post("/tickets/{number}/withdraw", withdrawal::withdraw)
        .post("/tickets/{number}/withdrawal/feedback", withdrawal::feedback)
        .post("/tickets/{number}/withdrawal/{step}", withdrawal::step)
        // My settings (我的设置): each person's own email choice and message language.
        .get("/account", account::show)
        .post("/account", account::save)
        .post("/account/sign-out-everywhere", account::sign_out_everywhere)
        // SLA (服务时限): the policies and the business calendar they count in.
        .get("/settings/sla", sla_policies::index)
        .post("/settings/sla", sla_policies::create)
        .get("/settings/sla/{id}", sla_policies::edit_form)
        .post("/settings/sla/{id}", sla_policies::update)
        .post("/settings/sla/{id}/delete", sla_policies::delete)
        .get("/settings/calendar", business_calendar::show)
        .post("/settings/calendar/hours", business_calendar::save_hours)
        .post("/settings/calendar/days", business_calendar::add_day)
        .post("/settings/calendar/days/{day}/delete", business_calendar::delete_day)
        // Exports of the ticket list (supervisors): the request from the queue, its progress page, the file.
        .post("/exports", exports::start)
        .get("/exports/{id}", exports::show)
        .get("/exports/{id}/download", exports::download);
    // Supervisor analytics (数据分析): the dashboard.
    r.get("/analytics", analytics::index).get("/analytics/export", analytics::download);
    // The benchmark's floor (issue 7): only in the bench build, never in the product.
    #[cfg(feature = "bench")]
    r.get("/bench/floor", bench_floor::floor);
}

/// `/` sends each person to their start page.
async fn home(page: context::Page) -> HttpResponse {
    let to = match &page.user {
        None => "/login",
        Some(u) if u.is_staff() => "/queue",
        Some(_) => "/portal",
    };
    see_other(to)
}

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("HX-Request")
}

pub fn render<T: Template>(template: &T) -> AppResult<HttpResponse> {
    render_status(StatusCode::OK, template)
}

/// A rendered page or fragment. `Vary: HX-Request` because one URL answers
/// with a whole page or with the fragment htmx asked for.
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> AppResult<HttpResponse> {
    let body = template.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request"))
        .body(body))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// After saving a settings form: on success back to `done`; on bad input the
/// form again (`again`, given the problems), which answers 422; other errors pass on.
pub async fn saved_or_again<T, Again>(
    result: AppResult<T>,
    done: &str,
    again: impl FnOnce(crate::domain::validate::FieldErrors) -> Again,
) -> AppResult<HttpResponse>
where
    Again: std::future::Future<Output = AppResult<HttpResponse>>,
{
    match result {
        Ok(_) => Ok(see_other(done)),
        Err(AppError::Invalid(errors)) => again(errors).await,
        Err(e) => Err(e),
    }
}

/// Implements a form-choices trait (accessors `page()` and `form()`) for page
/// structs holding `page: Page` and `form: <input>`, so a settings list page and
/// its edit page share one set of choice helpers.
macro_rules! form_pages {
    ($trait:ident, $input:ty: $($page:ty),+ $(,)?) => {$(
        impl $trait for $page {
            fn page(&self) -> &$crate::web::context::Page {
                &self.page
            }
            fn form(&self) -> &$input {
                &self.form
            }
        }
    )+};
}
pub(crate) use form_pages;

/// Only paths on this site are followed after sign-in or a language switch.
pub fn local_path(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path(Some("/queue?state=open")), Some("/queue?state=open"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "queue"] {
            assert_eq!(super::local_path(Some(bad)), None, "{bad}");
        }
    }
}
