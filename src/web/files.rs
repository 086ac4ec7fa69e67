//! Serving a file from the store (attachments, exports): the whole file or the one byte range asked for (video
//! players and resumed downloads ask for ranges), streamed in pieces, never held whole in memory.

use crate::error::{AppError, AppResult};
use crate::storage::{Key, Storage};
use actix_files::HttpRange;
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// What is served: the key, its size (from its row, or asked of the store) and how it is labelled.
pub struct StoredFile<'a> {
    pub key: &'a Key,
    pub size: u64,
    pub content_type: &'a str,
    pub disposition: ContentDisposition,
}

/// The file as the response: 200 with all of it, 206 with the range asked for, 416 for a range outside it. A
/// missing file is "not found", a store that is down 503. The caller adds its own headers (caching, sandbox).
pub async fn serve(req: &HttpRequest, storage: &Storage, file: StoredFile<'_>) -> AppResult<HttpResponse> {
    let asked = req.headers().get(header::RANGE).map(|v| v.to_str().map(|text| HttpRange::parse(text, file.size)));
    let range = match asked {
        None => None,
        Some(Ok(Ok(ranges))) => ranges.first().map(|r| r.start..r.start + r.length),
        Some(_) => {
            let mut res = HttpResponse::build(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{}", file.size)))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .finish();
            identity(&mut res);
            return Ok(res);
        }
    };
    let (status, bytes) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.clone()),
        None => (StatusCode::OK, 0..file.size),
    };
    let body = storage.read(file.key, bytes.clone()).await.map_err(AppError::from)?;
    let mut res = HttpResponse::build(status);
    res.content_type(file.content_type)
        .insert_header((header::CONTENT_DISPOSITION, file.disposition))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    if range.is_some() {
        let last = bytes.end.saturating_sub(1);
        res.insert_header((header::CONTENT_RANGE, format!("bytes {}-{last}/{}", bytes.start, file.size)));
    }
    let mut res = res.body(SizedStream::new(bytes.end - bytes.start, Box::pin(body)));
    identity(&mut res);
    Ok(res)
}

/// Sent as stored: a compression middleware leaves it alone (ranges are of these bytes, not of a gzip stream).
fn identity(res: &mut HttpResponse) {
    res.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
}
