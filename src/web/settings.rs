//! Supervisor settings: the assignment rule (`/settings/assignment`), and how
//! assignment events read in a ticket's progress log.

use super::context::Page;
use super::session::Supervisor;
use super::{render_status, see_other};
use crate::domain::assignment::Rule;
use crate::domain::validate::{BAD_CHOICE, FieldErrors, REQUIRED};
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::services::assignment as assignment_service;
use crate::startup::AppState;
use crate::store::assignment::{self as store, RuleChange};
use crate::store::events::{EventView, kind};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// How many rule changes the page lists.
const CHANGES_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "settings/assignment.html")]
struct AssignmentPage {
    page: Page,
    /// The rule as the form has it (the stored one, or what was sent).
    selected: String,
    active: Rule,
    saved: bool,
    changes: Vec<RuleChange>,
    errors: FieldErrors,
}

/// One option of the rule form.
struct RuleOption {
    code: &'static str,
    label: String,
    help: String,
    checked: bool,
}

impl AssignmentPage {
    fn options(&self) -> Vec<RuleOption> {
        Rule::ALL
            .iter()
            .map(|r| RuleOption {
                code: r.code(),
                label: self.page.label(*r),
                help: self.page.t(&format!("{}-help", r.label_key())),
                checked: r.code() == self.selected,
            })
            .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedParam {
    saved: Option<String>,
}

async fn assignment_page(
    state: &AppState,
    page: Page,
    selected: Option<String>,
    saved: bool,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let active = store::settings(&mut conn, false).await?.rule;
    let changes = store::recent_changes(&mut conn, CHANGES_SHOWN).await?;
    let selected = selected.unwrap_or_else(|| active.code().to_owned());
    render_status(status, &AssignmentPage { page, selected, active, saved, changes, errors })
}

pub async fn show(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<SavedParam>,
) -> AppResult<HttpResponse> {
    let saved = query.saved.is_some();
    assignment_page(&state, page, None, saved, FieldErrors::default(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RuleInput {
    #[serde(default)]
    rule: String,
}

pub async fn update(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<RuleInput>,
) -> AppResult<HttpResponse> {
    let code = form.rule.trim();
    let rule = match Rule::parse(code) {
        Ok(rule) => rule,
        Err(_) => {
            let mut errors = FieldErrors::default();
            errors.add("rule", if code.is_empty() { REQUIRED } else { BAD_CHOICE });
            let selected = Some(form.rule.clone());
            return assignment_page(&state, page, selected, false, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut conn = state.pool.get().await?;
    assignment_service::set_rule(&mut conn, &me, rule).await?;
    Ok(see_other("/settings/assignment?saved=1"))
}

/// Assignment events explain themselves in the progress log: which rule gave
/// the ticket to whom, or whom it moved from and why.
impl EventView {
    pub fn assignment_note(&self, page: &Page) -> Option<String> {
        let data = &self.event.data;
        let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let name = text("assignee_name")?;
        let rule = text("rule").and_then(|code| Rule::parse(&code).ok()).map(|r| page.label(r)).unwrap_or_default();
        let fallback = data.get("fallback").and_then(|v| v.as_bool()).unwrap_or(false);
        let args = |from: Option<String>| {
            let mut args = vec![("name", Arg::from(name.clone())), ("rule", Arg::from(rule.clone()))];
            if let Some(from) = from {
                args.push(("from", Arg::from(from)));
            }
            args
        };
        match self.event.kind.as_str() {
            kind::AUTO_ASSIGNED if fallback => Some(page.t_args("assign-note-auto-fallback", &args(None))),
            kind::AUTO_ASSIGNED => Some(page.t_args("assign-note-auto", &args(None))),
            kind::REASSIGNED if text("reason").as_deref() == Some(assignment_service::REASON_UNAVAILABLE) => Some(
                page.t_args("assign-note-unavailable", &args(Some(text("from_assignee_name").unwrap_or_default()))),
            ),
            _ => None,
        }
    }
}
