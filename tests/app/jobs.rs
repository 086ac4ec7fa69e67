//! The background worker and auto-close: jobs claimed with SKIP LOCKED, retried
//! with backoff, taken over when a claim expires, never run twice; resolved
//! tickets closing by themselves. Tests drive the worker with explicit times
//! instead of sleeping.

use crate::helpers::*;
use aftersales::db::Pool;
use aftersales::domain::ticket_form::TicketDraft;
use aftersales::domain::workflow::Action;
use aftersales::domain::{Channel, DesiredOutcome, Role, TicketType, Urgency};
use aftersales::error::AppError;
use aftersales::jobs::auto_close::AutoClose;
use aftersales::jobs::{
    Job, JobContext, JobFuture, JobSpec, Outcome, Registry, RunningWorker, Tick, Worker, WorkerConfig, WorkerSettings,
};
use aftersales::services::SessionUser;
use aftersales::services::tickets::{self as ticket_service, By, Change};
use aftersales::store::jobs::Kinds;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel_async::AsyncConnection;
use std::sync::Arc;

/// A test job: records each run as a row of `job_runs`.
struct Record;

impl Job for Record {
    fn kind(&self) -> &'static str {
        "record"
    }
    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            use diesel_async::RunQueryDsl;
            let mut conn = ctx.pool.get().await?;
            diesel::sql_query("INSERT INTO job_runs (job_id, attempt) VALUES ($1, $2)")
                .bind::<diesel::sql_types::BigInt, _>(ctx.id)
                .bind::<diesel::sql_types::Integer, _>(ctx.attempt)
                .execute(&mut conn)
                .await?;
            Ok(Outcome::Done)
        })
    }
}

/// A test job that fails while `payload.fail_until` is at least the attempt.
struct Flaky;

impl Job for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            let fail_until = ctx.payload["fail_until"].as_i64().unwrap_or(i64::MAX);
            anyhow::ensure!(i64::from(ctx.attempt) > fail_until, "printer on fire (attempt {})", ctx.attempt);
            Ok(Outcome::Done)
        })
    }
}

/// A test job that panics.
struct Panics;

impl Job for Panics {
    fn kind(&self) -> &'static str {
        "panics"
    }
    fn run<'a>(&'a self, _ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async { panic!("job bug") })
    }
}

/// A test job that runs until the test lets it finish (one permit per run).
struct Slow(Arc<tokio::sync::Semaphore>);

impl Job for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }
    fn run<'a>(&'a self, _ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            self.0.acquire().await?.forget();
            Ok(Outcome::Done)
        })
    }
}

fn test_registry() -> Arc<Registry> {
    let mut registry = Registry::new();
    registry.register(Record).register(Flaky).register(Panics);
    Arc::new(registry)
}

fn worker(app: &TestApp, registry: &Arc<Registry>) -> Worker {
    Worker::new(app.pool.clone(), registry.clone(), WorkerConfig::default())
}

async fn exec(pool: &Pool, sql: &str) {
    use diesel_async::RunQueryDsl;
    let mut conn = pool.get().await.expect("conn");
    diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
}

async fn prepare_job_runs(app: &TestApp) {
    exec(&app.pool, "CREATE TABLE job_runs (job_id BIGINT NOT NULL, attempt INT NOT NULL)").await;
}

async fn enqueue(app: &TestApp, spec: JobSpec, now: DateTime<Utc>) -> Option<i64> {
    let mut conn = app.pool.get().await.expect("conn");
    aftersales::jobs::enqueue(&mut conn, spec, now).await.expect("enqueue")
}

/// A moment with whole seconds, so it compares equal after a round trip through PostgreSQL.
fn start_time() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn ts(t: DateTime<Utc>) -> String {
    format!("'{}'::timestamptz", t.to_rfc3339())
}

