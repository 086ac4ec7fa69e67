//! The benchmark harness (issue 7), built only with `--features bench`: makes and loads a database, starts the real
//! server as a child process, drives it over loopback with a bounded load per scenario and reports the figures
//! (a table, and `target/bench/report.json`).

pub mod analytics;
pub mod client;
pub mod data;
pub mod export;
pub mod load;
pub mod report;
pub mod scenarios;
pub mod server;

use crate::db::{self, ClusterOptions, ManagedCluster};
use anyhow::Context;
use clap::Parser;
use scenarios::{Fixtures, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

const DATABASE: &str = "aftersales_bench";
/// Connections of the last run, the one the server-memory target is set at.
const WIDE: usize = 256;

#[derive(Debug, Parser)]
#[command(name = "bench", about = "Loads N tickets, starts the server and measures it under load")]
pub struct Options {
    /// Tickets to load (about 10 events each).
    #[arg(long, default_value_t = 1_000_000)]
    pub tickets: u64,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent request loops.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Keep the loaded database (under the temp dir's `aftersales-bench`) and use it again if it holds as many tickets.
    #[arg(long)]
    pub reuse: bool,
    /// App instances: with 2 or more, the mixed load also runs through nginx (deploy/nginx.conf) in front of that many
    /// server processes on the one database, beside the first instance direct, and both figures are reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub instances: u16,
    /// Only these scenarios (comma-separated names); the floor always runs.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// An existing PostgreSQL database to use instead of the managed cluster (it must be empty unless --reuse).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Internal: serve this database (the server process the harness starts).
    #[arg(long, hide = true)]
    pub serve_child: Option<String>,
}

pub fn main(options: Options) -> anyhow::Result<()> {
    if let Some(url) = &options.serve_child {
        return server::serve_child(url);
    }
    let (url, cluster, data_dir) = open_database(&options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let outcome = runtime.block_on(measure(&options, &url));
    drop(cluster);
    if let Some(dir) = data_dir.filter(|_| !options.reuse) {
        let _ = std::fs::remove_dir_all(dir);
    }
    outcome
}

/// The database URL; the managed cluster (kept alive by the caller) and its folder when there is one.
fn open_database(options: &Options) -> anyhow::Result<(String, Option<ManagedCluster>, Option<PathBuf>)> {
    if let Some(url) = &options.database_url {
        db::run_migrations(url, None)?;
        return Ok((url.clone(), None, None));
    }
    let data_dir = if options.reuse {
        std::env::temp_dir().join("aftersales-bench")
    } else {
        db::cluster::temp_data_dir("aftersales-bench")
    };
    println!("PostgreSQL under {}", data_dir.display());
    let settings = vec![("max_connections".into(), "300".into()), ("shared_buffers".into(), "1GB".into())];
    let cluster = ManagedCluster::start(ClusterOptions {
        data_dir: data_dir.clone(),
        bin_dir: None,
        throwaway: false,
        settings,
        port: None,
    })?;
    let admin = cluster.database_url("postgres");
    db::create_database(&admin, None, DATABASE, None)?;
    let url = cluster.database_url(DATABASE);
    db::run_migrations(&url, None)?;
    Ok((url, Some(cluster), Some(data_dir)))
}

async fn measure(options: &Options, url: &str) -> anyhow::Result<()> {
    let client = load::connect(url).await?;
    let loaded = match load::previous(&client).await? {
        Some(previous) if options.reuse && previous.tickets == options.tickets as i64 => {
            println!("reusing the loaded database ({} tickets, {} events)", previous.tickets, previous.events);
            previous
        }
        Some(previous) => anyhow::bail!(
            "the database holds an earlier load of {} tickets: use another one, or --reuse with --tickets {}",
            previous.tickets,
            previous.tickets
        ),
        None => {
            let loaded = load::load(url, options.tickets, server::TZ).await?;
            println!("loaded {} tickets and {} events in {:.1} s", loaded.tickets, loaded.events, loaded.load_seconds);
            loaded
        }
    };
    load::warm(&client).await;
    let shared = server::Shared::new();
    let server = server::ServerProcess::start(url, &shared)?;
    let fixtures = Arc::new(fixtures(&client, &server.base).await?);
    eprintln!("server RSS after signing in: {:.1} MB", server.rss_mb());
    let wanted =
        |s: &Scenario| *s == Scenario::Floor || options.only.is_empty() || options.only.iter().any(|n| *n == s.name());
    let mut floor = None;
    let mut outcomes = Vec::new();
    for scenario in scenarios::ALL.into_iter().filter(wanted) {
        let outcome = scenarios::run(fixtures.clone(), scenario, options.seconds, options.concurrency).await;
        if let Some(e) = &outcome.first_error {
            eprintln!("{}: {} errors, the first: {e}", outcome.name, outcome.errors);
        }
        let rss = server.rss_mb();
        eprintln!(
            "{:<16} {:>9.0} req/s  p99 {:>7.1} ms  server RSS {rss:.1} MB",
            outcome.name, outcome.rps, outcome.p99_ms
        );
        if scenario == Scenario::Floor {
            floor.get_or_insert(outcome);
        } else {
            outcomes.push(outcome);
        }
    }
    let plain =
        if wanted(&Scenario::Queue) { Some(plain_queue(&fixtures, url, &shared, options).await?) } else { None };
    let instances = match options.instances {
        1 => None,
        n => Some(behind_nginx(&fixtures, url, &shared, &server, n, options).await?),
    };
    // The memory target is set at 256 connections: the mixed load once more, that wide.
    let wide_load = scenarios::run(fixtures.clone(), Scenario::Mixed, options.seconds, WIDE);
    let (mut wide, wide_rss) = peak_rss_during(server.pid(), wide_load).await;
    wide.name = format!("mixed_{WIDE}");
    let rss = server.rss_mb();
    eprintln!("{:<16} {:>9.0} req/s  p99 {:>7.1} ms  server RSS {rss:.1} MB", wide.name, wide.rps, wide.p99_ms);
    let floor = floor.context("the floor did not run")?;
    wide.ratio_to_floor = if floor.rps > 0.0 { wide.rps / floor.rps } else { 0.0 };
    let export_csv = export::measure(&server).await?;
    let mut report = report::Report::new(loaded, options.concurrency, floor, outcomes, server.peak_rss_mb());
    report.wide = Some(wide);
    report.wide_rss_mb_peak = Some(wide_rss);
    report.export_csv = Some(export_csv);
    if let Some(instances) = instances {
        report.set_instances(instances);
    }
    if let Some((floor, queue)) = plain {
        report.set_plain(floor, queue);
    }
    drop(server);
    println!("{}", report.table());
    let path = report.write()?;
    println!("report written to {}", path.display());
    Ok(())
}

/// The mixed load through nginx in front of `count` server processes (`first` and more started here, one database,
/// one session key, so the fixtures' sessions hold on all), and on `first` alone, one after the other.
async fn behind_nginx(
    fixtures: &Arc<Fixtures>,
    url: &str,
    shared: &server::Shared,
    first: &server::ServerProcess,
    count: u16,
    options: &Options,
) -> anyhow::Result<report::Instances> {
    let more = (1..count).map(|_| server::ServerProcess::start(url, shared)).collect::<anyhow::Result<Vec<_>>>()?;
    let upstreams =
        std::iter::once(first).chain(&more).map(server::ServerProcess::address).collect::<anyhow::Result<Vec<_>>>()?;
    let proxy = tokio::task::spawn_blocking(move || crate::nginx::Nginx::start(&upstreams)).await??;
    let via_proxy = Arc::new(Fixtures { base: proxy.base.clone(), ..(**fixtures).clone() });
    let mut direct = scenarios::run(fixtures.clone(), Scenario::Mixed, options.seconds, options.concurrency).await;
    direct.name = "mixed_direct".into();
    let mut proxied = scenarios::run(via_proxy, Scenario::Mixed, options.seconds, options.concurrency).await;
    proxied.name = format!("mixed_nginx_{count}");
    for outcome in [&direct, &proxied] {
        if let Some(e) = &outcome.first_error {
            eprintln!("{}: {} errors, the first: {e}", outcome.name, outcome.errors);
        }
        eprintln!("{:<16} {:>9.0} req/s  p99 {:>7.1} ms", outcome.name, outcome.rps, outcome.p99_ms);
    }
    if proxied.errors > 0 {
        eprintln!("nginx's error log:\n{}", proxy.error_log());
    }
    let ratio = if direct.rps > 0.0 { proxied.rps / direct.rps } else { 0.0 };
    Ok(report::Instances { count, direct, proxied, ratio })
}

/// The floor and the queue on a second server with compression and request metrics off (the same database and
/// sessions), so the report shows what the two cost the queue against the same run's figures with them on.
async fn plain_queue(
    fixtures: &Arc<Fixtures>,
    url: &str,
    shared: &server::Shared,
    options: &Options,
) -> anyhow::Result<(scenarios::Outcome, scenarios::Outcome)> {
    let off = [("AFTERSALES_COMPRESS", "false"), ("AFTERSALES_REQUEST_METRICS", "false")];
    let plain = server::ServerProcess::start_with(url, shared, &off)?;
    let on_plain = Arc::new(Fixtures { base: plain.base.clone(), ..(**fixtures).clone() });
    let floor = scenarios::run(on_plain.clone(), Scenario::Floor, options.seconds, options.concurrency).await;
    let queue = scenarios::run(on_plain, Scenario::Queue, options.seconds, options.concurrency).await;
    for outcome in [&floor, &queue] {
        eprintln!(
            "{:<16} {:>9.0} req/s  p99 {:>7.1} ms  (compression and metrics off)",
            outcome.name, outcome.rps, outcome.p99_ms
        );
    }
    Ok((floor, queue))
}

/// What `work` gives, and the highest resident memory of process `pid` while it ran (sampled every 50 ms).
async fn peak_rss_during<T>(pid: u32, work: impl std::future::Future<Output = T>) -> (T, f64) {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampling = done.clone();
    let sampler = tokio::spawn(async move {
        let mut peak = 0.0_f64;
        while !sampling.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(server::status_mb(pid, "VmRSS:"));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        peak
    });
    let out = work.await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0.0).max(server::status_mb(pid, "VmRSS:"));
    (out, peak)
}

/// Signs in the browsers and picks the tickets the scenarios use.
async fn fixtures(client: &tokio_postgres::Client, base: &str) -> anyhow::Result<Fixtures> {
    const SESSIONS: i64 = 16;
    let mut agents = Vec::new();
    let mut assigned = Vec::new();
    for i in 1..=SESSIONS {
        agents.push(client::sign_in(base, &data::agent_email(i), load::PASSWORD).await?);
        let rows = client
            .query(
                "SELECT number FROM tickets WHERE assignee_id = $1 AND state = 'in_progress' ORDER BY id DESC LIMIT 200",
                &[&i],
            )
            .await?;
        let mine: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        anyhow::ensure!(!mine.is_empty(), "agent {i} has no ticket in progress: load more tickets");
        assigned.push(mine);
    }
    let mut customers = Vec::new();
    for i in 0..SESSIONS {
        customers.push(client::sign_in(base, &data::customer_email(data::FIRST_CUSTOMER + i), load::PASSWORD).await?);
    }
    let rows = client
        .query("SELECT number FROM tickets WHERE id % 97 = 0 ORDER BY id LIMIT 5000", &[])
        .await
        .context("picking tickets")?;
    let tickets: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    anyhow::ensure!(!tickets.is_empty(), "too few tickets loaded");
    let supervisor = client::sign_in(base, "supervisor1@bench.test", load::PASSWORD).await?;
    let deep_page = deep_page(&agents[0], base).await?;
    check_searches(&agents[0], base).await?;
    Ok(Fixtures { base: base.to_owned(), agents, supervisor, customers, tickets, assigned, deep_page })
}

/// Every search term finds tickets, so no search scenario quietly measures an empty (or unfiltered) page.
async fn check_searches(agent: &client::Session, base: &str) -> anyhow::Result<()> {
    for term in data::SEARCH_ZH.iter().chain([&data::SEARCH_EN]) {
        let path = scenarios::search_path(term);
        let html = agent.http.get(format!("{base}{path}")).send().await?.text().await?;
        let found = html.matches("href=\"/tickets/AS").count();
        anyhow::ensure!(found > 0, "the search for {term} ({path}) finds nothing");
        println!("search {term}: {found} tickets on the first page");
    }
    Ok(())
}

/// The queue page about 20 "next" links down (fewer if the queue ends sooner).
async fn deep_page(agent: &client::Session, base: &str) -> anyhow::Result<String> {
    let mut path = "/queue".to_owned();
    for _ in 0..20 {
        let html = agent.http.get(format!("{base}{path}")).send().await?.text().await?;
        match client::next_link(&html) {
            Some(next) => path = next,
            None => break,
        }
    }
    println!("deep queue page: {path}");
    Ok(path)
}
