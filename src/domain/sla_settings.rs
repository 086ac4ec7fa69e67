//! SLA settings as supervisors type them (DESIGN.md "SLA"): a policy's two
//! targets in hours and minutes, the weekly working hours, and the calendar's
//! holidays and make-up working days (调休). Parsing gives either a value the
//! tables accept or every problem by its field.

use super::calendar::{self, BusinessCalendar, CalendarError, DayHours};
use super::validate::{BAD_CHOICE, BAD_DATE, Checker, FieldError, FieldErrors, REQUIRED};
use super::{TicketType, Urgency};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A year of minutes: longer targets are typing mistakes (and stay far inside `INTEGER`).
pub const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;
pub const DAY_NAME_MAX: usize = 50;

pub const TARGET_NUMBER: FieldError = FieldError::new("sla-error-number");
pub const TARGET_POSITIVE: FieldError = FieldError::new("sla-error-positive");
pub const TARGET_TOO_LONG: FieldError = FieldError::new("sla-error-too-long");
pub const RESOLUTION_BEFORE_FIRST: FieldError = FieldError::new("sla-error-resolution-first");
pub const TYPE_NEEDED: FieldError = FieldError::new("sla-error-type-needed");
pub const DUPLICATE_POLICY: FieldError = FieldError::new("sla-error-duplicate");
pub const BAD_TIME: FieldError = FieldError::new("sla-error-time");
pub const HALF_INTERVAL: FieldError = FieldError::new("sla-error-half-interval");
pub const PAST_DAY: FieldError = FieldError::new("sla-error-day-past");
pub const DAY_TAKEN: FieldError = FieldError::new("sla-error-day-taken");

crate::text_enum! {
    /// What a calendar day is: off although the week works (法定节假日), or worked although the week rests (调休).
    DayKind, "calendar-day" {
        Holiday => "holiday",
        Workday => "workday",
    }
}

/// The policy form as sent. The targets are hours plus minutes; either may be
/// left empty, and minutes may run past 59 ("90 minutes").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PolicyInput {
    pub urgency: String,
    pub ticket_type: String,
    pub first_hours: String,
    pub first_minutes: String,
    pub resolution_hours: String,
    pub resolution_minutes: String,
    /// `business` (the calendar) or `always` (24×7).
    pub clock: String,
}

/// A policy that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyDraft {
    pub urgency: Urgency,
    /// None: the urgency's base policy.
    pub ticket_type: Option<TicketType>,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
    pub business_hours: bool,
}

pub const CLOCK_BUSINESS: &str = "business";
pub const CLOCK_ALWAYS: &str = "always";

impl PolicyInput {
    /// A fresh override form: business hours, nothing typed.
    pub fn blank() -> Self {
        PolicyInput { clock: CLOCK_BUSINESS.into(), ..PolicyInput::default() }
    }

    /// The form showing a stored policy.
    pub fn from_draft(p: &PolicyDraft) -> Self {
        let split = |minutes: i32| ((minutes / 60).to_string(), (minutes % 60).to_string());
        let (first_hours, first_minutes) = split(p.first_response_minutes);
        let (resolution_hours, resolution_minutes) = split(p.resolution_minutes);
        PolicyInput {
            urgency: p.urgency.code().into(),
            ticket_type: p.ticket_type.map(|t| t.code().to_owned()).unwrap_or_default(),
            first_hours,
            first_minutes,
            resolution_hours,
            resolution_minutes,
            clock: if p.business_hours { CLOCK_BUSINESS } else { CLOCK_ALWAYS }.into(),
        }
    }

    /// A per-type override: urgency and type are chosen on the form.
    pub fn parse_override(&self) -> Result<PolicyDraft, FieldErrors> {
        let mut c = Checker::default();
        let urgency = c.choice("urgency", &self.urgency, Urgency::parse);
        let ticket_type = if self.ticket_type.trim().is_empty() {
            c.errors.add("ticket_type", TYPE_NEEDED);
            None
        } else {
            c.choice("ticket_type", &self.ticket_type, TicketType::parse)
        };
        let targets = self.targets(&mut c);
        match (urgency, ticket_type, targets) {
            (Some(urgency), Some(t), Some((first, resolution, business_hours))) if c.errors.is_empty() => {
                Ok(PolicyDraft {
                    urgency,
                    ticket_type: Some(t),
                    first_response_minutes: first,
                    resolution_minutes: resolution,
                    business_hours,
                })
            }
            _ => Err(c.errors),
        }
    }

