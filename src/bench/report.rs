//! The figures: a table on the terminal and `target/bench/report.json` in the shape the issue gives.

use super::load::Loaded;
use super::scenarios::Outcome;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub tickets: i64,
    pub events: i64,
    pub load_seconds: f64,
    pub concurrency: usize,
    pub floor: Outcome,
    pub scenarios: Vec<Outcome>,
    /// The server process's high-water mark (VmHWM) over the whole run.
    pub server_rss_mb_peak: f64,
    /// The mixed load at 256 connections, run last (the memory target's width).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wide: Option<Outcome>,
    /// The server's highest resident memory while the 256-connection load ran (sampled every 50 ms): the load's
    /// own figure, without the sign-ins (argon2's 19 MiB each) and the export the whole run's high-water mark counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wide_rss_mb_peak: Option<f64>,
    /// The CSV export of every ticket (issue 8), measured after the scenarios.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_csv: Option<super::export::ExportFigures>,
}

impl Report {
    pub fn new(loaded: Loaded, concurrency: usize, mut floor: Outcome, mut scenarios: Vec<Outcome>, rss: f64) -> Self {
        floor.ratio_to_floor = 1.0;
        for s in &mut scenarios {
            s.ratio_to_floor = if floor.rps > 0.0 { s.rps / floor.rps } else { 0.0 };
        }
        Report {
            tickets: loaded.tickets,
            events: loaded.events,
            load_seconds: loaded.load_seconds,
            concurrency,
            floor,
            scenarios,
            server_rss_mb_peak: rss,
            wide: None,
            wide_rss_mb_peak: None,
            export_csv: None,
        }
    }

    pub fn table(&self) -> String {
        let mut out = format!(
            "{} tickets, {} events, loaded in {:.1} s; concurrency {}; server peak RSS {:.1} MB\n",
            self.tickets, self.events, self.load_seconds, self.concurrency, self.server_rss_mb_peak
        );
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8}",
            "scenario", "rps", "p50 ms", "p95 ms", "p99 ms", "errors", "x floor"
        );
        for s in std::iter::once(&self.floor).chain(&self.scenarios).chain(&self.wide) {
            let _ = writeln!(
                out,
                "{:<16} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>8.2}",
                s.name, s.rps, s.p50_ms, s.p95_ms, s.p99_ms, s.errors, s.ratio_to_floor
            );
        }
        if let Some(rss) = self.wide_rss_mb_peak {
            let _ = writeln!(out, "server peak RSS during the 256-connection load: {rss:.1} MB");
        }
        out
    }

    pub fn write(&self) -> anyhow::Result<PathBuf> {
        let dir = PathBuf::from("target/bench");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("report.json");
        std::fs::write(&path, serde_json::to_string_pretty(self)?)?;
        Ok(path)
    }
}
