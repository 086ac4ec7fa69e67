//! The background worker: runs jobs kept in the `jobs` table (timed work such as
//! auto-close, withdrawal escalation, delivery of the email outbox; later SLA checks and reminders).
//!
//! Each app instance may run a worker. A worker claims due jobs with
//! `FOR UPDATE SKIP LOCKED` and marks the claim in the row with a short lease
//! (`locked_until`, [`LEASE`]) that a heartbeat renews while the worker is alive, so two workers never run one job
//! at the same time, and a job whose worker died is picked up again within seconds. A failed
//! run is retried with exponential backoff until `max_attempts`; recurring
//! jobs (sweeps) are rows that reschedule themselves after each run. Recording how a run ended is retried a few
//! times with a short wait, so a run that failed because the database went away is still rescheduled; if the
//! database stays away, the claim simply runs out with its lease.
//!
//! A worker runs its jobs one after another, so a long job (an export of a million tickets) would hold up the
//! sweeps behind it: the app runs two workers, one [`Lane`] for the long kinds and one for the rest.
//!
//! A job kind is a [`Job`] registered in the [`Registry`] under its `kind`
//! name. Because a run that outlives its lease (or dies after its work but
//! before it is marked done) may run again, jobs must be idempotent — the
//! auto-close sweep is, since the ticket workflow refuses to close a ticket twice.

pub mod analytics_fold;
pub mod auto_close;
pub mod export_expiry;
pub mod outbox_delivery;
pub mod prune;
pub mod sla_sweep;
pub mod ticket_export;
pub mod unavailable_handover;
pub mod withdrawal_escalation;

use crate::db::Pool;
use crate::store::jobs::{self as queue, Claimed, NewJob};
use chrono::{DateTime, Utc};
use clap::Args;
use clap::builder::BoolishValueParser;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use std::time::Instant;
use tokio::sync::watch;

/// How long a claim holds without its worker's heartbeat: a dead worker's jobs move on after this at the latest.
pub const LEASE: StdDuration = StdDuration::from_secs(15);
/// How often a worker renews the leases of the jobs it holds (a few heartbeats per lease, so one lost to a
/// database blip does not lose the claim).
const HEARTBEATS_PER_LEASE: u32 = 3;
/// The waits between the tries of a write that records what a run did (its outcome, a message sent).
const RECORD_WAITS: [StdDuration; 4] = [
    StdDuration::from_millis(100),
    StdDuration::from_millis(300),
    StdDuration::from_secs(1),
    StdDuration::from_secs(2),
];
/// Longest one such write may take (a frozen database answers nothing, and a query has no client-side limit).
const RECORD_TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// Longest a claim of due jobs may take.
const CLAIM_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// `step` within `limit`, as an error if it takes longer.
pub(crate) async fn bounded<T>(limit: StdDuration, step: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    match tokio::time::timeout(limit, step).await {
        Ok(done) => done,
        Err(_) => Err(anyhow::anyhow!("no answer from the database within {} ms", limit.as_millis())),
    }
}

/// Tries `step` (a database write recording what happened) until it succeeds, at most five times over about four
/// seconds (each try within [`RECORD_TIMEOUT`]): a blip of the database must not lose the record. The last error
/// if every try failed.
pub(crate) async fn retrying<T>(mut step: impl AsyncFnMut() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut waits = RECORD_WAITS.iter();
    loop {
        let error = match bounded(RECORD_TIMEOUT, step()).await {
            Ok(done) => return Ok(done),
            Err(error) => error,
        };
        match waits.next() {
            Some(wait) => actix_web::rt::time::sleep(*wait).await,
            None => return Err(error),
        }
    }
}

/// The worker's settings, part of [`crate::config::Settings`].
#[derive(Debug, Clone, Args)]
pub struct WorkerSettings {
    /// Run the background worker in this instance (`false` leaves timed work to other instances).
    // The flag is not `--worker`, which would read like `--workers` (HTTP threads).
    #[arg(long = "background-worker", value_name = "BOOL", env = "AFTERSALES_WORKER", default_value_t = true,
          action = clap::ArgAction::Set, value_parser = BoolishValueParser::new(), global = true)]
    pub enabled: bool,

    /// How often an idle worker looks for due jobs, in milliseconds.
    #[arg(long = "worker-poll-ms", value_name = "MS", env = "AFTERSALES_WORKER_POLL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000), global = true)]
    pub poll_ms: u64,

    /// Days after which a resolved ticket the customer has not answered closes by itself.
    #[arg(long, value_name = "DAYS", env = "AFTERSALES_AUTO_CLOSE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=365), global = true)]
    pub auto_close_days: u32,
}

