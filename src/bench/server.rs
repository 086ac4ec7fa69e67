//! The server under test runs as a child process (this same binary, `--serve-child`), so its memory is its own:
//! the peak RSS reported is the kernel's high-water mark (`VmHWM`) of that process alone, not of the load generator.

use crate::config::Policy;
use crate::db;
use crate::services::attachments::UploadLimits;
use crate::startup::{AppState, ServerOptions, build_server};
use actix_web::cookie::Key;
use anyhow::Context;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Stdio};

/// Connections of the server's pool (the app's default).
const POOL: usize = 16;
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// In the child: serves `database_url` on a free loopback port, prints `listening <address>`, and exits when the
/// parent closes our stdin (so a parent that dies never leaves a server behind).
pub fn serve_child(database_url: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    actix_web::rt::System::new().block_on(async {
        let pool = db::build_pool(database_url, None, POOL)?;
        let mut conn = pool.get().await?;
        crate::store::sla::set_zone(&mut conn, TZ).await?;
        drop(conn);
        // Kept to the end: dropping it stops the workers.
        let _worker = super::export::start_worker(pool.clone());
        let state = AppState {
            pool,
            tz: TZ,
            data_dir: db::cluster::temp_data_dir("aftersales-bench-files"),
            upload_limits: UploadLimits::default(),
            policy: Policy::default(),
        };
        let options = ServerOptions { key: Key::generate(), secure_cookies: false, workers: None };
        let server = build_server(listener, state, options)?;
        println!("listening {address}");
        server.await?;
        anyhow::Ok(())
    })
}

pub struct ServerProcess {
    child: Child,
    /// Held open; dropping it tells the child to exit.
    stdin: Option<ChildStdin>,
    pub base: String,
}

impl ServerProcess {
    pub fn start(database_url: &str) -> anyhow::Result<ServerProcess> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("--serve-child")
            .arg(database_url)
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
