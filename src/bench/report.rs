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
    /// `--instances`: the mixed load through nginx in front of several instances, and on one instance direct.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<Instances>,
    /// The floor and the queue on a second server with compression and request metrics off, in the same run, so
    /// their cost shows as the queue's ratio to the floor both ways.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain: Option<Plain>,
}

#[derive(Debug, serde::Serialize)]
pub struct Plain {
    pub floor: Outcome,
    pub queue: Outcome,
    /// The queue's ratio to its own server's floor: compression and metrics off, then on (the main run's).
    pub queue_ratio_off: f64,
    pub queue_ratio_on: f64,
}

#[derive(Debug, serde::Serialize)]
pub struct Instances {
    pub count: u16,
    pub direct: Outcome,
    pub proxied: Outcome,
    /// `proxied.rps / direct.rps`.
    pub ratio: f64,
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
            instances: None,
            plain: None,
        }
    }

    /// Adds the run without compression and request metrics, beside the main run's queue.
    pub fn set_plain(&mut self, mut floor: Outcome, mut queue: Outcome) {
        floor.name = "floor_plain".into();
        queue.name = "queue_plain".into();
        queue.ratio_to_floor = if floor.rps > 0.0 { queue.rps / floor.rps } else { 0.0 };
        floor.ratio_to_floor = 1.0;
        let on = self.scenarios.iter().find(|s| s.name == "queue").map_or(0.0, |q| q.ratio_to_floor);
        self.plain = Some(Plain { queue_ratio_off: queue.ratio_to_floor, queue_ratio_on: on, floor, queue });
    }

    /// Adds the figures of `--instances`, measured against the floor like the scenarios.
    pub fn set_instances(&mut self, mut instances: Instances) {
        for s in [&mut instances.direct, &mut instances.proxied] {
            s.ratio_to_floor = if self.floor.rps > 0.0 { s.rps / self.floor.rps } else { 0.0 };
        }
        self.instances = Some(instances);
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
        let instances = self.instances.iter().flat_map(|i| [&i.direct, &i.proxied]);
        let plain = self.plain.iter().flat_map(|p| [&p.floor, &p.queue]);
        for s in std::iter::once(&self.floor).chain(&self.scenarios).chain(&self.wide).chain(instances).chain(plain) {
            let _ = writeln!(
                out,
                "{:<16} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>8.2}",
                s.name, s.rps, s.p50_ms, s.p95_ms, s.p99_ms, s.errors, s.ratio_to_floor
            );
        }
        if let Some(i) = &self.instances {
            let _ = writeln!(out, "{} instances through nginx: {:.2} x one instance direct (mixed)", i.count, i.ratio);
        }
        if let Some(p) = &self.plain {
            let _ = writeln!(
                out,
                "queue x its floor: {:.2} with compression and request metrics on, {:.2} with both off",
                p.queue_ratio_on, p.queue_ratio_off
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
