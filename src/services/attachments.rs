//! Attachment use cases: receiving a file into a local temporary file (hashed,
//! measured and typed by its content while it streams in), recording an upload
//! on a ticket in one transaction with its event (the file put into the store
//! last), and listing and opening files for the people who may see them.

use super::SessionUser;
use super::tickets::{ensure_visible, load_visible};
use crate::db::PooledConn;
use crate::domain::Actor;
use crate::domain::attachment::{self, FileType, SNIFF_BYTES, TextCheck, TypeRefusal};
use crate::domain::ids::AttachmentId;
use crate::domain::workflow::{self, Action};
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::storage::{self as files, Storage, StorageError};
use crate::store::Conn;
use crate::store::attachments::{self as store, Attachment, AttachmentRow, NewAttachment};
use crate::store::events::NewEvent;
use crate::store::tickets::{self, Ticket};
use chrono::Utc;
use diesel_async::AsyncConnection;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// What the log calls an upload (`event-attachment_added` in the Fluent files).
pub const EVENT_KIND: &str = "attachment_added";

/// How much may be uploaded; set from `AFTERSALES_MAX_UPLOAD_MB` and
/// `AFTERSALES_MAX_FILES_PER_TICKET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    /// Files a ticket may have; internal notes' files are counted apart, so a
    /// customer's count never hints at them.
    pub max_files_per_ticket: u32,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits { max_file_bytes: 20 * 1024 * 1024, max_files_per_ticket: 10 }
    }
}

impl UploadLimits {
    pub fn from_megabytes(max_file_mb: u64, max_files_per_ticket: u32) -> Self {
        UploadLimits { max_file_bytes: max_file_mb.saturating_mul(1024 * 1024), max_files_per_ticket }
    }

    /// The per-file limit for people, in whole megabytes (at least 1).
    pub fn max_file_mb(&self) -> u64 {
        self.max_file_bytes.div_ceil(1024 * 1024).max(1)
    }
}

/// Why an upload was refused. Nothing of it is stored.
#[derive(Debug)]
pub enum UploadError {
    /// A file is over the size limit (413).
    TooLarge { name: String },
    /// The ticket would have more files than allowed; `left` more fit (413).
    TooMany { left: u32 },
    /// The content is not an accepted type, or is disguised (415).
    Type { name: String, refusal: TypeRefusal },
    /// No file was chosen (422).
    NoFile,
    /// Not a readable multipart form (400).
    BadForm,
    /// The file store is down or did not answer in time (503); try again later.
    Unavailable(String),
    /// Anything else: not found, refused by the workflow, database trouble.
    App(AppError),
}

impl From<AppError> for UploadError {
    fn from(e: AppError) -> Self {
        UploadError::App(e)
    }
}

impl From<diesel::result::Error> for UploadError {
    fn from(e: diesel::result::Error) -> Self {
        UploadError::App(e.into())
    }
}

impl From<StorageError> for UploadError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Unavailable(why) => UploadError::Unavailable(why),
            // Only reading could find nothing; an upload that does is broken.
            StorageError::NotFound { key } => UploadError::App(AppError::internal(format!("{key} vanished"))),
        }
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::App(AppError::internal(format!("attachment file: {e}")))
    }
}

/// A temporary file that is removed whatever happens (after it was put into
/// the store, or not), so an upload refused or cut off halfway leaves nothing
/// behind.
#[derive(Debug)]
struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    async fn discard(mut self) {
        if let Some(path) = self.path.take() {
            // Already gone is fine; anything else only leaves a stray temp file.
            if let Err(e) = tokio::fs::remove_file(&path).await {
                tracing::warn!(path = %path.display(), error = %e, "could not remove a temporary upload");
            }
        }
    }

    /// Puts the file into the store at `key` (streamed; whole or not at all), unless that content is already
    /// there; then removes it here. On failure it is removed too (when this is dropped).
    async fn persist(self, store: &Storage, key: &files::Key) -> Result<(), StorageError> {
        let Some(path) = &self.path else { return Ok(()) };
        store.put_file_if_absent(key, path).await?;
        self.discard().await;
        Ok(())
    }
}