/// How a run ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished: a one-off job is done, a recurring one waits for its next run.
    Done,
    /// Did a batch and there is more: run again as soon as possible (sweeps
    /// work in batches so one run stays short, whatever the backlog).
    MoreToDo,
}

/// What a job gets to run with.
pub struct JobContext {
    pub pool: Pool,
    /// The job's row, for jobs that record what they did.
    pub id: i64,
    /// 1 on the first run.
    pub attempt: i32,
    pub payload: serde_json::Value,
    /// The time of this run (tests move it; jobs use it instead of the clock).
    pub now: DateTime<Utc>,
}

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Outcome>> + 'a>>;

/// One kind of background job. An error is recorded on the row and the job
/// retried. The job value holds only settings, so one registry can be shared by
/// several workers; its runs are futures on the worker's (single) thread.
pub trait Job: Send + Sync {
    /// The name stored in `jobs.kind`.
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a>;

    /// Called once when a one-off job gives up (its last attempt failed, or its worker died during it), so that what
    /// people see of it — an export's page — ends in a final, explained state instead of waiting forever.
    fn gave_up<'a>(&'a self, _ctx: &'a JobContext, _error: &'a str) -> GaveUpFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

pub type GaveUpFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// A job kind that runs every `every` (a sweep), kept as one row.
struct Recurring {
    kind: &'static str,
    every: chrono::Duration,
}

/// The job kinds a worker knows, which of them recur and which run long.
#[derive(Default)]
pub struct Registry {
    jobs: HashMap<&'static str, Box<dyn Job>>,
    recurring: Vec<Recurring>,
    long: Vec<&'static str>,
}

/// Attempts of a recurring run before it waits for its next regular run.
const RECURRING_ATTEMPTS: i32 = 3;
/// How often the auto-close sweep runs.
pub const AUTO_CLOSE_EVERY: StdDuration = StdDuration::from_secs(60);
/// How often unanswered withdrawal requests are looked for.
pub const ESCALATION_EVERY: StdDuration = StdDuration::from_secs(60);
/// How often SLA warnings and breaches are looked for: a critical ticket's
/// first response is due in 30 minutes, so a warning must not wait long.
pub const SLA_SWEEP_EVERY: StdDuration = StdDuration::from_secs(30);
/// How often tickets still held by unavailable staff are looked for.
pub const HANDOVER_EVERY: StdDuration = StdDuration::from_secs(60);
/// How often the outbox is looked at: people expect an email within seconds.
pub const OUTBOX_EVERY: StdDuration = StdDuration::from_secs(5);
/// How often rows whose use is over are removed.
pub const PRUNE_EVERY: StdDuration = StdDuration::from_secs(3600);
/// How often export files past their day are looked for.
pub const EXPORT_EXPIRY_EVERY: StdDuration = StdDuration::from_secs(3600);
/// How often analytics deltas are folded into the rollups: the dashboard adds the ones still waiting to every
/// view, so they must stay few even at a thousand filings a second.
pub const ANALYTICS_FOLD_EVERY: StdDuration = StdDuration::from_secs(2);

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// The app's jobs. `mail` was checked when the settings were read.
    pub fn standard(
        settings: &WorkerSettings,
        policy: crate::config::Policy,
        mail: &crate::config::Mail,
        storage: crate::storage::Storage,
    ) -> Self {
        let mut registry = Registry::new();
        registry.register_every(auto_close::AutoClose::new(settings.auto_close_days), AUTO_CLOSE_EVERY);
        registry.register_every(withdrawal_escalation::Escalation::new(policy), ESCALATION_EVERY);
        registry.register_every(sla_sweep::SlaSweep::default(), SLA_SWEEP_EVERY);
        registry.register_every(unavailable_handover::UnavailableHandover, HANDOVER_EVERY);
        let delivery = outbox_delivery::OutboxDelivery::new(mail).expect("mail settings are checked when read");
        registry.register_every(delivery, OUTBOX_EVERY);
        registry.register_long(ticket_export::TicketExport::new(storage.clone()));
        registry.register_every(export_expiry::ExportExpiry::new(storage), EXPORT_EXPIRY_EVERY);
        registry.register_every(analytics_fold::AnalyticsFold, ANALYTICS_FOLD_EVERY);
        registry.register_every(prune::Prune::default(), PRUNE_EVERY);
        registry
    }

    /// Adds a job kind. Two kinds with one name are a programming error.
    pub fn register(&mut self, job: impl Job + 'static) -> &mut Self {
        let kind = job.kind();
        let previous = self.jobs.insert(kind, Box::new(job));
        assert!(previous.is_none(), "job kind {kind} registered twice");
        self
    }

    /// Adds a job kind that runs every `every`.
    pub fn register_every(&mut self, job: impl Job + 'static, every: StdDuration) -> &mut Self {
        let every =
            chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX).max(chrono::Duration::seconds(1));
        self.recurring.push(Recurring { kind: job.kind(), every });
        self.register(job)
    }

    /// Adds a job kind whose runs may take long: it runs in the long lane.
    pub fn register_long(&mut self, job: impl Job + 'static) -> &mut Self {
        self.long.push(job.kind());
        self.register(job)
    }

    fn get(&self, kind: &str) -> Option<&dyn Job> {
        self.jobs.get(kind).map(|job| &**job)
    }
}

