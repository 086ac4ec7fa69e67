//! The dashboard's figures from summed fact rows (DESIGN.md "Metric definitions"). The rows come from the rollups,
//! the deltas not folded yet, or (for two or more filters) the per-ticket facts; all have one shape, and
//! [`Sums`] adds them up, so the page is the same whichever source answered.

use super::filter::{DashboardFilter, Grouping};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What a fact row counts (the `measure` column; see the analytics migration for each one's day and key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Filed on the day; key: the type.
    Created,
    /// Filed on the day; key: the product model.
    Product,
    /// Open now, filed on the day; key: the state.
    Open,
    /// First public staff reply on the day; key: histogram bucket, total: minutes.
    Response,
    /// Closed on the day; key: `first` or `reopened`.
    Closed,
    /// Closed on the day after a resolution; key: histogram bucket, total: minutes from filing.
    Resolution,
    /// Last resolved on the day; key: the cause category.
    Cause,
    /// Rated on the day; key and total: the score.
    Csat,
    /// Resolution due on the day; key: `met`, `missed` or `open`.
    Sla,
    /// Withdrawn on the day; key: the reason.
    Withdrawn,
    /// Withdrawn on the day; key: the state when the customer asked.
    WithdrawnState,
    /// Withdrawn on the day; key: histogram bucket, total: minutes from filing.
    WithdrawalTime,
    /// Withdrawn on the day; key: ISO weekday and hour in the service zone, `7:21`.
    WithdrawalWhen,
    /// 回访 answered on the day; key: the answer.
    Feedback,
    /// Closed or withdrawn on the day (recurrence's denominator).
    Ended,
    /// A follow-up (问题复现) filed on the day.
    FollowUp,
    /// Filed on the day with a classification keyword in its title; key: the keyword.
    Keyword,
}

impl Measure {
    const CODES: [(&'static str, Measure); 17] = [
        ("created", Measure::Created),
        ("product", Measure::Product),
        ("open", Measure::Open),
        ("response", Measure::Response),
        ("closed", Measure::Closed),
        ("resolution", Measure::Resolution),
        ("cause", Measure::Cause),
        ("csat", Measure::Csat),
        ("sla", Measure::Sla),
        ("withdrawn", Measure::Withdrawn),
        ("withdrawn_state", Measure::WithdrawnState),
        ("withdrawal_time", Measure::WithdrawalTime),
        ("withdrawal_when", Measure::WithdrawalWhen),
        ("feedback", Measure::Feedback),
        ("ended", Measure::Ended),
        ("follow_up", Measure::FollowUp),
        ("keyword", Measure::Keyword),
    ];

    /// The measure stored as `code`; none for a code this build does not know.
    pub fn parse(code: &str) -> Option<Measure> {
        Measure::CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
    }
}

/// One summed row: `agent` 0 is everyone, otherwise the agent table's row of that agent.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    pub agent: i64,
    pub day: NaiveDate,
    pub measure: String,
    pub key: String,
    pub n: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sum {
    pub n: i64,
    pub total: i64,
}

impl Sum {
    fn add(&mut self, n: i64, total: i64) {
        self.n += n;
        self.total += total;
    }
    /// The mean of what was summed, if anything was.
    pub fn mean(self) -> Option<f64> {
        (self.n > 0).then(|| self.total as f64 / self.n as f64)
    }
}

/// One agent's sums for the agent table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentSums {
    pub closed: i64,
    pub reopened: i64,
    pub open: i64,
    pub response: Sum,
    pub resolution: Sum,
    pub csat: Sum,
    pub sla_met: i64,
    pub sla_due: i64,
}

/// Rows added up: per measure and key over the period, per day for the trend, the backlog over all days, and
/// per agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub by_key: BTreeMap<(Measure, String), Sum>,
    pub by_day: BTreeMap<(NaiveDate, Measure), Sum>,
    /// Open tickets by the day they were filed and their state.
    pub open: BTreeMap<(NaiveDate, String), i64>,
    /// SLA outcomes by due day and key (a running target's outcome depends on its day).
    pub sla_by_day: BTreeMap<(NaiveDate, String), i64>,
    pub agents: BTreeMap<i64, AgentSums>,
}

impl Sums {
    pub fn new(filter: &DashboardFilter) -> Self {
        Sums {
            from: filter.from,
            to: filter.to,
            today: filter.today,
            by_key: BTreeMap::new(),
            by_day: BTreeMap::new(),
            open: BTreeMap::new(),
            sla_by_day: BTreeMap::new(),
            agents: BTreeMap::new(),
        }
    }

    /// SLA: a target still running counts once its day is over (missed), not before.
    fn sla_outcome(&self, day: NaiveDate, key: &str) -> Option<bool> {
        match key {
            "met" => Some(true),
            "missed" => Some(false),
            _ if day < self.today => Some(false),
            _ => None,
        }
    }

