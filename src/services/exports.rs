//! Exports of the ticket list (导出): a supervisor asks for the tickets the queue shows under some filters; the
//! background worker writes them to a local temporary file, batch by batch, recording its progress, then puts it
//! into the file store (`exports/<name>`); only that supervisor downloads it, for a day.

use crate::db::Pool;
use crate::domain::table::Cell;
use crate::error::{AppError, AppResult};
use crate::export::{self, ExportError, Format, ticket_list};
use crate::i18n::Lang;
use crate::jobs::JobSpec;
use crate::services::SessionUser;
use crate::services::queue::QueueParams;
use crate::storage::{self, Storage};
use crate::store::Conn;
use crate::store::exports::{self as store, Export, NewExport};
use crate::store::tickets::{self, ExportRow, QueueFilter};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel_async::AsyncConnection;
use std::path::{Path, PathBuf};

/// The job that writes an export.
pub const JOB_KIND: &str = "ticket_export";
/// Tickets read (one query) and handed to the file writer at a time.
pub const BATCH: i64 = 5_000;
/// Runs of the job before the export counts as failed.
const ATTEMPTS: i32 = 2;
/// Why an export failed, as people read it.
const FAILED_TOO_MANY_ROWS: &str = "export-failed-too-many-rows";
const FAILED_BAD_FILTER: &str = "export-failed-bad-filter";
const FAILED_INTERNAL: &str = "export-failed-internal";

/// What a supervisor asks for.
pub struct Request<'a> {
    pub params: &'a QueueParams,
    pub format: Format,
    pub lang: Lang,
    /// The service zone: the file's times are in it.
    pub tz: Tz,
}

/// Records the export and queues its job (together, so neither exists without the other). Filters the queue
/// would refuse are refused here too, before anything is written.
pub async fn request(conn: &mut Conn, me: &SessionUser, req: Request<'_>, now: DateTime<Utc>) -> AppResult<Export> {
    if !me.is_supervisor() {
        return Err(AppError::Forbidden);
    }
    req.params.filter(me.id, now)?;
    let filters = serde_urlencoded::to_string(req.params).map_err(AppError::internal)?;
    // A name nobody can guess: the file is only ever served through its row, but the store may be shared.
    let name = format!("{}.{}", hex::encode(rand::random::<[u8; 16]>()), req.format.code());
    // The row holds the file's key in the store, not a path.
    let path = storage::export_key(&name).to_string();
    let new = NewExport {
        requested_by: me.id,
        format: req.format,
        filters: &filters,
        lang: req.lang.code(),
        tz: req.tz.name(),
        file_path: &path,
        created_at: now,
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        let export = store::insert(conn, &new).await?;
        let job = JobSpec::new(JOB_KIND, serde_json::json!({ "export": export.id }), now)
            .max_attempts(ATTEMPTS)
            .dedupe_key(format!("export:{}", export.id));
        crate::jobs::enqueue(conn, job, now).await?;
        Ok(export)
    })
    .await
}

/// The export, to the supervisor who asked for it; to anyone else it does not exist.
pub async fn open(conn: &mut Conn, id: i64, me: &SessionUser) -> AppResult<Export> {
    match store::find(conn, id).await? {
        Some(export) if export.requested_by == me.id && me.is_supervisor() => Ok(export),
        _ => Err(AppError::NotFound),
    }
}

/// The download's name: `工单导出-20261123-2205.csv` (in the requester's language and the service zone).
pub fn file_stem(export: &Export) -> String {
    let lang = Lang::from_code(&export.lang).unwrap_or_default();
    let tz = export.tz.parse::<Tz>().unwrap_or(chrono_tz::Asia::Shanghai);
    format!("{}-{}", lang.t("export-file-stem"), export.created_at.with_timezone(&tz).format("%Y%m%d-%H%M"))
}