/// A one-off job to enqueue with [`enqueue`].
#[derive(Debug, Clone)]
pub struct JobSpec {
    kind: String,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
    max_attempts: i32,
    dedupe_key: Option<String>,
}

impl JobSpec {
    /// `kind` with `payload`, due at `run_at`, 5 attempts.
    pub fn new(kind: &str, payload: serde_json::Value, run_at: DateTime<Utc>) -> Self {
        JobSpec { kind: kind.to_owned(), payload, run_at, max_attempts: 5, dedupe_key: None }
    }
    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// Schedule this job once: a later enqueue with the same key (even after
    /// the job ran) adds nothing.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Puts a job in the queue (inside the caller's transaction, if any, so the job
/// exists exactly when the change that asks for it is committed). `None` if its
/// dedupe key was taken.
pub async fn enqueue(
    conn: &mut crate::store::Conn,
    spec: JobSpec,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Option<i64>> {
    let job = NewJob {
        kind: spec.kind,
        payload: spec.payload,
        dedupe_key: spec.dedupe_key,
        repeat_seconds: None,
        run_at: spec.run_at,
        max_attempts: spec.max_attempts,
        created_at: now,
    };
    queue::enqueue(conn, &job).await
}

/// The wait before retry number `attempt` + 1 after `attempt` failed runs:
/// 30 s, 1 min, 2 min, … doubling, at most 6 hours.
pub fn backoff(attempt: i32) -> chrono::Duration {
    const BASE_SECS: i64 = 30;
    const MAX_SECS: i64 = 6 * 3600;
    let doublings = attempt.saturating_sub(1).clamp(0, 20) as u32;
    chrono::Duration::seconds((BASE_SECS << doublings).min(MAX_SECS))
}

/// What becomes of a claimed job after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Next {
    Done,
    /// Run again at `at`, with this count of attempts and this error recorded.
    Again {
        at: DateTime<Utc>,
        attempts: i32,
        error: Option<String>,
    },
    Failed(String),
}

fn next_step(job: &Claimed, result: Result<Outcome, String>, now: DateTime<Utc>) -> Next {
    let every = job.repeat_seconds.map(|s| chrono::Duration::seconds(s.into()));
    match (result, every) {
        (Ok(Outcome::MoreToDo), _) => Next::Again { at: now, attempts: 0, error: None },
        (Ok(Outcome::Done), Some(every)) => Next::Again { at: now + every, attempts: 0, error: None },
        (Ok(Outcome::Done), None) => Next::Done,
        (Err(error), every) if job.attempts < job.max_attempts => {
            // A recurring job retries no later than its next regular run.
            let wait = every.map_or(backoff(job.attempts), |every| backoff(job.attempts).min(every));
            Next::Again { at: now + wait, attempts: job.attempts, error: Some(error) }
        }
        (Err(error), Some(every)) => Next::Again { at: now + every, attempts: 0, error: Some(error) },
        (Err(error), None) => Next::Failed(error),
    }
}

/// Counts of one or more ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    pub claimed: usize,
    pub succeeded: usize,
    pub failed: usize,
}

