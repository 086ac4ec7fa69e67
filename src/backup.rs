//! `aftersales backup FILE` and `aftersales restore FILE`: the database (a `pg_dump` in its custom format) and every
//! attachment the database refers to, in one tar archive; restored into the database and the file store the
//! settings name (the managed cluster or `DATABASE_URL`; the data folder or S3), whichever they were taken from.
//!
//! Layout of the archive: `aftersales-backup.json` (what it holds), `database.dump`, then
//! `files/attachments/ab/cd/<sha256>` for each attachment. Files are streamed through temporary files, never held
//! in memory; the archive is written beside its name and renamed when whole.

use crate::db::{self, SyncConn};
use crate::storage::{Storage, StorageSettings, attachment_key};
use anyhow::{Context, bail};
use diesel::RunQueryDsl;
use futures_util::TryStreamExt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = "aftersales-backup.json";
const DUMP: &str = "database.dump";
const FILES: &str = "files/";
/// The archive's layout version; a restore refuses others.
const FORMAT: u32 = 1;

/// Where a backup comes from and a restore goes to.
pub struct Target<'a> {
    pub database_url: &'a str,
    pub ca_file: Option<&'a Path>,
    /// The PostgreSQL bin directory holding `pg_dump` and `pg_restore` (found like the server's when unset).
    pub pg_bin: Option<&'a Path>,
    pub storage: &'a StorageSettings,
    pub data_dir: &'a Path,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: u32,
    created_at: chrono::DateTime<chrono::Utc>,
    /// The newest migration of the database when it was dumped.
    schema: String,
    tickets: i64,
    attachments: u64,
}

/// What a backup or restore handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub tickets: i64,
    pub files: u64,
    pub bytes: u64,
}

/// A temporary file removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(dir: &Path, what: &str) -> anyhow::Result<Scratch> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir.join(format!("{what}-{}.tmp", hex::encode(rand::random::<[u8; 8]>())))))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn pg_program(target: &Target<'_>, name: &str) -> anyhow::Result<PathBuf> {
    let dir = db::cluster::find_bin_dir(target.pg_bin)?;
    let program = dir.join(name);
    anyhow::ensure!(program.exists(), "{name} is not in {} (set AFTERSALES_PG_BIN)", dir.display());
    Ok(program)
}

/// `pg_dump`/`pg_restore` take the URL as libpq does (TLS settings included); the CA file setting becomes
/// libpq's `PGSSLROOTCERT` unless the URL names one.
fn libpq(program: PathBuf, target: &Target<'_>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(ca) = target.ca_file
        && !target.database_url.contains("sslrootcert=")
    {
        cmd.env("PGSSLROOTCERT", ca);
    }
    cmd
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!("{what} failed ({}): {}", out.status, stderr.trim());
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct FileRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    sha256: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    size_bytes: i64,
}

#[derive(diesel::QueryableByName)]
struct Facts {
    #[diesel(sql_type = diesel::sql_types::Text)]
    schema: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    tickets: i64,
}

fn facts(conn: &mut SyncConn) -> anyhow::Result<Facts> {
    let sql = "SELECT coalesce((SELECT max(version) FROM __diesel_schema_migrations), '') AS schema, \
               (SELECT count(*) FROM tickets) AS tickets";
    Ok(diesel::sql_query(sql).get_result(&mut **conn)?)
}

