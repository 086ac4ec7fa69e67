//! Running the app: the probes (`/livez`, `/readyz`), `/metrics`, compressed responses, content-hashed static
//! files, JSON logs and the pruning of old rows.

use crate::helpers::{TestApp, admin_url, fresh_database, settings, ticket_form};
use aftersales::domain::Role;
use aftersales::services::attachments::UploadLimits;
use reqwest::StatusCode;
use std::io::Read;
use std::time::{Duration, Instant};

#[actix_web::test]
async fn the_probes_say_when_the_database_is_gone_or_the_schema_is_not_this_builds() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert_eq!(browser.get("/livez").await.status(), StatusCode::OK);
    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["database"], "ok");

    // Another instance of a newer build migrated the database: this one is not ready to serve it.
    app.exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('99990101000000')").await;
    let res = browser.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "schema differs");
    assert_eq!(body["schema"], "99990101000000");
    app.exec("DELETE FROM __diesel_schema_migrations WHERE version = '99990101000000'").await;

    // The database refuses this app's connections: /readyz says so within about a second; /livez still answers.
    let name = app.text("SELECT current_database()").await;
    let admin = aftersales::db::build_pool(&admin_url(), None, 1).unwrap();
    let mut conn = admin.get().await.unwrap();
    for sql in [
        format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ] {
        diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn).await.unwrap();
    }
    let started = Instant::now();
    let mut answer = None;
    // The first request may meet a connection that was just cut (it fails once and leaves the pool).
    for _ in 0..5 {
        let res = browser.get("/readyz").await;
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            answer = Some(res.json::<serde_json::Value>().await.unwrap());
            break;
        }
    }
    let body = answer.expect("/readyz reports the lost database");
    assert_eq!(body["database"], "unreachable");
    assert!(started.elapsed() < Duration::from_secs(8), "answered quickly: {:?}", started.elapsed());
    assert_eq!(browser.get("/livez").await.status(), StatusCode::OK);
}