impl std::ops::AddAssign for Tick {
    fn add_assign(&mut self, other: Tick) {
        self.claimed += other.claimed;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }
}

/// How a worker claims work.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Wait between looks for due jobs when there was nothing to do.
    pub poll: StdDuration,
    /// Jobs claimed at once.
    pub batch: i64,
    /// How long a claim holds without a heartbeat: the worker renews it while it runs the job (so a job may take
    /// longer), and a dead worker's jobs wait this long at most before another worker takes them.
    pub lease: chrono::Duration,
    /// The jobs it claims.
    pub lane: Lane,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(15));
        WorkerConfig { poll: StdDuration::from_secs(1), batch: 8, lease, lane: Lane::All }
    }
}

/// Which kinds a worker claims: all of them, the registry's long ones, or the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lane {
    #[default]
    All,
    Short,
    Long,
}

/// One worker: claims due jobs and runs them one after another.
pub struct Worker {
    pool: Pool,
    registry: Arc<Registry>,
    config: WorkerConfig,
    id: String,
}

impl Worker {
    /// A worker with a name of its own (host, process and a random part), as claims record it.
    pub fn new(pool: Pool, registry: Arc<Registry>, config: WorkerConfig) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let host = if host.trim().is_empty() { "host" } else { host.trim() };
        let id = format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>());
        Worker { pool, registry, config, id }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Creates the rows of recurring jobs that do not exist yet (due at once).
    pub async fn schedule_recurring(&self, now: DateTime<Utc>) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        for r in &self.registry.recurring {
            let job = NewJob {
                kind: r.kind.to_owned(),
                payload: serde_json::json!({}),
                dedupe_key: Some(format!("recurring:{}", r.kind)),
                repeat_seconds: Some(i32::try_from(r.every.num_seconds()).unwrap_or(i32::MAX)),
                run_at: now,
                max_attempts: RECURRING_ATTEMPTS,
                created_at: now,
            };
            queue::ensure_recurring(&mut conn, &job).await?;
        }
        Ok(())
    }

    /// Claims the jobs due at `now` (up to a batch) and runs them.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<Tick> {
        self.tick_unless_stopped(now, None).await
    }

    /// Ticks at `now` until nothing is due (for tests and tools; the loop is [`Worker::run`]).
    pub async fn run_until_idle(&self, now: DateTime<Utc>) -> anyhow::Result<Tick> {
        let mut total = Tick::default();
        // A job that always has more to do would never let this return.
        for _ in 0..10_000 {
            let tick = self.tick(now).await?;
            if tick.claimed == 0 {
                return Ok(total);
            }
            total += tick;
        }
        anyhow::bail!("jobs still due after 10000 ticks")
    }

    async fn tick_unless_stopped(
        &self,
        now: DateTime<Utc>,
        stop: Option<&watch::Receiver<bool>>,
    ) -> anyhow::Result<Tick> {
        let claimed = bounded(CLAIM_TIMEOUT, async {
            let mut conn = self.pool.get().await?;
            let long = match self.config.lane {
                Lane::All => None,
                Lane::Short => Some(false),
                Lane::Long => Some(true),
            };
            let kinds = queue::Kinds { long: &self.registry.long, in_long_lane: long };
            Ok(queue::claim(&mut conn, &self.id, now, now + self.config.lease, self.config.batch, kinds).await?)
        })
        .await?;
        if claimed.is_empty() {
            return Ok(Tick::default());
        }
        // The claims last while this tick runs them: the heartbeat renews them until the tick ends (and stops with
        // the worker, so a dead worker's claims run out). Only this tick's: the claims of a tick that could not
        // record its outcomes must run out, not be renewed by the next tick.
        let ids: Vec<i64> = claimed.iter().map(|job| job.id).collect();
        tokio::select! {
            tick = self.run_claimed(&claimed, now, stop) => tick,
            never = self.heartbeat(&ids, now) => match never {},
        }
    }

    /// Renews the leases of the jobs `ids` while this worker holds them, a few times per lease, forever. A failed
    /// renewal is logged; the next may succeed before the lease runs out.
    async fn heartbeat(&self, ids: &[i64], now: DateTime<Utc>) -> std::convert::Infallible {
        let started = Instant::now();
        let every =
            (self.config.lease.to_std().unwrap_or(LEASE) / HEARTBEATS_PER_LEASE).max(StdDuration::from_millis(50));
        loop {
            actix_web::rt::time::sleep(every).await;
            // The tick's `now` moved on by the time spent (tests give a `now` of their own).
            let until = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default() + self.config.lease;
            let renewed = bounded(every, async {
                let mut conn = self.pool.get().await?;
                Ok(queue::renew(&mut conn, &self.id, ids, until).await?)
            })
            .await;
            if let Err(error) = renewed {
                tracing::warn!(worker = %self.id, %error, "cannot renew the leases of the running jobs");
            }
        }
    }

    /// Runs the claimed jobs one after another and records each outcome. If an outcome cannot be recorded (the
    /// database stayed away through the retries) the tick stops: the jobs not recorded are taken again when their
    /// leases run out, seconds later.
    async fn run_claimed(
        &self,
        claimed: &[Claimed],
        now: DateTime<Utc>,
        stop: Option<&watch::Receiver<bool>>,
    ) -> anyhow::Result<Tick> {
        let mut tick = Tick { claimed: claimed.len(), ..Tick::default() };
        for (i, job) in claimed.iter().enumerate() {
            if stop.is_some_and(|s| *s.borrow()) {
                let rest: Vec<i64> = claimed[i..].iter().map(|j| j.id).collect();
                retrying(async || {
                    let mut conn = self.pool.get().await?;
                    Ok(queue::release(&mut conn, &rest, &self.id).await?)
                })
                .await?;
                break;
            }
            let result = self.run_one(job, now).await;
            match &result {
                Ok(_) => tick.succeeded += 1,
                Err(error) => {
                    tick.failed += 1;
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed");
                }
            }
            let next = next_step(job, result, now);
            if let Next::Failed(error) = &next {
                tracing::error!(job = job.id, kind = %job.kind, %error, "job gave up");
                self.give_up(job, error, now).await;
            }
            let held = self.record(job, &next, now).await.map_err(|error| {
                tracing::error!(job = job.id, kind = %job.kind, %error,
                                "cannot record how the job ended; it runs again when its lease runs out");
                error
            })?;
            if !held {
                tracing::warn!(job = job.id, kind = %job.kind, "job outlived its lease; another worker took it over");
            }
        }
        Ok(tick)
    }

    /// Records `next` for `job`, retried through a database blip. False if the claim was lost.
    async fn record(&self, job: &Claimed, next: &Next, now: DateTime<Utc>) -> anyhow::Result<bool> {
        retrying(async || {
            let mut conn = self.pool.get().await?;
            Ok(match next {
                Next::Done => queue::mark_done(&mut conn, job.id, &self.id, now).await?,
                Next::Again { at, attempts, error } => {
                    queue::reschedule(&mut conn, job.id, &self.id, *at, *attempts, error.as_deref()).await?
                }
                Next::Failed(error) => queue::mark_failed(&mut conn, job.id, &self.id, now, error).await?,
            })
        })
        .await
    }

    /// Lets the job's kind close what people see of it (retried through a blip). If even that fails the job is failed
    /// all the same: the error is logged.
    async fn give_up(&self, job: &Claimed, error: &str, now: DateTime<Utc>) {
        let Some(kind) = self.registry.get(&job.kind) else { return };
        let ctx = self.context(job, now);
        if let Err(e) = retrying(async || kind.gave_up(&ctx, error).await).await {
            tracing::error!(job = job.id, kind = %job.kind, error = %e, "cannot record that the job gave up");
        }
    }

    fn context(&self, job: &Claimed, now: DateTime<Utc>) -> JobContext {
        JobContext { pool: self.pool.clone(), id: job.id, attempt: job.attempts, payload: job.payload.clone(), now }
    }

    /// Runs one claimed job in a task of its own, so a panic is a failed run,
    /// not a dead worker.
    async fn run_one(&self, job: &Claimed, now: DateTime<Utc>) -> Result<Outcome, String> {
        if job.attempts > job.max_attempts {
            // Its last attempt's worker stopped without recording an outcome.
            return Err(format!("gave up: the last of {} attempts did not finish", job.max_attempts));
        }
        if self.registry.get(&job.kind).is_none() {
            return Err(format!("unknown job kind {:?}", job.kind));
        }
        let registry = self.registry.clone();
        let kind = job.kind.clone();
        let ctx = self.context(job, now);
        let task = actix_web::rt::spawn(async move {
            match registry.get(&kind) {
                Some(j) => j.run(&ctx).await.map_err(|e| format!("{e:#}")),
                None => Err(format!("unknown job kind {kind:?}")),
            }
        });
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => Err("the job panicked".to_owned()),
            Err(e) => Err(format!("the job was cancelled: {e}")),
        }
    }

    /// Runs until `stop` turns true (or its sender goes away): ticks while
    /// jobs are due, else waits `poll`. Database trouble is logged and retried.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut scheduled = false;
        loop {
            if *stop.borrow() {
                break;
            }
            if !scheduled {
                match self.schedule_recurring(Utc::now()).await {
                    Ok(()) => scheduled = true,
                    Err(error) => tracing::warn!(%error, "cannot schedule recurring jobs yet"),
                }
            }
            let busy = match self.tick_unless_stopped(Utc::now(), Some(&stop)).await {
                Ok(tick) => tick.claimed > 0,
                Err(error) => {
                    tracing::warn!(%error, "job worker tick failed");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                changed = stop.changed() => if changed.is_err() { break },
                _ = actix_web::rt::time::sleep(self.config.poll) => {}
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }
}

/// The workers of an app instance, running on the current actix system: one per lane.
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    tasks: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl RunningWorker {
    /// Starts a worker for the short lane and, when the registry has long kinds, one for the long lane.
    pub fn start_lanes(pool: Pool, registry: Arc<Registry>, config: WorkerConfig) -> RunningWorker {
        let (stop, stopped) = watch::channel(false);
        let lanes = if registry.long.is_empty() { vec![Lane::All] } else { vec![Lane::Short, Lane::Long] };
        let tasks = lanes
            .into_iter()
            .map(|lane| {
                let worker = Worker::new(pool.clone(), registry.clone(), WorkerConfig { lane, ..config.clone() });
                tracing::info!(worker = %worker.id(), ?lane, "job worker started");
                actix_web::rt::spawn(worker.run(stopped.clone()))
            })
            .collect();
        RunningWorker { stop, tasks }
    }

    /// Lets the current jobs finish, then stops.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "job worker ended abnormally");
            }
        }
    }
}

