//! Signing in and out, customer registration, the language switch.

use super::context::{LANG_COOKIE, Page};
use super::session::{sign_in, sign_out};
use super::{local_path, render, render_status, see_other};
use crate::domain::account_form::AccountInput;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::{SessionUser, accounts};
use crate::startup::AppState;
use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    page: Page,
    login: &'a str,
    next: &'a str,
    errors: FieldErrors,
    notice: Option<String>,
}

pub async fn login_form(page: Page, query: web::Query<NextParam>) -> AppResult<HttpResponse> {
    let next = local_path(query.next.as_deref()).unwrap_or_default();
    render(&LoginPage { page, login: "", next, errors: FieldErrors::default(), notice: None })
}

pub async fn login(
    page: Page,
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    form: web::Form<LoginInput>,
) -> AppResult<HttpResponse> {
    let address = super::client::address(&req, &state.trusted_proxies).map(|ip| ip.to_string()).unwrap_or_default();
    let next = local_path(form.next.as_deref()).unwrap_or_default();
    let device = req.cookie(DEVICE_COOKIE);
    let credentials = accounts::Credentials {
        login: &form.login,
        password: &form.password,
        address: &address,
        device_token: device.as_ref().map(|c| c.value()).filter(|t| is_device_token(t)),
    };
    match accounts::authenticate(&state.pool, credentials).await {
        Ok(signed_in) => {
            let user = SessionUser::from(&signed_in.user);
            sign_in(&state, &session, &user).await?;
            let home = if user.is_staff() { "/queue" } else { "/portal" };
            let mut res = see_other(if next.is_empty() { home } else { next });
            remember_device(&mut res, &signed_in.device_token, state.secure_cookies)?;
            Ok(res)
        }
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage { page, login: &form.login, next, errors, notice: None },
        ),
        Err(AppError::TooManyAttempts { wait_seconds }) => {
            let notice = Some(page.t_args("error-sign-in-wait", &[("seconds", wait_seconds.into())]));
            let mut res = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage { page, login: &form.login, next, errors: FieldErrors::default(), notice },
            )?;
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait_seconds));
            Ok(res)
        }
        Err(other) => Err(other),
    }
}

pub async fn logout(state: web::Data<AppState>, session: Session) -> AppResult<HttpResponse> {
    sign_out(&state, &session).await?;
    Ok(see_other("/login"))
}

#[derive(Template)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    page: Page,
    form: AccountInput,
    errors: FieldErrors,
}

pub async fn register_form(page: Page) -> AppResult<HttpResponse> {
    render(&RegisterPage { page, form: AccountInput::default(), errors: FieldErrors::default() })
}

pub async fn register(
    page: Page,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<AccountInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let created = match form.parse_customer() {
        Ok(draft) => accounts::create(&state.pool, draft).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match created {
        Ok(user) => {
            sign_in(&state, &session, &SessionUser::from(&user)).await?;
            Ok(see_other("/portal"))
        }
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { page, form, errors })
        }
        Err(other) => Err(other),
    }
}

/// The cookie naming this browser as a known device of the accounts that signed in from it (see `domain::sign_in`).
pub const DEVICE_COOKIE: &str = "aftersales_device";

/// Only a token this app could have made is looked up.
fn is_device_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Keeps the known-device token for half a year.
fn remember_device(res: &mut HttpResponse, token: &str, secure: bool) -> AppResult<()> {
    let cookie = Cookie::build(DEVICE_COOKIE, token)
        .path("/login")
        .max_age(Duration::days(180))
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(secure)
        .finish();
    res.add_cookie(&cookie).map_err(AppError::internal)
}

/// Remembers the chosen language for a year and returns to the page. A
/// signed-in person's messages (emails) switch to it too.
pub async fn switch_lang(
    code: web::Path<String>,
    query: web::Query<NextParam>,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    if let Some(me) = super::session::current_user(&session) {
        accounts::set_language(&state.pool, &me, lang).await?;
    }
    let mut res = see_other(local_path(query.next.as_deref()).unwrap_or("/"));
    remember_lang(&mut res, lang)?;
    Ok(res)
}

/// Sets the language cookie (a year) on `res`.
pub fn remember_lang(res: &mut HttpResponse, lang: Lang) -> AppResult<()> {
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    res.add_cookie(&cookie).map_err(AppError::internal)
}
