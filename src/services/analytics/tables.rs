//! The dashboard's tables: headers in the reader's language and the figures as cells. The page renders these
//! (charts are drawn from them) and the exports write them, so both show the same numbers.

use super::DashboardData;
use crate::domain::analytics::figures::{AGE_BUCKETS, share};
use crate::domain::analytics::{DashboardFilter, Measure, Sums};
use crate::domain::table::{Cell, Table};
use crate::i18n::Lang;

/// The slugs of the tables, in page order.
pub const SLUGS: [&str; 14] = [
    "summary",
    "trend",
    "backlog_state",
    "backlog_age",
    "types",
    "products",
    "keywords",
    "causes",
    "csat_scores",
    "withdrawal_reasons",
    "withdrawal_states",
    "withdrawal_timing",
    "withdrawal_feedback",
    "agents",
];

pub fn all(data: &DashboardData, filter: &DashboardFilter, lang: Lang) -> Vec<(&'static str, Table)> {
    let sums = &data.sums;
    let label = |prefix: &'static str| move |code: &str| lang.t(&format!("{prefix}-{code}"));
    let tables = [
        summary(sums, lang),
        trend(sums, filter, lang),
        counts(lang, "analytics-col-state", sums.backlog_by_state(), label("state")),
        backlog_by_age(sums, lang),
        counts(lang, "analytics-col-type", sums.breakdown(Measure::Created), label("type")),
        counts(lang, "analytics-col-product", sums.breakdown(Measure::Product), str::to_owned),
        counts(lang, "analytics-col-keyword", sums.breakdown(Measure::Keyword), str::to_owned),
        counts(lang, "analytics-col-cause", sums.breakdown(Measure::Cause), |code| name_of(&data.names.causes, code)),
        csat_scores(sums, lang),
        counts(lang, "analytics-col-reason", sums.breakdown(Measure::Withdrawn), label("withdrawal-reason")),
        counts(lang, "analytics-col-state-at-withdrawal", sums.breakdown(Measure::WithdrawnState), label("state")),
        withdrawal_timing(sums, lang),
        counts(lang, "analytics-col-answer", sums.breakdown(Measure::Feedback), label("withdrawal-feedback")),
        agents(data, lang),
    ];
    SLUGS.into_iter().zip(tables).collect()
}

fn name_of(names: &[(String, String)], code: &str) -> String {
    names.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, name)| name.clone())
}

fn headers(lang: Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| lang.t(k)).collect()
}

fn num(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Num)
}

fn hours(minutes: Option<f64>) -> Cell {
    num(minutes.map(|m| m / 60.0))
}

fn percent(share: Option<f64>) -> Cell {
    num(share.map(|s| s * 100.0))
}

/// A breakdown: what (labelled) and how many.
fn counts(lang: Lang, what: &str, rows: Vec<(String, i64)>, label: impl Fn(&str) -> String) -> Table {
    Table {
        headers: headers(lang, &[what, "analytics-col-tickets"]),
        rows: rows.into_iter().map(|(code, n)| vec![Cell::Text(label(&code)), Cell::Int(n)]).collect(),
    }
}

/// The headline figures with what each counts.
fn summary(sums: &Sums, lang: Lang) -> Table {
    let h = sums.headline();
    let minutes = |m: Option<i64>| hours(m.map(|m| m as f64));
    let rows: [(&str, Cell); 17] = [
        ("created", Cell::Int(h.created)),
        ("closed", Cell::Int(h.closed)),
        ("withdrawn", Cell::Int(h.withdrawn)),
        ("response-mean", hours(h.response_mean)),
        ("response-median", minutes(h.response_median)),
        ("resolution-mean", hours(h.resolution_mean)),
        ("resolution-median", minutes(h.resolution_median)),
        ("fcr", percent(h.first_contact_resolution)),
        ("reopen-rate", percent(h.reopen_rate)),
        ("csat-mean", num(h.csat_mean)),
        ("csat-satisfied", percent(h.csat_satisfied)),
        ("surveys", Cell::Int(h.surveys)),
        ("sla-compliance", percent(h.sla_compliance)),
        ("withdrawal-rate", percent(h.withdrawal_rate)),
        ("recurrence", percent(h.recurrence)),
        ("withdrawal-median", minutes(h.withdrawal_median)),
        ("withdrawal-p90", minutes(h.withdrawal_p90)),
    ];
    Table {
        headers: headers(lang, &["analytics-col-metric", "analytics-col-value", "analytics-col-definition"]),
        rows: rows
            .into_iter()
            .map(|(key, value)| {
                let name = Cell::Text(lang.t(&format!("analytics-metric-{key}")));
                vec![name, value, Cell::Text(lang.t(&format!("analytics-define-{key}")))]
            })
            .collect(),
    }
}

