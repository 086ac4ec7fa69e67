//! The app under database faults, through the chaos proxy (`chaos.rs`): a frozen database answers 503 within
//! seconds and pages work again once it is back; connections cut under load answer no 500 and lose no
//! acknowledged filing; a job whose run the database broke is rescheduled at once and retried soon; a lease is
//! renewed while its job runs; the outbox moves again seconds after a cut; and a real `serve` process killed with
//! SIGKILL under load loses nothing acknowledged, and its work moves on within seconds of a restart.

use crate::chaos::{Chaos, ChaosProxy};
use crate::helpers::*;
use crate::jobs::count;
use crate::outbox::SmtpSink;
use aftersales::config::Mail;
use aftersales::db::Pool;
use aftersales::domain::Role;
use aftersales::jobs::outbox_delivery::OutboxDelivery;
use aftersales::jobs::{Job, JobContext, JobFuture, Outcome, Registry, RunningWorker, Worker, WorkerConfig};
use aftersales::services::attachments::UploadLimits;
use chrono::{SubsecRound, Utc};
use reqwest::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A fresh database, the proxy in front of it, an app on the proxy, and a pool straight to the database (for
/// checking what was stored whatever the proxy does).
async fn proxied_app() -> (TestApp, ChaosProxy, Pool) {
    let url = tokio::task::spawn_blocking(fresh_database).await.expect("database");
    let proxy = ChaosProxy::start(&url).await;
    let app = TestApp::spawn_on(settings(UploadLimits::default()), proxy.url()).await;
    let direct = aftersales::db::build_pool(&url, None, 2).expect("direct pool");
    (app, proxy, direct)
}

/// Polls `path` until it answers 200; how long that took.
async fn until_ok(browser: &Browser, path: &str) -> Duration {
    let started = Instant::now();
    loop {
        if browser.http.get(browser.url(path)).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{path} did not work again within 30 s");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_frozen_database_makes_pages_answer_503_within_seconds_and_they_work_again_after() {
    let (app, proxy, _direct) = proxied_app().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let path = format!("/tickets/{number}");
    assert_eq!(customer.get(&path).await.status(), StatusCode::OK);

    // A slow database is slow, not an error.
    proxy.delay(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(customer.get(&path).await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200), "the delay applied");
    proxy.resume();

    proxy.freeze();
    let started = Instant::now();
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.expect("readyz");
    let ready_took = started.elapsed();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let said: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(said["database"], "unreachable");
    assert!(ready_took < Duration::from_millis(1500), "/readyz took {ready_took:?}");

    // People keep clicking: every page answers the readable 503 with Retry-After, none hangs.
    let started = Instant::now();
    let asked = (0..6).map(|i| {
        let (customer, path) = (customer.clone(), path.clone());
        async move {
            let lang = if i == 0 { "en" } else { "zh-CN" };
            let res = customer.http.get(customer.url(&path)).header("Accept-Language", lang).send().await.expect("GET");
            let retry_after = res.headers().get("retry-after").is_some();
            (res.status(), retry_after, res.text().await.unwrap_or_default(), started.elapsed())
        }
    });
    let answers = futures_util::future::join_all(asked).await;
    for (i, (status, retry_after, body, took)) in answers.iter().enumerate() {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(retry_after, "Retry-After on the 503");
        let message = if i == 0 { "The service is unavailable right now" } else { "服务暂时不可用" };
        assert!(body.contains(message), "{body}");
        for cause in ["deadline", "statement", "connection", "pool", "diesel", "postgres"] {
            assert!(!body.to_lowercase().contains(cause), "the page names no cause ({cause}): {body}");
        }
        assert!(*took < Duration::from_secs(12), "answered after {took:?}");
    }
    let slowest = answers.iter().map(|a| a.3).max().unwrap_or_default();

    proxy.resume();
    let recovered = until_ok(&customer, &path).await;
    eprintln!(
        "frozen database: /readyz 503 in {ready_took:?}, pages 503 within {slowest:?}; after it came back, pages worked again in {recovered:?}"
    );
    assert!(recovered < Duration::from_secs(5), "pages work again without a restart");
}

/// Files tickets as `browser` until `stop`; each title with the status it got (0: no answer at all).
async fn file_until(browser: Browser, who: usize, stop: Arc<AtomicBool>) -> Vec<(String, u16)> {
    let token = browser.csrf().await;
    let mut filed = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let title = format!("负载 {who}-{}", filed.len());
        let mut form = ticket_form(&title, &[]);
        form.push(("csrf_token", &token));
        let sent = browser.http.post(browser.url("/portal/tickets")).form(&form).send().await;
        let status = sent.map_or(0, |res| res.status().as_u16());
        filed.push((title, status));
    }
    filed
}

/// Checks that every filing acknowledged (303) is stored exactly once, and that none answered other than 303 or
/// 503; returns the counts of acknowledged and refused filings.
async fn acknowledged_are_stored(direct: &Pool, filed: &[(String, u16)]) -> (usize, usize) {
    let odd: Vec<_> = filed.iter().filter(|(_, s)| *s != 303 && *s != 503).collect();
    assert!(odd.is_empty(), "only 303 or 503 under faults, never a 500: {odd:?}");
    for (title, _) in filed.iter().filter(|(_, s)| *s == 303) {
        let stored = count(direct, &format!("SELECT count(*) FROM tickets WHERE title = '{title}'")).await;
        assert_eq!(stored, 1, "acknowledged filing {title} stored once");
    }
    let ok = filed.iter().filter(|(_, s)| *s == 303).count();
    (ok, filed.len() - ok)
}

#[actix_web::test]
async fn connections_cut_under_load_answer_no_500_and_lose_no_acknowledged_filing() {
    let (app, proxy, direct) = proxied_app().await;
    let mut clients = Vec::new();
    for i in 0..8 {
        clients.push(app.signed_in(Role::Customer, &format!("c{i}@example.com")).await);
    }
    let watcher = clients[0].clone();
    let stop = Arc::new(AtomicBool::new(false));
    let load = clients.into_iter().enumerate().map(|(i, c)| file_until(c, i, stop.clone()));
    let chaos = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        for _ in 0..4 {
            proxy.cut();
            actix_web::rt::time::sleep(Duration::from_millis(400)).await;
        }
        proxy.down();
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        proxy.resume();
        let recovered = until_ok(&watcher, "/portal").await;
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::SeqCst);
        recovered
    };
    let (filed, recovered) = futures_util::join!(futures_util::future::join_all(load), chaos);
    let filed: Vec<_> = filed.into_iter().flatten().collect();
    let (ok, refused) = acknowledged_are_stored(&direct, &filed).await;
    let refused_but_stored = {
        let mut n = 0;
        for (title, _) in filed.iter().filter(|(_, s)| *s == 503) {
            n += count(&direct, &format!("SELECT count(*) FROM tickets WHERE title = '{title}'")).await;
        }
        n
    };
    eprintln!(
        "cuts under load: {ok} filings acknowledged and stored, {refused} answered 503 ({refused_but_stored} of \
         those committed before the connection broke); pages worked again {recovered:?} after the database came back"
    );
    assert!(ok > 0 && refused > 0, "the load ran and the cuts hit it: {ok} / {refused}");
    assert!(recovered < Duration::from_secs(5));
}