#[actix_web::test]
async fn a_job_runs_once_and_is_marked_done() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let w = worker(&app, &registry);
    let t = start_time();
    let id = enqueue(&app, JobSpec::new("record", serde_json::json!({}), t + Duration::minutes(5)), t).await;
    let id = id.expect("enqueued");

    assert_eq!(w.run_until_idle(t).await.unwrap(), Tick::default(), "not due yet");
    let ran = w.run_until_idle(t + Duration::minutes(5)).await.unwrap();
    assert_eq!(ran, Tick { claimed: 1, succeeded: 1, failed: 0 });
    assert_eq!(w.run_until_idle(t + Duration::days(1)).await.unwrap(), Tick::default(), "done jobs stay done");
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE id = {id} AND done_at = {} AND attempts = 1 \
             AND locked_by IS NULL AND locked_until IS NULL AND last_error IS NULL AND failed_at IS NULL",
            ts(t + Duration::minutes(5))
        ))
        .await,
        1
    );
}

#[actix_web::test]
async fn a_dedupe_key_schedules_a_job_once() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let t = start_time();
    let spec = || JobSpec::new("record", serde_json::json!({}), t).dedupe_key("remind:AS1");
    assert!(enqueue(&app, spec(), t).await.is_some());
    assert_eq!(enqueue(&app, spec(), t).await, None);
    worker(&app, &registry).run_until_idle(t).await.unwrap();
    assert_eq!(enqueue(&app, spec(), t).await, None, "not again after it ran");
    worker(&app, &registry).run_until_idle(t).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 1);
}

#[actix_web::test]
async fn a_failing_job_is_retried_with_backoff_and_given_up_after_max_attempts() {
    let app = TestApp::spawn().await;
    let registry = test_registry();
    let w = worker(&app, &registry);
    let t = start_time();
    let id = enqueue(&app, JobSpec::new("flaky", serde_json::json!({}), t).max_attempts(3), t).await.unwrap();
    let row = |cond: String| {
        let app = &app;
        async move { app.count(&format!("SELECT count(*) FROM jobs WHERE id = {id} AND {cond}")).await }
    };

    assert_eq!(w.tick(t).await.unwrap(), Tick { claimed: 1, succeeded: 0, failed: 1 });
    assert_eq!(
        row(format!(
            "attempts = 1 AND run_at = {} AND last_error = 'printer on fire (attempt 1)' \
             AND locked_by IS NULL AND failed_at IS NULL AND done_at IS NULL",
            ts(t + Duration::seconds(30))
        ))
        .await,
        1
    );
    assert_eq!(w.tick(t + Duration::seconds(29)).await.unwrap().claimed, 0, "waits out the backoff");

    let t2 = t + Duration::seconds(30);
    assert_eq!(w.tick(t2).await.unwrap().failed, 1);
    assert_eq!(
        row(format!(
            "attempts = 2 AND run_at = {} AND last_error = 'printer on fire (attempt 2)'",
            ts(t2 + Duration::seconds(60))
        ))
        .await,
        1,
        "the wait doubles"
    );
    assert_eq!(w.tick(t2 + Duration::seconds(59)).await.unwrap().claimed, 0);

    let t3 = t2 + Duration::seconds(60);
    assert_eq!(w.tick(t3).await.unwrap().failed, 1);
    assert_eq!(
        row(format!(
            "attempts = 3 AND failed_at = {} AND last_error = 'printer on fire (attempt 3)' \
             AND locked_by IS NULL AND done_at IS NULL",
            ts(t3)
        ))
        .await,
        1,
        "given up after the third attempt, the error kept"
    );
    assert_eq!(w.run_until_idle(t3 + Duration::days(30)).await.unwrap(), Tick::default(), "never run again");
}

#[actix_web::test]
async fn a_job_that_fails_once_succeeds_on_the_retry() {
    let app = TestApp::spawn().await;
    let registry = test_registry();
    let w = worker(&app, &registry);
    let t = start_time();
    let id = enqueue(&app, JobSpec::new("flaky", serde_json::json!({ "fail_until": 1 }), t), t).await.unwrap();
    assert_eq!(w.tick(t).await.unwrap().failed, 1);
    assert_eq!(w.tick(t + Duration::seconds(30)).await.unwrap().succeeded, 1);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM jobs WHERE id = {id} AND done_at IS NOT NULL AND attempts = 2")).await,
        1
    );
}