    /// An urgency's base policy: only the targets and the clock change.
    pub fn parse_base(&self, urgency: Urgency) -> Result<PolicyDraft, FieldErrors> {
        let mut c = Checker::default();
        match self.targets(&mut c) {
            Some((first, resolution, business_hours)) if c.errors.is_empty() => Ok(PolicyDraft {
                urgency,
                ticket_type: None,
                first_response_minutes: first,
                resolution_minutes: resolution,
                business_hours,
            }),
            _ => Err(c.errors),
        }
    }

    /// (first response, resolution) in minutes and whether business hours count.
    fn targets(&self, c: &mut Checker) -> Option<(i32, i32, bool)> {
        let first = minutes(c, "first_response", &self.first_hours, &self.first_minutes);
        let resolution = minutes(c, "resolution", &self.resolution_hours, &self.resolution_minutes);
        let business_hours = match self.clock.as_str() {
            CLOCK_BUSINESS => Some(true),
            CLOCK_ALWAYS => Some(false),
            "" => {
                c.errors.add("clock", REQUIRED);
                None
            }
            _ => {
                c.errors.add("clock", BAD_CHOICE);
                None
            }
        };
        let (first, resolution) = (first?, resolution?);
        if resolution < first {
            c.errors.add("resolution", RESOLUTION_BEFORE_FIRST);
        }
        Some((first, resolution, business_hours?))
    }
}

