//! Exports of the ticket list: the supervisor's request (from the queue's filters), the progress page the
//! browser polls, and the download.

use super::context::Page;
use super::files::{self, StoredFile};
use super::session::Supervisor;
use super::{is_htmx, render, see_other};
use crate::error::{AppError, AppResult};
use crate::export::download::{disposition, set_download_headers};
use crate::export::{ExportStatus, Format};
use crate::i18n::Arg;
use crate::services::exports::{self as service, Request};
use crate::services::queue::QueueParams;
use crate::startup::AppState;
use crate::store::exports::Export;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

/// The export buttons' form: the format, and the queue's filters as hidden fields.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    params: QueueParams,
}

impl QueueParams {
    /// The filters as hidden form fields (the ones set), so a form can carry them.
    pub fn as_fields(&self) -> Vec<(String, String)> {
        let encoded = serde_urlencoded::to_string(self).unwrap_or_default();
        serde_urlencoded::from_str::<Vec<(String, String)>>(&encoded)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }
}

/// `POST /exports`: starts an export of what the queue shows under the form's filters.
pub async fn start(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<ExportForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let format = Format::parse(&form.format).map_err(|_| AppError::BadRequest("export-error-format"))?;
    let request = Request { params: &form.params, format, lang: page.lang, tz: state.tz };
    let mut conn = state.pool.get().await?;
    let export = service::request(&mut conn, &me, request, Utc::now()).await?;
    Ok(see_other(&format!("/exports/{}", export.id)))
}

#[derive(Template)]
#[template(path = "exports/show.html")]
struct ExportPage {
    page: Page,
    export: Export,
    name: String,
}

#[derive(Template)]
#[template(path = "exports/progress_partial.html")]
struct ProgressPartial {
    page: Page,
    export: Export,
    name: String,
}

/// What the progress part shows; the page and its polled fragment share it.
trait ExportView {
    fn page(&self) -> &Page;
    fn export(&self) -> &Export;
    /// The download's file name.
    fn name(&self) -> &str;

    fn status(&self) -> String {
        self.page().label(self.export().status)
    }
    fn polling(&self) -> bool {
        self.export().status.in_progress()
    }
    fn done(&self) -> bool {
        self.export().status == ExportStatus::Done
    }
    fn progress(&self) -> Option<String> {
        let e = self.export();
        let total = e.rows_expected?;
        Some(self.page().t_args("export-progress", &[("done", Arg::from(e.rows_done)), ("total", Arg::from(total))]))
    }
    fn download_text(&self) -> String {
        self.page().t_args("export-download", &[("name", Arg::from(self.name().to_owned()))])
    }
    fn error(&self) -> Option<String> {
        self.export().error.as_deref().map(|key| self.page().t(key))
    }
}

macro_rules! export_view {
    ($($t:ty),+) => {$(
        impl ExportView for $t {
            fn page(&self) -> &Page {
                &self.page
            }
            fn export(&self) -> &Export {
                &self.export
            }
            fn name(&self) -> &str {
                &self.name
            }
        }
    )+};
}
export_view!(ExportPage, ProgressPartial);

impl ExportPage {
    /// The filters, decoded: `urgency=urgent · q=漏水`.
    fn filter_text(&self) -> String {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&self.export.filters).unwrap_or_default();
        let shown: Vec<String> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
        shown.join(" · ")
    }

    /// The filters as the queue's URL carries them, for a link back to the same list.
    fn queue_href(&self) -> String {
        format!("/queue?{}", self.export.filters)
    }
}

/// `GET /exports/{id}`: the export's progress (the fragment alone when htmx polls), then its download link.
pub async fn show(
    Supervisor(me): Supervisor,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let export = load(&state, &id, &me).await?;
    let name = crate::export::download::file_name(&service::file_stem(&export), export.format);
    if is_htmx(&req) {
        render(&ProgressPartial { page, export, name })
    } else {
        render(&ExportPage { page, export, name })
    }
}

/// `GET /exports/{id}/download`: the finished file, streamed from the store (ranges too: resumed downloads).
pub async fn download(
    Supervisor(me): Supervisor,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let export = load(&state, &id, &me).await?;
    if export.status != ExportStatus::Done {
        return Err(AppError::NotFound);
    }
    let key = crate::storage::parse_key(&export.file_path)?;
    let size = state.storage.size(&key).await?;
    let file = StoredFile {
        key: &key,
        size,
        content_type: export.format.content_type(),
        disposition: disposition(&service::file_stem(&export), export.format),
    };
    let mut res = files::serve(&req, &state.storage, file).await?;
    set_download_headers(res.headers_mut());
    Ok(res)
}

async fn load(state: &AppState, id: &str, me: &crate::services::SessionUser) -> AppResult<Export> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    service::open(&mut conn, id, me).await
}