/// Writes the backup of `target` to `file`. The app may keep serving meanwhile: the dump is one consistent
/// snapshot, and files are content-addressed, so any written after the snapshot are only not in it.
pub async fn backup(target: &Target<'_>, file: &Path) -> anyhow::Result<Summary> {
    let storage = Storage::open(target.storage, target.data_dir)?;
    storage.probe().await?;
    let scratch_dir = storage.tmp_dir().to_path_buf();
    let dump = Scratch::new(&scratch_dir, "dump")?;
    let mut cmd = libpq(pg_program(target, "pg_dump")?, target);
    cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(&dump.0);
    cmd.arg("--dbname").arg(target.database_url);
    tokio::task::spawn_blocking(move || run(cmd, "pg_dump")).await??;

    // The files the dump refers to (it came first, so each of these rows is in it).
    let (url, ca) = (target.database_url.to_owned(), target.ca_file.map(Path::to_path_buf));
    let (facts, rows) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Facts, Vec<FileRow>)> {
        let mut conn = SyncConn::connect(&url, ca.as_deref())?;
        let rows = diesel::sql_query("SELECT DISTINCT ON (sha256) sha256, size_bytes FROM attachments ORDER BY sha256")
            .load(&mut *conn)?;
        Ok((facts(&mut conn)?, rows))
    })
    .await??;

    let partial = file.with_extension("part");
    let out = File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let mut archive = tar::Builder::new(std::io::BufWriter::new(out));
    let manifest = Manifest {
        format: FORMAT,
        created_at: chrono::Utc::now(),
        schema: facts.schema,
        tickets: facts.tickets,
        attachments: rows.len() as u64,
    };
    let written = async {
        append_bytes(&mut archive, MANIFEST, &serde_json::to_vec_pretty(&manifest)?)?;
        archive.append_path_with_name(&dump.0, DUMP).context("adding the database dump")?;
        let mut bytes = 0;
        for row in &rows {
            let key = attachment_key(&row.sha256);
            let size = u64::try_from(row.size_bytes).unwrap_or(0);
            let copy = Scratch::new(&scratch_dir, "file")?;
            let mut local = tokio::fs::File::create(&copy.0).await?;
            let mut stream =
                std::pin::pin!(storage.read(&key, 0..size).await.with_context(|| format!("reading {key}"))?);
            while let Some(piece) = stream.try_next().await.with_context(|| format!("reading {key}"))? {
                tokio::io::AsyncWriteExt::write_all(&mut local, &piece).await?;
            }
            tokio::io::AsyncWriteExt::flush(&mut local).await?;
            drop(local);
            archive.append_path_with_name(&copy.0, format!("{FILES}{key}"))?;
            bytes += size;
        }
        let mut out = archive.into_inner()?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        anyhow::Ok(bytes)
    }
    .await;
    match written {
        Ok(bytes) => {
            std::fs::rename(&partial, file).with_context(|| format!("writing {}", file.display()))?;
            Ok(Summary { tickets: manifest.tickets, files: manifest.attachments, bytes })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn append_bytes<W: Write>(archive: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(chrono::Utc::now().timestamp().try_into().unwrap_or(0));
    header.set_cksum();
    archive.append_data(&mut header, name, bytes)?;
    Ok(())
}

/// Restores `file` into `target`: the database's contents are replaced by the dump's (stop the app first), then
/// migrated to this build's schema, and every file is put back into the store (those already there are kept).
pub async fn restore(target: &Target<'_>, file: &Path) -> anyhow::Result<Summary> {
    let storage = Storage::open(target.storage, target.data_dir)?;
    storage.probe().await?;
    let scratch_dir = storage.tmp_dir().to_path_buf();
    let input = File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(input));
    let mut manifest: Option<Manifest> = None;
    let mut restored_db = false;
    let (mut files, mut bytes) = (0, 0);
    for entry in archive.entries().context("reading the archive")? {
        let mut entry = entry.context("reading the archive")?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if name == MANIFEST {
            let found: Manifest = serde_json::from_reader(&mut entry).context("reading the backup's manifest")?;
            anyhow::ensure!(
                found.format == FORMAT,
                "{} is a backup of format {}, not {FORMAT}",
                file.display(),
                found.format
            );
            manifest = Some(found);
            continue;
        }
        anyhow::ensure!(manifest.is_some(), "{} is not an aftersales backup (no {MANIFEST} first)", file.display());
        let copy = Scratch::new(&scratch_dir, "restore")?;
        std::io::copy(&mut entry, &mut File::create(&copy.0)?)?;
        if name == DUMP {
            let mut cmd = libpq(pg_program(target, "pg_restore")?, target);
            cmd.args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ]);
            cmd.arg("--dbname").arg(target.database_url).arg(&copy.0);
            tokio::task::spawn_blocking(move || run(cmd, "pg_restore")).await??;
            restored_db = true;
        } else if let Some(key) = name.strip_prefix(FILES) {
            let key = crate::storage::parse_key(key).map_err(|e| anyhow::anyhow!("{e}"))?;
            let size = entry.header().size()?;
            storage.put_file_if_absent(&key, &copy.0).await.with_context(|| format!("storing {key}"))?;
            files += 1;
            bytes += size;
        }
    }
    let manifest = manifest.with_context(|| format!("{} is not an aftersales backup", file.display()))?;
    anyhow::ensure!(restored_db, "{} holds no database dump", file.display());
    anyhow::ensure!(
        files == manifest.attachments,
        "{} holds {files} files of {}",
        file.display(),
        manifest.attachments
    );
    let (url, ca) = (target.database_url.to_owned(), target.ca_file.map(Path::to_path_buf));
    let tickets = tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        db::run_migrations(&url, ca.as_deref())?;
        Ok(facts(&mut SyncConn::connect(&url, ca.as_deref())?)?.tickets)
    })
    .await??;
    Ok(Summary { tickets, files, bytes })
}
