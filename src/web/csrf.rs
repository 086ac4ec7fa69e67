//! CSRF protection for every state-changing request: the session's token must
//! come back in the `X-CSRF-Token` header (htmx sends it on every request) or
//! in the `csrf_token` field of a form (of a file upload form: in its URL).

use super::session::expected_csrf;
use crate::error::AppError;
use crate::startup::AppState;
use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";

pub async fn check<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    // A second line behind the token: a browser says when a request comes from another site's page.
    let public_url = req.app_data::<actix_web::web::Data<AppState>>().map(|s| s.public_url.clone()).unwrap_or_default();
    if !super::origin::is_same_site(req.request(), &public_url) {
        return Ok(req.error_response(AppError::Csrf).map_into_right_body());
    }
    let expected = expected_csrf(&req.get_session());
    let mut given = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if given.is_none() {
        given = form_field(&mut req, FIELD).await?;
    }
    match (given, expected) {
        (Some(given), Some(expected)) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => {
            next.call(req).await.map(ServiceResponse::map_into_left_body)
        }
        // A response, not an Err, so the error-page middleware can render it.
        _ => Ok(req.error_response(AppError::Csrf).map_into_right_body()),
    }
}

/// The body of a urlencoded form, read and put back for the handler; `None` for other bodies.
pub async fn form_body(req: &mut ServiceRequest) -> Result<Option<Bytes>, actix_web::Error> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(None);
    }
    let body = req.extract::<Bytes>().await?;
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body.clone());
    req.set_payload(payload.into());
    Ok(Some(body))
}

/// The field `name` of a form: from the body of a urlencoded form (which is read, then put back for the handler), or
/// from the URL of a file upload (whose body may be large and is streamed to the handler, so it is not read here).
pub async fn form_field(req: &mut ServiceRequest, name: &str) -> Result<Option<String>, actix_web::Error> {
    let find = |fields: Vec<(String, String)>| fields.into_iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if let Some(body) = form_body(req).await? {
        return Ok(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).ok().and_then(find));
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        return Ok(serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).ok().and_then(find));
    }
    Ok(None)
}
