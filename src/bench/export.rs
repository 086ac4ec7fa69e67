//! The export figure of issue 8: as a supervisor, export every ticket as CSV, poll the progress page until the
//! file is ready, download it, and record how long the export took and the server's resident memory meanwhile
//! (sampled from `/proc` of the server process; the issue's bound is 128 MB at a million rows).

use super::client::{self, Session};
use super::server::ServerProcess;
use crate::db::Pool;
use crate::jobs::analytics_fold::AnalyticsFold;
use crate::jobs::ticket_export::TicketExport;
use crate::jobs::{ANALYTICS_FOLD_EVERY, Registry, RunningWorker, WorkerConfig};
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The supervisor who exports (the load makes three).
const SUPERVISOR: &str = "supervisor1@bench.test";
/// How often the page is polled and the memory sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// An export that takes longer has a problem worth stopping for.
const GIVE_UP_AFTER: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportFigures {
    pub rows: i64,
    pub seconds: f64,
    pub server_rss_mb_peak: f64,
    /// The server's RSS when the export began: what the scenarios before it left (allocator arenas of 64
    /// connections), so the export's own share is the difference.
    pub server_rss_mb_before: f64,
}

/// In the server process: a worker that runs export jobs and the analytics fold only, so the other sweeps (SLA,
/// auto-close) do not disturb the scenarios' figures. It lives as long as the server (the process exits with it).
pub fn start_worker(pool: Pool, storage: crate::storage::Storage) -> RunningWorker {
    let mut registry = Registry::new();
    registry.register_long(TicketExport::new(storage));
    // The dashboard reads rollups plus the deltas not folded yet: without the fold that `serve` runs every 2 s, the
    // deltas of every filing in the run would pile up and be summed on each view.
    registry.register_every(AnalyticsFold, ANALYTICS_FOLD_EVERY);
    let config = WorkerConfig { poll: Duration::from_millis(100), ..WorkerConfig::default() };
    RunningWorker::start_lanes(pool, Arc::new(registry), config)
}

/// Exports all tickets as CSV and measures it; prints the figures.
pub async fn measure(server: &ServerProcess) -> anyhow::Result<ExportFigures> {
    let base = &server.base;
    let supervisor = client::sign_in(base, SUPERVISOR, super::load::PASSWORD).await?;
    let started = Instant::now();
    let before = server.rss_mb();
    let mut peak = before;
    let res = supervisor
        .http
        .post(format!("{base}/exports"))
        .form(&[("format", "csv"), ("state", "all"), ("csrf_token", supervisor.csrf.as_str())])
        .send()
        .await?;
    anyhow::ensure!(res.status().is_redirection(), "starting the export: {}", res.status());
    let page = res.headers().get("location").and_then(|l| l.to_str().ok()).context("no export page")?.to_owned();
    let rows = loop {
        peak = peak.max(server.rss_mb());
        let fragment = poll(&supervisor, &format!("{base}{page}")).await?;
        if fragment.contains("export-failed") {
            anyhow::bail!("the export failed: {fragment}");
        }
        if fragment.contains("export-done") {
            break rows_of(&fragment).context("no row count on the finished export's page")?;
        }
        anyhow::ensure!(started.elapsed() < GIVE_UP_AFTER, "the export did not finish in {GIVE_UP_AFTER:?}");
        tokio::time::sleep(SAMPLE_EVERY).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    let bytes = download(&supervisor, &format!("{base}{page}/download"), server, &mut peak).await?;
    let figures = ExportFigures { rows, seconds, server_rss_mb_peak: peak, server_rss_mb_before: before };
    println!(
        "export_csv: {rows} rows in {seconds:.1} s, {:.1} MB file, server RSS peak {peak:.1} MB ({before:.1} MB \
         before it began)",
        bytes as f64 / 1_048_576.0
    );
    Ok(figures)
}

/// The progress fragment, as htmx asks for it.
async fn poll(supervisor: &Session, url: &str) -> anyhow::Result<String> {
    let res = supervisor.http.get(url).header("HX-Request", "true").send().await?;
    anyhow::ensure!(res.status().is_success(), "polling the export: {}", res.status());
    Ok(res.text().await?)
}

/// The rows written, from the finished page's "n / n" (or "n of n").
fn rows_of(fragment: &str) -> Option<i64> {
    let digits: String = fragment
        .split("class=\"muted num\">")
        .nth(1)?
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Streams the file (sampling the server's memory while it sends); its size in bytes.
async fn download(supervisor: &Session, url: &str, server: &ServerProcess, peak: &mut f64) -> anyhow::Result<u64> {
    let mut res = supervisor.http.get(url).send().await?;
    anyhow::ensure!(res.status().is_success(), "downloading the export: {}", res.status());
    let (mut bytes, mut last_sample) = (0u64, Instant::now());
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len() as u64;
        if last_sample.elapsed() >= SAMPLE_EVERY {
            *peak = peak.max(server.rss_mb());
            last_sample = Instant::now();
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_row_count_of_the_finished_page() {
        let zh = r#"<p class="export-status export-done"><strong>已完成</strong></p><p class="muted num">已完成 20000 / 20000 行</p>"#;
        assert_eq!(super::rows_of(zh), Some(20000));
        let en = r#"<p class="muted num">1000000 of 1000000 rows</p>"#;
        assert_eq!(super::rows_of(en), Some(1_000_000));
    }
}