impl Drop for TempFile {
    /// The request was dropped midway (the client went away): clean up here.
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A file arriving chunk by chunk: written to a temporary file while it is
/// hashed, measured against the limit and checked for being text.
pub struct Incoming {
    raw_name: String,
    file: tokio::fs::File,
    temp: TempFile,
    hasher: Sha256,
    size: u64,
    max: u64,
    head: Vec<u8>,
    text: TextCheck,
}

/// A whole file, checked, waiting in the temporary folder to be recorded.
#[derive(Debug)]
pub struct Received {
    temp: TempFile,
    pub name: String,
    pub file_type: FileType,
    pub size: u64,
    pub sha256: String,
}

impl Received {
    pub async fn discard(self) {
        self.temp.discard().await;
    }
}

impl Incoming {
    pub async fn start(store: &Storage, raw_name: &str, max_bytes: u64) -> Result<Incoming, UploadError> {
        let dir = store.tmp_dir();
        tokio::fs::create_dir_all(&dir).await?;
        let path = dir.join(format!("{}.part", hex::encode(rand::random::<[u8; 16]>())));
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(Incoming {
            raw_name: raw_name.to_owned(),
            file,
            temp: TempFile { path: Some(path) },
            hasher: Sha256::new(),
            size: 0,
            max: max_bytes,
            head: Vec::new(),
            text: TextCheck::default(),
        })
    }

