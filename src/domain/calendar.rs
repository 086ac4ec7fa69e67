//! Business time (DESIGN.md "SLA"): a weekly calendar of working hours with
//! holidays and make-up working days (调休), in the service's time zone. SLA
//! due times add business time to a start; pauses give back what they used.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// Working intervals of one day, local time, in order, not overlapping.
pub type DayHours = Vec<(NaiveTime, NaiveTime)>;

/// How far ahead a due time is looked for before the calendar is taken to have
/// no working time (ten years of holidays would be a configuration error).
const SEARCH_DAYS: i64 = 3660;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    pub tz: Tz,
    /// Monday first.
    pub week: [DayHours; 7],
    /// Days off that would otherwise be working days (法定节假日).
    pub holidays: BTreeSet<NaiveDate>,
    /// Days worked that would otherwise be off (调休), with their hours.
    pub makeup_days: BTreeMap<NaiveDate, DayHours>,
}

/// A calendar that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("a working interval must end after it starts")]
    EmptyInterval,
    #[error("working intervals of a day must be in order and not overlap")]
    Overlap,
    #[error("the week has no working hours")]
    NoWorkingTime,
}

/// One day's intervals: each ends after it starts, in order, not overlapping.
pub fn check_day(day: &DayHours) -> Result<(), CalendarError> {
    for (start, end) in day {
        if end <= start {
            return Err(CalendarError::EmptyInterval);
        }
    }
    if day.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(CalendarError::Overlap);
    }
    Ok(())
}

impl BusinessCalendar {
    /// Checks the calendar: ordered, non-empty intervals and some working time each week.
    pub fn new(
        tz: Tz,
        week: [DayHours; 7],
        holidays: BTreeSet<NaiveDate>,
        makeup_days: BTreeMap<NaiveDate, DayHours>,
    ) -> Result<Self, CalendarError> {
        for day in week.iter().chain(makeup_days.values()) {
            check_day(day)?;
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingTime);
        }
        Ok(BusinessCalendar { tz, week, holidays, makeup_days })
    }

    /// Monday to Friday 09:00–18:00, no holidays: the default until a supervisor sets one.
    pub fn office_hours(tz: Tz) -> Self {
        let day = vec![(time(9, 0), time(18, 0))];
        let week = [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]];
        BusinessCalendar { tz, week, holidays: BTreeSet::new(), makeup_days: BTreeMap::new() }
    }

    /// The working hours of a local date.
    fn hours(&self, date: NaiveDate) -> &[(NaiveTime, NaiveTime)] {
        if let Some(hours) = self.makeup_days.get(&date) {
            return hours;
        }
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// The working intervals of a local date, as instants. A local time that a
    /// clock change skips is taken at its earliest valid instant.
    fn intervals(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.hours(date).iter().filter_map(move |(start, end)| {
            let at = |t: NaiveTime| {
                let local = date.and_time(t);
                self.tz
                    .from_local_datetime(&local)
                    .earliest()
                    .or_else(|| self.tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
                    .map(|d| d.with_timezone(&Utc))
            };
            Some((at(*start)?, at(*end)?))
        })
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The instant when `work` of business time has passed since `start`.
    /// None only if the calendar has no working time for ten years.
    pub fn add(&self, start: DateTime<Utc>, work: Duration) -> Option<DateTime<Utc>> {
        if work <= Duration::zero() {
            return Some(start);
        }
        let mut left = work;
        let first = self.local_date(start) - Duration::days(1);
        for offset in 0..SEARCH_DAYS {
            for (from, to) in self.intervals(first + Duration::days(offset)) {
                let from = from.max(start);
                if from >= to {
                    continue;
                }
                if to - from >= left {
                    return Some(from + left);
                }
                left -= to - from;
            }
        }
        None
    }

    /// Business time between two instants (zero if `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from) - Duration::days(1);
        let last = self.local_date(to) + Duration::days(1);
        while date <= last {
            for (start, end) in self.intervals(date) {
                let (start, end) = (start.max(from), end.min(to));
                if end > start {
                    total += end - start;
                }
            }
            date += Duration::days(1);
        }
        total
    }
}

/// How a policy counts time.
#[derive(Debug, Clone, Copy)]
pub enum Clock<'a> {
    /// Around the clock (24×7).
    Always,
    BusinessHours(&'a BusinessCalendar),
}

impl Clock<'_> {
    pub fn add(self, start: DateTime<Utc>, work: Duration) -> Option<DateTime<Utc>> {
        match self {
            Clock::Always => Some(start + work),
            Clock::BusinessHours(calendar) => calendar.add(start, work),
        }
    }

    pub fn between(self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        match self {
            Clock::Always => (to - from).max(Duration::zero()),
            Clock::BusinessHours(calendar) => calendar.between(from, to),
        }
    }

    /// A due time after a pause from `paused_at` to `resumed_at`: what was left
    /// when the clock stopped is left again when it restarts, so a pause never
    /// brings a due time closer.
    pub fn resume(self, due: DateTime<Utc>, paused_at: DateTime<Utc>, resumed_at: DateTime<Utc>) -> DateTime<Utc> {
        // Breached before the pause: it stays breached.
        if resumed_at <= paused_at || paused_at >= due {
            return due;
        }
        let left = self.between(paused_at, due);
        let moved = self.add(resumed_at.max(paused_at), left).unwrap_or(due);
        moved.max(due)
    }
}

