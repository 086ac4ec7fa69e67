//! Where attachments and export files live: one interface over the data folder (the default) or any
//! S3-compatible store, so several instances can share the files. Keys keep the data folder's layout:
//! `attachments/ab/cd/<sha256>` and `exports/<name>`.
//!
//! Files come in through a local temporary file (`<data>/tmp`, never in the store) and go up by a streamed
//! multipart upload; they go out in pieces of [`PIECE`] bytes. Every call to the store has a time limit, so a
//! store that hangs fails a request (503) instead of holding it.

use crate::error::AppError;
use actix_web::web::Bytes;
use anyhow::Context;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
pub use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The folder (key prefix) of attachments.
pub const ATTACHMENTS: &str = "attachments";
/// The folder (key prefix) of export files.
pub const EXPORTS: &str = "exports";
/// A download is read from the store this much at a time (one request each, held in memory meanwhile).
pub const PIECE: u64 = 1024 * 1024;
/// Parts of a multipart upload to S3: its smallest allowed part (the last may be smaller).
const S3_PART: usize = 5 * 1024 * 1024;
/// Parts of an upload into the data folder (no minimum there; less memory per upload).
const LOCAL_PART: usize = 1024 * 1024;
/// How much of a local file is read at a time on its way up.
const READ_CHUNK: usize = 64 * 1024;

/// Where the files are kept: the data folder unless an S3 bucket is set.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageSettings {
    /// S3-compatible endpoint, e.g. `https://s3.eu-central-1.amazonaws.com` or `http://minio:9000`; unset with a
    /// bucket set: AWS's own endpoint for the region.
    #[arg(long, value_name = "URL", env = "AFTERSALES_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// Bucket for attachments and exports, shared by all instances. Unset: files stay in the data folder.
    #[arg(long, env = "AFTERSALES_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,

    /// The bucket's region.
    #[arg(long, env = "AFTERSALES_S3_REGION", default_value = "us-east-1", global = true)]
    pub s3_region: String,

    /// Access key id; unset: the instance's role (instance metadata).
    #[arg(long, env = "AFTERSALES_S3_ACCESS_KEY_ID", global = true, hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// Secret access key, with the access key id.
    #[arg(long, env = "AFTERSALES_S3_SECRET_ACCESS_KEY", global = true, hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Key prefix inside the bucket (e.g. `aftersales/`), so one bucket can serve several deployments.
    #[arg(long, env = "AFTERSALES_S3_PREFIX", default_value = "", global = true)]
    pub s3_prefix: String,

    /// Allow a plain `http://` endpoint (a store on the local network, tests).
    #[arg(long, env = "AFTERSALES_S3_ALLOW_HTTP", default_value_t = false, global = true)]
    pub s3_allow_http: bool,

    /// Seconds any one call to the store (the data folder's too) may take before it counts as down.
    #[arg(long, value_name = "SECONDS", env = "AFTERSALES_STORAGE_TIMEOUT_SECS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub storage_timeout_secs: u64,
}

impl Default for StorageSettings {
    /// The data folder, as a start with no storage settings has it.
    fn default() -> Self {
        StorageSettings {
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_prefix: String::new(),
            s3_allow_http: false,
            storage_timeout_secs: 30,
        }
    }
}

/// What went wrong with a file in the store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No such key (a row whose file is gone, an export already removed).
    #[error("{key}: not in the store")]
    NotFound { key: String },
    /// The store did not answer, or not in time, or refused: try again later (503).
    #[error("the file store is unavailable: {0}")]
    Unavailable(String),
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { key } => {
                // A row without its file: the store lost it. Say "not found", log why.
                tracing::error!(%key, "stored file missing");
                AppError::NotFound
            }
            StorageError::Unavailable(why) => AppError::Unavailable(why),
        }
    }
}

/// The store of files, cheap to clone (one client shared by all handlers and jobs).
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ObjectStore>,
    /// Local temporary files (uploads arriving, exports being written).
    tmp_dir: PathBuf,
    timeout: Duration,
    part_size: usize,
    /// `s3://bucket/prefix at endpoint` or the data folder, for logs and messages.
    describe: String,
    s3: Option<StorageSettings>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("at", &self.inner.describe).finish()
    }
}