/// Starts the app's worker unless the settings turn it off.
pub fn start(
    pool: Pool,
    settings: &WorkerSettings,
    policy: crate::config::Policy,
    mail: &crate::config::Mail,
    storage: crate::storage::Storage,
) -> Option<RunningWorker> {
    if !settings.enabled {
        return None;
    }
    let config = WorkerConfig { poll: StdDuration::from_millis(settings.poll_ms), ..WorkerConfig::default() };
    tracing::info!(auto_close_days = settings.auto_close_days, "starting the job workers");
    Some(RunningWorker::start_lanes(pool, Arc::new(Registry::standard(settings, policy, mail, storage)), config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(attempts: i32, max_attempts: i32, repeat_seconds: Option<i32>) -> Claimed {
        Claimed { id: 1, kind: "k".into(), payload: serde_json::json!({}), attempts, max_attempts, repeat_seconds }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_six_hours() {
        let secs: Vec<i64> = (1..=6).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960]);
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(-3).num_seconds(), 30);
        assert_eq!(backoff(11).num_seconds(), 6 * 3600);
        assert_eq!(backoff(i32::MAX).num_seconds(), 6 * 3600);
    }

    #[test]
    fn one_off_jobs_finish_retry_then_fail() {
        let t = now();
        assert_eq!(next_step(&claimed(1, 3, None), Ok(Outcome::Done), t), Next::Done);
        assert_eq!(
            next_step(&claimed(1, 3, None), Err("boom".into()), t),
            Next::Again { at: t + chrono::Duration::seconds(30), attempts: 1, error: Some("boom".into()) }
        );
        assert_eq!(
            next_step(&claimed(2, 3, None), Err("boom".into()), t),
            Next::Again { at: t + chrono::Duration::seconds(60), attempts: 2, error: Some("boom".into()) }
        );
        assert_eq!(next_step(&claimed(3, 3, None), Err("boom".into()), t), Next::Failed("boom".into()));
        assert_eq!(next_step(&claimed(4, 3, None), Err("boom".into()), t), Next::Failed("boom".into()));
        assert_eq!(
            next_step(&claimed(2, 3, None), Ok(Outcome::MoreToDo), t),
            Next::Again { at: t, attempts: 0, error: None }
        );
    }

    #[test]
    fn recurring_jobs_never_give_up_and_retry_within_their_period() {
        let t = now();
        let minute = chrono::Duration::seconds(60);
        assert_eq!(
            next_step(&claimed(1, 3, Some(60)), Ok(Outcome::Done), t),
            Next::Again { at: t + minute, attempts: 0, error: None }
        );
        assert_eq!(
            next_step(&claimed(1, 3, Some(60)), Ok(Outcome::MoreToDo), t),
            Next::Again { at: t, attempts: 0, error: None }
        );
        assert_eq!(
            next_step(&claimed(1, 3, Some(60)), Err("db".into()), t),
            Next::Again { at: t + chrono::Duration::seconds(30), attempts: 1, error: Some("db".into()) }
        );
        // The backoff would be 2 min; the next regular run comes first.
        assert_eq!(
            next_step(&claimed(3, 4, Some(60)), Err("db".into()), t),
            Next::Again { at: t + minute, attempts: 3, error: Some("db".into()) }
        );
        assert_eq!(
            next_step(&claimed(3, 3, Some(60)), Err("db".into()), t),
            Next::Again { at: t + minute, attempts: 0, error: Some("db".into()) }
        );
    }

    struct Named(&'static str);
    impl Job for Named {
        fn kind(&self) -> &'static str {
            self.0
        }
        fn run<'a>(&'a self, _ctx: &'a JobContext) -> JobFuture<'a> {
            Box::pin(async { Ok(Outcome::Done) })
        }
    }

    #[test]
    fn the_standard_registry_has_the_sweeps() {
        let settings = WorkerSettings { enabled: true, poll_ms: 1000, auto_close_days: 7 };
        let dir = crate::db::cluster::temp_data_dir("aftersales-registry-test");
        let storage = crate::storage::Storage::open(&Default::default(), &dir).unwrap();
        let registry = Registry::standard(&settings, Default::default(), &Default::default(), storage);
        let _ = std::fs::remove_dir_all(dir);
        assert!(registry.get(auto_close::KIND).is_some());
        assert!(registry.get(withdrawal_escalation::KIND).is_some());
        assert!(registry.get(sla_sweep::KIND).is_some());
        assert!(registry.get(unavailable_handover::KIND).is_some());
        assert!(registry.get(outbox_delivery::KIND).is_some());
        assert!(registry.get(ticket_export::KIND).is_some());
        let every: Vec<_> = registry.recurring.iter().map(|r| (r.kind, r.every.num_seconds())).collect();
        assert_eq!(
            every,
            [
                (auto_close::KIND, 60),
                (withdrawal_escalation::KIND, 60),
                (sla_sweep::KIND, 30),
                (unavailable_handover::KIND, 60),
                (outbox_delivery::KIND, 5),
                (export_expiry::KIND, 3600),
                (analytics_fold::KIND, 2),
                (prune::KIND, 3600)
            ],
            "sweeps every minute, SLA every 30 s (a critical first response is due in 30 minutes), the outbox every few \
             seconds, analytics deltas every 2 s, old export files and old rows hourly"
        );
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_kind_cannot_be_registered_twice() {
        let mut registry = Registry::new();
        registry.register(Named("x")).register(Named("x"));
    }

    #[test]
    fn settings_parse_from_the_environment_names() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            worker: WorkerSettings,
        }
        let cli = Cli::parse_from(["x"]);
        assert!(cli.worker.enabled);
        assert_eq!((cli.worker.poll_ms, cli.worker.auto_close_days), (1000, 7));
        let cli =
            Cli::parse_from(["x", "--background-worker", "false", "--worker-poll-ms", "250", "--auto-close-days", "3"]);
        assert!(!cli.worker.enabled);
        assert_eq!((cli.worker.poll_ms, cli.worker.auto_close_days), (250, 3));
        assert!(Cli::try_parse_from(["x", "--auto-close-days", "0"]).is_err());
    }
}
