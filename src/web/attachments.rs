//! Attachments over HTTP: the upload form's multipart post (streamed, never
//! held in memory) and serving a file to the people who may see its ticket.

use super::context::Page;
use super::files::{self, StoredFile};
use super::session::SignedIn;
use super::tickets::OnTicket;
use super::{is_htmx, templates};
use crate::domain::ids::AttachmentId;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::services::SessionUser;
use crate::services::attachments::{self as service, Incoming, Received, UploadError, UploadLimits};
use crate::startup::AppState;
use crate::storage::{Storage, attachment_key};
use actix_multipart::{Field, Multipart};
use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::http::{StatusCode, header::HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::TryStreamExt;
use std::time::Duration;

/// The form field of the "staff only" checkbox; every other text field is ignored.
const INTERNAL_FIELD: &str = "internal";
/// Text fields are tiny (a checkbox, a token); anything longer is not our form.
const MAX_TEXT_FIELD: usize = 1024;
/// After a refusal the rest of the request is read and dropped (up to this
/// long), so the browser gets to show the message instead of a reset connection.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// `POST /tickets/{number}/attachments`: one or more files from the upload form.
pub async fn upload(
    SignedIn(me): SignedIn,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let mut payload = Parts { stream: payload, finished: false };
    let limits = state.upload_limits;
    let files = &state.storage;
    let mut received = Vec::new();
    let outcome = match receive(&state, files, &number, &me, &mut payload, &mut received).await {
        Ok(internal) => {
            let mut conn = state.pool.get().await?;
            let files_taken = std::mem::take(&mut received);
            service::record(&mut conn, files, &number, &me, files_taken, internal, limits).await.map(drop)
        }
        Err(e) => Err(e),
    };
    for file in received {
        file.discard().await;
    }
    match outcome {
        Ok(()) => OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number }.after_change().await,
        Err(refusal) => {
            // A broken body is not read further (the stream may not be polled after an error).
            if !matches!(refusal, UploadError::BadForm) {
                let budget = limits.max_file_bytes.saturating_mul(2);
                // Whatever happens while draining, the refusal is the answer.
                let _ = tokio::time::timeout(DRAIN_TIME, drain(&mut payload, budget)).await;
            }
            match refusal {
                UploadError::App(e) => Err(e),
                other => refused(&req, &page, &number, &other, limits),
            }
        }
    }
}

/// The form's parts, read once: the multipart stream must not be polled again
/// after it ended or failed (it panics), so the refusal path can drain safely.
struct Parts {
    stream: Multipart,
    finished: bool,
}

impl Parts {
    async fn next(&mut self) -> Result<Option<Field>, UploadError> {
        if self.finished {
            return Ok(None);
        }
        match self.stream.try_next().await {
            Ok(Some(field)) => Ok(Some(field)),
            Ok(None) => {
                self.finished = true;
                Ok(None)
            }
            Err(_) => {
                self.finished = true;
                Err(UploadError::BadForm)
            }
        }
    }
}

/// Streams the form's files into temporary files (`received`), checking the
/// permission before the first byte is kept and each limit as bytes arrive.
/// Returns whether the files are for staff only.
async fn receive(
    state: &AppState,
    files: &Storage,
    number: &str,
    me: &SessionUser,
    payload: &mut Parts,
    received: &mut Vec<Received>,
) -> Result<bool, UploadError> {
    let limits = state.upload_limits;
    let mut internal = false;
    // How many more files fit; asked once, when the first file arrives (the
    // checkbox comes before the file input in the form).
    let mut left: Option<u32> = None;
    while let Some(mut field) = payload.next().await? {
        let file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let Some(file_name) = file_name else {
            let value = read_text(&mut field).await?;
            if field.name() == Some(INTERNAL_FIELD) {
                internal = !value.is_empty();
            }
            continue;
        };
        let left = match left {
            Some(n) => n,
            None => {
                let mut conn = state.pool.get().await.map_err(AppError::from)?;
                let n = service::may_upload(&mut conn, number, me, internal, limits).await?;
                *left.insert(n)
            }
        };
        // An empty file input still sends a part, with no name and no bytes.
        if file_name.is_empty() {
            skip(&mut field).await?;
            continue;
        }
        if received.len() >= left as usize {
            return Err(UploadError::TooMany { left });
        }
        let mut incoming = Incoming::start(files, &file_name, limits.max_file_bytes).await?;
        while let Some(chunk) = field.try_next().await.map_err(|_| UploadError::BadForm)? {
            if let Err(e) = incoming.push(&chunk).await {
                incoming.discard().await;
                return Err(e);
            }
        }
        received.push(incoming.finish().await?);
    }
    if received.is_empty() {
        // Say "not yours" or "closed" before "choose a file".
        if left.is_none() {
            let mut conn = state.pool.get().await.map_err(AppError::from)?;
            service::may_upload(&mut conn, number, me, internal, limits).await?;
        }
        return Err(UploadError::NoFile);
    }
    Ok(internal)
}

