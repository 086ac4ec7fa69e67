//! The database: the managed cluster or an external server, migrations, the pool.

pub mod cluster;
mod connect;
pub mod schema;

use anyhow::Context;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::Path;
use std::sync::Arc;

use crate::config::Limits;

pub use cluster::{ClusterOptions, ManagedCluster};
pub use connect::{CA_FILE_ENV, CaSource, ConnectOptions, DEFAULT_CONNECT_TIMEOUT, SslMode};

pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
pub type PooledConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A blocking connection for start-up work (migrations, creating databases), made by [`ConnectOptions::connect`]
/// like every other. It runs on a small runtime of its own (one worker thread, which keeps the connection's driver
/// task running between the blocking calls), so use it outside async code (or in `spawn_blocking`). Derefs to
/// diesel's [`AsyncConnectionWrapper`], which implements [`Connection`] and [`MigrationHarness`].
pub struct SyncConn {
    conn: AsyncConnectionWrapper<AsyncPgConnection>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl SyncConn {
    /// Connects to `url` (with the CA file setting `ca_file`), TLS as the URL says. Blocking.
    pub fn connect(url: &str, ca_file: Option<&Path>) -> anyhow::Result<SyncConn> {
        let options = ConnectOptions::parse(url, ca_file)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aftersales-db-sync")
            .enable_all()
            .build()
            .context("starting the runtime for the database connection")?;
        let conn = runtime.block_on(options.connect())?;
        // The wrapper takes the current runtime's handle for its blocking calls: ours.
        let _entered = runtime.enter();
        Ok(SyncConn { conn: AsyncConnectionWrapper::from(conn), runtime: Some(runtime) })
    }
}

impl std::ops::Deref for SyncConn {
    type Target = AsyncConnectionWrapper<AsyncPgConnection>;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for SyncConn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl Drop for SyncConn {
    /// Without waiting, so dropping it inside async code does not panic. The connection is closed when its driver
    /// task stops with the runtime.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The pool hands out a connection without a test query first (`Fast`): a ping per request would be one more round
/// trip on every page. A connection that broke (the server restarted) fails its next query once and is then
/// dropped, not returned to the pool. Connections are made by [`ConnectOptions::connect`] (TLS as the URL says);
/// `url` and `ca_file` are checked here, so a bad setting stops the start, not the first request. The default
/// [`Limits`] apply; [`build_pool_with`] takes others.
pub fn build_pool(url: &str, ca_file: Option<&Path>, size: usize) -> anyhow::Result<Pool> {
    build_pool_with(url, ca_file, size, &Limits::default())
}

/// As [`build_pool`], with the time limits of `limits`: every connection carries the statement and
/// idle-in-transaction timeouts, and a wait for a connection, its creation or its recycling is bounded, so a stuck
/// database makes `pool.get()` fail in seconds (a 503) rather than wait.
pub fn build_pool_with(url: &str, ca_file: Option<&Path>, size: usize, limits: &Limits) -> anyhow::Result<Pool> {
    let mut options = ConnectOptions::parse(url, ca_file)?;
    options.session_limits(limits.statement_timeout(), limits.idle_in_transaction_timeout());
    // The connect timeout bounds the connection's setup already; the pool's own limit is a little longer.
    let create_timeout = options.connect_timeout() + std::time::Duration::from_secs(1);
    let options = Arc::new(options);
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_url| {
        let options = Arc::clone(&options);
        Box::pin(async move {
            options.connect().await.map_err(|e| diesel::ConnectionError::BadConnection(format!("{e:#}")))
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(redact(url), config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(limits.pool_wait()))
        .create_timeout(Some(create_timeout))
        .recycle_timeout(Some(RECYCLE_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Recycling is a local check (`Fast`), so it never needs long.
const RECYCLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Longest a statement of an export or the analytics fold may run: they read many rows, so they lift the app's
/// `statement_timeout` to this on their own connection while they work (see [`with_long_statements`]).
pub const LONG_STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Runs `work` on `conn` with statements allowed [`LONG_STATEMENT_TIMEOUT`], then gives the connection back its
/// own limit (`RESET` returns to the value it was opened with), whatever `work` returned, so a pooled connection
/// never goes back to the pool with the long limit. A connection whose reset fails is broken anyway.
pub async fn with_long_statements<T>(
    conn: &mut AsyncPgConnection,
    work: impl AsyncFnOnce(&mut AsyncPgConnection) -> T,
) -> diesel::QueryResult<T> {
    let sql = format!("SET statement_timeout = {}", LONG_STATEMENT_TIMEOUT.as_millis());
    diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), conn).await?;
    let done = work(conn).await;
    diesel_async::RunQueryDsl::execute(diesel::sql_query("RESET statement_timeout"), conn).await?;
    Ok(done)
}

/// The advisory lock that instances starting at once take around their migrations (an arbitrary constant: the
/// first 8 bytes of "aftersal" as a number).
const MIGRATION_LOCK: i64 = 0x6166_7465_7273_616c;

/// Applies pending migrations, one instance at a time: several instances starting together wait for the first to
/// finish, then find nothing left to do. Blocking.
pub fn run_migrations(url: &str, ca_file: Option<&Path>) -> anyhow::Result<()> {
    let mut conn = SyncConn::connect(url, ca_file)?;
    let conn = &mut *conn;
    // Session-level, so it spans the migrations' own transactions; released when the connection closes at the latest.
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    let migrated =
        conn.run_pending_migrations(MIGRATIONS).map(drop).map_err(|e| anyhow::anyhow!("running migrations: {e}"));
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    migrated
}

/// Creates database `name` (optionally from `template`) unless it exists; true if it was created. Blocking.
pub fn create_database(
    admin_url: &str,
    ca_file: Option<&Path>,
    name: &str,
    template: Option<&str>,
) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let mut conn = SyncConn::connect(admin_url, ca_file)?;
    let conn = &mut *conn;
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(conn)?;
    if found.exists {
        return Ok(false);
    }
    let mut sql = format!("CREATE DATABASE {}", quote_ident(name));
    if let Some(template) = template {
        sql.push_str(&format!(" TEMPLATE {}", quote_ident(template)));
    }
    diesel::sql_query(sql).execute(conn)?;
    Ok(true)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The URL without its password, for messages: the user info's, and a `password=` parameter's (URL query or
/// `key=value` form).
pub fn redact(url: &str) -> String {
    let masked = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    };
    let mut out = String::with_capacity(masked.len());
    let mut rest = masked.as_str();
    const KEY: &str = "password=";
    while let Some(i) = rest.find(KEY) {
        let starts_a_parameter = i == 0 || matches!(rest.as_bytes()[i - 1], b'?' | b'&' | b' ' | b'\t' | b'\n');
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        if starts_a_parameter {
            let end = match rest.strip_prefix('\'') {
                Some(quoted) => quoted.find('\'').map_or(rest.len(), |e| e + 2),
                None => rest.find(|c: char| c == '&' || c.is_whitespace()).unwrap_or(rest.len()),
            };
            out.push_str("***");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact("postgres://u@h/db?password=secret&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(super::redact("host=h password='se cret' user=u"), "host=h password=*** user=u");
        assert_eq!(super::redact("host=h mypassword=x"), "host=h mypassword=x");
    }
}
