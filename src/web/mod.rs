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
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// Every route of the app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/livez", web::get().to(health::livez))
        .route("/readyz", web::get().to(health::readyz))
        .route("/healthz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::scrape))
        .route("/static/{file}", web::get().to(assets::serve))
        // Browsers ask for it whatever the page says; one answer instead of a 404 on every visit.
        .route("/favicon.ico", web::get().to(assets::favicon))
        .route("/lang/{code}", web::get().to(auth::switch_lang))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/register", web::get().to(auth::register_form))
        .route("/register", web::post().to(auth::register))
        .route("/portal", web::get().to(portal::my_tickets))
        .route("/portal/tickets/new", web::get().to(portal::new_ticket_form))
        .route("/portal/tickets", web::post().to(portal::file_ticket))
        .route("/portal/tickets/similar", web::get().to(duplicates::similar))
        .route("/tickets/{number}", web::get().to(tickets::show))
        .route("/tickets/{number}/take", web::post().to(tickets::take))
        .route("/tickets/{number}/comments", web::post().to(tickets::comment))
        .route("/tickets/{number}/act/{action}", web::post().to(tickets::act))
        .route("/tickets/{number}/reassign", web::post().to(tickets::reassign))
        .route("/tickets/{number}/classify", web::post().to(tickets::classify))
        .route("/tickets/{number}/correct", web::post().to(tickets::correct))
        .route("/tickets/{number}/survey", web::post().to(tickets::survey))
        .route("/tickets/{number}/merge", web::post().to(duplicates::merge))
        .route("/tickets/{number}/edit", web::get().to(tickets::edit_form))
        .route("/tickets/{number}/edit", web::post().to(tickets::edit))
        .route("/tickets/{number}/attachments", web::post().to(attachments::upload))
        .route("/attachments/{id}", web::get().to(attachments::serve))
        .route("/queue", web::get().to(queue::index))
        .route("/settings", web::get().to(settings_index::index))
        .route("/staff", web::get().to(staff::index))
        .route("/staff", web::post().to(staff::create))
        .route("/staff/{id}/availability", web::post().to(staff::set_availability))
        .route("/accounts/{id}/access", web::post().to(staff::set_access))
        .route("/settings/assignment", web::get().to(settings::show))
        .route("/settings/assignment", web::post().to(settings::update))
        .route("/settings/products", web::get().to(catalogue::index))
        .route("/settings/products", web::post().to(catalogue::create))
        .route("/settings/products/{id}/edit", web::get().to(catalogue::edit_form))
        .route("/settings/products/{id}/edit", web::post().to(catalogue::update))
        .route("/portal/products/models", web::get().to(catalogue::model_options))
        .route("/settings/keywords", web::get().to(keyword_rules::index))
        .route("/settings/keywords", web::post().to(keyword_rules::create))
        .route("/settings/keywords/{id}/edit", web::get().to(keyword_rules::edit_form))
        .route("/settings/keywords/{id}/edit", web::post().to(keyword_rules::update))
        .route("/settings/keywords/{id}/delete", web::post().to(keyword_rules::delete))
        .route("/portal/tickets/suggest", web::get().to(keyword_rules::suggest))
        .route("/intake", web::get().to(intake::show))
        .route("/intake", web::post().to(intake::file))
        .route("/settings/ticket-templates", web::get().to(ticket_templates::index))
        .route("/settings/ticket-templates", web::post().to(ticket_templates::create))
        .route("/settings/ticket-templates/{id}", web::get().to(ticket_templates::edit_form))
        .route("/settings/ticket-templates/{id}", web::post().to(ticket_templates::update))
        .route("/settings/ticket-templates/{id}/delete", web::post().to(ticket_templates::delete))
        .route("/settings/reply-macros", web::get().to(reply_macros::index))
        .route("/settings/reply-macros", web::post().to(reply_macros::create))
        .route("/settings/reply-macros/{id}", web::get().to(reply_macros::edit_form))
        .route("/settings/reply-macros/{id}", web::post().to(reply_macros::update))
        .route("/settings/reply-macros/{id}/delete", web::post().to(reply_macros::delete))
        .route("/tickets/{number}/macros/{id}", web::get().to(reply_macros::insert))
        .route("/settings/causes", web::get().to(causes::index))
        .route("/settings/causes", web::post().to(causes::create))
        .route("/settings/causes/{code}", web::get().to(causes::edit_form))
        .route("/settings/causes/{code}", web::post().to(causes::rename))
        .route("/settings/causes/{code}/delete", web::post().to(causes::delete))
        // Compensation on a ticket (follow-ups go through the new-ticket form).
        .route("/tickets/{number}/compensations", web::post().to(compensation::record))
        .route("/tickets/{number}/compensations/{id}/returned", web::post().to(compensation::returned))
        // Withdrawal approvals (审批), notifications (通知) and the navigation's counts.
        .route("/approvals", web::get().to(approvals::index))
        .route("/approvals/{request}/{step}", web::post().to(approvals::decide))
        .route("/notifications", web::get().to(notifications::index))
        .route("/notifications/read-all", web::post().to(notifications::read_all))
        .route("/notifications/{id}/read", web::post().to(notifications::mark_read))
        .route("/nav/badges", web::get().to(badges::badges))
        // Withdrawal (撤单) on the ticket page: the dialog, the request's steps, the 回访 answer.
        // The feedback route comes before `{step}`, which it would otherwise match.
        .route("/tickets/{number}/withdraw", web::get().to(withdrawal::show))
        .route("/tickets/{number}/withdraw", web::post().to(withdrawal::withdraw))
        .route("/tickets/{number}/withdrawal/feedback", web::post().to(withdrawal::feedback))
        .route("/tickets/{number}/withdrawal/{step}", web::post().to(withdrawal::step))
        // My settings (我的设置): each person's own email choice and message language.
        .route("/account", web::get().to(account::show))
        .route("/account", web::post().to(account::save))
        .route("/account/sign-out-everywhere", web::post().to(account::sign_out_everywhere))
        // SLA (服务时限): the policies and the business calendar they count in.
        .route("/settings/sla", web::get().to(sla_policies::index))
        .route("/settings/sla", web::post().to(sla_policies::create))
        .route("/settings/sla/{id}", web::get().to(sla_policies::edit_form))
        .route("/settings/sla/{id}", web::post().to(sla_policies::update))
        .route("/settings/sla/{id}/delete", web::post().to(sla_policies::delete))
        .route("/settings/calendar", web::get().to(business_calendar::show))
        .route("/settings/calendar/hours", web::post().to(business_calendar::save_hours))
        .route("/settings/calendar/days", web::post().to(business_calendar::add_day))
        .route("/settings/calendar/days/{day}/delete", web::post().to(business_calendar::delete_day))
        // Exports of the ticket list (supervisors): the request from the queue, its progress page, the file.
        .route("/exports", web::post().to(exports::start))
        .route("/exports/{id}", web::get().to(exports::show))
        .route("/exports/{id}/download", web::get().to(exports::download));
    // Supervisor analytics (数据分析): the dashboard.
    cfg.route("/analytics", web::get().to(analytics::index))
        .route("/analytics/export", web::get().to(analytics::download));
    // The benchmark's floor (issue 7): only in the bench build, never in the product.
    #[cfg(feature = "bench")]
    cfg.route("/bench/floor", web::get().to(bench_floor::floor));
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