fn metric(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_read_the_pool_the_jobs_and_the_outbox() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "metrics@example.com").await;
    let number = customer.file_ticket(&ticket_form("屏幕闪烁", &[])).await;
    for _ in 0..3 {
        assert_eq!(customer.get(&format!("/tickets/{number}")).await.status(), StatusCode::OK);
    }
    assert_eq!(customer.get("/tickets/AS00000000-000000").await.status(), StatusCode::NOT_FOUND);
    app.exec(
        "INSERT INTO jobs (kind, run_at, last_error) VALUES ('metrics_probe', now() - interval '1 minute', 'boom')",
    )
    .await;
    app.exec(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at) \
         VALUES ('email', 'x@example.com', 's', 'b', now() - interval '90 seconds', now())",
    )
    .await;

    let res = app.browser().get("/metrics").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let ticket_page = r#"aftersales_http_requests_total{method="GET",route="/tickets/{number}",status="200"}"#;
    assert_eq!(metric(&text, ticket_page), Some(3.0), "{text}");
    let missing = r#"aftersales_http_requests_total{method="GET",route="/tickets/{number}",status="404"}"#;
    assert_eq!(metric(&text, missing), Some(1.0));
    let count = r#"aftersales_http_request_duration_seconds_count{method="GET",route="/tickets/{number}"}"#;
    assert_eq!(metric(&text, count), Some(4.0));
    assert!(metric(&text, r#"aftersales_db_pool_connections{state="max"}"#).is_some_and(|n| n == 8.0));
    assert!(metric(&text, r#"aftersales_db_pool_connections{state="waiting"}"#).is_some());
    assert_eq!(metric(&text, r#"aftersales_jobs{kind="metrics_probe",state="due"}"#), Some(1.0));
    assert_eq!(metric(&text, r#"aftersales_jobs{kind="metrics_probe",state="retrying"}"#), Some(1.0));
    assert!(metric(&text, r#"aftersales_outbox{measure="unsent"}"#).is_some_and(|n| n >= 1.0));
    let age = metric(&text, r#"aftersales_outbox{measure="oldest_unsent_age_seconds"}"#).unwrap_or(0.0);
    assert!(age >= 89.0, "age of the oldest unsent message: {age}");
    assert_eq!(metric(&text, "aftersales_active_sessions"), Some(1.0), "the customer's session");
    // Paths never become labels: one label set per route, whatever was asked.
    assert!(!text.contains(&number), "no ticket number in the labels");
}

#[actix_web::test]
async fn with_a_token_metrics_answer_only_the_bearer_of_it() {
    let mut settings = settings(UploadLimits::default());
    settings.metrics_token = Some("s3cret-token".into());
    let app = TestApp::spawn_on(settings, tokio::task::spawn_blocking(fresh_database).await.unwrap()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", app.base);
    assert_eq!(http.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let wrong = http.get(&url).bearer_auth("s3cret-tokeN").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let right = http.get(&url).bearer_auth("s3cret-token").send().await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("aftersales_http_requests_total"));
}

#[actix_web::test]
async fn pages_and_scripts_are_compressed_and_static_files_have_immutable_hashed_names() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let login = http.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
    let page = scraper::Html::parse_document(&login);
    let sel = scraper::Selector::parse(r#"script[src*="htmx"]"#).unwrap();
    let htmx = page.select(&sel).next().and_then(|e| e.value().attr("src")).expect("htmx script").to_owned();
    assert!(htmx.starts_with("/static/htmx.min.") && htmx.ends_with(".js") && htmx != "/static/htmx.min.js");

    let plain = http.get(format!("{}{htmx}", app.base)).send().await.unwrap();
    assert_eq!(plain.headers()["cache-control"], "public, max-age=31536000, immutable");
    let encoding = plain.headers().get("content-encoding");
    assert!(encoding.is_none_or(|e| e == "identity"), "not compressed unless asked");
    let plain = plain.bytes().await.unwrap();

    let gz = http.get(format!("{}{htmx}", app.base)).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz = gz.bytes().await.unwrap();
    assert!(gz.len() * 2 < plain.len(), "gzip: {} of {} bytes", gz.len(), plain.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain);

    let br = http.get(format!("{}{htmx}", app.base)).header("Accept-Encoding", "br, gzip").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    let br = br.bytes().await.unwrap();
    assert!(br.len() < gz.len(), "brotli beats gzip: {} and {} bytes", br.len(), gz.len());
    let mut unbrotlied = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unbrotlied).unwrap();
    assert_eq!(unbrotlied, plain);

    let page = http.get(format!("{}/login", app.base)).header("Accept-Encoding", "gzip, br").send().await.unwrap();
    assert_eq!(page.headers()["content-encoding"], "gzip", "pages gzip (cheap per response)");
    let html = page.bytes().await.unwrap();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&html[..]).read_to_string(&mut unzipped).unwrap();
    assert!(unzipped.contains("csrf_token"), "the sign-in page");

    // The name without a hash (an old link) still works, cached briefly.
    let old = http.get(format!("{}/static/htmx.min.js", app.base)).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(old.headers()["cache-control"], "public, max-age=3600");
}

#[test]
fn logs_come_as_json_lines_when_asked() {
    let url = fresh_database();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(["--log-format", "json", "migrate"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run aftersales");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let logs = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!lines.is_empty(), "some log lines: {logs}");
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string() && value["timestamp"].is_string(), "{line}");
    }
}

#[actix_web::test]
async fn the_prune_job_removes_what_is_past_its_keeping_and_nothing_current() {
    use aftersales::jobs::{Registry, Worker, WorkerConfig};
    let app = TestApp::spawn().await;
    let supervisor = app.create_user(Role::Supervisor, "prune@example.com", "主管").await;
    let old = "now() - interval '40 days'";
    let recent = "now() - interval '2 days'";
    for at in [old, recent] {
        app.exec(&format!("INSERT INTO jobs (kind, done_at) VALUES ('one_off', {at})")).await;
        app.exec(&format!(
            "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at, sent_at) \
             VALUES ('email', 'a@example.com', 's', 'b', {at}, {at}, {at})"
        ))
        .await;
        app.exec(&format!(
            "INSERT INTO exports (requested_by, format, filters, lang, tz, status, file_path, created_at) \
             VALUES ({}, 'csv', '', 'en', 'Asia/Shanghai', 'expired', 'exports/x.csv', {at})",
            supervisor.0
        ))
        .await;
    }
    for at in ["now() - interval '2 days'", "now() - interval '1 hour'"] {
        app.exec(&format!("INSERT INTO login_failures (account, address, failed_at) VALUES ('a', '1.2.3.4', {at})"))
            .await;
    }
    for (id, seen) in [("stale-session", "now() - interval '100 days'"), ("live-session", "now()")] {
        app.exec(&format!(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES ('{id}', {}, {seen}, {seen})",
            supervisor.0
        ))
        .await;
    }
    for (token, seen) in [("forgotten", "now() - interval '200 days'"), ("in-use", "now() - interval '100 days'")] {
        app.exec(&format!(
            "INSERT INTO known_devices (token_hash, user_id, last_seen_at) VALUES ('{token}', {}, {seen})",
            supervisor.0
        ))
        .await;
    }
    // Kept whatever their age: a recurring job, an unsent message, a failed message younger than 90 days.
    app.exec(&format!("INSERT INTO jobs (kind, repeat_seconds, done_at) VALUES ('every_minute', 60, {old})")).await;
    app.exec(&format!(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at, failed_at) \
         VALUES ('email', 'b@example.com', 's', 'b', {old}, {old}, {old})"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at) \
         VALUES ('email', 'c@example.com', 's', 'b', {old}, now())"
    ))
    .await;

    let mut registry = Registry::new();
    registry.register(aftersales::jobs::prune::Prune { batch: 1 });
    let worker = Worker::new(app.pool.clone(), std::sync::Arc::new(registry), WorkerConfig::default());
    let mut conn = app.pool.get().await.unwrap();
    let now = chrono::Utc::now();
    aftersales::jobs::enqueue(&mut conn, aftersales::jobs::JobSpec::new("prune", serde_json::json!({}), now), now)
        .await
        .unwrap();
    drop(conn);
    // A batch of one: the run that fills its batch runs again until nothing is left.
    worker.run_until_idle(now).await.unwrap();

    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'one_off'").await, 1, "the recent job stays");
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'every_minute'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL").await, 1, "failed: 90 days");
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM exports").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM login_failures").await, 1);
    assert_eq!(app.text("SELECT string_agg(id, ',') FROM sessions").await, "live-session");
    assert_eq!(app.text("SELECT string_agg(token_hash, ',') FROM known_devices").await, "in-use");
}

#[actix_web::test]
async fn compression_and_request_metrics_can_be_left_to_the_proxy_and_the_monitoring() {
    let mut settings = settings(UploadLimits::default());
    settings.compress = false;
    settings.request_metrics = false;
    let app = TestApp::spawn_on(settings, tokio::task::spawn_blocking(fresh_database).await.unwrap()).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/login", app.base)).header("Accept-Encoding", "br, gzip").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("content-encoding").is_none());
    let text = http.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains(r#"route="/login""#), "requests are not counted");
    assert!(text.contains("aftersales_db_pool_connections"), "the pool still is");
}