pub fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time of day")
}

pub fn weekday_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    /// Local Shanghai time as an instant.
    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid").with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn office() -> BusinessCalendar {
        BusinessCalendar::office_hours(Shanghai)
    }

    #[test]
    fn within_a_day_and_across_the_night() {
        let cal = office();
        // Monday 2026-11-23.
        assert_eq!(cal.add(at(2026, 11, 23, 10, 0), Duration::hours(2)), Some(at(2026, 11, 23, 12, 0)));
        assert_eq!(cal.add(at(2026, 11, 23, 17, 0), Duration::hours(2)), Some(at(2026, 11, 24, 10, 0)));
        // Filed at night: the clock starts at nine.
        assert_eq!(cal.add(at(2026, 11, 23, 22, 0), Duration::minutes(30)), Some(at(2026, 11, 24, 9, 30)));
        assert_eq!(cal.add(at(2026, 11, 24, 3, 0), Duration::hours(9)), Some(at(2026, 11, 24, 18, 0)));
    }

    #[test]
    fn across_the_weekend() {
        let cal = office();
        // Friday 17:00 + 2 h → Monday 10:00; Saturday counts nothing.
        assert_eq!(cal.add(at(2026, 11, 27, 17, 0), Duration::hours(2)), Some(at(2026, 11, 30, 10, 0)));
        assert_eq!(cal.add(at(2026, 11, 28, 12, 0), Duration::hours(1)), Some(at(2026, 11, 30, 10, 0)));
        assert_eq!(cal.between(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 10, 0)), Duration::hours(2));
        // 72 h of business time = 8 working days of 9 h.
        assert_eq!(cal.add(at(2026, 11, 23, 9, 0), Duration::hours(72)), Some(at(2026, 12, 2, 18, 0)));
    }

    #[test]
    fn holidays_and_makeup_days() {
        // 2026 National Day: Oct 1–7 off, Sunday Sep 27 and Saturday Oct 10 worked (illustrative).
        let mut cal = office();
        cal.holidays = (1..=7).map(|d| date(2026, 10, d)).collect();
        let day = vec![(time(9, 0), time(18, 0))];
        cal.makeup_days = [(date(2026, 9, 27), day.clone()), (date(2026, 10, 10), day)].into_iter().collect();
        // Wednesday Sep 30, 17:00 + 2 h: the holiday week is skipped, Saturday Oct 10 is worked.
        assert_eq!(cal.add(at(2026, 9, 30, 17, 0), Duration::hours(2)), Some(at(2026, 10, 8, 10, 0)));
        assert_eq!(cal.add(at(2026, 10, 9, 17, 0), Duration::hours(2)), Some(at(2026, 10, 10, 10, 0)));
        // Saturday Sep 26 is off, Sunday Sep 27 is a make-up day.
        assert_eq!(cal.add(at(2026, 9, 26, 12, 0), Duration::hours(1)), Some(at(2026, 9, 27, 10, 0)));
    }

    #[test]
    fn lunch_breaks_split_a_day() {
        let mut cal = office();
        cal.week[0] = vec![(time(9, 0), time(12, 0)), (time(13, 0), time(18, 0))];
        assert_eq!(cal.add(at(2026, 11, 23, 11, 0), Duration::hours(2)), Some(at(2026, 11, 23, 14, 0)));
        assert_eq!(cal.between(at(2026, 11, 23, 11, 0), at(2026, 11, 23, 14, 0)), Duration::hours(2));
    }

    #[test]
    fn around_the_clock_and_pauses() {
        let start = at(2026, 11, 27, 17, 0);
        assert_eq!(Clock::Always.add(start, Duration::hours(2)), Some(at(2026, 11, 27, 19, 0)));
        let cal = office();
        let clock = Clock::BusinessHours(&cal);
        // Due Monday 10:00; paused Friday 17:30 (30 min used of the 2 h), resumed Monday 9:00.
        let due = at(2026, 11, 30, 10, 0);
        assert_eq!(clock.resume(due, at(2026, 11, 27, 17, 30), at(2026, 11, 30, 9, 0)), at(2026, 11, 30, 10, 30));
        // 24×7: the paused time is added back.
        let due = at(2026, 11, 27, 19, 0);
        assert_eq!(
            Clock::Always.resume(due, at(2026, 11, 27, 18, 0), at(2026, 11, 27, 20, 0)),
            at(2026, 11, 27, 21, 0)
        );
    }

    #[test]
    fn bad_calendars_are_refused() {
        let none: [DayHours; 7] = Default::default();
        let no_holidays = BTreeSet::new;
        assert_eq!(
            BusinessCalendar::new(Shanghai, none.clone(), no_holidays(), BTreeMap::new()),
            Err(CalendarError::NoWorkingTime)
        );
        let mut week = none.clone();
        week[0] = vec![(time(18, 0), time(9, 0))];
        assert_eq!(
            BusinessCalendar::new(Shanghai, week, no_holidays(), BTreeMap::new()),
            Err(CalendarError::EmptyInterval)
        );
        let mut week = none;
        week[0] = vec![(time(9, 0), time(13, 0)), (time(12, 0), time(18, 0))];
        assert_eq!(BusinessCalendar::new(Shanghai, week, no_holidays(), BTreeMap::new()), Err(CalendarError::Overlap));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn instant() -> impl Strategy<Value = DateTime<Utc>> {
            // Two years from 2026-01-01, to the minute.
            (0i64..2 * 366 * 24 * 60).prop_map(|m| at(2026, 1, 1, 0, 0) + Duration::minutes(m))
        }

        fn calendar() -> BusinessCalendar {
            let mut cal = office();
            cal.holidays = (1..=7).map(|d| date(2026, 10, d)).chain((16..=22).map(|d| date(2026, 2, d))).collect();
            cal.makeup_days = [(date(2026, 10, 10), vec![(time(9, 0), time(18, 0))])].into_iter().collect();
            cal
        }

        proptest! {
            #[test]
            fn due_is_never_before_start_and_uses_exactly_the_work(start in instant(), minutes in 0i64..20_000) {
                let cal = calendar();
                let work = Duration::minutes(minutes);
                let due = cal.add(start, work).expect("a due time");
                prop_assert!(due >= start);
                prop_assert_eq!(cal.between(start, due), work);
            }

            #[test]
            fn a_pause_never_brings_the_due_time_closer(
                start in instant(), minutes in 1i64..5_000, pause_at in 0i64..5_000, pause_for in 0i64..20_000
            ) {
                let cal = calendar();
                for clock in [Clock::Always, Clock::BusinessHours(&cal)] {
                    let due = clock.add(start, Duration::minutes(minutes)).expect("due");
                    let paused = start + Duration::minutes(pause_at);
                    let resumed = paused + Duration::minutes(pause_for);
                    prop_assert!(clock.resume(due, paused, resumed) >= due);
                }
            }
        }
    }
}