/// The job's run: writes export `id`'s file. An export that is finished (or gone) is left alone, so a run that
/// comes twice does no harm; a run that fails with attempts left starts again from the first row, and when none are
/// left the job gives up (`give_up`).
pub async fn run(pool: &Pool, files: &Storage, id: i64) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let Some(export) = store::find(&mut conn, id).await? else { return Ok(()) };
    if !export.status.in_progress() {
        return Ok(());
    }
    let now = Utc::now();
    let Ok(filter) = filter_of(&export) else {
        store::fail(&mut conn, id, FAILED_BAD_FILTER, now).await?;
        return Ok(());
    };
    let expected = tickets::queue_count(&mut conn, &filter).await?;
    if export.format == Format::Xlsx && expected >= i64::from(export::xlsx::MAX_ROWS) {
        store::fail(&mut conn, id, FAILED_TOO_MANY_ROWS, now).await?;
        return Ok(());
    }
    store::start(&mut conn, id, expected).await?;
    // A million rows read in batches: each batch is one statement, allowed longer than a page's.
    let written =
        crate::db::with_long_statements(&mut conn, async |conn| write(conn, files, &export, &filter).await).await?;
    let now = Utc::now();
    match written {
        Ok(rows) => {
            store::finish(&mut conn, id, rows, now).await?;
            Ok(())
        }
        // More tickets arrived while it ran than a worksheet holds: trying again would not help.
        Err(e) if matches!(e.downcast_ref(), Some(ExportError::TooManyRows)) => {
            store::fail(&mut conn, id, FAILED_TOO_MANY_ROWS, now).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The job gave up on export `id` (every attempt failed, or its worker died in the last): the page says it failed
/// and why, instead of waiting forever.
pub async fn give_up(pool: &Pool, id: i64) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    match store::find(&mut conn, id).await? {
        Some(export) if export.status.in_progress() => {
            Ok(store::fail(&mut conn, id, FAILED_INTERNAL, Utc::now()).await?)
        }
        _ => Ok(()),
    }
}

/// The filter as the queue read it for the requester at the moment they asked (the SLA states count from then).
fn filter_of(export: &Export) -> AppResult<QueueFilter> {
    let params: QueueParams = serde_urlencoded::from_str(&export.filters).map_err(|_| AppError::BadRequest(""))?;
    params.filter(export.requested_by, export.created_at)
}

/// Reads the tickets in keyset batches (one query each, in filing order) and hands them to a writer on a blocking thread through
/// a channel of two batches, so memory holds a few batches whatever the count. The file is written to the local
/// temporary folder and put into the store (streamed) when complete, so nobody downloads half a file. Returns the
/// rows written.
async fn write(conn: &mut Conn, files: &Storage, export: &Export, filter: &QueueFilter) -> anyhow::Result<i64> {
    let key = storage::parse_key(&export.file_path)?;
    let partial = partial_path(files, &key);
    tokio::fs::create_dir_all(files.tmp_dir()).await?;
    let lang = Lang::from_code(&export.lang).unwrap_or_default();
    let tz = export.tz.parse::<Tz>().unwrap_or(chrono_tz::Asia::Shanghai);
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<ExportRow>>(2);
    let writer = tokio::task::spawn_blocking({
        let (partial, format) = (partial.clone(), export.format);
        move || write_file(&partial, format, lang, tz, rx)
    });
    let fed = feed(conn, export.id, filter, tx).await;
    // The sender is gone: the writer finishes (or has failed) before anything else happens to the file.
    let written = writer.await?;
    let outcome = fed.and_then(|rows| written.map(|()| rows).map_err(anyhow::Error::from));
    let stored = match outcome {
        Ok(rows) => files.put_file(&key, &partial).await.map(|()| rows).map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&partial).await;
    stored
}

/// The local file an export is written to before it goes into the store: `<data>/tmp/<name>.part`.
fn partial_path(files: &Storage, key: &storage::Key) -> PathBuf {
    files.tmp_dir().join(format!("{}.part", key.filename().unwrap_or("export")))
}

/// Sends the batches and records the progress after each; stops early if the writer has stopped.
async fn feed(
    conn: &mut Conn,
    id: i64,
    filter: &QueueFilter,
    tx: tokio::sync::mpsc::Sender<Vec<ExportRow>>,
) -> anyhow::Result<i64> {
    let mut after = None;
    let mut done = 0;
    loop {
        let batch = tickets::export_batch(conn, filter, after, BATCH).await?;
        let last = (batch.len() as i64) < BATCH;
        after = batch.last().map(|r| r.queue.ticket.id);
        done += batch.len() as i64;
        if tx.send(batch).await.is_err() {
            // The writer failed; its error is the one to report.
            return Ok(done);
        }
        store::progress(conn, id, done).await?;
        if last || after.is_none() {
            return Ok(done);
        }
    }
}

/// The writer's side: rows to cells to the file.
fn write_file(
    path: &Path,
    format: Format,
    lang: Lang,
    tz: Tz,
    mut rx: tokio::sync::mpsc::Receiver<Vec<ExportRow>>,
) -> Result<(), ExportError> {
    let file = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(path)?);
    let tempdir = path.parent();
    let mut sink = export::sink(format, &ticket_list::headers(lang), file, tempdir)?;
    let mut cells = ticket_list::RowFormat::new(lang, tz);
    while let Some(batch) = rx.blocking_recv() {
        for row in &batch {
            let row: Vec<Cell> = cells.cells(row);
            sink.row(&row)?;
        }
    }
    sink.finish()
}

/// Removes the files of exports asked for before `cutoff` from the store (and a temporary file a crash left
/// here), up to `limit` of them; true if there may be more. A store that is down fails the run (tried again later).
pub async fn expire(pool: &Pool, files: &Storage, cutoff: DateTime<Utc>, limit: i64) -> anyhow::Result<bool> {
    let mut conn = pool.get().await?;
    let due = store::expiring(&mut conn, cutoff, limit).await?;
    for (id, path) in &due {
        let Ok(key) = storage::parse_key(path) else {
            tracing::warn!(export = id, path, "export with a key that is not one; marked expired");
            continue;
        };
        files.delete(&key).await?;
        match tokio::fs::remove_file(partial_path(files, &key)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(export = id, error = %e, "could not remove a temporary export file"),
        }
    }
    let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
    store::mark_expired(&mut conn, &ids).await?;
    Ok(due.len() as i64 == limit)
}