    /// Takes the next chunk; over the limit the file is dropped and refused.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(UploadError::TooLarge { name: attachment::clean_name(&self.raw_name) });
        }
        if self.head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.text.push(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// The whole file: flushed to disk, its type told from its content.
    pub async fn finish(mut self) -> Result<Received, UploadError> {
        let kind = attachment::detect(&self.head, self.text.finish(), &self.raw_name);
        let file_type = match kind {
            Ok(t) => t,
            Err(refusal) => {
                drop(self.file);
                self.temp.discard().await;
                return Err(UploadError::Type { name: attachment::clean_name(&self.raw_name), refusal });
            }
        };
        self.file.flush().await?;
        drop(self.file);
        Ok(Received {
            temp: self.temp,
            name: attachment::stored_name(&self.raw_name, file_type),
            file_type,
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }

    /// Gives up on this file (another one was refused).
    pub async fn discard(self) {
        drop(self.file);
        self.temp.discard().await;
    }
}

/// The workflow action that stands for adding material to a ticket: more
/// information from the customer, a reply from staff. Closed and withdrawn
/// tickets take none.
fn upload_action(who: &SessionUser) -> Action {
    if who.is_staff() { Action::Reply } else { Action::AddInfo }
}

fn ensure_may_upload(ticket: &Ticket, who: &SessionUser, internal: bool) -> AppResult<()> {
    if internal && !who.is_staff() {
        return Err(AppError::Forbidden);
    }
    ensure_visible(ticket, who)?;
    let actor: Actor = who.role.into();
    workflow::decide(ticket.state, upload_action(who), actor).map(drop).map_err(AppError::Refused)
}

/// How many more files of this visibility the ticket takes.
async fn files_left(conn: &mut Conn, ticket: &Ticket, internal: bool, limits: UploadLimits) -> AppResult<u32> {
    let have = store::count_for_ticket(conn, ticket.id, internal).await?;
    Ok(u32::try_from(i64::from(limits.max_files_per_ticket) - have).unwrap_or(0))
}

/// Checked before any byte is read: the person may add files to this ticket
/// now, and how many still fit.
pub async fn may_upload(
    conn: &mut Conn,
    number: &str,
    who: &SessionUser,
    internal: bool,
    limits: UploadLimits,
) -> Result<u32, UploadError> {
    let ticket = load_visible(conn, number, who).await?;
    ensure_may_upload(&ticket, who, internal)?;
    let left = files_left(conn, &ticket, internal, limits).await?;
    if left == 0 {
        return Err(UploadError::TooMany { left });
    }
    Ok(left)
}

/// Records received files on the ticket: under the ticket's row lock the
/// permission and the count are checked again (another upload may have come
/// first), the files move into the store, and the rows and one
/// `attachment_added` event are written in one transaction.
pub async fn record(
    conn: &mut PooledConn,
    store: &Storage,
    number: &str,
    who: &SessionUser,
    received: Vec<Received>,
    internal: bool,
    limits: UploadLimits,
) -> Result<Vec<AttachmentId>, UploadError> {
    if received.is_empty() {
        return Err(UploadError::NoFile);
    }
    let now = Utc::now();
    // On any refusal or error below the received files are dropped, which
    // removes their temporary copies (`TempFile`).
    conn.transaction::<_, UploadError, _>(async |conn| {
        let ticket = tickets::lock_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
        ensure_may_upload(&ticket, who, internal)?;
        let left = files_left(conn, &ticket, internal, limits).await?;
        if received.len() > left as usize {
            return Err(UploadError::TooMany { left });
        }
        let body = received.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("\n");
        let mut event = NewEvent::new(ticket.id, Some(who.id), EVENT_KIND, now);
        event.body = Some(&body);
        event.internal = internal;
        event.data = serde_json::json!({
            "files": received.iter().map(|f| serde_json::json!({
                "name": f.name, "content_type": f.file_type.code(), "size_bytes": f.size,
            })).collect::<Vec<_>>(),
        });
        let event_id = store::append_event(conn, &event).await?;
        let rows: Vec<NewAttachment<'_>> = received
            .iter()
            .map(|f| NewAttachment {
                ticket_id: ticket.id,
                event_id: Some(event_id),
                uploader_id: who.id,
                file_name: &f.name,
                content_type: f.file_type,
                size_bytes: i64::try_from(f.size).unwrap_or(i64::MAX),
                sha256: &f.sha256,
                created_at: now,
            })
            .collect();
        let ids = store::insert_all(conn, &rows).await?;
        drop(rows);
        // Last, so a refusal above puts nothing into the store, and before the
        // commit, so no row is without its file (a store that is down rolls it
        // all back). If the commit still fails, the stored files are
        // unreferenced copies: harmless.
        for file in received {
            file.temp.persist(store, &files::attachment_key(&file.sha256)).await?;
        }
        Ok(ids)
    })
    .await
}

/// The files of a ticket the viewer may see (the viewer may see the ticket: checked again).
pub async fn list_visible(conn: &mut Conn, ticket: &Ticket, viewer: &SessionUser) -> AppResult<Vec<AttachmentRow>> {
    ensure_visible(ticket, viewer)?;
    Ok(store::list(conn, ticket.id, viewer.is_staff()).await?)
}

/// What the ticket page shows about attachments.
#[derive(Debug, Clone)]
pub struct AttachmentPanel {
    pub items: Vec<AttachmentRow>,
    pub max_file_mb: u64,
    pub max_files: u32,
    /// More public files that fit (internal ones are counted apart).
    pub files_left: u32,
}

impl AttachmentPanel {
    /// The numbers the upload form's help text states (`attachment-help`).
    pub fn help_args(&self) -> Vec<(&'static str, Arg<'static>)> {
        vec![
            ("max", Arg::from(self.max_file_mb)),
            ("files", Arg::from(self.max_files)),
            ("left", Arg::from(self.files_left)),
        ]
    }

    /// The `accept` list of the file input: the browser's picker filter (the server decides).
    pub fn accept(&self) -> &'static str {
        "image/jpeg,image/png,image/gif,image/webp,image/heic,image/heif,.heic,.heif,video/mp4,video/quicktime,\
         video/webm,application/pdf,text/plain,.log,.txt,.csv,.json,application/zip,.zip"
    }
}

pub async fn panel(
    conn: &mut Conn,
    ticket: &Ticket,
    viewer: &SessionUser,
    limits: UploadLimits,
) -> AppResult<AttachmentPanel> {
    let items = list_visible(conn, ticket, viewer).await?;
    // Everyone's list holds every public file, so no second query is needed.
    let public = items.iter().filter(|item| !item.internal).count();
    let files_left = u32::try_from(public).map_or(0, |n| limits.max_files_per_ticket.saturating_sub(n));
    Ok(AttachmentPanel { items, max_file_mb: limits.max_file_mb(), max_files: limits.max_files_per_ticket, files_left })
}

/// One attachment, if the viewer may see it: their own ticket (customers) and
/// not an internal note's file. Anything else is "not found".
pub async fn open(conn: &mut Conn, id: AttachmentId, viewer: &SessionUser) -> AppResult<Attachment> {
    let (attachment, ticket, internal) = store::find(conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(&ticket, viewer)?;
    if internal && !viewer.is_staff() {
        return Err(AppError::NotFound);
    }
    Ok(attachment)
}
