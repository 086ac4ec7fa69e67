//! The scenarios and the bounded load that measures them: `concurrency` loops, each issuing one request after
//! another, for `seconds` (and never more than a hard cap of requests); every latency goes into a histogram, every
//! answer that is not 2xx/3xx (or no answer) counts as an error.

use super::client::Session;
use super::data::{SEARCH_EN, SEARCH_ZH};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Requests one scenario may make per second of its run, at most: a load that cannot run away.
const CAP_PER_SECOND: u64 = 50_000;

/// Everything the scenarios pick from, prepared before the load starts.
#[derive(Clone)]
pub struct Fixtures {
    pub base: String,
    pub agents: Vec<Session>,
    /// A signed-in supervisor (the dashboard).
    pub supervisor: Session,
    pub customers: Vec<Session>,
    /// Random tickets, for the ticket page.
    pub tickets: Vec<String>,
    /// Open tickets of each signed-in agent (same index as `agents`): replies go to their own tickets.
    pub assigned: Vec<Vec<String>>,
    /// A queue page reached by following "next" about 20 times.
    pub deep_page: String,
}

/// One request of a scenario.
pub enum Call<'a> {
    Get(&'a Session, String),
    Post(&'a Session, String, Vec<(&'static str, String)>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scenario {
    Floor,
    Queue,
    QueueFiltered,
    QueueDeep,
    Ticket,
    MyTickets,
    FileTicket,
    Reply,
    Search(usize),
    SearchEn,
    Mixed,
    Dashboard,
    /// The dashboard while tickets are being filed: every eighth loop files tickets (not measured), the others
    /// read the dashboard, which then has deltas waiting and folds happening all through the run.
    DashboardBusy,
}

/// In [`Scenario::DashboardBusy`], one loop in this many files tickets.
const BUSY_WRITER_EVERY: usize = 8;

pub const ALL: [Scenario; 17] = [
    Scenario::Floor,
    Scenario::Queue,
    Scenario::QueueFiltered,
    Scenario::QueueDeep,
    Scenario::Ticket,
    Scenario::MyTickets,
    Scenario::FileTicket,
    Scenario::Reply,
    Scenario::Search(1),
    Scenario::Search(2),
    Scenario::Search(3),
    Scenario::Search(4),
    Scenario::SearchEn,
    Scenario::Mixed,
    Scenario::Dashboard,
    Scenario::DashboardBusy,
    // The floor once more at the end, to see the machine did not change under the run (not reported).
    Scenario::Floor,
];

impl Scenario {
    pub fn name(self) -> String {
        match self {
            Scenario::Floor => "floor".into(),
            Scenario::Queue => "queue".into(),
            Scenario::QueueFiltered => "queue_filtered".into(),
            Scenario::QueueDeep => "queue_deep".into(),
            Scenario::Ticket => "ticket".into(),
            Scenario::MyTickets => "my_tickets".into(),
            Scenario::FileTicket => "file_ticket".into(),
            Scenario::Reply => "reply".into(),
            Scenario::Search(n) => format!("search_zh{n}"),
            Scenario::SearchEn => "search_en".into(),
            Scenario::Mixed => "mixed".into(),
            Scenario::Dashboard => "dashboard".into(),
            Scenario::DashboardBusy => "dashboard_busy".into(),
        }
    }

    /// Whether loop `worker` of this scenario only makes background load: its requests are not measured.
    fn background(self, worker: usize) -> bool {
        self == Scenario::DashboardBusy && worker.is_multiple_of(BUSY_WRITER_EVERY)
    }

    /// The next request of this scenario, for loop `worker`.
    pub fn call<'a>(self, f: &'a Fixtures, worker: usize, rng: &mut StdRng) -> Call<'a> {
        let agent = worker % f.agents.len();
        let customer = &f.customers[worker % f.customers.len()];
        let get = |path: String| Call::Get(&f.agents[agent], path);
        match self {
            Scenario::Floor => get("/bench/floor".into()),
            Scenario::Queue => get("/queue".into()),
            Scenario::QueueFiltered => get("/queue?state=in_progress&urgency=urgent".into()),
            Scenario::QueueDeep => get(f.deep_page.clone()),
            Scenario::Ticket => get(format!("/tickets/{}", f.tickets[rng.random_range(0..f.tickets.len())])),
            Scenario::MyTickets => Call::Get(customer, "/portal".into()),
            Scenario::FileTicket => Call::Post(customer, "/portal/tickets".into(), ticket_form(rng, &customer.csrf)),
            Scenario::Reply => {
                let mine = &f.assigned[agent];
                let number = &mine[rng.random_range(0..mine.len())];
                let session = &f.agents[agent];
                let form =
                    vec![("body", "已安排师傅上门，请保持电话畅通。".to_owned()), ("csrf_token", session.csrf.clone())];
                Call::Post(session, format!("/tickets/{number}/comments"), form)
            }
            Scenario::Search(n) => get(search_path(SEARCH_ZH[n - 1])),
            Scenario::SearchEn => get(search_path(SEARCH_EN)),
            Scenario::Dashboard => {
                let views = super::analytics::DASHBOARD_VIEWS;
                Call::Get(&f.supervisor, views[rng.random_range(0..views.len())].into())
            }
            Scenario::DashboardBusy if self.background(worker) => Scenario::FileTicket.call(f, worker, rng),
            Scenario::DashboardBusy => Scenario::Dashboard.call(f, worker, rng),
            Scenario::Mixed => match rng.random_range(0..100) {
                0..70 => Scenario::Queue.call(f, worker, rng),
                70..90 => Scenario::Ticket.call(f, worker, rng),
                90..95 => Scenario::FileTicket.call(f, worker, rng),
                _ => Scenario::Search(rng.random_range(1..=4)).call(f, worker, rng),
            },
        }
    }
}

