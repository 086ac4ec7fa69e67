//! Turns every error response into something a person can read, in their
//! language: a page for a normal request, a message fragment for htmx, a
//! redirect to the sign-in page when the session is missing.

use super::context::{Page, urlencode};
use super::{is_htmx, templates};
use crate::error::ErrorMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Errors from inner middleware arrive as responses too (see `csrf`), so only
    // responses need handling here. The request is not cloned before routing:
    // actix needs to own it alone until then.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let key = res.response().extensions().get::<ErrorMessage>().map(|m| m.0);
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    // A page that shows its own problem (a form with field messages) stays as it is.
    if key.is_none() && is_html {
        return Ok(res);
    }
    let (request, res) = res.into_parts();
    // Probes answer machines, in JSON, whatever their status.
    if super::health::PROBES.contains(&request.path()) {
        return Ok(ServiceResponse::new(request, res));
    }
    let key = key.unwrap_or_else(|| key_for_status(status));
    // A 416's `Content-Range: bytes */size` tells the client the file's size; the page keeps it.
    let content_range = res.headers().get(header::CONTENT_RANGE).cloned();
    let mut response =
        if status == StatusCode::UNAUTHORIZED { sign_in_redirect(&request) } else { error_page(&request, status, key) };
    if let Some(value) = content_range {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    Ok(ServiceResponse::new(request, response))
}

fn key_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "error-unauthenticated",
        403 => "error-forbidden",
        404 => "error-not-found",
        405 => "error-method",
        408 => "error-timeout",
        413 => "error-too-large",
        415 => "error-bad-request",
        429 => "error-too-many-attempts",
        400..=499 => "error-bad-request",
        503 => "error-unavailable",
        _ => "error-internal",
    }
}

fn sign_in_redirect(request: &HttpRequest) -> HttpResponse {
    let here = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let location = format!("/login?next={}", urlencode(here));
    if is_htmx(request) {
        HttpResponse::Ok().insert_header(("HX-Redirect", location)).finish()
    } else {
        HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
    }
}

fn error_page(request: &HttpRequest, status: StatusCode, key: &'static str) -> HttpResponse {
    page_for(&Page::from_request(request), is_htmx(request), status, key)
}

/// Seconds a client is asked to wait before trying again after a 503 (the database or another dependency is away;
/// the pool and the request deadline answer within seconds, so a retry soon is sensible).
pub const RETRY_AFTER_SECS: u32 = 5;

/// The error page (or the htmx fragment) saying `key` in `page`'s language. Only the message is shown, never the
/// cause (that goes to the log). A 503 carries `Retry-After`.
pub(super) fn page_for(page: &Page, htmx: bool, status: StatusCode, key: &'static str) -> HttpResponse {
    let message = page.t(key);
    let mut builder = HttpResponse::build(status);
    builder.content_type("text/html; charset=utf-8").insert_header((header::VARY, "HX-Request"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        builder.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
    }
    let body = if htmx {
        // Errors from small actions appear in the flash area, never as a blank swap.
        builder.insert_header(("HX-Retarget", "#flash")).insert_header(("HX-Reswap", "innerHTML"));
        templates::ErrorPartial { message: &message }.render()
    } else {
        templates::ErrorPage { page, status: status.as_u16(), message: &message }.render()
    };
    // Rendering a fixed template cannot reasonably fail; if it does, say it plainly.
    builder.body(body.unwrap_or(message))
}
