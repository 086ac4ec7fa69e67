//! A real nginx in front of app instances on loopback, run from `deploy/nginx.conf` itself, for the tests of several
//! instances (tests/app/deploy.rs) and the bench's `--instances`. Not used by `serve`.
//!
//! The production file is rewritten only where a machine differs: `user`, `pid`, the logs, the `listen` ports and the
//! upstream's `server` lines; the `ssl_*` lines are dropped (the test listens on plain http). Everything else — the
//! proxy headers, keep-alive to the upstream, retries, the body limit, `/metrics` kept private — is what runs.

use anyhow::Context;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `deploy/nginx.conf`, as shipped.
pub const CONFIG: &str = include_str!("../deploy/nginx.conf");

/// What the file is rewritten to.
pub struct Site<'a> {
    /// The https server's port (plain http here).
    pub listen: u16,
    /// The port of the server that only redirects to https.
    pub redirect: u16,
    pub upstreams: &'a [SocketAddr],
    /// For the pid file, the logs and nginx's temporary files.
    pub dir: &'a Path,
    /// nginx runs as root: its workers too (`user root;`), so they can write to `dir`.
    pub root: bool,
}

/// `template` rewritten for `site`; an error if a directive the rewrite relies on is missing.
pub fn render(template: &str, site: &Site) -> anyhow::Result<String> {
    let dir = site.dir.display();
    let mut out = vec!["daemon off;".to_owned(), "master_process on;".to_owned()];
    let (mut seen_pid, mut seen_listen, mut seen_upstream, mut in_upstream, mut servers_written) =
        (false, false, false, false, false);
    for line in template.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let directive = trimmed.split_whitespace().next().unwrap_or_default();
        match directive {
            "user" => {
                if site.root {
                    out.push("user root;".into());
                }
            }
            "pid" => {
                seen_pid = true;
                out.push(format!("pid {dir}/nginx.pid;"));
            }
            "error_log" => out.push(format!("{indent}error_log {dir}/error.log warn;")),
            "access_log" => {
                let format = trimmed.trim_end_matches(';').split_whitespace().nth(2).unwrap_or_default();
                out.push(format!("{indent}access_log {dir}/access.log {format};"));
            }
            "http" => {
                out.push(line.to_owned());
                for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
                    out.push(format!("{indent}    {temp}_temp_path {dir}/{temp};"));
                }
            }
            "upstream" => {
                seen_upstream = true;
                in_upstream = true;
                out.push(line.to_owned());
            }
            "}" if in_upstream => {
                in_upstream = false;
                out.push(line.to_owned());
            }
            "server" if in_upstream => {
                // The first line's parameters (max_fails, …) for every instance given.
                if !servers_written {
                    let params: Vec<&str> = trimmed.trim_end_matches(';').split_whitespace().skip(2).collect();
                    for address in site.upstreams {
                        out.push(format!("{indent}server {address} {};", params.join(" ")));
                    }
                    servers_written = true;
                }
            }
            "listen" if trimmed.contains("[::]") => {}
            "listen" => {
                let port = if trimmed.contains("443") { site.listen } else { site.redirect };
                seen_listen |= port == site.listen;
                out.push(format!("{indent}listen 127.0.0.1:{port};"));
            }
            d if d.starts_with("ssl_") => {}
            _ => out.push(line.to_owned()),
        }
    }
    anyhow::ensure!(seen_pid, "deploy/nginx.conf has no `pid` line");
    anyhow::ensure!(seen_listen, "deploy/nginx.conf has no `listen 443 …` line");
    anyhow::ensure!(seen_upstream && servers_written, "deploy/nginx.conf has no upstream with `server` lines");
    Ok(out.join("\n") + "\n")
}

/// A free port on loopback (free when asked: nginx takes it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// nginx running from `deploy/nginx.conf` in front of `upstreams`, until dropped.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:<port>`, the proxy's address.
    pub base: String,
}

/// What to do when there is no nginx.
const INSTALL: &str = "nginx is not installed: `apt-get install -y --no-install-recommends nginx` (Debian; .ci/run \
                       does it), or put an nginx binary on PATH";

impl Nginx {
    /// Starts nginx (master and workers, in the foreground) on a free loopback port and waits until it answers.
    pub fn start(upstreams: &[SocketAddr]) -> anyhow::Result<Nginx> {
        let dir = crate::db::cluster::temp_data_dir("aftersales-nginx");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let listen = free_port()?;
        let site =
            Site { listen, redirect: free_port()?, upstreams, dir: &dir, root: nix::unistd::geteuid().is_root() };
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, render(CONFIG, &site)?)?;
        let binary = ["nginx", "/usr/sbin/nginx"]
            .into_iter()
            .find(|b| Command::new(b).arg("-v").stderr(Stdio::null()).status().is_ok_and(|s| s.success()))
            .context(INSTALL)?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            // Before the config is read, nginx writes to its compiled-in error log unless told otherwise.
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nginx")?;
        let mut nginx = Nginx { child, dir, base: format!("http://127.0.0.1:{listen}") };
        nginx.wait_until_listening(listen)?;
        Ok(nginx)
    }

    fn wait_until_listening(&mut self, port: u16) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("nginx exited ({status}): {}", self.error_log());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "nginx did not listen within 10 s: {}", self.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What nginx logged (startup problems, upstreams it gave up on).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// One line per request, with the instance that answered it (`upstream=`).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers (SIGKILL would leave them behind), then SIGKILL if it hangs.
    fn drop(&mut self) {
        use nix::sys::signal::{Signal, kill};
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_rewritten_for_loopback_and_keeps_the_rest() {
        let upstreams: Vec<SocketAddr> = vec!["127.0.0.1:4001".parse().unwrap(), "127.0.0.1:4002".parse().unwrap()];
        let site = Site { listen: 5000, redirect: 5001, upstreams: &upstreams, dir: Path::new("/tmp/x"), root: true };
        let conf = render(CONFIG, &site).unwrap();
        for expected in [
            "daemon off;",
            "user root;",
            "pid /tmp/x/nginx.pid;",
            "server 127.0.0.1:4001 max_fails=3 fail_timeout=10s;",
            "server 127.0.0.1:4002 max_fails=3 fail_timeout=10s;",
            "listen 127.0.0.1:5000;",
            "listen 127.0.0.1:5001;",
            "access_log /tmp/x/access.log upstream;",
            "client_body_temp_path /tmp/x/client_body;",
            "proxy_next_upstream error timeout;",
            "location = /metrics",
            "gzip off;",
        ] {
            assert!(conf.contains(expected), "{expected} in:\n{conf}");
        }
        let directives: String = conf.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
        for gone in ["ssl_", "8081", "[::]", "www-data", "/var/log", "/run/"] {
            assert!(!directives.contains(gone), "{gone} in:\n{conf}");
        }
        let directive = |conf: &str, name: &str| -> Vec<String> {
            conf.lines().map(str::trim).filter(|l| l.starts_with(name)).map(str::to_owned).collect()
        };
        assert_eq!(
            directive(&conf, "proxy_next_upstream "),
            ["proxy_next_upstream error timeout;"],
            "POSTs never retried"
        );
        let site = Site { root: false, ..site };
        assert!(directive(&render(CONFIG, &site).unwrap(), "user ").is_empty(), "no user directive unless root");
        assert!(render("events {}\n", &site).is_err(), "a file without what the rewrite needs is refused");
    }
}