/// The queue's search box (its field is `q`), as the product uses it.
pub fn search_path(term: &str) -> String {
    format!("/queue?q={}", encode(term))
}

fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A new ticket written like the loaded ones (same products and faults, so filings do not skew what searches find).
fn ticket_form(rng: &mut StdRng, csrf: &str) -> Vec<(&'static str, String)> {
    use super::data::{FAULTS_ZH, PRODUCTS};
    let (product, _) = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
    let short = product.split(' ').nth(1).unwrap_or(product);
    let fault = FAULTS_ZH[rng.random_range(0..FAULTS_ZH.len())];
    vec![
        ("ticket_type", "fault_repair".into()),
        ("urgency", "normal".into()),
        ("product_model", product.into()),
        ("serial_number", "SN123".into()),
        ("purchase_date", "2025-06-01".into()),
        ("order_number", String::new()),
        ("title", format!("{short}{fault}")),
        ("description", format!("{short}{fault}，请尽快安排检修。")),
        ("desired_outcome", "repair".into()),
        ("contact_name", "王芳".into()),
        ("contact_phone", "13800138000".into()),
        ("contact_email", String::new()),
        ("address", "人民路 1 号".into()),
        ("region", "上海".into()),
        ("csrf_token", csrf.into()),
    ]
}

/// What one scenario measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub name: String,
    pub rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub ratio_to_floor: f64,
    #[serde(skip)]
    pub requests: u64,
    #[serde(skip)]
    pub first_error: Option<String>,
}

async fn issue(f: &Fixtures, call: Call<'_>) -> Result<(), String> {
    let res = match call {
        Call::Get(s, path) => s.http.get(format!("{}{path}", f.base)).send().await,
        Call::Post(s, path, form) => s.http.post(format!("{}{path}", f.base)).form(&form).send().await,
    }
    .map_err(|e| e.to_string())?;
    let status = res.status();
    let url = res.url().path().to_owned();
    // The whole answer is read, as a browser would.
    res.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() || status.is_redirection() { Ok(()) } else { Err(format!("{status} on {url}")) }
}

pub async fn run(f: Arc<Fixtures>, scenario: Scenario, seconds: u64, concurrency: usize) -> Outcome {
    let cap = CAP_PER_SECOND * seconds;
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut loops = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let (f, issued) = (f.clone(), issued.clone());
        loops.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(worker as u64);
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
            let (mut errors, mut first_error) = (0u64, None);
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < cap {
                let call = scenario.call(&f, worker, &mut rng);
                let sent = Instant::now();
                let result = issue(&f, call).await;
                if !scenario.background(worker) {
                    histogram.saturating_record(sent.elapsed().as_micros() as u64);
                }
                if let Err(e) = result {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (histogram, errors, first_error)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
    let (mut errors, mut first_error) = (0, None);
    for handle in loops {
        if let Ok((h, e, first)) = handle.await {
            let _ = total.add(h);
            errors += e;
            first_error = first_error.or(first);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    Outcome {
        name: scenario.name(),
        rps: total.len() as f64 / elapsed,
        p50_ms: ms(0.50),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        errors,
        ratio_to_floor: 0.0,
        requests: total.len(),
        first_error,
    }
}
