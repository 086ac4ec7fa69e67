//! 我的设置 (`/account`): each signed-in person's own choices about messages —
//! email or not, and the language of their messages. Only ever the signed-in
//! person's: the form names nobody, the handler edits the session's person.

use super::auth::remember_lang;
use super::context::{Choice, Page};
use super::session::SignedIn;
use super::{render_status, see_other};
use crate::domain::validate::{BAD_CHOICE, FieldErrors};
use crate::error::AppResult;
use crate::i18n::{Arg, Lang};
use crate::services::accounts;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    page: Page,
    /// Where emails go, or that there is no address.
    email_help: String,
    email_on: bool,
    languages: Vec<Choice>,
    saved: bool,
    errors: FieldErrors,
}

impl AccountPage {
    fn new(page: Page, email: Option<String>, email_on: bool, language: &str, errors: FieldErrors) -> Self {
        let languages = Lang::ALL
            .iter()
            .map(|l| Choice {
                code: l.code().to_owned(),
                label: page.t(&format!("account-lang-{}", l.code())),
                selected: l.code() == language,
            })
            .collect();
        let email_help = match email {
            Some(address) => page.t_args("account-email-to", &[("email", Arg::from(address))]),
            None => page.t("account-no-email"),
        };
        AccountPage { page, email_help, email_on, languages, saved: false, errors }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedParam {
    saved: Option<String>,
}

pub async fn show(
    SignedIn(me): SignedIn,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<SavedParam>,
) -> AppResult<HttpResponse> {
    let mine = accounts::preferences(&state.pool, &me).await?;
    let mut view = AccountPage::new(page, mine.email, mine.email_notifications, &mine.language, FieldErrors::default());
    view.saved = query.saved.is_some();
    render_status(StatusCode::OK, &view)
}

/// The form: an unticked checkbox sends nothing, so email is off unless it is there.
#[derive(Debug, Default, Deserialize)]
pub struct PreferencesInput {
    #[serde(default)]
    email_notifications: Option<String>,
    #[serde(default)]
    language: String,
}

pub async fn save(
    SignedIn(me): SignedIn,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<PreferencesInput>,
) -> AppResult<HttpResponse> {
    let email_on = form.email_notifications.is_some();
    // Only the two languages by their exact codes (the select offers nothing else).
    let Some(lang) = Lang::ALL.into_iter().find(|l| l.code() == form.language.trim()) else {
        let mine = accounts::preferences(&state.pool, &me).await?;
        let mut errors = FieldErrors::default();
        errors.add("language", BAD_CHOICE);
        let view = AccountPage::new(page, mine.email, email_on, &form.language, errors);
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    accounts::save_preferences(&state.pool, &me, email_on, lang).await?;
    // The pages follow the language chosen for messages.
    let mut res = see_other("/account?saved=1");
    remember_lang(&mut res, lang)?;
    Ok(res)
}

/// "Sign out everywhere": every session of this person ends, this one and any copy of any cookie.
pub async fn sign_out_everywhere(
    SignedIn(me): SignedIn,
    state: web::Data<AppState>,
    session: actix_session::Session,
) -> AppResult<HttpResponse> {
    accounts::sign_out_everywhere(&state, &me).await?;
    session.purge();
    Ok(see_other("/login"))
}