/// A job whose database goes away in the middle of its run, for `away`, on its first attempt only.
struct LosesTheDatabase {
    chaos: Chaos,
    away: Duration,
    runs: Arc<AtomicUsize>,
}

impl Job for LosesTheDatabase {
    fn kind(&self) -> &'static str {
        "loses_the_database"
    }
    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        use diesel_async::RunQueryDsl;
        Box::pin(async move {
            self.runs.fetch_add(1, Ordering::SeqCst);
            let mut conn = ctx.pool.get().await?;
            diesel::sql_query("SELECT 1").execute(&mut conn).await?;
            if ctx.attempt == 1 {
                self.chaos.down();
                let (chaos, away) = (self.chaos.clone(), self.away);
                actix_web::rt::spawn(async move {
                    actix_web::rt::time::sleep(away).await;
                    chaos.resume();
                });
                diesel::sql_query("SELECT 1").execute(&mut conn).await?;
            }
            Ok(Outcome::Done)
        })
    }
}

#[actix_web::test]
async fn a_run_the_database_broke_is_rescheduled_at_once_and_retried_soon() {
    let (app, proxy, direct) = proxied_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    registry.register(LosesTheDatabase { chaos: proxy.chaos(), away: Duration::from_millis(1500), runs: runs.clone() });
    let worker = Worker::new(app.pool.clone(), Arc::new(registry), WorkerConfig::default());
    let t = Utc::now().trunc_subsecs(6);
    let mut conn = direct.get().await.expect("conn");
    let spec = aftersales::jobs::JobSpec::new("loses_the_database", serde_json::json!({}), t);
    let id = aftersales::jobs::enqueue(&mut conn, spec, t).await.expect("enqueue").expect("id");
    drop(conn);

    let started = Instant::now();
    let tick = worker.tick(t).await.expect("the outcome is recorded once the database is back");
    let recorded = started.elapsed();
    assert_eq!((tick.claimed, tick.failed), (1, 1));
    let retry = format!(
        "SELECT count(*) FROM jobs WHERE id = {id} AND locked_by IS NULL AND locked_until IS NULL AND attempts = 1 \
         AND last_error IS NOT NULL AND run_at = '{}'::timestamptz",
        (t + aftersales::jobs::backoff(1)).to_rfc3339()
    );
    assert_eq!(count(&direct, &retry).await, 1, "rescheduled with the first backoff, the claim given back");
    let again = worker.tick(t + aftersales::jobs::backoff(1)).await.expect("second tick");
    assert_eq!((again.claimed, again.succeeded), (1, 1));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    eprintln!(
        "a run broken by the database: its retry recorded {recorded:?} after the run began (database away 1.5 s)"
    );
    assert!(recorded < Duration::from_secs(6));
}

