//! A deadline for every request's handler: a database that stops answering (frozen, or a network that drops
//! packets without closing the connection) would otherwise hold a request for as long as it stays stuck, since a
//! query already sent has no client-side limit. Past the deadline the handler is dropped (its connection's query
//! with it) and the person gets the readable 503 page with `Retry-After`.
//!
//! The request itself is moved into the handler, so the page is prepared from what is known before: the language
//! (cookie or `Accept-Language`), whether it is htmx, the path. The 503 leaves this middleware as an error whose
//! response is that page, which the server sends as it is; the security headers are added here for that reason.

use super::context::{Page, request_lang};
use super::{errors, is_htmx};
use crate::startup::{AppState, SECURITY_HEADERS};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::Duration;

/// The limit of the current instance, as app data.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub Duration);

/// Uploads stream their body inside the handler, over the client's link: they get this many times the limit.
const UPLOAD_FACTOR: u32 = 6;

pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(Deadline(mut limit)) = req.app_data::<web::Data<Deadline>>().map(|d| *d.get_ref()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let upload = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/"));
    if upload {
        limit *= UPLOAD_FACTOR;
    }
    let http = req.request();
    let lang = request_lang(http);
    let htmx = is_htmx(http);
    let here = http.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let tz = http.app_data::<web::Data<AppState>>().map(|s| s.tz).unwrap_or(chrono_tz::Asia::Shanghai);
    let path = http.path().to_owned();
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(res) => res.map(ServiceResponse::map_into_boxed_body),
        Err(_) => {
            tracing::error!(%path, limit_ms = limit.as_millis() as u64, "request past its deadline; answered 503");
            let page = Page { lang, user: None, csrf: String::new(), here, tz };
            let mut res = errors::page_for(&page, htmx, StatusCode::SERVICE_UNAVAILABLE, "error-unavailable");
            for (name, value) in SECURITY_HEADERS {
                res.headers_mut()
                    .insert(header::HeaderName::from_static(name), header::HeaderValue::from_static(value));
            }
            Err(actix_web::error::InternalError::from_response("request deadline", res).into())
        }
    }
}