async fn read_text(field: &mut Field) -> Result<String, UploadError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(|_| UploadError::BadForm)? {
        if value.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(UploadError::BadForm);
        }
        value.extend_from_slice(&chunk);
    }
    if super::text::has_control(&value) {
        return Err(UploadError::BadForm);
    }
    String::from_utf8(value).map_err(|_| UploadError::BadForm)
}

async fn skip(field: &mut Field) -> Result<(), UploadError> {
    while field.try_next().await.map_err(|_| UploadError::BadForm)?.is_some() {}
    Ok(())
}

/// Reads and drops the rest of a refused request, up to `budget` bytes.
async fn drain(payload: &mut Parts, mut budget: u64) {
    while let Ok(Some(mut field)) = payload.next().await {
        loop {
            match field.try_next().await {
                Ok(Some(chunk)) => budget = budget.saturating_sub(chunk.len() as u64),
                Ok(None) => break,
                Err(_) => {
                    // The body is broken: the stream is done for.
                    payload.finished = true;
                    return;
                }
            }
            if budget == 0 {
                return;
            }
        }
    }
}

#[derive(Template)]
#[template(path = "tickets/upload_refused.html")]
struct RefusedPage<'a> {
    page: &'a Page,
    status: u16,
    message: &'a str,
    number: &'a str,
}

/// A refused upload: the message in the flash area for htmx, else a page
/// with the message and the way back to the ticket. Nothing was stored.
fn refused(
    req: &HttpRequest,
    page: &Page,
    number: &str,
    refusal: &UploadError,
    limits: UploadLimits,
) -> AppResult<HttpResponse> {
    let (status, message) = match refusal {
        UploadError::TooLarge { name } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            page.t_args(
                "attachment-too-large",
                &[("name", Arg::from(name.clone())), ("max", Arg::from(limits.max_file_mb()))],
            ),
        ),
        UploadError::TooMany { left } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            page.t_args(
                "attachment-too-many",
                &[("max", Arg::from(limits.max_files_per_ticket)), ("left", Arg::from(*left))],
            ),
        ),
        UploadError::Type { name, refusal } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            page.t_args(refusal.message_key(), &[("name", Arg::from(name.clone()))]),
        ),
        UploadError::NoFile => (StatusCode::UNPROCESSABLE_ENTITY, page.t("attachment-none")),
        UploadError::BadForm => (StatusCode::BAD_REQUEST, page.t("attachment-bad-form")),
        UploadError::Unavailable(why) => {
            tracing::error!(error = %why, "upload refused: the file store is unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, page.t("attachment-store-unavailable"))
        }
        // The database gone away is a 503 like everywhere else; the message never says why.
        UploadError::App(error) => (actix_web::ResponseError::status_code(error), page.t(error.message_key())),
    };
    let mut builder = HttpResponse::build(status);
    builder.content_type("text/html; charset=utf-8").insert_header((header::VARY, "HX-Request"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        builder.insert_header((header::RETRY_AFTER, super::errors::RETRY_AFTER_SECS.to_string()));
    }
    let body = if is_htmx(req) {
        builder.insert_header(("HX-Retarget", "#flash")).insert_header(("HX-Reswap", "innerHTML"));
        templates::ErrorPartial { message: &message }.render()
    } else {
        RefusedPage { page, status: status.as_u16(), message: &message, number }.render()
    };
    Ok(builder.body(body.map_err(AppError::internal)?))
}

#[derive(Debug, serde::Deserialize)]
pub struct FileQuery {
    /// Present: always download, even what a browser could show (a fallback
    /// for browsers that will not show a sandboxed PDF).
    download: Option<String>,
}

/// `GET /attachments/{id}`: the file, to people who may see its ticket.
pub async fn serve(
    SignedIn(me): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FileQuery>,
) -> AppResult<HttpResponse> {
    let id = id.parse::<i64>().map(AttachmentId).map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let attachment = service::open(&mut conn, id, &me).await?;
    drop(conn);
    let inline = attachment.content_type.inline() && query.download.is_none();
    let file = StoredFile {
        key: &attachment_key(&attachment.sha256),
        size: u64::try_from(attachment.size_bytes).unwrap_or(0),
        content_type: attachment.content_type.served_as(),
        disposition: disposition(&attachment.file_name, inline),
    };
    let mut res = files::serve(&req, &state.storage, file).await?;
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Whatever the file holds, it runs nothing and reaches nothing of this site.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    // Kept by this browser only, and asked again each time (access may change).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(res)
}

/// `inline` or `attachment`, with the name both as ASCII and, for names like
/// `发票.pdf`, as UTF-8 (RFC 5987 `filename*`).
pub fn disposition(name: &str, inline: bool) -> ContentDisposition {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !name.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: if inline { DispositionType::Inline } else { DispositionType::Attachment },
        parameters,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_in_the_disposition() {
        let d = super::disposition("发票 1.pdf", true).to_string();
        assert!(d.starts_with("inline; "), "{d}");
        assert!(d.contains("filename=\"__ 1.pdf\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E5%8F%91%E7%A5%A8%201.pdf"), "{d}");
        let d = super::disposition("log.txt", false).to_string();
        assert_eq!(d, "attachment; filename=\"log.txt\"");
    }
}
