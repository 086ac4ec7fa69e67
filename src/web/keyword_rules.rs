//! Keyword rules (`/settings/keywords`, supervisors only) and the suggestion
//! they give while a ticket is filed (`/portal/tickets/suggest`, an htmx fragment).

use super::context::{Choice, Page};
use super::session::{SignedIn, Supervisor};
use super::{render, render_status, see_other};
use crate::domain::ids::KeywordRuleId;
use crate::domain::keywords::{RuleInput, Suggestion};
use crate::domain::validate::FieldErrors;
use crate::domain::{TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::services::catalogue as catalogue_service;
use crate::startup::AppState;
use crate::store::keyword_rules::{self, KeywordRule};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// The priority a new rule's form starts with.
const DEFAULT_PRIORITY: &str = "100";

/// The choices both rule forms offer.
trait RuleForm {
    fn page(&self) -> &Page;
    fn form(&self) -> &RuleInput;

    fn type_choices(&self) -> Vec<Choice> {
        self.page().choices(TicketType::ALL, self.form().ticket_type.trim())
    }
    fn urgency_choices(&self) -> Vec<Choice> {
        self.page().choices(Urgency::ALL, self.form().urgency.trim())
    }
}

super::form_pages!(RuleForm, RuleInput: KeywordsPage, KeywordEditPage);

#[derive(Template)]
#[template(path = "settings/keywords.html")]
struct KeywordsPage {
    page: Page,
    rules: Vec<KeywordRule>,
    form: RuleInput,
    errors: FieldErrors,
    /// The message key after a change, if any.
    done: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings/keyword_edit.html")]
struct KeywordEditPage {
    page: Page,
    id: KeywordRuleId,
    form: RuleInput,
    errors: FieldErrors,
}

impl KeywordsPage {
    /// What deleting the rule does, asked before it is done.
    fn confirm_delete(&self, rule: &KeywordRule) -> String {
        self.page.t_args("kwrule-confirm-delete", &[("keywords", Arg::from(join(self.page.lang, &rule.keywords)))])
    }
}

/// Keywords as a person reads a list of them.
fn join(lang: Lang, keywords: &[String]) -> String {
    keywords.join(match lang {
        Lang::ZhCn => "、",
        Lang::En => ", ",
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

async fn keywords_page(
    state: &AppState,
    page: Page,
    form: RuleInput,
    errors: FieldErrors,
    done: Option<&'static str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let rules = keyword_rules::list(&mut conn).await?;
    render_status(status, &KeywordsPage { page, rules, form, errors, done })
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    let done = match query.done.as_deref() {
        Some("saved") => Some("kwrule-saved"),
        Some("deleted") => Some("kwrule-deleted"),
        _ => None,
    };
    let form = RuleInput { priority: DEFAULT_PRIORITY.into(), ..RuleInput::default() };
    keywords_page(&state, page, form, FieldErrors::default(), done, StatusCode::OK).await
}

pub async fn create(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<RuleInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let draft = match form.parse() {
        Ok(draft) => draft,
        Err(errors) => {
            return keywords_page(&state, page, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut conn = state.pool.get().await?;
    catalogue_service::add_rule(&mut conn, &me, &draft).await?;
    Ok(see_other("/settings/keywords?done=saved"))
}

pub async fn edit_form(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = KeywordRuleId(id.into_inner());
    let mut conn = state.pool.get().await?;
    let rule = keyword_rules::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let form = RuleInput {
        // One a line: the plainest way to read and change them.
        keywords: rule.keywords.join("\n"),
        ticket_type: rule.ticket_type.map(|t| t.code().to_owned()).unwrap_or_default(),
        urgency: rule.urgency.map(|u| u.code().to_owned()).unwrap_or_default(),
        priority: rule.priority.to_string(),
    };
    render(&KeywordEditPage { page, id, form, errors: FieldErrors::default() })
}

pub async fn update(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<RuleInput>,
) -> AppResult<HttpResponse> {
    let id = KeywordRuleId(id.into_inner());
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let draft = match form.parse() {
        Ok(draft) => draft,
        Err(errors) => {
            // A rule deleted meanwhile is "not found", not a form to fix.
            keyword_rules::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &KeywordEditPage { page, id, form, errors });
        }
    };
    catalogue_service::update_rule(&mut conn, &me, id, &draft).await?;
    Ok(see_other("/settings/keywords?done=saved"))
}

pub async fn delete(
    Supervisor(me): Supervisor,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    catalogue_service::delete_rule(&mut conn, &me, KeywordRuleId(id.into_inner())).await?;
    Ok(see_other("/settings/keywords?done=deleted"))
}

/// What the new-ticket form has so far (htmx sends the fields named in `hx-include`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuggestParams {
    title: String,
    description: String,
    /// The choices already made, so an offer that is already taken says so.
    ticket_type: String,
    urgency: String,
}

#[derive(Template)]
#[template(path = "portal/suggestion_partial.html")]
struct SuggestionPartial {
    page: Page,
    suggestion: Option<Suggestion>,
    chosen_type: String,
    chosen_urgency: String,
}

impl SuggestionPartial {
    /// "故障报修 · 紧急": the suggested values.
    fn summary(&self, s: &Suggestion) -> String {
        let mut parts = Vec::new();
        if let Some(t) = s.ticket_type {
            parts.push(self.page.label(t));
        }
        if let Some(u) = s.urgency {
            parts.push(self.page.label(u));
        }
        self.page.t_args("kwrule-suggest", &[("what", Arg::from(parts.join(" · ")))])
    }

    fn why(&self, s: &Suggestion) -> String {
        self.page.t_args("kwrule-suggest-why", &[("keywords", Arg::from(join(self.page.lang, &s.keywords)))])
    }

    /// Every suggested value is already what the form has.
    fn taken(&self, s: &Suggestion) -> bool {
        s.ticket_type.is_none_or(|t| t.code() == self.chosen_type.trim())
            && s.urgency.is_none_or(|u| u.code() == self.chosen_urgency.trim())
    }
}

/// The suggestion for the ticket being filed: an empty fragment when no rule
/// matches. It only offers; the "Use" button (app.js) fills the selects when
/// the person asks for it. Anyone who files tickets may ask: customers, and
/// staff at intake (every signed-in role).
pub async fn suggest(
    _: SignedIn,
    page: Page,
    state: web::Data<AppState>,
    params: web::Query<SuggestParams>,
) -> AppResult<HttpResponse> {
    let SuggestParams { title, description, ticket_type, urgency } = params.into_inner();
    let mut conn = state.pool.get().await?;
    let suggestion = catalogue_service::suggest(&mut conn, &title, &description).await?;
    render(&SuggestionPartial { page, suggestion, chosen_type: ticket_type, chosen_urgency: urgency })
}
