//! The real binary: first start on an empty data folder, a second instance on
//! the same folder, a restart that keeps the data, and `create-user`.

use crate::helpers::Browser;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn aftersales(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftersales"));
    cmd.env_remove("DATABASE_URL").env("AFTERSALES_DATA_DIR", data_dir).env("RUST_LOG", "warn");
    cmd
}

/// Starts `serve` on a free port and waits for the line that says where it runs.
fn serve(data_dir: &std::path::Path) -> Server {
    let mut child = aftersales(data_dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start aftersales");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    let base = loop {
        let line = lines.next().expect("aftersales exited before serving").expect("read");
        banner.push(line.clone());
        if let Some(rest) = line.strip_prefix("aftersales is running at ") {
            break rest.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_owned();
        }
    };
    // Keep reading so the demo-login lines don't block the server on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

fn stop(mut server: Server) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .expect("signal");
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

async fn ticket_count(base: &str) -> usize {
    let browser =
        Browser { http: reqwest::Client::builder().cookie_store(true).build().expect("client"), base: base.to_owned() };
    let res = browser.login("supervisor@demo.local", "demo1234").await;
    assert_eq!(res.status(), StatusCode::OK, "demo supervisor can sign in");
    let mut count = 0;
    let mut next = Some("/queue?state=all".to_owned());
    while let Some(path) = next {
        let page = browser.page(&path).await;
        count += page.select("#queue-table tbody tr").len();
        next = page.attr(".pager a", "href");
    }
    count
}

#[actix_web::test]
async fn first_start_seeds_a_second_instance_is_refused_and_a_restart_keeps_the_data() {
    let data_dir = aftersales::db::cluster::temp_data_dir("aftersales-cli-test");
    let first = serve(&data_dir);
    let health = reqwest::get(format!("{}/healthz", first.base)).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let seeded = ticket_count(&first.base).await;
    assert!(seeded >= 40, "demo tickets: {seeded}");

    let second = aftersales(&data_dir).args(["serve", "--bind", "127.0.0.1:0"]).output().expect("run second");
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("another aftersales") || message.contains("in use"), "a clear message: {message}");
    assert_eq!(
        reqwest::get(format!("{}/healthz", first.base)).await.unwrap().status(),
        StatusCode::OK,
        "the first is unharmed"
    );

    stop(first);
    let again = serve(&data_dir);
    assert_eq!(ticket_count(&again.base).await, seeded, "same data after a restart, not seeded twice");
    stop(again);

    let created = aftersales(&data_dir)
        .args(["create-user", "--role", "supervisor", "--name", "运维主管", "--email", "ops@example.com"])
        .env("AFTERSALES_NEW_PASSWORD", "a-long-password")
        .output()
        .expect("create-user");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let refused = aftersales(&data_dir)
        .args(["create-user", "--role", "agent", "--name", "", "--email", "bad"])
        .env("AFTERSALES_NEW_PASSWORD", "short")
        .output()
        .expect("create-user");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("--email") && message.contains("--password"), "{message}");

    // A backup of the managed cluster (its own socket, no DATABASE_URL), restored into the same folder.
    let archive = data_dir.with_extension("tar");
    let archive_arg = archive.to_string_lossy().into_owned();
    let backup = aftersales(&data_dir).args(["backup", &archive_arg]).output().expect("backup");
    let said = String::from_utf8_lossy(&backup.stdout).into_owned();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(said.starts_with(&format!("backed up {seeded} tickets")), "{said}");
    let restore = aftersales(&data_dir).args(["restore", &archive_arg]).output().expect("restore");
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    let again = serve(&data_dir);
    assert_eq!(ticket_count(&again.base).await, seeded, "the restored cluster has every ticket");
    stop(again);
    let _ = std::fs::remove_file(&archive);
    let _ = std::fs::remove_dir_all(&data_dir);
    tokio::time::sleep(Duration::from_millis(10)).await;
}
