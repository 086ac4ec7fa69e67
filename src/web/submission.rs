//! Idempotent submissions. A state-changing form carries a one-time key in its `submission` field (rendered by
//! `Page::submission_key`; an upload form puts it in its URL, as it does the CSRF token). The first request with a
//! key claims it (a unique row), does its work and records its result (status and where it sent the browser); a repeat
//! of the key — a double click, a retry after a lost answer, twenty at the same instant — waits for the first to
//! finish and gets the same answer (the same ticket page) without doing the work again. A request without a key
//! (an old page, a script) is served as before, without this protection.
//!
//! The result is recorded just after the handler's own transaction commits, not inside it: should the database go
//! away between the two, the key stays claimed without a result and its repeats are refused (409) rather than served
//! twice. A refused or invalid first attempt (4xx/5xx) frees its key, so the corrected form can be sent again.

use super::session::current_user;
use super::{is_htmx, local_path, see_other};
use crate::error::AppError;
use crate::startup::AppState;
use crate::store::submissions::{self, Claim};
use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use std::time::Duration;

pub const FIELD: &str = "submission";
/// How long a repeat waits for the first request to finish before it is refused.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(40);

/// A fresh key for one form.
pub fn new_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn well_formed(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn dedupe<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let key = match (req.method(), state) {
        (&Method::POST, Some(state)) => super::csrf::form_field(&mut req, FIELD).await?.map(|k| (k, state)),
        _ => None,
    };
    let Some((key, state)) = key else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    if !well_formed(&key) {
        return Ok(req.error_response(AppError::BadRequest("error-submission-key")).map_into_right_body());
    }
    let user = current_user(&req.get_session()).map(|u| u.id);
    let route = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    match claim_or_wait(&state, &key, user, &route).await {
        Ok(None) => {}
        Ok(Some(first)) => {
            let res = replay(&req, &first, user.map(|u| u.0), &route);
            return Ok(req.into_response(res).map_into_right_body());
        }
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    }
    let res = next.call(req).await;
    let done = res.as_ref().ok().filter(|r| r.status().is_success() || r.status().is_redirection());
    let mut conn = state.pool.get().await.map_err(AppError::from)?;
    match done {
        Some(r) => {
            let location = [header::LOCATION.as_str(), "hx-redirect"]
                .into_iter()
                .find_map(|h| r.headers().get(h).and_then(|v| v.to_str().ok()))
                .map(str::to_owned);
            submissions::finish(&mut conn, &key, r.status().as_u16(), location.as_deref())
                .await
                .map_err(AppError::from)?
        }
        None => submissions::release(&mut conn, &key).await.map_err(AppError::from)?,
    }
    res.map(ServiceResponse::map_into_left_body)
}

/// Claims the key (`None`: this request does the work) or waits for the first request's result.
async fn claim_or_wait(
    state: &AppState,
    key: &str,
    user: Option<crate::domain::UserId>,
    route: &str,
) -> Result<Option<Claim>, AppError> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut conn = state.pool.get().await?;
        if submissions::claim(&mut conn, key, user, route).await? {
            return Ok(None);
        }
        match submissions::find(&mut conn, key).await? {
            Some(first) if first.status.is_some() => return Ok(Some(first)),
            // A claim of someone else's, or for another form, is never answered from.
            Some(first) if first.user_id != user.map(|u| u.0) || first.route != route => {
                return Ok(Some(first));
            }
            // Still under way (or freed just now: then the next round claims it).
            _ => {}
        }
        drop(conn);
        if tokio::time::Instant::now() >= deadline {
            return Err(AppError::Conflict("error-submission-pending"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The first request's answer, again: its redirect, or for htmx a reload of the page, which shows the result.
fn replay(req: &ServiceRequest, first: &Claim, user: Option<i64>, route: &str) -> HttpResponse {
    if first.user_id != user || first.route != route {
        return actix_web::ResponseError::error_response(&AppError::Conflict("error-submission-reused"));
    }
    if is_htmx(req.request()) {
        let mut res = HttpResponse::Ok();
        return match &first.location {
            Some(to) => res.insert_header(("HX-Redirect", to.as_str())).finish(),
            None => res.insert_header(("HX-Refresh", "true")).finish(),
        };
    }
    if let Some(to) = &first.location {
        let status = first.status.and_then(|s| StatusCode::from_u16(s as u16).ok()).filter(StatusCode::is_redirection);
        return HttpResponse::build(status.unwrap_or(StatusCode::SEE_OTHER))
            .insert_header((header::LOCATION, to.as_str()))
            .finish();
    }
    let back = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(referer_path);
    see_other(&back.unwrap_or_else(|| "/".to_owned()))
}

/// The path of a referring page on this site.
fn referer_path(referer: &str) -> Option<String> {
    let uri: actix_web::http::Uri = referer.parse().ok()?;
    local_path(uri.path_and_query().map(|p| p.as_str())).map(str::to_owned)
}