#[actix_web::test]
async fn a_panicking_job_or_an_unknown_kind_fails_without_stopping_the_worker() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let w = worker(&app, &registry);
    let t = start_time();
    let panics = enqueue(&app, JobSpec::new("panics", serde_json::json!({}), t).max_attempts(1), t).await.unwrap();
    let unknown = enqueue(&app, JobSpec::new("from_the_future", serde_json::json!({}), t), t).await.unwrap();
    enqueue(&app, JobSpec::new("record", serde_json::json!({}), t + Duration::seconds(1)), t).await.unwrap();

    let ran = w.run_until_idle(t + Duration::seconds(1)).await.unwrap();
    assert_eq!(ran, Tick { claimed: 3, succeeded: 1, failed: 2 });
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 1, "the job after them still ran");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE id = {panics} AND failed_at IS NOT NULL AND last_error = 'the job panicked'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE id = {unknown} AND failed_at IS NULL AND attempts = 1 \
             AND last_error LIKE 'unknown job kind%'"
        ))
        .await,
        1,
        "an unknown kind is retried later (a newer instance may know it)"
    );
}

#[actix_web::test]
async fn an_expired_claim_is_picked_up_again() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let w = worker(&app, &registry);
    let t = start_time();
    let id = enqueue(&app, JobSpec::new("record", serde_json::json!({}), t), t).await.unwrap();

    // A worker claims the job and dies before running it.
    let mut conn = app.pool.get().await.unwrap();
    let lease_end = t + Duration::minutes(5);
    let claimed = aftersales::store::jobs::claim(&mut conn, "crashed", t, lease_end, 10, Kinds::ALL).await.unwrap();
    assert_eq!(claimed.len(), 1);

    assert_eq!(w.tick(t + Duration::minutes(4)).await.unwrap().claimed, 0, "the claim still holds");
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 0);

    let ran = w.tick(lease_end).await.unwrap();
    assert_eq!(ran, Tick { claimed: 1, succeeded: 1, failed: 0 });
    assert_eq!(app.count("SELECT count(*) FROM job_runs WHERE attempt = 2").await, 1, "the crashed try counted");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE id = {id} AND done_at IS NOT NULL AND last_error = 'claim by crashed expired'"
        ))
        .await,
        1
    );
    // The dead worker's late word changes nothing.
    assert!(!aftersales::store::jobs::mark_done(&mut conn, id, "crashed", t).await.unwrap());
    assert_eq!(w.run_until_idle(t + Duration::days(1)).await.unwrap(), Tick::default());
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 1);
}

#[actix_web::test]
async fn a_job_whose_last_attempt_died_is_given_up() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let t = start_time();
    let id = enqueue(&app, JobSpec::new("record", serde_json::json!({}), t).max_attempts(1), t).await.unwrap();
    let mut conn = app.pool.get().await.unwrap();
    aftersales::store::jobs::claim(&mut conn, "crashed", t, t + Duration::minutes(5), 10, Kinds::ALL).await.unwrap();
    let ran = worker(&app, &registry).run_until_idle(t + Duration::minutes(10)).await.unwrap();
    assert_eq!(ran.failed, 1);
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 0, "not run beyond its attempts");
    assert_eq!(app.count(&format!("SELECT count(*) FROM jobs WHERE id = {id} AND failed_at IS NOT NULL")).await, 1);
}

#[actix_web::test]
async fn two_workers_at_once_run_every_job_exactly_once() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let registry = test_registry();
    let t = start_time();
    let mut conn = app.pool.get().await.unwrap();
    for i in 0..300 {
        let spec = JobSpec::new("record", serde_json::json!({ "n": i }), t - Duration::seconds(i % 7));
        aftersales::jobs::enqueue(&mut conn, spec, t).await.unwrap();
    }
    drop(conn);
    let config = WorkerConfig { batch: 5, ..WorkerConfig::default() };
    let a = Worker::new(app.pool.clone(), registry.clone(), config.clone());
    let b = Worker::new(app.pool.clone(), registry.clone(), config);
    let (ra, rb) = futures_util::join!(a.run_until_idle(t), b.run_until_idle(t));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());

    assert_eq!(ra.succeeded + rb.succeeded, 300);
    assert!(ra.succeeded > 0 && rb.succeeded > 0, "both worked: {ra:?} {rb:?}");
    assert_eq!(app.count("SELECT count(*) FROM job_runs").await, 300);
    assert_eq!(app.count("SELECT count(DISTINCT job_id) FROM job_runs").await, 300, "no job ran twice");
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE done_at IS NOT NULL AND attempts = 1").await, 300);
}

