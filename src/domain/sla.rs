//! SLA (服务时限, DESIGN.md "SLA"): the targets a ticket must meet, when they
//! are due, and where a ticket stands. Due times count from filing on the
//! policy's clock; time spent awaiting the customer is given back.

use super::Urgency;
use super::calendar::Clock;
use chrono::{DateTime, Duration, Utc};

/// The two promises of a policy and the clock they run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_response: Duration,
    pub resolution: Duration,
    /// Business hours (the calendar), or around the clock.
    pub business_hours: bool,
}

impl Targets {
    /// DESIGN.md's defaults: normal 24 h / 72 h, urgent 2 h / 24 h, critical 30 min / 8 h.
    pub fn default_for(urgency: Urgency) -> Targets {
        let (first, resolution) = match urgency {
            Urgency::Normal => (Duration::hours(24), Duration::hours(72)),
            Urgency::Urgent => (Duration::hours(2), Duration::hours(24)),
            Urgency::Critical => (Duration::minutes(30), Duration::hours(8)),
        };
        Targets { first_response: first, resolution, business_hours: true }
    }
}

/// Share of a target used when the ticket is flagged as at risk.
pub const WARN_NUMERATOR: i32 = 4;
pub const WARN_DENOMINATOR: i32 = 5;

/// The instants of both targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTimes {
    pub first_response_warn: DateTime<Utc>,
    pub first_response_due: DateTime<Utc>,
    pub resolution_warn: DateTime<Utc>,
    pub resolution_due: DateTime<Utc>,
}

/// Due times for a ticket filed at `filed`, with `paused` of clock time given
/// back so far. None only if a business calendar has no working time at all.
pub fn due_times(clock: Clock<'_>, filed: DateTime<Utc>, targets: Targets, paused: Duration) -> Option<DueTimes> {
    let at = |work: Duration| clock.add(filed, work + paused);
    let warn = |work: Duration| work * WARN_NUMERATOR / WARN_DENOMINATOR;
    Some(DueTimes {
        first_response_warn: at(warn(targets.first_response))?,
        first_response_due: at(targets.first_response)?,
        resolution_warn: at(warn(targets.resolution))?,
        resolution_due: at(targets.resolution)?,
    })
}

crate::text_enum! {
    /// Which promise.
    SlaTarget, "sla-target" {
        FirstResponse => "first_response",
        Resolution => "resolution",
    }
}

crate::text_enum! {
    /// How far along a target is.
    SlaLevel, "sla-level" {
        Warning => "warning",
        Breach => "breach",
    }
}

crate::text_enum! {
    /// Where a ticket stands against its running target (the queue's column and filter).
    SlaState, "sla-state" {
        OnTime => "on_time",
        Warning => "warning",
        Breached => "breached",
        /// Awaiting the customer: the clock stands still.
        Paused => "paused",
        /// Nothing is running: resolved, closed or withdrawn.
        Done => "done",
    }
}

/// The running target's state at `now` from its stored instants.
pub fn state(now: DateTime<Utc>, warn: Option<DateTime<Utc>>, due: Option<DateTime<Utc>>, paused: bool) -> SlaState {
    match (paused, warn, due) {
        (true, _, _) => SlaState::Paused,
        (false, _, Some(due)) if now >= due => SlaState::Breached,
        (false, Some(warn), Some(_)) if now >= warn => SlaState::Warning,
        (false, _, Some(_)) => SlaState::OnTime,
        (false, _, None) => SlaState::Done,
    }
}

/// What the running target needs next: a warning, then a breach; None when both are marked.
pub fn next_check(
    warn: DateTime<Utc>,
    due: DateTime<Utc>,
    warned: bool,
    breached: bool,
) -> Option<(SlaLevel, DateTime<Utc>)> {
    match (warned, breached) {
        (false, false) => Some((SlaLevel::Warning, warn)),
        (true, false) => Some((SlaLevel::Breach, due)),
        (_, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::BusinessCalendar;
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(2026, 11, d, h, m, 0).single().expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn due_times_on_business_hours_and_around_the_clock() {
        let cal = BusinessCalendar::office_hours(Shanghai);
        let urgent = Targets::default_for(Urgency::Urgent);
        // Filed Monday 17:00: 2 h of business time → Tuesday 10:00; 24 h → Thursday 14:00.
        let due = due_times(Clock::BusinessHours(&cal), at(23, 17, 0), urgent, Duration::zero()).expect("due");
        assert_eq!(due.first_response_due, at(24, 10, 0));
        assert_eq!(due.first_response_warn, at(24, 9, 36), "80 % of 2 h is 1 h 36 min");
        assert_eq!(due.resolution_due, at(26, 14, 0));
        let due = due_times(Clock::Always, at(23, 17, 0), urgent, Duration::hours(1)).expect("due");
        assert_eq!(due.first_response_due, at(23, 20, 0), "an hour paused is given back");
    }

    #[test]
    fn states() {
        let (warn, due) = (at(24, 9, 36), at(24, 10, 0));
        assert_eq!(state(at(24, 9, 0), Some(warn), Some(due), false), SlaState::OnTime);
        assert_eq!(state(at(24, 9, 36), Some(warn), Some(due), false), SlaState::Warning);
        assert_eq!(state(at(24, 10, 0), Some(warn), Some(due), false), SlaState::Breached);
        assert_eq!(state(at(24, 10, 0), None, None, true), SlaState::Paused);
        assert_eq!(state(at(24, 10, 0), None, None, false), SlaState::Done);
    }

    #[test]
    fn checks_come_in_order() {
        let (warn, due) = (at(24, 9, 36), at(24, 10, 0));
        assert_eq!(next_check(warn, due, false, false), Some((SlaLevel::Warning, warn)));
        assert_eq!(next_check(warn, due, true, false), Some((SlaLevel::Breach, due)));
        assert_eq!(next_check(warn, due, true, true), None);
        assert_eq!(next_check(warn, due, false, true), None);
    }
}
