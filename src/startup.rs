//! One way to assemble an instance of the app (`Application::build`), used by `serve`, the tests and the benchmark:
//! the pool, the site's settings written to the database, the HTTP server and the background worker.

use crate::config::Settings;
use crate::db::Pool;
use crate::services::attachments::UploadLimits;
use crate::web;
use actix_session::SessionMiddleware;
use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer};
use anyhow::Context;
use chrono_tz::Tz;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use tracing_actix_web::TracingLogger;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub tz: Tz,
    /// The data folder (the session key, temporary files; attachments and exports unless they are in S3).
    pub data_dir: PathBuf,
    /// Where attachments and export files are kept.
    pub storage: crate::storage::Storage,
    pub upload_limits: UploadLimits,
    pub policy: crate::config::Policy,
    /// This instance's request figures for `/metrics`.
    pub metrics: crate::web::metrics::Metrics,
    /// The bearer token `/metrics` asks for (`AFTERSALES_METRICS_TOKEN`); unset, only this machine may scrape.
    pub metrics_token: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (`AFTERSALES_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Recent checks of sessions, and how long they live.
    pub sessions: crate::web::session::Sessions,
    /// Cookies only over HTTPS (`AFTERSALES_SECURE_COOKIES`).
    pub secure_cookies: bool,
    /// The address people reach this site at (`AFTERSALES_PUBLIC_URL`).
    pub public_url: String,
}

/// Largest form body accepted (uploads have their own limit).
const FORM_LIMIT: usize = 64 * 1024;
pub const SESSION_COOKIE: &str = "aftersales_session";

/// The cookie key: from the settings, else generated once and kept in the data
/// folder, so restarts keep people signed in and instances can share it.
pub fn session_key(settings: &Settings) -> anyhow::Result<Key> {
    if let Some(hex_key) = &settings.session_key {
        let bytes = hex::decode(hex_key.trim()).context("AFTERSALES_SESSION_KEY must be hex")?;
        anyhow::ensure!(bytes.len() >= 64, "AFTERSALES_SESSION_KEY must be at least 64 bytes (128 hex digits)");
        return Ok(Key::from(&bytes));
    }
    key_from_file(&settings.data_dir.join("session.key"))
}

fn key_from_file(path: &Path) -> anyhow::Result<Key> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Ok(text) = std::fs::read_to_string(path) {
        let bytes = hex::decode(text.trim()).with_context(|| format!("{} is not a hex key", path.display()))?;
        anyhow::ensure!(bytes.len() >= 64, "{} holds too short a key", path.display());
        return Ok(Key::from(&bytes));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let key = Key::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing the session key to {}", path.display()))?;
    file.write_all(hex::encode(key.master()).as_bytes())?;
    Ok(key)
}

/// A running instance: its HTTP server on a bound port and, unless turned off, its background worker.
pub struct Application {
    address: std::net::SocketAddr,
    pool: Pool,
    server: Server,
    worker: Option<crate::jobs::RunningWorker>,
    storage: crate::storage::Storage,
}

impl Application {
    /// Builds an instance from the settings on a migrated database at `database_url`: binds `settings.bind` (port 0
    /// picks a free one), writes the zone and public address for every instance and job, starts the worker.
    pub async fn build(settings: &Settings, database_url: &str) -> anyhow::Result<Application> {
        let key = session_key(settings)?;
        // Before anything starts: a wrong bucket, endpoint or credentials stop here with the setting named.
        let storage = crate::storage::Storage::open(&settings.storage, &settings.data_dir)?;
        storage.probe().await?;
        let listener =
            TcpListener::bind(settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let address = listener.local_addr()?;
        let pool = crate::db::build_pool_with(
            database_url,
            settings.database_ca_file.as_deref(),
            settings.db_pool,
            &settings.limits,
        )?;
        let mut conn = pool.get().await.context("connecting to the database")?;
        crate::store::sla::set_site(&mut conn, settings.timezone, &settings.mail.public_url).await?;
        drop(conn);
        let state = AppState {
            pool: pool.clone(),
            tz: settings.timezone,
            data_dir: settings.data_dir.clone(),
            storage: storage.clone(),
            upload_limits: UploadLimits::from_megabytes(settings.max_upload_mb, settings.max_files_per_ticket),
            policy: settings.policy(),
            metrics: crate::web::metrics::Metrics::new(),
            metrics_token: settings.metrics_token.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            secure_cookies: settings.secure_cookies,
            public_url: settings.mail.public_url.clone(),
            sessions: crate::web::session::Sessions::new(
                settings.session_idle_minutes,
                settings.session_max_days,
                settings.session_check_seconds,
            ),
        };
        let options = ServerOptions {
            key,
            secure_cookies: settings.secure_cookies,
            workers: settings.workers,
            compress: settings.compress,
            request_metrics: settings.request_metrics,
            deadline: settings.limits.request_timeout(),
        };
        let server = build_server(listener, state, options)?;
        let worker =
            crate::jobs::start(pool.clone(), &settings.worker, settings.policy(), &settings.mail, storage.clone());
        Ok(Application { address, pool, server, worker, storage })
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The file store the instance uses.
    pub fn storage(&self) -> &crate::storage::Storage {
        &self.storage
    }

    /// Serves until Ctrl-C/SIGTERM (or the server is stopped), then lets the worker finish its current job.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = self.server.await;
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        Ok(served?)
    }
}

struct ServerOptions {
    compress: bool,
    /// The longest a request's handler may take (see `web::deadline`).
    deadline: std::time::Duration,
    request_metrics: bool,
    pub key: Key,
    pub secure_cookies: bool,
    pub workers: Option<usize>,
}

/// The headers every response carries (lower-case names: the request deadline's page sets them itself).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; \
         form-action 'self'",
    ),
];

/// The server on `listener` (port 0 in tests). Middleware runs outside in:
/// request id and log → metrics → security headers → compression → session → error pages → text check → deadline →
/// session check → CSRF check → submission keys → handler.
fn build_server(listener: TcpListener, state: AppState, options: ServerOptions) -> std::io::Result<Server> {
    let state = actix_web::web::Data::new(state);
    let ServerOptions { key, secure_cookies, workers, compress, request_metrics, deadline } = options;
    let deadline = actix_web::web::Data::new(web::deadline::Deadline(deadline));
    let mut server = HttpServer::new(move || {
        let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name(SESSION_COOKIE.into())
            .cookie_secure(secure_cookies)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(actix_web::web::FormConfig::default().limit(FORM_LIMIT))
            .app_data(actix_web::web::PayloadConfig::new(FORM_LIMIT))
            .app_data(deadline.clone())
            .configure(web::routes)
            .wrap(from_fn(web::submission::dedupe))
            .wrap(from_fn(web::csrf::check))
            .wrap(from_fn(web::session::check))
            // Outside the session check and the submission keys, which ask the database too: a frozen database must
            // not hold a request past its limit anywhere.
            .wrap(from_fn(web::deadline::limit))
            .wrap(from_fn(web::text::refuse_control_characters))
            .wrap(from_fn(web::errors::render))
            .wrap(session)
            // gzip, when the browser asks; static files (precompressed) and byte-exact downloads say their own encoding.
            .wrap(Condition::new(compress, Compress::default()))
            .wrap(SECURITY_HEADERS.iter().fold(DefaultHeaders::new(), |headers, &header| headers.add(header)))
            .wrap(Condition::new(request_metrics, from_fn(web::metrics::record)))
            .wrap(TracingLogger::default())
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.run())
}