    pub fn add(&mut self, row: &FactRow) {
        let Some(measure) = Measure::parse(&row.measure) else { return };
        let in_period = (self.from..=self.to).contains(&row.day);
        if measure != Measure::Open && !in_period {
            return;
        }
        if row.agent != 0 {
            self.add_agent(row, measure);
            return;
        }
        if measure == Measure::Open {
            *self.open.entry((row.day, row.key.clone())).or_default() += row.n;
            return;
        }
        if measure == Measure::Sla {
            *self.sla_by_day.entry((row.day, row.key.clone())).or_default() += row.n;
        }
        self.by_key.entry((measure, row.key.clone())).or_default().add(row.n, row.total);
        self.by_day.entry((row.day, measure)).or_default().add(row.n, row.total);
    }

    fn add_agent(&mut self, row: &FactRow, measure: Measure) {
        let sla = (measure == Measure::Sla).then(|| self.sla_outcome(row.day, &row.key)).flatten();
        let a = self.agents.entry(row.agent).or_default();
        match measure {
            Measure::Closed => {
                a.closed += row.n;
                if row.key == "reopened" {
                    a.reopened += row.n;
                }
            }
            Measure::Open => a.open += row.n,
            Measure::Response => a.response.add(row.n, row.total),
            Measure::Resolution => a.resolution.add(row.n, row.total),
            Measure::Csat => a.csat.add(row.n, row.total),
            Measure::Sla => {
                if let Some(met) = sla {
                    a.sla_due += row.n;
                    if met {
                        a.sla_met += row.n;
                    }
                }
            }
            _ => {}
        }
    }

    /// Sum of a measure over its keys.
    pub fn count(&self, measure: Measure) -> Sum {
        let mut sum = Sum::default();
        for ((_, _), s) in self.by_key.range((measure, String::new())..).take_while(|((m, _), _)| *m == measure) {
            sum.add(s.n, s.total);
        }
        sum
    }

    /// A measure's counts by key, largest first.
    pub fn breakdown(&self, measure: Measure) -> Vec<(String, i64)> {
        let mut rows: Vec<(String, i64)> = self
            .by_key
            .range((measure, String::new())..)
            .take_while(|((m, _), _)| *m == measure)
            .filter(|(_, s)| s.n != 0)
            .map(|((_, key), s)| (key.clone(), s.n))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }

    /// The histogram of a measure (bucket lower bound in minutes → count).
    fn histogram(&self, measure: Measure) -> BTreeMap<i64, i64> {
        let mut histogram = BTreeMap::new();
        for (key, n) in self.breakdown(measure) {
            if let Ok(bucket) = key.parse::<i64>() {
                *histogram.entry(bucket).or_default() += n;
            }
        }
        histogram
    }

    /// The nearest-rank quantile (the value at rank ⌈q·n⌉) of a measure's histogram, in minutes.
    pub fn quantile(&self, measure: Measure, q: f64) -> Option<i64> {
        quantile(&self.histogram(measure), q)
    }

    /// Targets met, and targets whose outcome is known, over the period.
    fn sla(&self) -> (i64, i64) {
        let (mut met, mut due) = (0, 0);
        for ((day, key), n) in &self.sla_by_day {
            if let Some(outcome) = self.sla_outcome(*day, key) {
                due += n;
                if outcome {
                    met += n;
                }
            }
        }
        (met, due)
    }
}

/// The value at rank ⌈q·n⌉ of a histogram (the lower median for an even count).
pub fn quantile(histogram: &BTreeMap<i64, i64>, q: f64) -> Option<i64> {
    let n: i64 = histogram.values().sum();
    if n <= 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as i64).clamp(1, n);
    let mut seen = 0;
    for (bucket, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*bucket);
        }
    }
    histogram.keys().next_back().copied()
}

/// A share, if there is anything to share.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The age buckets of the backlog, in days since filing.
pub const AGE_BUCKETS: [(&str, i64, i64); 5] =
    [("0-1", 0, 1), ("1-3", 1, 3), ("3-7", 3, 7), ("7-30", 7, 30), ("30-plus", 30, i64::MAX)];

/// The headline figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headline {
    pub created: i64,
    pub closed: i64,
    pub withdrawn: i64,
    pub response_mean: Option<f64>,
    pub response_median: Option<i64>,
    pub resolution_mean: Option<f64>,
    pub resolution_median: Option<i64>,
    pub first_contact_resolution: Option<f64>,
    pub reopen_rate: Option<f64>,
    pub csat_mean: Option<f64>,
    pub csat_satisfied: Option<f64>,
    pub surveys: i64,
    pub sla_met: i64,
    pub sla_due: i64,
    pub sla_compliance: Option<f64>,
    pub withdrawal_rate: Option<f64>,
    pub follow_ups: i64,
    pub ended: i64,
    pub recurrence: Option<f64>,
    pub withdrawal_median: Option<i64>,
    pub withdrawal_p90: Option<i64>,
}