/// Polls `sql` (a count) until it is `want`, for at most 10 s; whether it got there.
async fn becomes(app: &TestApp, sql: &str, want: i64) -> bool {
    for _ in 0..500 {
        if app.count(sql).await == want {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[actix_web::test]
async fn a_long_job_runs_in_its_own_lane_and_holds_up_nothing() {
    let app = TestApp::spawn().await;
    prepare_job_runs(&app).await;
    let finish = Arc::new(tokio::sync::Semaphore::new(0));
    let mut registry = Registry::new();
    registry.register(Record).register_long(Slow(finish.clone()));
    let config = WorkerConfig { poll: std::time::Duration::from_millis(20), ..WorkerConfig::default() };
    let workers = RunningWorker::start_lanes(app.pool.clone(), Arc::new(registry), config);
    enqueue(&app, JobSpec::new("slow", serde_json::json!({}), Utc::now()), Utc::now()).await;
    let slow_running = "SELECT count(*) FROM jobs WHERE kind = 'slow' AND locked_by IS NOT NULL AND done_at IS NULL";
    assert!(becomes(&app, slow_running, 1).await, "the long job started");

    enqueue(&app, JobSpec::new("record", serde_json::json!({}), Utc::now()), Utc::now()).await;
    assert!(becomes(&app, "SELECT count(*) FROM job_runs", 1).await, "a short job ran while the long one runs");
    assert_eq!(app.count(slow_running).await, 1, "the long one is still running");

    finish.add_permits(1);
    assert!(becomes(&app, "SELECT count(*) FROM jobs WHERE kind = 'slow' AND done_at IS NOT NULL", 1).await);
    workers.stop().await;
}

// ---- auto-close ----

struct People {
    customer: Browser,
    customer_user: SessionUser,
    agent: SessionUser,
}

async fn people(app: &TestApp) -> People {
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let id = app.count("SELECT id FROM users WHERE email = 'c@example.com'").await;
    let customer_user = SessionUser { id: aftersales::domain::UserId(id), role: Role::Customer, name: "c".into() };
    let agent_id = app.create_user(Role::Agent, "a@example.com", "李工").await;
    let agent = SessionUser { id: agent_id, role: Role::Agent, name: "李工".into() };
    People { customer, customer_user, agent }
}

/// One workflow step at `at`, as `who` (the system when `None`).
async fn step(
    pool: &Pool,
    number: &str,
    who: Option<&SessionUser>,
    action: Action,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut conn = pool.get().await.expect("conn");
    let by = who.map_or(By::System, By::Person);
    let change = match action {
        Action::Resolve => Change::new(action).text("已更换进水阀。"),
        Action::RejectFix => Change::new(action).text("还是不进水"),
        _ => Change::new(action),
    };
    conn.transaction::<_, AppError, _>(async |conn| ticket_service::apply(conn, number, by, change, at).await.map(drop))
        .await
}

/// Files a ticket through the portal and has the agent resolve it at `at`.
async fn resolved_ticket(app: &TestApp, p: &People, title: &str, at: DateTime<Utc>) -> String {
    let number = p.customer.file_ticket(&ticket_form(title, &[])).await;
    for action in [Action::Take, Action::Start, Action::Resolve] {
        step(&app.pool, &number, Some(&p.agent), action, at).await.expect("move");
    }
    number
}

async fn state_of(app: &TestApp, number: &str, state: &str) -> bool {
    app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND state = '{state}'")).await == 1
}

async fn events(app: &TestApp, number: &str, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
         WHERE t.number = '{number}' AND e.kind = '{kind}'"
    ))
    .await
}

fn auto_close_worker(app: &TestApp, days: u32) -> Worker {
    let settings = WorkerSettings { enabled: true, poll_ms: 1000, auto_close_days: days };
    let registry = Registry::standard(&settings, Default::default(), &Default::default(), app.storage.clone());
    Worker::new(app.pool.clone(), Arc::new(registry), WorkerConfig::default())
}

#[actix_web::test]
async fn auto_close_closes_only_resolved_tickets_past_the_period() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();

    let overdue = resolved_ticket(&app, &p, "超期未确认", t0).await;
    let recent = resolved_ticket(&app, &p, "刚解决", t0 + days(6)).await;
    let confirmed = resolved_ticket(&app, &p, "客户已确认", t0).await;
    step(&app.pool, &confirmed, Some(&p.customer_user), Action::Confirm, t0 + days(2)).await.unwrap();
    let rejected = resolved_ticket(&app, &p, "客户驳回", t0).await;
    step(&app.pool, &rejected, Some(&p.customer_user), Action::RejectFix, t0 + days(2)).await.unwrap();
    let again = resolved_ticket(&app, &p, "驳回后再次解决", t0).await;
    step(&app.pool, &again, Some(&p.customer_user), Action::RejectFix, t0 + days(2)).await.unwrap();
    step(&app.pool, &again, Some(&p.agent), Action::Resolve, t0 + days(5)).await.unwrap();
    let working = p.customer.file_ticket(&ticket_form("处理中", &[])).await;
    for action in [Action::Take, Action::Start] {
        step(&app.pool, &working, Some(&p.agent), action, t0).await.unwrap();
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM tickets WHERE number = '{again}' AND resolved_at = {}",
            ts(t0 + days(5))
        ))
        .await,
        1,
        "resolving records the time, the latest resolution counts"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM tickets WHERE number = '{confirmed}' AND closed_at = {}",
            ts(t0 + days(2))
        ))
        .await,
        1,
        "confirming records the close time"
    );

    let w = auto_close_worker(&app, 7);
    w.schedule_recurring(t0 + days(8)).await.unwrap();
    let sweep_at = t0 + days(8);
    let ran = w.run_until_idle(sweep_at).await.unwrap();
    assert_eq!(
        ran,
        Tick { claimed: 8, succeeded: 8, failed: 0 },
        "auto-close, withdrawal escalation, SLA, handover, outbox, analytics-fold, export-expiry and prune sweeps"
    );

    assert!(state_of(&app, &overdue, "closed").await);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE t.number = '{overdue}' AND e.kind = 'auto_closed' AND e.actor_id IS NULL \
               AND e.from_state = 'resolved' AND e.to_state = 'closed' AND e.created_at = {0} \
               AND t.closed_at = {0}",
            ts(sweep_at)
        ))
        .await,
        1,
        "logged as closed by the system, with the close time"
    );
    assert!(state_of(&app, &recent, "resolved").await, "resolved 2 days ago: still waiting");
    assert!(state_of(&app, &again, "resolved").await, "re-resolved 3 days ago: still waiting");
    assert!(state_of(&app, &working, "in_progress").await);
    assert!(state_of(&app, &rejected, "in_progress").await);
    assert!(state_of(&app, &confirmed, "closed").await);
    for number in [&recent, &again, &working, &rejected, &confirmed] {
        assert_eq!(events(&app, number, "auto_closed").await, 0, "{number}");
    }

    // The sweep recurs every minute; six days later the other two are overdue too.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE kind = 'auto_close' AND run_at = {} AND attempts = 0",
            ts(sweep_at + Duration::minutes(1))
        ))
        .await,
        1
    );
    w.run_until_idle(t0 + days(14)).await.unwrap();
    assert!(state_of(&app, &recent, "closed").await);
    assert!(state_of(&app, &again, "closed").await);
    assert!(state_of(&app, &rejected, "in_progress").await);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'auto_closed'").await, 3);
    assert_eq!(events(&app, &overdue, "auto_closed").await, 1, "closed once");
}

