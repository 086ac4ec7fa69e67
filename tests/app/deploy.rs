//! Two instances on one database behind a real nginx run from `deploy/nginx.conf` (src/nginx.rs): what one instance
//! made serves on the other, a mixed load through the proxy has no errors and reaches both, and the two workers run
//! each job once between them.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::nginx::Nginx;
use aftersales::services::attachments::UploadLimits;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Two instances as a deployment has them: one database, one session key, one data folder (standing for shared
/// storage), each its own port and a running background worker; nginx in front of both.
struct Pair {
    a: TestApp,
    b: TestApp,
    proxy: Nginx,
}

impl Pair {
    async fn start() -> Pair {
        let db_url = tokio::task::spawn_blocking(fresh_database).await.expect("database");
        let mut first = settings(UploadLimits::default());
        first.worker.enabled = true;
        first.worker.poll_ms = 50;
        let mut second = settings(UploadLimits::default());
        let _ = std::fs::remove_dir_all(&second.data_dir);
        second.data_dir = first.data_dir.clone();
        second.session_key = first.session_key.clone();
        second.worker = first.worker.clone();
        let a = TestApp::spawn_on(first, db_url.clone()).await;
        let b = TestApp::spawn_on(second, db_url).await;
        let upstreams = [address(&a), address(&b)];
        let proxy = tokio::task::spawn_blocking(move || Nginx::start(&upstreams))
            .await
            .expect("nginx task")
            .unwrap_or_else(|e| panic!("{e:#}"));
        Pair { a, b, proxy }
    }

    /// `browser` (its cookie jar) talking to `base`.
    fn at(browser: &Browser, base: &str) -> Browser {
        Browser { http: browser.http.clone(), base: base.to_owned() }
    }
}

fn address(app: &TestApp) -> std::net::SocketAddr {
    app.base.trim_start_matches("http://").parse().expect("instance address")
}

/// Requests this instance answered, by its own `/metrics` (asked directly: loopback may scrape).
async fn requests_answered(app: &TestApp) -> f64 {
    let text = reqwest::get(format!("{}/metrics", app.base)).await.expect("metrics").text().await.expect("body");
    text.lines()
        .filter(|l| l.starts_with("aftersales_http_requests_total{") && !l.contains("route=\"/metrics\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A real 1×1 PNG, then bytes that are not all the same, so a download that differed anywhere would show.
fn photo() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82".to_vec();
    bytes.extend((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    bytes
}

/// Waits until `sql` counts `want` (the workers are running on their own), at most `within`.
async fn eventually(app: &TestApp, sql: &str, want: i64, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let n = app.count(sql).await;
        if n == want {
            return;
        }
        assert!(Instant::now() < deadline, "{sql}: {n}, not {want}, after {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_session_an_upload_and_an_export_made_on_one_instance_serve_on_the_other() {
    let pair = Pair::start().await;
    let (a, b) = (&pair.a, &pair.b);

    // Signed in directly on A; the same cookie, sent to B directly, shows B's signed-in page.
    let agent = a.browser();
    assert_eq!(Pair::at(&agent, &b.base).get("/queue").await.status(), StatusCode::SEE_OTHER, "not signed in yet");
    let agent = a.signed_in(Role::Agent, "agent@example.com").await;
    let on_b = Pair::at(&agent, &b.base).page("/queue").await;
    assert_eq!(on_b.status, StatusCode::OK);
    assert!(on_b.contains("agent agent"), "B shows the account signed in on A: {}", on_b.text);

    // Uploaded through A (multipart, the session's CSRF token in the action URL), downloaded from B byte for byte,
    // and through the proxy.
    let customer = a.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机漏水", &[])).await;
    let bytes = photo();
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(bytes.clone()).file_name("漏水.png").mime_str("image/png").unwrap(),
    );
    let token = customer.csrf().await;
    let url = customer.url(&format!("/tickets/{number}/attachments?csrf_token={token}"));
    let res = customer.http.post(url).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap_or_default());
    let id = a.count("SELECT id FROM attachments WHERE file_name = '漏水.png'").await;
    for base in [&b.base, &pair.proxy.base] {
        let res = Pair::at(&customer, base).get(&format!("/attachments/{id}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{base}");
        let got = res.bytes().await.unwrap();
        assert!(got.as_ref() == bytes.as_slice(), "byte-exact from {base}: {} of {} bytes", got.len(), bytes.len());
    }

    // An export started on A (one of the two workers runs it) downloads on B.
    let supervisor = a.signed_in(Role::Supervisor, "s@example.com").await;
    let res = supervisor.post("/exports", &[("format", "csv"), ("state", "all")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    eventually(a, "SELECT count(*) FROM exports WHERE status = 'done'", 1, Duration::from_secs(30)).await;
    let res = Pair::at(&supervisor, &b.base).get(&format!("{page}/download")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains(&number), "the export from B: {csv}");

    // What nginx keeps private, and what it passes on.
    assert_eq!(reqwest::get(format!("{}/metrics", pair.proxy.base)).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(reqwest::get(format!("{}/metrics", a.base)).await.unwrap().status(), StatusCode::OK, "direct: loopback");
    let res = Pair::at(&agent, &pair.proxy.base).get("/queue").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("content-encoding").is_none(), "reqwest asks for no compression; nginx adds none");

    // nginx passes the Host on with its port, so a page served through it names this site in Origin.
    let via = Pair::at(&agent, &pair.proxy.base);
    let token = via.csrf().await;
    for (origin, want) in
        [(pair.proxy.base.as_str(), StatusCode::SEE_OTHER), ("http://127.0.0.1:1", StatusCode::FORBIDDEN)]
    {
        let post = via.http.post(via.url("/notifications/read-all")).header("Origin", origin);
        let res = post.form(&[("csrf_token", token.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), want, "Origin {origin} through nginx");
    }
}

#[actix_web::test]
async fn a_mixed_load_through_nginx_has_no_errors_and_reaches_both_instances() {
    const CLIENTS: usize = 8;
    const REQUESTS: usize = 50;
    let pair = Pair::start().await;
    let proxy = pair.proxy.base.clone();
    let filed =
        pair.a.signed_in(Role::Customer, "first@example.com").await.file_ticket(&ticket_form("第一张", &[])).await;
    let (before_a, before_b) = (requests_answered(&pair.a).await, requests_answered(&pair.b).await);

    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        // Signed in through the proxy, like people.
        let agent = Pair::at(&pair.a.browser(), &proxy);
        let customer = Pair::at(&pair.a.browser(), &proxy);
        pair.a.create_user(Role::Agent, &format!("agent{i}@example.com"), &format!("坐席{i}")).await;
        pair.a.create_user(Role::Customer, &format!("customer{i}@example.com"), &format!("客户{i}")).await;
        assert_eq!(agent.login(&format!("agent{i}@example.com"), PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(customer.login(&format!("customer{i}@example.com"), PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let filed = filed.clone();
        clients.push(actix_web::rt::spawn(async move {
            let mut failures = Vec::new();
            for n in 0..REQUESTS {
                let res = match n % 10 {
                    0..7 => agent.get("/queue").await,
                    7 | 8 => agent.get(&format!("/tickets/{filed}")).await,
                    _ => customer.post("/portal/tickets", &ticket_form(&format!("负载 {i}-{n}"), &[])).await,
                };
                let status = res.status();
                if !(status.is_success() || status.is_redirection()) {
                    failures.push(format!("{status} on {}", res.url().path()));
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await.expect("client"));
    }
    assert!(failures.is_empty(), "{} errors through nginx: {failures:?}\n{}", failures.len(), pair.proxy.error_log());
    assert_eq!(
        pair.a.count("SELECT count(*) FROM tickets WHERE title LIKE '负载 %'").await,
        (CLIENTS * REQUESTS / 10) as i64,
        "every filing stored once (a POST is never retried on the other instance)"
    );
    let (on_a, on_b) = (requests_answered(&pair.a).await - before_a, requests_answered(&pair.b).await - before_b);
    assert!(on_a > 0.0 && on_b > 0.0, "nginx spreads the load: A answered {on_a}, B {on_b}");
}

#[actix_web::test]
async fn the_two_workers_run_every_job_once_between_them() {
    use aftersales::jobs::{
        analytics_fold, auto_close, export_expiry, outbox_delivery, prune, sla_sweep, ticket_export,
        unavailable_handover, withdrawal_escalation,
    };
    const EXPORTS: i64 = 20;
    let pair = Pair::start().await;
    let (a, b) = (&pair.a, &pair.b);
    let customer = a.signed_in(Role::Customer, "c@example.com").await;
    for n in 0..3 {
        customer.file_ticket(&ticket_form(&format!("工单 {n}"), &[])).await;
    }
    // Twenty exports, asked for half on each instance, each a one-off job with its own payload (the export's id).
    let supervisor = a.signed_in(Role::Supervisor, "s@example.com").await;
    for n in 0..EXPORTS {
        let on = Pair::at(&supervisor, if n % 2 == 0 { &a.base } else { &b.base });
        assert_eq!(on.post("/exports", &[("format", "csv"), ("state", "all")]).await.status(), StatusCode::SEE_OTHER);
    }
    eventually(a, "SELECT count(*) FROM exports WHERE status = 'done'", EXPORTS, Duration::from_secs(60)).await;
    // Both workers kept polling (50 ms) for a few seconds more, so a second run had its chance.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Each export ran exactly once. A worker counts `attempts` in the same UPDATE that claims the row (FOR UPDATE
    // SKIP LOCKED), so a second claim by the other instance's worker, at once or after the first run, would show as
    // attempts = 2 (a done row is never claimed again); and every export wrote all its rows once.
    assert_eq!(
        a.count(&format!(
            "SELECT count(*) FROM jobs WHERE kind = '{}' AND done_at IS NOT NULL AND attempts = 1 \
             AND last_error IS NULL AND failed_at IS NULL",
            ticket_export::KIND
        ))
        .await,
        EXPORTS,
    );
    assert_eq!(a.count(&format!("SELECT count(*) FROM jobs WHERE kind = '{}'", ticket_export::KIND)).await, EXPORTS);
    assert_eq!(
        a.count("SELECT count(*) FROM exports WHERE status = 'done' AND rows_expected = 3 AND rows_done = 3").await,
        EXPORTS,
        "each file has the three tickets, written once"
    );

    // The recurring kinds: both instances scheduled them, and each exists as exactly one row (its dedupe key), so
    // the two workers take turns on one schedule instead of running two. The hourly ones ran once at start and wait
    // an hour now: had the other worker run one again, it would have had to claim it with a run_at in the future.
    let recurring = [
        auto_close::KIND,
        withdrawal_escalation::KIND,
        sla_sweep::KIND,
        unavailable_handover::KIND,
        outbox_delivery::KIND,
        export_expiry::KIND,
        analytics_fold::KIND,
        prune::KIND,
    ];
    for kind in recurring {
        assert_eq!(a.count(&format!("SELECT count(*) FROM jobs WHERE kind = '{kind}'")).await, 1, "{kind}: one row");
        assert_eq!(
            a.count(&format!(
                "SELECT count(*) FROM jobs WHERE kind = '{kind}' AND failed_at IS NULL AND last_error IS NULL"
            ))
            .await,
            1,
            "{kind} runs without failing"
        );
    }
    assert_eq!(a.count("SELECT count(*) FROM jobs WHERE repeat_seconds IS NOT NULL").await, recurring.len() as i64);
    for kind in [export_expiry::KIND, prune::KIND] {
        assert_eq!(
            a.count(&format!(
                "SELECT count(*) FROM jobs WHERE kind = '{kind}' AND run_at > now() + interval '3500 seconds'"
            ))
            .await,
            1,
            "{kind} ran and waits its hour"
        );
    }
}
