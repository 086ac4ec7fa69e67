//! The database: the managed cluster or an external server, migrations, the pool.

pub mod cluster;
pub mod schema;

use anyhow::Context;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use cluster::{ClusterOptions, ManagedCluster};

pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
pub type PooledConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A blocking connection for start-up work (migrations, creating databases).
/// It runs its own small runtime, so call it outside async code.
pub type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

/// The pool hands out a connection without a test query first (`Fast`): a ping per request would be one more round
/// trip on every page. A connection that broke (the server restarted) fails its next query once and is then
/// dropped, not returned to the pool.
pub fn build_pool(url: &str, size: usize) -> anyhow::Result<Pool> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager).max_size(size).build().context("building the database pool")
}

/// Applies pending migrations. Blocking.
pub fn run_migrations(url: &str) -> anyhow::Result<()> {
    let mut conn = SyncConn::establish(url).with_context(|| format!("connecting to {}", redact(url)))?;
    conn.run_pending_migrations(MIGRATIONS).map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    Ok(())
}

/// Creates database `name` (optionally from `template`) unless it exists; true if it was created. Blocking.
pub fn create_database(admin_url: &str, name: &str, template: Option<&str>) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let mut conn = SyncConn::establish(admin_url).with_context(|| format!("connecting to {}", redact(admin_url)))?;
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut conn)?;
    if found.exists {
        return Ok(false);
    }
    let mut sql = format!("CREATE DATABASE {}", quote_ident(name));
    if let Some(template) = template {
        sql.push_str(&format!(" TEMPLATE {}", quote_ident(template)));
    }
    diesel::sql_query(sql).execute(&mut conn)?;
    Ok(true)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