#[actix_web::test]
async fn a_customer_message_after_the_solution_restarts_the_wait() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let answered = resolved_ticket(&app, &p, "客户留言", t0).await;
    let silent = resolved_ticket(&app, &p, "客户未回复", t0).await;
    // Day 6: "still broken" as a comment instead of a rejection.
    let mut conn = app.pool.get().await.unwrap();
    let message = Change::new(Action::AddInfo).text("还是有异响");
    conn.transaction::<_, AppError, _>(async |conn| {
        ticket_service::apply(conn, &answered, By::Person(&p.customer_user), message, t0 + days(6)).await.map(drop)
    })
    .await
    .unwrap();
    drop(conn);
    let w = auto_close_worker(&app, 7);
    w.schedule_recurring(t0 + days(8)).await.unwrap();
    w.run_until_idle(t0 + days(8)).await.unwrap();
    assert!(state_of(&app, &silent, "closed").await);
    assert!(state_of(&app, &answered, "resolved").await, "answered two days ago: the wait starts again");
    w.run_until_idle(t0 + days(14)).await.unwrap();
    assert!(state_of(&app, &answered, "closed").await, "seven days after the customer's last message");
}

#[actix_web::test]
async fn the_auto_close_period_is_configurable() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let number = resolved_ticket(&app, &p, "三天", t0).await;
    let w = auto_close_worker(&app, 3);
    w.schedule_recurring(t0).await.unwrap();
    // Runs a minute apart, as the sweep recurs.
    w.run_until_idle(t0 + days(3) - Duration::minutes(1)).await.unwrap();
    assert!(state_of(&app, &number, "resolved").await);
    w.run_until_idle(t0 + days(3) + Duration::seconds(1)).await.unwrap();
    assert!(state_of(&app, &number, "closed").await);
}

