//! `Page`: what every full page needs — language, signed-in person, CSRF token,
//! time zone — extracted once per request and handed to the template.

use super::session::{csrf_token, current_user};
use crate::domain::text_enum::Labelled;
use crate::domain::validate::FieldErrors;
use crate::i18n::{Arg, Lang};
use crate::services::SessionUser;
use crate::startup::AppState;
use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::future::{Ready, ready};

/// One option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<SessionUser>,
    pub csrf: String,
    /// Path and query of this page, for the language switch to come back to.
    pub here: String,
    pub tz: Tz,
}

/// The reader's language: the remembered switch, else the browser's preference.
pub fn request_lang(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::negotiate)
        })
        .unwrap_or_default()
}

impl Page {
    pub fn from_request(req: &HttpRequest) -> Page {
        let session = req.get_session();
        let tz = req.app_data::<web::Data<AppState>>().map(|s| s.tz).unwrap_or(chrono_tz::Asia::Shanghai);
        Page {
            lang: request_lang(req),
            user: current_user(&session),
            csrf: csrf_token(&session),
            here: req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
            tz,
        }
    }

    /// A fresh one-time key for a state-changing form (`web::submission`): a repeat of the form gets the first answer.
    pub fn submission_key(&self) -> String {
        super::submission::new_key()
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t_args(&self, key: &str, args: &[(&'static str, Arg<'static>)]) -> String {
        self.lang.t_args(key, args)
    }

    /// The message for `field`, if the form had a problem there.
    pub fn field_error(&self, errors: &FieldErrors, field: &str) -> Option<String> {
        errors.get(field).map(|e| match e.max {
            Some(max) => self.t_args(e.key, &[("max", Arg::from(max))]),
            None => self.t(e.key),
        })
    }

    /// A moment in the service's zone, e.g. `2026-11-23 14:05`.
    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string()
    }

    pub fn date(&self, day: &NaiveDate) -> String {
        day.format("%Y-%m-%d").to_string()
    }

    /// The person-readable name of a domain value.
    pub fn label(&self, value: impl Labelled) -> String {
        self.t(value.label_key())
    }

    /// Options for a `<select>` of `all`, with `current` (a code) selected.
    pub fn choices<T: Labelled>(&self, all: &[T], current: &str) -> Vec<Choice> {
        all.iter()
            .map(|v| Choice { code: v.code().to_owned(), label: self.label(*v), selected: v.code() == current })
            .collect()
    }

    /// What an event in the log is called (`event-<kind>` in the Fluent files).
    pub fn event_label(&self, kind: &str) -> String {
        self.t(&format!("event-{kind}"))
    }

    /// The field changes an event records, as lines like "紧急程度: 一般 → 紧急".
    pub fn field_changes(&self, data: &serde_json::Value) -> Vec<String> {
        let Some(changes) = data.get("changes").and_then(|c| c.as_array()) else {
            return Vec::new();
        };
        changes
            .iter()
            .filter_map(|c| {
                let field = c.get("field")?.as_str()?;
                let value = |key: &str| {
                    let raw = c.get(key).and_then(|v| v.as_str()).unwrap_or_default();
                    let prefix = match field {
                        "ticket_type" => "type",
                        "urgency" => "urgency",
                        "desired_outcome" => "outcome",
                        _ => return if raw.is_empty() { "—".to_owned() } else { raw.to_owned() },
                    };
                    self.t(&format!("{prefix}-{raw}"))
                };
                let label = self.t(&format!("field-{}", field.replace('_', "-")));
                Some(format!("{label}: {} → {}", value("old"), value("new")))
            })
            .collect()
    }

    /// Staff reply; customers add information.
    pub fn comment_label_key(&self) -> &'static str {
        if self.is_staff() { "field-reply" } else { "field-add-info" }
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(SessionUser::is_staff)
    }

    pub fn is_supervisor(&self) -> bool {
        self.user.as_ref().is_some_and(SessionUser::is_supervisor)
    }

    /// Whether the navigation link to `href` is this page (or a page under it), for `aria-current`. The
    /// portal's list is not the parent of its new-ticket form: each has its own link.
    pub fn is_here(&self, href: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or_default();
        path == href || (href != "/portal" && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
    }

    /// The link that switches to `lang` and comes back here.
    pub fn switch_lang_href(&self, lang: &Lang) -> String {
        format!("/lang/{}?next={}", lang.code(), urlencode(&self.here))
    }

    pub fn other_langs(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| *l != self.lang).collect()
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_owned()).unwrap_or_default()
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = Ready<Result<Page, actix_web::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Page::from_request(req)))
    }
}