/// The key of an attachment's content: `attachments/ab/cd/<sha256>`.
pub fn attachment_key(sha256: &str) -> Key {
    let (a, b) = (sha256.get(0..2).unwrap_or("00"), sha256.get(2..4).unwrap_or("00"));
    Key::from_iter([ATTACHMENTS, a, b, sha256])
}

/// The key of an export file named `name`: `exports/<name>`.
pub fn export_key(name: &str) -> Key {
    Key::from_iter([EXPORTS, name])
}

/// A stored key read back (from the database).
pub fn parse_key(key: &str) -> Result<Key, AppError> {
    let bad = |why: String| AppError::internal(format!("bad storage key {key:?}: {why}"));
    if key.starts_with('/') {
        // An absolute path of the old layout (the migration rewrote them).
        return Err(bad("a path, not a key".into()));
    }
    Key::parse(key).map_err(|e| bad(e.to_string()))
}

impl Storage {
    /// The store the settings name, not yet contacted ([`Storage::probe`] does that): the bucket if one is set,
    /// else the data folder (created if missing).
    pub fn open(settings: &StorageSettings, data_dir: &Path) -> anyhow::Result<Storage> {
        let timeout = Duration::from_secs(settings.storage_timeout_secs);
        let tmp_dir = data_dir.join("tmp");
        if settings.s3_bucket.is_none() {
            if let Some(endpoint) = &settings.s3_endpoint {
                anyhow::bail!("AFTERSALES_S3_ENDPOINT={endpoint} is set but AFTERSALES_S3_BUCKET is not");
            }
            std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
            let local = LocalFileSystem::new_with_prefix(data_dir)
                .with_context(|| format!("the data folder {}", data_dir.display()))?;
            return Ok(Storage {
                inner: Arc::new(Inner {
                    store: Arc::new(local),
                    tmp_dir,
                    timeout,
                    part_size: LOCAL_PART,
                    describe: format!("the data folder {}", data_dir.display()),
                    s3: None,
                }),
            });
        }
        let store = s3_store(settings, timeout)?;
        let bucket = settings.s3_bucket.as_deref().unwrap_or_default();
        let prefix = settings.s3_prefix.trim_matches('/');
        Ok(Storage {
            inner: Arc::new(Inner {
                store,
                tmp_dir,
                timeout,
                part_size: S3_PART,
                describe: format!("s3://{bucket}/{prefix} at {}", endpoint_of(settings)),
                s3: Some(settings.clone()),
            }),
        })
    }

    /// Whether the files are in an S3 bucket (not the data folder).
    pub fn is_s3(&self) -> bool {
        self.inner.s3.is_some()
    }

    /// Where the files are, for logs.
    pub fn describe(&self) -> &str {
        &self.inner.describe
    }

    /// The local folder of temporary files.
    pub fn tmp_dir(&self) -> &Path {
        &self.inner.tmp_dir
    }

