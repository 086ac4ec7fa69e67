//! What the supervisor asks the dashboard for: a period (a preset or a custom range of days in the service
//! zone), how the trend is grouped, and the filters. Parsed from the query string; a bad custom range is a
//! field error, shown by the form.

use crate::domain::validate::{FieldError, FieldErrors};
use crate::domain::{Channel, TicketType};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

/// The longest custom range: two years of days.
pub const MAX_DAYS: i64 = 731;

pub const ERROR_DATE: FieldError = FieldError::new("analytics-error-date");
pub const ERROR_ORDER: FieldError = FieldError::new("analytics-error-order");
pub const ERROR_LONG: FieldError = FieldError::new("analytics-error-long");

crate::text_enum! {
    /// The period presets.
    Preset, "analytics-period" {
        Last7 => "7d",
        Last30 => "30d",
        Last90 => "90d",
        ThisMonth => "month",
        Custom => "custom",
    }
}

crate::text_enum! {
    /// How the trend groups days.
    Grouping, "analytics-group" {
        Day => "day",
        Week => "week",
        Month => "month",
    }
}

impl Grouping {
    /// The first day of the group `day` falls in (weeks start on Monday).
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grouping::Day => day,
            Grouping::Week => day - Duration::days(day.weekday().num_days_from_monday().into()),
            Grouping::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

/// The query string as typed.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct FilterInput {
    pub period: String,
    pub from: String,
    pub to: String,
    pub group: String,
    #[serde(rename = "type")]
    pub ticket_type: String,
    pub line: String,
    pub channel: String,
    pub agent: String,
    pub region: String,
}

/// A checked request: days from `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DashboardFilter {
    pub preset: Preset,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// "Today" in the service zone: the backlog's ages count from it.
    pub today: NaiveDate,
    pub group: Grouping,
    pub ticket_type: Option<TicketType>,
    pub product_line: Option<String>,
    pub channel: Option<Channel>,
    pub agent: Option<i64>,
    pub region: Option<String>,
}

fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.chars().take(100).collect())
}

impl DashboardFilter {
    /// The default view: the last 30 days, by day, no filter.
    pub fn default_for(today: NaiveDate) -> Self {
        DashboardFilter {
            preset: Preset::Last30,
            from: today - Duration::days(29),
            to: today,
            today,
            group: Grouping::Day,
            ticket_type: None,
            product_line: None,
            channel: None,
            agent: None,
            region: None,
        }
    }

    /// Checks the input. Unknown presets, groupings and filter codes fall back to the default (a link from an
    /// old page still shows something); a custom range that is not one is an error on its field.
    pub fn parse(input: &FilterInput, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut filter = DashboardFilter::default_for(today);
        filter.preset = Preset::parse(input.period.trim()).unwrap_or(Preset::Last30);
        filter.group = Grouping::parse(input.group.trim()).unwrap_or(Grouping::Day);
        filter.ticket_type = TicketType::parse(input.ticket_type.trim()).ok();
        filter.channel = Channel::parse(input.channel.trim()).ok();
        filter.agent = input.agent.trim().parse().ok().filter(|id| *id > 0);
        filter.product_line = text(&input.line);
        filter.region = text(&input.region);
        let (from, to) = match filter.preset {
            Preset::Last7 => (today - Duration::days(6), today),
            Preset::Last30 => (today - Duration::days(29), today),
            Preset::Last90 => (today - Duration::days(89), today),
            Preset::ThisMonth => (today.with_day(1).unwrap_or(today), today),
            Preset::Custom => custom_range(input)?,
        };
        filter.from = from;
        filter.to = to;
        Ok(filter)
    }