/// A job that takes `takes`, counting its runs.
struct Slow {
    takes: Duration,
    runs: Arc<AtomicUsize>,
}

impl Job for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }
    fn run<'a>(&'a self, _ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            self.runs.fetch_add(1, Ordering::SeqCst);
            actix_web::rt::time::sleep(self.takes).await;
            Ok(Outcome::Done)
        })
    }
}

#[actix_web::test]
async fn a_lease_is_renewed_while_its_job_runs_so_no_other_worker_takes_it() {
    let (app, _proxy, direct) = proxied_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    registry.register(Slow { takes: Duration::from_millis(2500), runs: runs.clone() });
    let registry = Arc::new(registry);
    let config = WorkerConfig { lease: chrono::Duration::seconds(1), ..WorkerConfig::default() };
    let a = Worker::new(app.pool.clone(), registry.clone(), config.clone());
    let b = Worker::new(app.pool.clone(), registry, config);
    let t = Utc::now();
    let mut conn = direct.get().await.expect("conn");
    aftersales::jobs::enqueue(&mut conn, aftersales::jobs::JobSpec::new("slow", serde_json::json!({}), t), t)
        .await
        .expect("enqueue");
    drop(conn);
    let other = async {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let mut taken = 0;
        for _ in 0..15 {
            taken += b.tick(Utc::now()).await.expect("tick").claimed;
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        taken
    };
    let (ran, taken) = futures_util::join!(a.tick(t), other);
    assert_eq!(ran.expect("tick").succeeded, 1);
    assert_eq!(taken, 0, "the other worker never took the job its lease (1 s) would have freed");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// Puts `n` emails in the outbox, due now.
async fn emails(direct: &Pool, n: usize) {
    use diesel_async::RunQueryDsl;
    let sql = format!(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at) \
         SELECT 'email', 'r' || i || '@example.com', 'Betreff ' || i, 'Text ' || i, now(), now() \
         FROM generate_series(1, {n}) AS i"
    );
    let mut conn = direct.get().await.expect("conn");
    diesel::sql_query(sql).execute(&mut conn).await.expect("outbox rows");
}

/// The Message-ID of each message the sink received.
fn message_ids(sink: &SmtpSink) -> Vec<String> {
    let id_of = |data: &str| {
        data.lines()
            .find_map(|l| l.to_ascii_lowercase().starts_with("message-id:").then(|| l[11..].trim().to_owned()))
            .unwrap_or_default()
    };
    sink.messages().iter().map(|m| id_of(&m.data)).collect()
}

/// Waits until no email is unsent; how long that took.
async fn outbox_empties(direct: &Pool, limit: Duration) -> Duration {
    let started = Instant::now();
    while count(direct, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").await > 0 {
        assert!(started.elapsed() < limit, "the outbox did not empty within {limit:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

/// Each outbox row arrived, with its own stable Message-ID; resends (if any) carry the first one's. The count of
/// resends.
fn each_message_arrived(sink: &SmtpSink, rows: usize) -> usize {
    let ids = message_ids(sink);
    assert!(ids.iter().all(|id| id.starts_with("<outbox.") && id.ends_with('>')), "{ids:?}");
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), rows, "every message arrived");
    ids.len() - distinct.len()
}

#[actix_web::test]
async fn the_outbox_moves_again_seconds_after_the_database_was_cut() {
    let (app, proxy, direct) = proxied_app().await;
    let sink = SmtpSink::start().await;
    let mail = Mail { smtp_url: Some(sink.url()), ..Mail::default() };
    let mut registry = Registry::new();
    registry.register_every(OutboxDelivery::new(&mail).expect("mail"), aftersales::jobs::OUTBOX_EVERY);
    let config = WorkerConfig { poll: Duration::from_millis(50), ..WorkerConfig::default() };
    let worker = RunningWorker::start_lanes(app.pool.clone(), Arc::new(registry), config);
    let rows = 40;
    emails(&direct, rows).await;
    let started = Instant::now();
    while count(&direct, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").await < 5 {
        assert!(started.elapsed() < Duration::from_secs(20), "delivery began");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.down();
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    proxy.resume();
    let resumed = outbox_empties(&direct, Duration::from_secs(20)).await;
    let resent = each_message_arrived(&sink, rows);
    let held = count(&direct, "SELECT count(*) FROM outbox WHERE claimed_until IS NOT NULL").await;
    assert_eq!(held, 0, "no message left claimed");
    eprintln!(
        "outbox after a 2 s outage: every message sent {resumed:?} after the database came back; {resent} resent"
    );
    assert!(resumed < Duration::from_secs(10), "the outbox moves again within seconds: {resumed:?}");
    worker.stop().await;
}

/// A `serve` process of the real binary on database `url`, its mail to `smtp`; killed (SIGKILL) when dropped.
struct Serve {
    child: std::process::Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on a free port and waits (on a blocking thread) for the line saying where it runs.
async fn serve(url: &str, data_dir: &std::path::Path, smtp: &str) -> Serve {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_aftersales"));
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", url)
        .env("AFTERSALES_DATA_DIR", data_dir)
        .env("AFTERSALES_SMTP_URL", smtp)
        .env("AFTERSALES_WORKER_POLL_MS", "100")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("start aftersales");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines().map_while(Result::ok);
        let base = lines
            .find_map(|line| {
                let rest = line.strip_prefix("aftersales is running at ")?.to_owned();
                Some(rest.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_owned())
            })
            .expect("serve started");
        std::thread::spawn(move || for _ in lines {});
        Serve { child, base }
    })
    .await
    .expect("serve")
}

/// Polls the count `sql` until it is 0; how long that took.
async fn becomes_zero(direct: &Pool, sql: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    while count(direct, sql).await > 0 {
        assert!(started.elapsed() < limit, "{sql} still above 0 after {limit:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

#[actix_web::test]
async fn serve_killed_under_load_loses_no_acknowledged_filing_and_its_work_moves_on_within_seconds() {
    let url = tokio::task::spawn_blocking(fresh_database).await.expect("database");
    let direct = aftersales::db::build_pool(&url, None, 2).expect("pool");
    let sink = SmtpSink::start().await;
    let data_dir = aftersales::db::cluster::temp_data_dir("aftersales-crash-test");
    let customers: Vec<String> = (0..8).map(|i| format!("k{i}@example.com")).collect();
    for email in &customers {
        let draft = aftersales::domain::account_form::AccountDraft {
            role: Role::Customer,
            name: email.clone(),
            phone: None,
            email: Some(email.clone()),
            company: None,
            region: Some("上海".into()),
            skills: Vec::new(),
            password: PASSWORD.into(),
        };
        aftersales::services::accounts::create(&direct, draft).await.expect("customer");
    }
    let first = serve(&url, &data_dir, &sink.url()).await;
    let mut clients = Vec::new();
    for email in &customers {
        let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none());
        let browser = Browser { http: http.build().expect("client"), base: first.base.clone() };
        assert_eq!(browser.login(email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
        clients.push(browser);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let load = clients.into_iter().enumerate().map(|(i, c)| file_until(c, i, stop.clone()));
    let mut first = first;
    let dead = first.child.id();
    // Killed mid-load, and while its worker is delivering the mail the load made (so it dies holding claims).
    let sent = "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL";
    let kill = async {
        let started = Instant::now();
        loop {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            let delivering = count(&direct, sent).await > 0;
            if started.elapsed() >= Duration::from_secs(3) && delivering {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the first instance delivered nothing");
        }
        first.child.kill().expect("SIGKILL");
        first.child.wait().expect("wait");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        stop.store(true, Ordering::SeqCst);
    };
    let (filed, ()) = futures_util::join!(futures_util::future::join_all(load), kill);
    let mut filed: Vec<_> = filed.into_iter().flatten().collect();
    let unanswered = filed.iter().filter(|(_, s)| *s == 0).count();
    filed.retain(|(_, s)| *s != 0);
    let (acknowledged, refused) = acknowledged_are_stored(&direct, &filed).await;
    assert!(acknowledged > 20, "the load ran: {acknowledged}");
    let held_by_dead = format!("SELECT count(*) FROM jobs WHERE locked_by LIKE '%:{dead}:%'");
    let dead_claims = count(&direct, &held_by_dead).await;
    let unsent = count(&direct, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").await;
    let sent_at_kill = count(&direct, sent).await;
    assert!(dead_claims > 0 && unsent > 0, "killed while holding claims and mail: {dead_claims}, {unsent}");

    let second = serve(&url, &data_dir, &sink.url()).await;
    let restarted = Instant::now();
    let moved_again = becomes_zero(
        &direct,
        &format!("SELECT ({sent_at_kill} - count(*)) + 1 FROM outbox WHERE sent_at IS NOT NULL"),
        Duration::from_secs(30),
    )
    .await;
    let claims_moved = becomes_zero(&direct, &held_by_dead, Duration::from_secs(30)).await;
    let outbox_empty = outbox_empties(&direct, Duration::from_secs(180)).await;
    let since_restart = restarted.elapsed();
    assert_eq!(count(&direct, "SELECT count(*) FROM jobs WHERE failed_at IS NOT NULL").await, 0, "no job given up");
    assert!(
        count(&direct, "SELECT count(DISTINCT kind) FROM jobs WHERE repeat_seconds IS NOT NULL").await >= 8,
        "every sweep still scheduled"
    );
    let rows = count(&direct, "SELECT count(*) FROM outbox").await as usize;
    let resent = each_message_arrived(&sink, rows);
    eprintln!(
        "SIGKILL under load: {acknowledged} filings acknowledged and stored, {refused} refused, {unanswered} without an \
         answer; at the kill {dead_claims} job claims held and {unsent} emails unsent; after the restart mail moved \
         again in {moved_again:?}, the dead worker's claims were all taken {claims_moved:?} later, the outbox was \
         empty {outbox_empty:?} after that ({since_restart:?} in all); {resent} of {rows} emails sent twice (same \
         Message-ID)"
    );
    assert!(moved_again < Duration::from_secs(20), "the outbox moves again within seconds: {moved_again:?}");
    let mut second = second;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(second.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .expect("SIGTERM");
    assert!(second.child.wait().expect("wait").success(), "clean exit on SIGTERM");
    let _ = std::fs::remove_dir_all(&data_dir);
}
