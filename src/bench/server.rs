//! The server under test runs as a child process (this same binary, `--serve-child`), so its memory is its own:
//! the peak RSS reported is the kernel's high-water mark (`VmHWM`) of that process alone, not of the load generator.

use crate::config::Settings;
use crate::db;
use crate::startup::Application;
use actix_web::cookie::Key;
use anyhow::Context;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Connections of the server's pool (the app's default).
const POOL: usize = 16;
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// What every server process of one run shares, as instances of one deployment do: the session key (a browser
/// signed in on one is signed in on all) and the data folder. Passed to the children in their environment.
pub struct Shared {
    session_key: String,
    data_dir: std::path::PathBuf,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            session_key: hex::encode(Key::generate().master()),
            data_dir: db::cluster::temp_data_dir("aftersales-bench-files"),
        }
    }
}

impl Default for Shared {
    fn default() -> Self {
        Shared::new()
    }
}

/// In the child: serves `database_url` on a free loopback port, prints `listening <address>`, and exits when the
/// parent closes our stdin (so a parent that dies never leaves a server behind). The session key and the data folder
/// come from the environment the parent set ([`Shared`]).
pub fn serve_child(database_url: &str) -> anyhow::Result<()> {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".parse()?;
    settings.db_pool = POOL;
    settings.timezone = TZ;
    anyhow::ensure!(settings.session_key.is_some(), "the harness passes AFTERSALES_SESSION_KEY");
    // The bench runs its own worker: only the export jobs (and the analytics fold), as it measures them.
    settings.worker.enabled = false;
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(&settings, database_url).await?;
        // Kept to the end: dropping it stops the workers.
        let _worker = super::export::start_worker(app.pool().clone(), app.storage().clone());
        println!("listening {}", app.address());
        app.run_until_stopped().await
    })
}

pub struct ServerProcess {
    child: Child,
    /// Held open; dropping it tells the child to exit.
    stdin: Option<ChildStdin>,
    pub base: String,
}

impl ServerProcess {
    pub fn start(database_url: &str, shared: &Shared) -> anyhow::Result<ServerProcess> {
        Self::start_with(database_url, shared, &[])
    }

    /// A server with extra `AFTERSALES_*` settings in its environment.
    pub fn start_with(database_url: &str, shared: &Shared, env: &[(&str, &str)]) -> anyhow::Result<ServerProcess> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .envs(env.iter().copied())
            .arg("--serve-child")
            .arg(database_url)
            .env("AFTERSALES_SESSION_KEY", &shared.session_key)
            .env("AFTERSALES_DATA_DIR", &shared.data_dir)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server process")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let address = line.trim().strip_prefix("listening ").context("the server did not start")?.to_owned();
        Ok(ServerProcess { child, stdin, base: format!("http://{address}") })
    }

    /// The server's peak resident memory so far, in MB (the kernel's `VmHWM`).
    pub fn peak_rss_mb(&self) -> f64 {
        self.status_mb("VmHWM:")
    }

    /// The server's resident memory now, in MB.
    pub fn rss_mb(&self) -> f64 {
        self.status_mb("VmRSS:")
    }

    /// Where it listens.
    pub fn address(&self) -> anyhow::Result<std::net::SocketAddr> {
        Ok(self.base.trim_start_matches("http://").parse()?)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn status_mb(&self, field: &str) -> f64 {
        status_mb(self.child.id(), field)
    }
}

/// A `kB` line of process `pid`'s `/proc/<pid>/status`, in MB (`VmRSS:` is its resident memory now).
pub fn status_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}