    /// How many filters are set.
    pub fn filter_count(&self) -> usize {
        [
            self.ticket_type.is_some(),
            self.product_line.is_some(),
            self.channel.is_some(),
            self.agent.is_some(),
            self.region.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }

    /// The rollup slice that answers this filter, when at most one filter is set.
    pub fn slice(&self) -> Option<String> {
        match self.filter_count() {
            0 => Some(String::new()),
            1 => Some(if let Some(t) = self.ticket_type {
                format!("t:{}", t.code())
            } else if let Some(line) = &self.product_line {
                format!("l:{line}")
            } else if let Some(c) = self.channel {
                format!("c:{}", c.code())
            } else if let Some(region) = &self.region {
                format!("r:{region}")
            } else {
                format!("a:{}", self.agent.unwrap_or_default())
            }),
            _ => None,
        }
    }

    /// The query string of this view (for links: exports, the other grouping).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("period", self.preset.code().into())];
        if self.preset == Preset::Custom {
            pairs.push(("from", self.from.to_string()));
            pairs.push(("to", self.to.to_string()));
        }
        pairs.push(("group", self.group.code().into()));
        let optional = [
            ("type", self.ticket_type.map(|t| t.code().to_owned())),
            ("line", self.product_line.clone()),
            ("channel", self.channel.map(|c| c.code().to_owned())),
            ("agent", self.agent.map(|a| a.to_string())),
            ("region", self.region.clone()),
        ];
        pairs.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn custom_range(input: &FilterInput) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
    let mut errors = FieldErrors::default();
    let day = |field: &'static str, value: &str, errors: &mut FieldErrors| {
        let parsed = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.add(field, ERROR_DATE);
        }
        parsed
    };
    let from = day("from", &input.from, &mut errors);
    let to = day("to", &input.to, &mut errors);
    match (from, to) {
        (Some(from), Some(to)) if to < from => errors.add("to", ERROR_ORDER),
        (Some(from), Some(to)) if (to - from).num_days() >= MAX_DAYS => errors.add("to", ERROR_LONG),
        (Some(from), Some(to)) => return Ok((from, to)),
        _ => {}
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn presets_end_today() {
        let today = day("2026-11-23");
        let parse = |period: &str| {
            DashboardFilter::parse(&FilterInput { period: period.into(), ..Default::default() }, today).unwrap()
        };
        assert_eq!((parse("7d").from, parse("7d").to), (day("2026-11-17"), today));
        assert_eq!(parse("").from, day("2026-10-25"));
        assert_eq!(parse("90d").from, day("2026-08-26"));
        assert_eq!(parse("month").from, day("2026-11-01"));
    }

    #[test]
    fn custom_ranges_are_checked() {
        let today = day("2026-11-23");
        let custom = |from: &str, to: &str| {
            let input = FilterInput { period: "custom".into(), from: from.into(), to: to.into(), ..Default::default() };
            DashboardFilter::parse(&input, today)
        };
        let ok = custom("2026-01-01", "2026-01-31").unwrap();
        assert_eq!((ok.from, ok.to), (day("2026-01-01"), day("2026-01-31")));
        assert!(custom("2026-02-01", "2026-01-31").unwrap_err().get("to").is_some());
        assert!(custom("nope", "2026-01-31").unwrap_err().get("from").is_some());
        assert!(custom("2020-01-01", "2026-01-31").unwrap_err().get("to").is_some());
    }

    #[test]
    fn one_filter_has_a_slice_two_do_not() {
        let today = day("2026-11-23");
        let mut f = DashboardFilter::default_for(today);
        assert_eq!(f.slice().as_deref(), Some(""));
        f.region = Some("上海".into());
        assert_eq!(f.slice().as_deref(), Some("r:上海"));
        f.agent = Some(7);
        assert_eq!(f.slice(), None);
        f.region = None;
        assert_eq!(f.slice().as_deref(), Some("a:7"));
    }

    #[test]
    fn groups_start_on_mondays_and_first_days() {
        assert_eq!(Grouping::Week.start(day("2026-11-23")), day("2026-11-23"));
        assert_eq!(Grouping::Week.start(day("2026-11-29")), day("2026-11-23"));
        assert_eq!(Grouping::Month.start(day("2026-11-29")), day("2026-11-01"));
    }

    #[test]
    fn the_query_round_trips() {
        let today = day("2026-11-23");
        let input = FilterInput {
            period: "custom".into(),
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            group: "week".into(),
            region: "上海".into(),
            ..Default::default()
        };
        let f = DashboardFilter::parse(&input, today).unwrap();
        let again: FilterInput = serde_urlencoded::from_str(&f.query()).unwrap();
        assert_eq!(DashboardFilter::parse(&again, today).unwrap(), f);
    }
}
