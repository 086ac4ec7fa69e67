//! Supervisor analytics (数据分析): what a dashboard request asks for ([`filter`]) and the figures computed from
//! summed fact rows ([`figures`]), pure and unit-tested. The rows themselves are kept by the analytics migration's
//! functions (facts, deltas, rollups).

pub mod figures;
pub mod filter;

pub use figures::{FactRow, Headline, Measure, Sums, TrendPoint};
pub use filter::{DashboardFilter, FilterInput, Grouping, Preset};

#[cfg(test)]
mod tests {
    use super::figures::{AGE_BUCKETS, quantile};
    use super::*;
    use chrono::NaiveDate;
    use std::collections::BTreeMap;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(agent: i64, d: &str, measure: &str, key: &str, n: i64, total: i64) -> FactRow {
        FactRow { agent, day: day(d), measure: measure.into(), key: key.into(), n, total }
    }

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let h: BTreeMap<i64, i64> = [(10, 1), (20, 1), (30, 1), (40, 1)].into();
        assert_eq!(quantile(&h, 0.5), Some(20), "the lower median of an even count");
        assert_eq!(quantile(&h, 0.9), Some(40));
        assert_eq!(quantile(&BTreeMap::new(), 0.5), None);
        let odd: BTreeMap<i64, i64> = [(5, 2), (90, 1)].into();
        assert_eq!(quantile(&odd, 0.5), Some(5));
    }

    #[test]
    fn rows_outside_the_period_count_only_for_the_backlog() {
        let mut filter = DashboardFilter::default_for(day("2026-11-23"));
        filter.from = day("2026-11-01");
        let mut sums = Sums::new(&filter);
        sums.add(&row(0, "2026-10-31", "created", "complaint", 5, 0));
        sums.add(&row(0, "2026-11-02", "created", "complaint", 2, 0));
        sums.add(&row(0, "2026-10-01", "open", "in_progress", 3, 0));
        sums.add(&row(0, "2026-11-22", "open", "submitted", 1, 0));
        sums.add(&row(0, "2026-11-22", "open", "submitted", -1, 0));
        sums.add(&row(0, "2026-11-23", "open", "assigned", 1, 0));
        assert_eq!(sums.headline().created, 2);
        assert_eq!(sums.backlog_by_state(), vec![("in_progress".into(), 3), ("assigned".into(), 1)]);
        let ages: Vec<i64> = sums.backlog_by_age().into_iter().map(|(_, n)| n).collect();
        assert_eq!(ages, vec![1, 0, 0, 0, 3]);
        assert_eq!(AGE_BUCKETS.len(), ages.len());
    }

    #[test]
    fn headline_rates() {
        let filter = DashboardFilter::default_for(day("2026-11-23"));
        let mut sums = Sums::new(&filter);
        for r in [
            row(0, "2026-11-10", "created", "complaint", 4, 0),
            row(0, "2026-11-11", "closed", "first", 2, 0),
            row(0, "2026-11-11", "closed", "reopened", 1, 0),
            row(0, "2026-11-11", "csat", "5", 1, 5),
            row(0, "2026-11-11", "csat", "2", 1, 2),
            row(0, "2026-11-11", "sla", "met", 1, 0),
            row(0, "2026-11-11", "sla", "missed", 1, 0),
            row(0, "2026-11-11", "sla", "open", 1, 0),
            row(0, "2026-11-23", "sla", "open", 1, 0),
            row(0, "2026-11-12", "withdrawn", "by_mistake", 1, 0),
            row(0, "2026-11-12", "ended", "", 4, 0),
            row(0, "2026-11-13", "follow_up", "", 1, 0),
            row(0, "2026-11-12", "withdrawal_when", "7:21", 1, 0),
        ] {
            sums.add(&r);
        }
        let h = sums.headline();
        assert_eq!(h.first_contact_resolution, Some(2.0 / 3.0));
        assert_eq!(h.csat_mean, Some(3.5));
        assert_eq!(h.csat_satisfied, Some(0.5));
        assert_eq!((h.sla_met, h.sla_due), (1, 3), "a running target counts once its day is over");
        assert_eq!(h.withdrawal_rate, Some(0.25));
        assert_eq!(h.recurrence, Some(0.25));
        assert_eq!(sums.withdrawal_heat()[6][21], 1);
    }

    #[test]
    fn the_trend_has_every_group_and_agents_their_rows() {
        let mut filter = DashboardFilter::default_for(day("2026-11-23"));
        filter.from = day("2026-11-16");
        let mut sums = Sums::new(&filter);
        sums.add(&row(0, "2026-11-17", "created", "complaint", 2, 0));
        sums.add(&row(0, "2026-11-23", "response", "30", 1, 30));
        sums.add(&row(7, "2026-11-17", "closed", "reopened", 1, 0));
        sums.add(&row(7, "2026-11-17", "response", "", 2, 90));
        let weeks = sums.trend(Grouping::Week);
        assert_eq!(weeks.len(), 2);
        assert_eq!((weeks[0].created, weeks[1].response_mean), (2, Some(30.0)));
        assert_eq!(sums.trend(Grouping::Day).len(), 8);
        let agent = &sums.agents[&7];
        assert_eq!((agent.closed, agent.reopened, agent.response.mean()), (1, 1, Some(45.0)));
        assert_eq!(sums.headline().created, 2, "agent rows stay out of the totals");
    }
}