    /// One cheap call (a listing of the top level) at start, so a wrong endpoint, bucket or credentials stop the
    /// start with a line naming the setting, instead of failing every upload later.
    pub async fn probe(&self) -> anyhow::Result<()> {
        let listed = tokio::time::timeout(self.inner.timeout, self.inner.store.list_with_delimiter(None)).await;
        let Some(settings) = &self.inner.s3 else {
            return match listed {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(anyhow::anyhow!("{}: {e}", self.inner.describe)),
                Err(_) => Err(anyhow::anyhow!("{}: no answer within {:?}", self.inner.describe, self.inner.timeout)),
            };
        };
        let endpoint = endpoint_of(settings);
        let bucket = settings.s3_bucket.as_deref().unwrap_or_default();
        match listed {
            Ok(Ok(_)) => Ok(()),
            Err(_) => anyhow::bail!(
                "AFTERSALES_S3_ENDPOINT={endpoint}: the store did not answer within {} s (AFTERSALES_STORAGE_TIMEOUT_SECS)",
                self.inner.timeout.as_secs()
            ),
            Ok(Err(e)) => {
                let text = error_chain(&e);
                let code = s3_code(&text);
                let because = code.map_or_else(|| short_cause(&text), str::to_owned);
                match (&e, code) {
                    (object_store::Error::NotFound { .. }, _) | (_, Some("NoSuchBucket")) => anyhow::bail!(
                        "AFTERSALES_S3_BUCKET={bucket}: the bucket does not exist at {endpoint} ({because})"
                    ),
                    (object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }, _)
                    | (_, Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied")) => anyhow::bail!(
                        "AFTERSALES_S3_ACCESS_KEY_ID/AFTERSALES_S3_SECRET_ACCESS_KEY: {endpoint} refused them for the \
                         bucket {bucket} ({because})"
                    ),
                    _ => anyhow::bail!("AFTERSALES_S3_ENDPOINT={endpoint}: the store cannot be reached ({because})"),
                }
            }
        }
    }

    /// Runs one call to the store within the time limit, its errors sorted into "not found" and "unavailable".
    async fn timed<T>(
        &self,
        key: &Key,
        call: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(self.inner.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(object_store::Error::NotFound { .. })) => Err(StorageError::NotFound { key: key.to_string() }),
            Ok(Err(e)) => Err(StorageError::Unavailable(format!(
                "{} ({key}): {}",
                self.inner.describe,
                short_cause(&error_chain(&e))
            ))),
            Err(_) => Err(StorageError::Unavailable(format!(
                "{} ({key}): no answer within {} s",
                self.inner.describe,
                self.inner.timeout.as_secs()
            ))),
        }
    }

    /// The size of the file at `key`.
    pub async fn size(&self, key: &Key) -> Result<u64, StorageError> {
        Ok(self.timed(key, self.inner.store.head(key)).await?.size)
    }

    /// Whether there is a file at `key`.
    pub async fn exists(&self, key: &Key) -> Result<bool, StorageError> {
        match self.size(key).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Streams the local file `path` to `key` (a multipart upload, read in chunks), replacing what is there. The
    /// file appears whole or not at all; a failed upload is aborted.
    pub async fn put_file(&self, key: &Key, path: &Path) -> Result<(), StorageError> {
        let upload = self.timed(key, self.inner.store.put_multipart(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.inner.part_size);
        match self.write_parts(key, path, &mut writer).await {
            Ok(()) => self.timed(key, writer.finish()).await.map(drop),
            Err(e) => {
                if let Err(abort) = self.timed(key, writer.abort()).await {
                    tracing::warn!(%key, error = %abort, "could not abort an upload");
                }
                Err(e)
            }
        }
    }

    async fn write_parts(&self, key: &Key, path: &Path, writer: &mut WriteMultipart) -> Result<(), StorageError> {
        let local = |e: std::io::Error| StorageError::Unavailable(format!("reading {}: {e}", path.display()));
        let mut file = tokio::fs::File::open(path).await.map_err(local)?;
        let mut buf = vec![0; READ_CHUNK];
        loop {
            let n = file.read(&mut buf).await.map_err(local)?;
            if n == 0 {
                return Ok(());
            }
            // One part in flight while the next fills: memory stays at two parts.
            self.timed(key, writer.wait_for_capacity(1)).await?;
            writer.write(&buf[..n]);
        }
    }

    /// Puts the file at `key` unless a file is there already (content-addressed keys: the same bytes). True if
    /// it was put.
    pub async fn put_file_if_absent(&self, key: &Key, path: &Path) -> Result<bool, StorageError> {
        if self.exists(key).await? {
            return Ok(false);
        }
        self.put_file(key, path).await?;
        Ok(true)
    }

    /// Removes the file at `key`; one already gone is fine.
    pub async fn delete(&self, key: &Key) -> Result<(), StorageError> {
        match self.timed(key, self.inner.store.delete(key)).await {
            Ok(()) | Err(StorageError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Bytes `range` of the file at `key`, as a stream of pieces. The first piece is read before this returns,
    /// so a missing file or a store that is down is known before a response starts.
    pub async fn read(
        &self,
        key: &Key,
        range: Range<u64>,
    ) -> Result<impl Stream<Item = Result<Bytes, StorageError>> + 'static, StorageError> {
        let first_end = range.end.min(range.start.saturating_add(PIECE));
        let first = if range.is_empty() { Bytes::new() } else { self.piece(key, range.start..first_end).await? };
        let rest = futures_util::stream::try_unfold(
            (self.clone(), key.clone(), first_end..range.end),
            |(storage, key, left)| async move {
                if left.is_empty() {
                    return Ok(None);
                }
                let end = left.end.min(left.start.saturating_add(PIECE));
                let bytes = storage.piece(&key, left.start..end).await?;
                Ok(Some((bytes, (storage, key, end..left.end))))
            },
        );
        Ok(futures_util::stream::once(async move { Ok(first) }).chain(rest))
    }

    async fn piece(&self, key: &Key, range: Range<u64>) -> Result<Bytes, StorageError> {
        let expected = range.end - range.start;
        let bytes = self.timed(key, self.inner.store.get_range(key, range)).await?;
        if bytes.len() as u64 != expected {
            // The file is shorter than its row says: cut the response rather than send wrong bytes.
            return Err(StorageError::Unavailable(format!("{key}: {} bytes where {expected} were asked", bytes.len())));
        }
        Ok(bytes)
    }
}

/// How many files `migrate-files` copied, and how many were in the bucket already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Migrated {
    pub copied: u64,
    pub bytes: u64,
    pub present: u64,
}

/// `aftersales migrate-files`: copies every file of the data folder's `attachments/` and `exports/` (not
/// temporary files) to the configured bucket, streaming, skipping keys already there; run it again after a
/// failure and it carries on.
pub async fn migrate_files(settings: &StorageSettings, data_dir: &Path) -> anyhow::Result<Migrated> {
    anyhow::ensure!(
        settings.s3_bucket.is_some(),
        "migrate-files copies the data folder's files to an S3 bucket, but none is configured: set \
         AFTERSALES_S3_BUCKET (with AFTERSALES_S3_ENDPOINT and the credentials)"
    );
    let target = Storage::open(settings, data_dir)?;
    target.probe().await?;
    let source = LocalFileSystem::new_with_prefix(data_dir)
        .with_context(|| format!("the data folder {}", data_dir.display()))?;
    let mut done = Migrated::default();
    for folder in [ATTACHMENTS, EXPORTS] {
        let mut files = source.list(Some(&Key::from(folder)));
        while let Some(meta) = files.try_next().await.with_context(|| format!("listing {folder}/"))? {
            let key = meta.location;
            let name = key.filename().unwrap_or_default();
            // Upload staging files of the old layout (`attachments/tmp/*.part`), half-written exports and the
            // local store's own staging files (`<name>#<n>`).
            let temporary = key.prefix_matches(&Key::from_iter([ATTACHMENTS, "tmp"]))
                || name.ends_with(".part")
                || name.contains('#');
            if temporary {
                continue;
            }
            let path = source.path_to_filesystem(&key)?;
            if target.put_file_if_absent(&key, &path).await? {
                done.copied += 1;
                done.bytes += meta.size;
            } else {
                done.present += 1;
            }
        }
    }
    Ok(done)
}

fn s3_store(settings: &StorageSettings, timeout: Duration) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let bucket = settings.s3_bucket.as_deref().unwrap_or_default();
    let mut builder = AmazonS3Builder::new().with_bucket_name(bucket).with_region(&settings.s3_region);
    if let Some(endpoint) = &settings.s3_endpoint {
        let endpoint = endpoint.trim_end_matches('/');
        let scheme_ok = endpoint.starts_with("https://") || endpoint.starts_with("http://");
        anyhow::ensure!(scheme_ok, "AFTERSALES_S3_ENDPOINT={endpoint}: must be an http:// or https:// address");
        anyhow::ensure!(
            !endpoint.starts_with("http://") || settings.s3_allow_http,
            "AFTERSALES_S3_ENDPOINT={endpoint}: a plain http endpoint needs AFTERSALES_S3_ALLOW_HTTP=true"
        );
        builder = builder.with_endpoint(endpoint);
    }
    match (&settings.s3_access_key_id, &settings.s3_secret_access_key) {
        (Some(id), Some(secret)) => builder = builder.with_access_key_id(id).with_secret_access_key(secret),
        (None, None) => {}
        _ => anyhow::bail!("AFTERSALES_S3_ACCESS_KEY_ID and AFTERSALES_S3_SECRET_ACCESS_KEY go together: set both"),
    }
    let options = ClientOptions::new()
        .with_allow_http(settings.s3_allow_http)
        .with_timeout(timeout)
        .with_connect_timeout(timeout.min(Duration::from_secs(5)));
    // One quick retry, within the time limit: an outage fails the request fast instead of after minutes.
    let retry = RetryConfig { max_retries: 1, retry_timeout: timeout, ..RetryConfig::default() };
    let store = builder
        .with_client_options(options)
        .with_retry(retry)
        .build()
        .with_context(|| format!("AFTERSALES_S3_BUCKET={bucket}: the S3 settings"))?;
    let prefix = settings.s3_prefix.trim_matches('/');
    Ok(if prefix.is_empty() { Arc::new(store) } else { Arc::new(PrefixStore::new(store, prefix)) })
}

fn endpoint_of(settings: &StorageSettings) -> String {
    match &settings.s3_endpoint {
        Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
        None => format!("https://s3.{}.amazonaws.com", settings.s3_region),
    }
}

/// The error with its causes, one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// The S3 error code in a response body (`<Code>NoSuchBucket</Code>`).
fn s3_code(text: &str) -> Option<&str> {
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    Some(&text[start..start + len])
}

/// The innermost cause, which is what people need ("Connection refused"), or the code of an S3 answer.
fn short_cause(text: &str) -> String {
    if let Some(code) = s3_code(text) {
        return code.to_owned();
    }
    text.rsplit(": ").find(|part| !part.trim().is_empty()).unwrap_or(text).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_data_folders_layout() {
        let sha = "ab".repeat(32);
        assert_eq!(attachment_key(&sha).to_string(), format!("attachments/ab/ab/{sha}"));
        assert_eq!(export_key("x.csv").to_string(), "exports/x.csv");
        assert!(parse_key("exports/x.csv").is_ok());
        assert!(parse_key("/abs/exports/x.csv").is_err());
    }

    #[test]
    fn causes_are_told_briefly() {
        let body = "Server returned non-2xx status code: 404 Not Found: <Error><Code>NoSuchBucket</Code></Error>";
        assert_eq!(s3_code(body), Some("NoSuchBucket"));
        assert_eq!(
            short_cause("error sending request: client error (Connect): tcp connect error: Connection refused"),
            "Connection refused"
        );
    }

    #[tokio::test]
    async fn a_missing_file_is_not_found_and_a_stored_one_reads_back_in_pieces() {
        let dir = crate::db::cluster::temp_data_dir("aftersales-storage-test");
        let storage = Storage::open(&StorageSettings::default(), &dir).unwrap();
        storage.probe().await.unwrap();
        let key = export_key("a.bin");
        assert!(matches!(storage.size(&key).await, Err(StorageError::NotFound { .. })));
        let data: Vec<u8> = (0..(PIECE as usize * 2 + 10)).map(|i| (i % 251) as u8).collect();
        std::fs::create_dir_all(storage.tmp_dir()).unwrap();
        let local = storage.tmp_dir().join("a.part");
        std::fs::write(&local, &data).unwrap();
        assert!(storage.put_file_if_absent(&key, &local).await.unwrap());
        assert!(!storage.put_file_if_absent(&key, &local).await.unwrap());
        assert_eq!(std::fs::read(dir.join("exports/a.bin")).unwrap(), data);
        let pieces: Vec<Bytes> = storage.read(&key, 5..data.len() as u64).await.unwrap().try_collect().await.unwrap();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces.concat(), &data[5..]);
        storage.delete(&key).await.unwrap();
        storage.delete(&key).await.unwrap();
        assert!(!storage.exists(&key).await.unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }
}