fn trend(sums: &Sums, filter: &DashboardFilter, lang: Lang) -> Table {
    let keys = [
        "analytics-col-period-start",
        "analytics-col-created",
        "analytics-col-closed",
        "analytics-col-withdrawn",
        "analytics-col-response-mean",
        "analytics-col-resolution-mean",
    ];
    Table {
        headers: headers(lang, &keys),
        rows: sums
            .trend(filter.group)
            .into_iter()
            .map(|p| {
                vec![
                    Cell::Text(p.start.format("%Y-%m-%d").to_string()),
                    Cell::Int(p.created),
                    Cell::Int(p.closed),
                    Cell::Int(p.withdrawn),
                    hours(p.response_mean),
                    hours(p.resolution_mean),
                ]
            })
            .collect(),
    }
}

fn backlog_by_age(sums: &Sums, lang: Lang) -> Table {
    debug_assert_eq!(AGE_BUCKETS.len(), 5);
    Table {
        headers: headers(lang, &["analytics-col-age", "analytics-col-tickets"]),
        rows: sums
            .backlog_by_age()
            .into_iter()
            .map(|(bucket, n)| vec![Cell::Text(lang.t(&format!("analytics-age-{bucket}"))), Cell::Int(n)])
            .collect(),
    }
}

/// Every score from 1 to 5, the empty ones too (a distribution reads wrong with gaps).
fn csat_scores(sums: &Sums, lang: Lang) -> Table {
    let scores = sums.breakdown(Measure::Csat);
    Table {
        headers: headers(lang, &["analytics-col-score", "analytics-col-surveys"]),
        rows: (1..=5)
            .map(|score: i64| {
                let n = scores.iter().find(|(k, _)| *k == score.to_string()).map_or(0, |(_, n)| *n);
                vec![Cell::Int(score), Cell::Int(n)]
            })
            .collect(),
    }
}

/// 撤单高峰: withdrawals by weekday and hour (the hours that had any), in the service zone.
fn withdrawal_timing(sums: &Sums, lang: Lang) -> Table {
    let heat = sums.withdrawal_heat();
    let mut rows = Vec::new();
    for (weekday, hours) in heat.iter().enumerate() {
        for (hour, n) in hours.iter().enumerate().filter(|(_, n)| **n != 0) {
            let day = Cell::Text(lang.t(&format!("analytics-weekday-{}", weekday + 1)));
            rows.push(vec![day, Cell::Text(format!("{hour:02}:00")), Cell::Int(*n)]);
        }
    }
    Table {
        headers: headers(lang, &["analytics-col-weekday", "analytics-col-hour", "analytics-col-withdrawals"]),
        rows,
    }
}

/// The agent table: handled (closed in the period), open now, mean response and resolution, CSAT, SLA, reopens.
fn agents(data: &DashboardData, lang: Lang) -> Table {
    let keys = [
        "analytics-col-agent",
        "analytics-col-handled",
        "analytics-col-open-now",
        "analytics-col-response-mean",
        "analytics-col-resolution-mean",
        "analytics-col-csat",
        "analytics-col-sla",
        "analytics-col-reopen-rate",
    ];
    let mut agents: Vec<_> = data.sums.agents.iter().collect();
    agents.sort_by(|a, b| b.1.closed.cmp(&a.1.closed).then(b.1.open.cmp(&a.1.open)).then(a.0.cmp(b.0)));
    let rows = agents
        .into_iter()
        .filter(|(_, a)| **a != Default::default())
        .map(|(id, a)| {
            vec![
                Cell::Text(name_of(&data.names.staff, &id.to_string())),
                Cell::Int(a.closed),
                Cell::Int(a.open),
                hours(a.response.mean()),
                hours(a.resolution.mean()),
                num(a.csat.mean()),
                percent(share(a.sla_met, a.sla_due)),
                percent(share(a.reopened, a.closed)),
            ]
        })
        .collect();
    Table { headers: headers(lang, &keys), rows }
}
