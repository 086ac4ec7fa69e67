//! `GET /metrics` in Prometheus's text format, and the middleware that counts and times every request by its route.
//!
//! Request figures are counted in this instance; the pool is this instance's; the job queue, the outbox and the
//! active sessions are read from the database at each scrape (their tables hold only what is pending or recent, see
//! `jobs::prune`), so every instance reports the same figures.

use crate::db::Pool;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;
use crate::store::Conn;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::RunQueryDsl;
use prometheus::{Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};
use std::time::{Duration, Instant};

/// Seconds: from a cached page (a millisecond) to a slow export request.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// A scrape never waits long for the database: the request figures are worth having without it.
const SCRAPE_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// One instance's figures.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    jobs: IntGaugeVec,
    outbox: GaugeVec,
    sessions: prometheus::IntGauge,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, collector: T) -> T {
    // Names are constants and unique: registering can only fail on a programming error.
    registry.register(Box::new(collector.clone())).expect("metric names are unique");
    collector
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("aftersales_http_requests_total", "HTTP requests answered, by route pattern and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("aftersales_http_request_duration_seconds", "Time to the response head, by route")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("aftersales_db_pool_connections", "Database pool: max, open, idle and waiting requests"),
            &["state"],
        )
        .expect("valid metric");
        let jobs = IntGaugeVec::new(
            Opts::new("aftersales_jobs", "Background jobs by kind: pending, due now, retrying after a failure, failed"),
            &["kind", "state"],
        )
        .expect("valid metric");
        let outbox = GaugeVec::new(
            Opts::new("aftersales_outbox", "Messages not sent yet (count) and the age of the oldest, in seconds"),
            &["measure"],
        )
        .expect("valid metric");
        let sessions = prometheus::IntGauge::new(
            "aftersales_active_sessions",
            "Sessions not ended and used in the last hour (all instances)",
        )
        .expect("valid metric");
        Metrics {
            sessions: register(&registry, sessions),
            requests: register(&registry, requests),
            latency: register(&registry, latency),
            pool: register(&registry, pool),
            jobs: register(&registry, jobs),
            outbox: register(&registry, outbox),
            registry,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.requests.with_label_values(&[method, route, status.as_str()]).inc();
        self.latency.with_label_values(&[method, route]).observe(elapsed.as_secs_f64());
    }

    fn read_pool(&self, pool: &Pool) {
        let status = pool.status();
        let idle = i64::try_from(status.available).unwrap_or(i64::MAX);
        for (state, value) in [
            ("max", status.max_size),
            ("open", status.size),
            ("in_use", status.size.saturating_sub(status.available)),
            ("waiting", status.waiting),
        ] {
            self.pool.with_label_values(&[state]).set(i64::try_from(value).unwrap_or(i64::MAX));
        }
        self.pool.with_label_values(&["idle"]).set(idle);
    }

    async fn read_queues(&self, conn: &mut Conn) -> diesel::QueryResult<()> {
        #[derive(QueryableByName)]
        struct KindRow {
            #[diesel(sql_type = Text)]
            kind: String,
            #[diesel(sql_type = BigInt)]
            pending: i64,
            #[diesel(sql_type = BigInt)]
            due: i64,
            #[diesel(sql_type = BigInt)]
            retrying: i64,
            #[diesel(sql_type = BigInt)]
            failed: i64,
        }
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        #[derive(QueryableByName)]
        struct OutboxRow {
            #[diesel(sql_type = BigInt)]
            unsent: i64,
            #[diesel(sql_type = Double)]
            oldest_seconds: f64,
        }
        let kinds: Vec<KindRow> = diesel::sql_query(
            "SELECT kind, \
                 count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL) AS pending, \
                 count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now()) AS due, \
                 count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL) AS retrying, \
                 count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed \
             FROM jobs GROUP BY kind",
        )
        .load(conn)
        .await?;
        self.jobs.reset();
        for k in kinds {
            for (state, n) in [("pending", k.pending), ("due", k.due), ("retrying", k.retrying), ("failed", k.failed)] {
                self.jobs.with_label_values(&[k.kind.as_str(), state]).set(n);
            }
        }
        let outbox: OutboxRow = diesel::sql_query(
            "SELECT count(*) AS unsent, \
                 coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds \
             FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .get_result(conn)
        .await?;
        self.outbox.with_label_values(&["unsent"]).set(outbox.unsent as f64);
        self.outbox.with_label_values(&["oldest_unsent_age_seconds"]).set(outbox.oldest_seconds);
        // The recent end of the last-seen index: a range of the last hour, not the table.
        let active: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM sessions WHERE last_seen_at > now() - interval '1 hour' AND revoked_at IS NULL",
        )
        .get_result(conn)
        .await?;
        self.sessions.set(active.n);
        Ok(())
    }

    fn render(&self) -> AppResult<Vec<u8>> {
        let mut body = Vec::new();
        prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut body).map_err(AppError::internal)?;
        Ok(body)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Counts and times each request under its route pattern (`/tickets/{number}`), never its path, so the figures
/// stay a fixed set whatever is asked for.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?;
    if let Some(state) = state {
        let request = res.request();
        let route = request.match_pattern();
        let route = route.as_deref().unwrap_or("unmatched");
        state.metrics.observe(request.method().as_str(), route, res.status().as_u16(), started.elapsed());
    }
    Ok(res)
}

/// `GET /metrics`: for the monitoring system only — with a token configured, the request must carry it
/// (`Authorization: Bearer …`); without one, only callers on this machine are answered (the deploy's nginx
/// config does not pass `/metrics` on).
pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if !may_scrape(&req, state.metrics_token.as_deref()) {
        return Err(AppError::NotFound);
    }
    let metrics = &state.metrics;
    metrics.read_pool(&state.pool);
    let queues = tokio::time::timeout(SCRAPE_DB_TIMEOUT, async {
        let mut conn = state.pool.get().await.map_err(AppError::from)?;
        metrics.read_queues(&mut conn).await.map_err(AppError::from)
    })
    .await;
    if !matches!(queues, Ok(Ok(()))) {
        // The request figures still go out; the queue figures keep their last values.
        tracing::warn!("metrics: the job queue and outbox could not be read in time");
    }
    Ok(HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(metrics.render()?))
}

fn may_scrape(req: &HttpRequest, token: Option<&str>) -> bool {
    match token {
        Some(token) => {
            let given = req.headers().get("Authorization").and_then(|v| v.to_str().ok());
            let given = given.and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.as_bytes()).into()
        }
        None => req.peer_addr().is_some_and(|peer| peer.ip().is_loopback()),
    }
}