/// Hours and minutes as typed → minutes, positive and at most a year.
fn minutes(c: &mut Checker, field: &'static str, hours: &str, minutes: &str) -> Option<i32> {
    let number = |s: &str| -> Option<i64> {
        let s = s.trim();
        if s.is_empty() {
            return Some(0);
        }
        // Digits only: no signs, no fractions ("1.5 h" is typed as 1 h 30 min).
        if s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (Some(h), Some(m)) = (number(hours), number(minutes)) else {
        c.errors.add(field, TARGET_NUMBER);
        return None;
    };
    let total = h * 60 + m;
    if total <= 0 {
        c.errors.add(field, TARGET_POSITIVE);
        return None;
    }
    if total > MAX_TARGET_MINUTES {
        c.errors.add(field, TARGET_TOO_LONG);
        return None;
    }
    i32::try_from(total).ok()
}

/// Field names of the week form: the day's key carries its problems.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Working intervals per day on the form (a morning and an afternoon).
pub const SLOTS: usize = 2;

/// The weekly hours form as sent: `mon_1_from`, `mon_1_to`, `mon_2_from`, … as `HH:MM`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct WeekInput(pub HashMap<String, String>);

fn slot_key(day: usize, slot: usize, end: bool) -> String {
    format!("{}_{}_{}", WEEKDAYS[day], slot + 1, if end { "to" } else { "from" })
}

impl WeekInput {
    /// The form showing a stored week.
    pub fn from_week(week: &[DayHours; 7]) -> Self {
        let mut fields = HashMap::new();
        for (day, hours) in week.iter().enumerate() {
            for (slot, (from, to)) in hours.iter().take(SLOTS).enumerate() {
                fields.insert(slot_key(day, slot, false), from.format("%H:%M").to_string());
                fields.insert(slot_key(day, slot, true), to.format("%H:%M").to_string());
            }
        }
        WeekInput(fields)
    }

    /// What a field holds (for the form).
    pub fn value(&self, day: usize, slot: usize, end: bool) -> &str {
        self.0.get(&slot_key(day, slot, end)).map_or("", String::as_str)
    }

    /// The week, checked by the calendar's own rules: each interval ends after
    /// it starts, a day's intervals do not overlap, the week has working time.
    pub fn parse(&self) -> Result<[DayHours; 7], FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut week: [DayHours; 7] = Default::default();
        for (day, hours) in week.iter_mut().enumerate() {
            let field = WEEKDAYS[day];
            for slot in 0..SLOTS {
                let interval = (self.value(day, slot, false), self.value(day, slot, true));
                match parse_interval(interval.0, interval.1) {
                    Ok(Some(span)) => hours.push(span),
                    Ok(None) => {}
                    Err(e) => errors.add(field, e),
                }
            }
            // Typed afternoon first is still a working day.
            hours.sort();
            if let Err(e) = calendar::check_day(hours) {
                errors.add(field, calendar_error(&e));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // The zone plays no part in these rules.
        let tz = chrono_tz::Asia::Shanghai;
        match BusinessCalendar::new(tz, week.clone(), BTreeSet::new(), BTreeMap::new()) {
            Ok(_) => Ok(week),
            Err(e) => {
                errors.add("week", calendar_error(&e));
                Err(errors)
            }
        }
    }
}

pub fn calendar_error(e: &CalendarError) -> FieldError {
    match e {
        CalendarError::EmptyInterval => FieldError::new("sla-error-interval-empty"),
        CalendarError::Overlap => FieldError::new("sla-error-interval-overlap"),
        CalendarError::NoWorkingTime => FieldError::new("sla-error-no-working-time"),
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S")).ok()
}

/// An interval typed as two times: none if both are empty. Its order is checked by the calendar.
fn parse_interval(from: &str, to: &str) -> Result<Option<(NaiveTime, NaiveTime)>, FieldError> {
    match (from.trim().is_empty(), to.trim().is_empty()) {
        (true, true) => Ok(None),
        (false, false) => {
            let (from, to) = (parse_time(from).ok_or(BAD_TIME)?, parse_time(to).ok_or(BAD_TIME)?);
            Ok(Some((from, to)))
        }
        _ => Err(HALF_INTERVAL),
    }
}

/// A holiday or make-up day as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DayInput {
    pub day: String,
    pub kind: String,
    pub name: String,
    /// A make-up day's own hours; both empty: the Monday hours.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayDraft {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub hours: Option<(NaiveTime, NaiveTime)>,
}

impl DayInput {
    /// A special day from `today` on (the list shows upcoming days, and due
    /// times already computed are not recomputed). A holiday has no hours.
    pub fn parse(&self, today: NaiveDate) -> Result<DayDraft, FieldErrors> {
        let mut c = Checker::default();
        let day = match NaiveDate::parse_from_str(self.day.trim(), "%Y-%m-%d") {
            _ if self.day.trim().is_empty() => {
                c.errors.add("day", REQUIRED);
                None
            }
            Ok(day) if day < today => {
                c.errors.add("day", PAST_DAY);
                None
            }
            Ok(day) => Some(day),
            Err(_) => {
                c.errors.add("day", BAD_DATE);
                None
            }
        };
        let kind = c.choice("kind", &self.kind, DayKind::parse);
        let name = c.required("name", &self.name, DAY_NAME_MAX);
        let hours = match kind {
            Some(DayKind::Workday) => match parse_interval(&self.from, &self.to) {
                Ok(Some(span)) => match calendar::check_day(&vec![span]) {
                    Ok(()) => Some(span),
                    Err(e) => {
                        c.errors.add("hours", calendar_error(&e));
                        None
                    }
                },
                Ok(None) => None,
                Err(e) => {
                    c.errors.add("hours", e);
                    None
                }
            },
            _ => None,
        };
        match (day, kind) {
            (Some(day), Some(kind)) if c.errors.is_empty() => Ok(DayDraft { day, kind, name, hours }),
            _ => Err(c.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calendar::time;

    fn policy(first: (&str, &str), resolution: (&str, &str), clock: &str) -> PolicyInput {
        PolicyInput {
            urgency: "urgent".into(),
            ticket_type: "complaint".into(),
            first_hours: first.0.into(),
            first_minutes: first.1.into(),
            resolution_hours: resolution.0.into(),
            resolution_minutes: resolution.1.into(),
            clock: clock.into(),
        }
    }

    #[test]
    fn targets_in_hours_and_minutes() {
        let draft = policy(("1", "30"), ("", "600"), "always").parse_override().expect("valid");
        assert_eq!((draft.first_response_minutes, draft.resolution_minutes), (90, 600));
        assert!(!draft.business_hours);
        assert_eq!(draft.ticket_type, Some(TicketType::Complaint));
        assert_eq!(PolicyInput::from_draft(&draft).first_minutes, "30");
        let base = policy(("2", ""), ("24", "0"), "business").parse_base(Urgency::Critical).expect("valid");
        assert_eq!((base.urgency, base.ticket_type, base.first_response_minutes), (Urgency::Critical, None, 120));
    }

    #[test]
    fn bad_targets_are_explained_by_their_field() {
        let errors = policy(("0", ""), ("-1", ""), "").parse_override().expect_err("invalid");
        assert_eq!(errors.get("first_response"), Some(TARGET_POSITIVE));
        assert_eq!(errors.get("resolution"), Some(TARGET_NUMBER));
        assert_eq!(errors.get("clock"), Some(REQUIRED));
        let errors = policy(("4", ""), ("3", "59"), "business").parse_override().expect_err("invalid");
        assert_eq!(errors.get("resolution"), Some(RESOLUTION_BEFORE_FIRST));
        let errors = policy(("1.5", ""), ("9000", ""), "business").parse_override().expect_err("invalid");
        assert_eq!(errors.get("first_response"), Some(TARGET_NUMBER));
        assert_eq!(errors.get("resolution"), Some(TARGET_TOO_LONG));
        let mut no_type = policy(("1", ""), ("2", ""), "business");
        no_type.ticket_type.clear();
        assert_eq!(no_type.parse_override().expect_err("no type").get("ticket_type"), Some(TYPE_NEEDED));
        assert!(no_type.parse_base(Urgency::Normal).is_ok(), "a base policy has no type");
    }

    fn week(fields: &[(&str, &str)]) -> WeekInput {
        WeekInput(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn a_week_with_a_lunch_break() {
        let parsed =
            week(&[("mon_1_from", "13:00"), ("mon_1_to", "18:00"), ("mon_2_from", "09:00"), ("mon_2_to", "12:00")])
                .parse()
                .expect("valid");
        assert_eq!(parsed[0], vec![(time(9, 0), time(12, 0)), (time(13, 0), time(18, 0))]);
        assert!(parsed[1..].iter().all(Vec::is_empty));
        assert_eq!(WeekInput::from_week(&parsed).value(0, 1, true), "18:00");
    }

    #[test]
    fn bad_weeks_are_refused_by_the_calendar_rules() {
        let errors = week(&[
            ("mon_1_from", "18:00"),
            ("mon_1_to", "09:00"),
            ("tue_1_from", "09:00"),
            ("tue_1_to", "13:00"),
            ("tue_2_from", "12:00"),
            ("tue_2_to", "18:00"),
            ("wed_1_from", "09:00"),
            ("thu_1_from", "9 am"),
            ("thu_1_to", "18:00"),
        ])
        .parse()
        .expect_err("invalid");
        assert_eq!(errors.get("mon").map(|e| e.key), Some("sla-error-interval-empty"));
        assert_eq!(errors.get("tue").map(|e| e.key), Some("sla-error-interval-overlap"));
        assert_eq!(errors.get("wed"), Some(HALF_INTERVAL));
        assert_eq!(errors.get("thu"), Some(BAD_TIME));
        let errors = week(&[]).parse().expect_err("no working time");
        assert_eq!(errors.get("week").map(|e| e.key), Some("sla-error-no-working-time"));
    }

    #[test]
    fn special_days() {
        let today = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
        let input = |day: &str, kind: &str, from: &str, to: &str| DayInput {
            day: day.into(),
            kind: kind.into(),
            name: "国庆节".into(),
            from: from.into(),
            to: to.into(),
        };
        let holiday = input("2026-10-01", "holiday", "09:00", "18:00").parse(today).expect("valid");
        assert_eq!((holiday.kind, holiday.hours), (DayKind::Holiday, None), "a holiday has no hours");
        let workday = input("2026-10-10", "workday", "", "").parse(today).expect("valid");
        assert_eq!(workday.hours, None, "the Monday hours");
        let short = input("2026-10-10", "workday", "10:00", "15:00").parse(today).expect("valid");
        assert_eq!(short.hours, Some((time(10, 0), time(15, 0))));
        let errors = input("2026-08-31", "day_off", "", "").parse(today).expect_err("invalid");
        assert_eq!(errors.get("day"), Some(PAST_DAY));
        assert_eq!(errors.get("kind"), Some(BAD_CHOICE));
        let errors = input("2026-02-30", "workday", "15:00", "10:00").parse(today).expect_err("invalid");
        assert_eq!(errors.get("day"), Some(BAD_DATE));
        assert_eq!(errors.get("hours").map(|e| e.key), Some("sla-error-interval-empty"));
        let errors = input("2026-10-10", "workday", "10:00", "").parse(today).expect_err("invalid");
        assert_eq!(errors.get("hours"), Some(HALF_INTERVAL));
    }
}