/// One point of the trend: a day, week or month.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub start: NaiveDate,
    pub created: i64,
    pub closed: i64,
    pub withdrawn: i64,
    pub response_mean: Option<f64>,
    pub resolution_mean: Option<f64>,
}

impl Sums {
    pub fn headline(&self) -> Headline {
        let created = self.count(Measure::Created).n;
        let closed = self.count(Measure::Closed).n;
        let reopened = self.by_key.get(&(Measure::Closed, "reopened".to_owned())).map_or(0, |s| s.n);
        let withdrawn = self.count(Measure::Withdrawn).n;
        let csat = self.count(Measure::Csat);
        let satisfied: i64 =
            ["4", "5"].iter().filter_map(|k| self.by_key.get(&(Measure::Csat, (*k).to_owned()))).map(|s| s.n).sum();
        let (sla_met, sla_due) = self.sla();
        let follow_ups = self.count(Measure::FollowUp).n;
        let ended = self.count(Measure::Ended).n;
        Headline {
            created,
            closed,
            withdrawn,
            response_mean: self.count(Measure::Response).mean(),
            response_median: self.quantile(Measure::Response, 0.5),
            resolution_mean: self.count(Measure::Resolution).mean(),
            resolution_median: self.quantile(Measure::Resolution, 0.5),
            first_contact_resolution: share(closed - reopened, closed),
            reopen_rate: share(reopened, closed),
            csat_mean: csat.mean(),
            csat_satisfied: share(satisfied, csat.n),
            surveys: csat.n,
            sla_met,
            sla_due,
            sla_compliance: share(sla_met, sla_due),
            withdrawal_rate: share(withdrawn, created),
            follow_ups,
            ended,
            recurrence: share(follow_ups, ended),
            withdrawal_median: self.quantile(Measure::WithdrawalTime, 0.5),
            withdrawal_p90: self.quantile(Measure::WithdrawalTime, 0.9),
        }
    }

    /// The trend, one point per group of days in the period (empty groups included).
    pub fn trend(&self, grouping: Grouping) -> Vec<TrendPoint> {
        let mut points: BTreeMap<NaiveDate, (i64, i64, i64, Sum, Sum)> = BTreeMap::new();
        for day in self.from.iter_days().take_while(|day| *day <= self.to) {
            points.entry(grouping.start(day)).or_default();
        }
        for ((day, measure), sum) in &self.by_day {
            let Some(p) = points.get_mut(&grouping.start(*day)) else { continue };
            match measure {
                Measure::Created => p.0 += sum.n,
                Measure::Closed => p.1 += sum.n,
                Measure::Withdrawn => p.2 += sum.n,
                Measure::Response => p.3.add(sum.n, sum.total),
                Measure::Resolution => p.4.add(sum.n, sum.total),
                _ => {}
            }
        }
        points
            .into_iter()
            .map(|(start, (created, closed, withdrawn, response, resolution))| TrendPoint {
                start,
                created,
                closed,
                withdrawn,
                response_mean: response.mean(),
                resolution_mean: resolution.mean(),
            })
            .collect()
    }

    /// Open tickets by state, largest first.
    pub fn backlog_by_state(&self) -> Vec<(String, i64)> {
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for ((_, state), n) in &self.open {
            *by.entry(state.clone()).or_default() += n;
        }
        let mut rows: Vec<(String, i64)> = by.into_iter().filter(|(_, n)| *n != 0).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }

    /// Open tickets by age bucket, youngest first (every bucket, empty ones too).
    pub fn backlog_by_age(&self) -> Vec<(&'static str, i64)> {
        AGE_BUCKETS
            .iter()
            .map(|(name, lo, hi)| {
                let n = self
                    .open
                    .iter()
                    .filter(|((day, _), _)| {
                        let age = (self.today - *day).num_days();
                        age >= *lo && age < *hi
                    })
                    .map(|(_, n)| n)
                    .sum();
                (*name, n)
            })
            .collect()
    }

    /// Withdrawals by ISO weekday (index 0 = Monday) and hour in the service zone.
    pub fn withdrawal_heat(&self) -> [[i64; 24]; 7] {
        let mut heat = [[0; 24]; 7];
        for (key, n) in self.breakdown(Measure::WithdrawalWhen) {
            let mut parts = key.split(':').map(|p| p.parse::<usize>().ok());
            if let (Some(Some(weekday @ 1..=7)), Some(Some(hour @ 0..24))) = (parts.next(), parts.next()) {
                heat[weekday - 1][hour] += n;
            }
        }
        heat
    }
}
