//! `/settings`: one page that leads supervisors to every settings page, so the
//! top bar stays short.

use super::context::Page;
use super::render;
use super::session::Supervisor;
use crate::error::AppResult;
use actix_web::HttpResponse;
use askama::Template;

#[derive(Template)]
#[template(path = "settings_index.html")]
struct SettingsIndex {
    page: Page,
}

impl SettingsIndex {
    /// (link, title key, help key) of each settings page.
    fn sections(&self) -> [(&'static str, &'static str, &'static str); 8] {
        [
            ("/settings/assignment", "nav-assignment", "settings-help-assignment"),
            ("/settings/causes", "nav-causes", "settings-help-causes"),
            ("/settings/products", "nav-products", "settings-help-products"),
            ("/settings/keywords", "nav-keywords", "settings-help-keywords"),
            ("/settings/ticket-templates", "nav-ticket-templates", "settings-help-ticket-templates"),
            ("/settings/reply-macros", "nav-reply-macros", "settings-help-reply-macros"),
            ("/settings/sla", "nav-sla", "settings-help-sla"),
            ("/settings/calendar", "nav-calendar", "settings-help-calendar"),
        ]
    }
}

pub async fn index(_: Supervisor, page: Page) -> AppResult<HttpResponse> {
    render(&SettingsIndex { page })
}