#[actix_web::test]
async fn the_customer_sees_an_auto_closed_ticket_as_closed_by_the_system() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let number = resolved_ticket(&app, &p, "洗碗机不进水", t0 - Duration::days(8)).await;
    let w = auto_close_worker(&app, 7);
    w.schedule_recurring(t0).await.unwrap();
    w.run_until_idle(t0).await.unwrap();

    let page = p.customer.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert_eq!(page.first(".badge.state-closed").as_deref(), Some("已完成"));
    let entry = page.first(".event-auto_closed").expect("the auto-close event is shown");
    assert!(entry.contains("超时自动关闭") && entry.contains("系统"), "{entry}");

    let list = p.customer.page("/portal").await;
    let row = list.select("tbody tr").into_iter().find(|r| r.contains(&number)).expect("listed");
    assert!(row.contains("已完成"), "{row}");
}

/// `n` tickets filed through the portal and resolved at `at`.
async fn overdue_tickets(app: &TestApp, p: &People, n: usize, at: DateTime<Utc>) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..n {
        numbers.push(resolved_ticket(app, p, &format!("待关闭 {i}"), at).await);
    }
    numbers
}

async fn closed_once(app: &TestApp, numbers: &[String]) {
    for number in numbers {
        assert!(state_of(app, number, "closed").await, "{number}");
        assert_eq!(events(app, number, "auto_closed").await, 1, "{number} closed exactly once");
    }
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'auto_closed'").await, numbers.len() as i64);
}

#[actix_web::test]
async fn two_workers_running_the_sweep_close_each_ticket_once() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let numbers = overdue_tickets(&app, &p, 23, t0 - Duration::days(8)).await;

    // Small batches, so the sweep needs several runs that either worker may claim.
    let mut registry = Registry::new();
    registry.register_every(AutoClose { after: Duration::days(7), batch: 5 }, std::time::Duration::from_secs(60));
    let registry = Arc::new(registry);
    let a = Worker::new(app.pool.clone(), registry.clone(), WorkerConfig::default());
    let b = Worker::new(app.pool.clone(), registry.clone(), WorkerConfig::default());
    let (sa, sb) = futures_util::join!(a.schedule_recurring(t0), b.schedule_recurring(t0));
    sa.unwrap();
    sb.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 1, "one sweep row however many workers start");

    let (ra, rb) = futures_util::join!(a.run_until_idle(t0), b.run_until_idle(t0));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.succeeded + rb.succeeded, 5, "23 tickets in batches of 5: {ra:?} {rb:?}");
    assert_eq!(ra.failed + rb.failed, 0);
    closed_once(&app, &numbers).await;
}

#[actix_web::test]
async fn overlapping_sweeps_close_each_ticket_once() {
    // Two sweeps over the same tickets at once (as when a run outlives its
    // lease): the row lock and the version make the second one skip.
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let numbers = overdue_tickets(&app, &p, 20, t0 - Duration::days(8)).await;
    let sweep = AutoClose::new(7);
    let (a, b) = futures_util::join!(sweep.sweep(&app.pool, t0), sweep.sweep(&app.pool, t0));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.closed + b.closed, 20, "{a:?} {b:?}");
    closed_once(&app, &numbers).await;
}

#[actix_web::test]
async fn a_ticket_answered_during_the_sweep_is_left_alone() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let t0 = start_time();
    let number = resolved_ticket(&app, &p, "客户刚驳回", t0 - Duration::days(8)).await;
    // The sweep found the ticket at this version; the customer rejects before it closes.
    let version = app.count(&format!("SELECT version FROM tickets WHERE number = '{number}'")).await as i32;
    step(&app.pool, &number, Some(&p.customer_user), Action::RejectFix, t0).await.unwrap();
    let mut conn = app.pool.get().await.unwrap();
    let close = Change::new(Action::AutoClose).seen_version(Some(version));
    let refused = conn
        .transaction::<_, AppError, _>(async |conn| ticket_service::apply(conn, &number, By::System, close, t0).await)
        .await;
    assert!(matches!(refused, Err(AppError::Conflict(_) | AppError::Refused(_))), "{refused:?}");
    // A later sweep finds nothing to do, and does not fail.
    assert_eq!(AutoClose::new(7).sweep(&app.pool, t0).await.unwrap(), Default::default());
    assert!(state_of(&app, &number, "in_progress").await);
    assert_eq!(events(&app, &number, "auto_closed").await, 0);
}

// ---- the worker inside `serve` ----

fn draft(title: &str) -> TicketDraft {
    TicketDraft {
        ticket_type: TicketType::FaultRepair,
        urgency: Urgency::Normal,
        product_model: "DW-600 洗碗机".into(),
        serial_number: None,
        purchase_date: None,
        order_number: None,
        title: title.into(),
        description: "不进水".into(),
        desired_outcome: DesiredOutcome::Repair,
        contact_name: "王芳".into(),
        contact_phone: Some("13800138000".into()),
        contact_email: None,
        address: None,
        region: None,
    }
}

#[actix_web::test]
async fn serve_runs_the_worker_and_stops_it_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let url = tokio::task::spawn_blocking(fresh_database).await.unwrap();
    let pool = aftersales::db::build_pool(&url, None, 2).unwrap();
    let account = |role, email: &str| aftersales::domain::account_form::AccountDraft {
        role,
        name: email.into(),
        phone: None,
        email: Some(email.into()),
        company: None,
        region: None,
        skills: Vec::new(),
        password: PASSWORD.into(),
    };
    let customer =
        aftersales::services::accounts::create(&pool, account(Role::Customer, "c@example.com")).await.unwrap();
    let agent = aftersales::services::accounts::create(&pool, account(Role::Agent, "a@example.com")).await.unwrap();
    let (customer, agent) = (SessionUser::from(&customer), SessionUser::from(&agent));
    let long_ago = Utc::now() - Duration::days(9);
    let mut conn = pool.get().await.unwrap();
    let ticket =
        ticket_service::file(&mut conn, &customer, Channel::Web, &draft("超期"), long_ago, chrono_tz::Asia::Shanghai)
            .await
            .unwrap();
    drop(conn);
    for action in [Action::Take, Action::Start, Action::Resolve] {
        step(&pool, &ticket.number, Some(&agent), action, long_ago).await.unwrap();
    }

    let data_dir = aftersales::db::cluster::temp_data_dir("aftersales-worker-test");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("AFTERSALES_DATA_DIR", &data_dir)
        .env("AFTERSALES_WORKER_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start aftersales");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let started = lines.by_ref().any(|l| l.is_ok_and(|l| l.starts_with("aftersales is running at ")));
    assert!(started, "serve started");
    std::thread::spawn(move || for _ in lines {});

    // The worker's first sweep runs at start; wait for it (an external process: no clock to move).
    let closed = format!("SELECT count(*) FROM tickets WHERE number = '{}' AND state = 'closed'", ticket.number);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(&pool, &closed).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the running app auto-closed nothing");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .expect("signal");
    let status = child.wait().expect("wait");
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    assert_eq!(count(&pool, "SELECT count(*) FROM jobs WHERE locked_by IS NOT NULL").await, 0, "no claim left behind");
    assert_eq!(count(&pool, "SELECT count(*) FROM ticket_events WHERE kind = 'auto_closed'").await, 1);
    let _ = std::fs::remove_dir_all(&data_dir);
}

pub(crate) async fn count(pool: &Pool, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = pool.get().await.expect("conn");
    let row: Count = diesel::sql_query(format!("SELECT ({sql})::bigint AS n")).get_result(&mut conn).await.expect(sql);
    row.n
}
