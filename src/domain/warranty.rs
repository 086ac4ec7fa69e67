//! Warranty state (保修状态) of a ticket's product: in warranty, expired or
//! unknown, from the purchase date and the catalogue's warranty months.
//!
//! Months count as the PRC Civil Code counts periods (第二百零一条、第二百零三条):
//! the purchase day itself is not counted, and the period's last day is the
//! day with the same number in the month it ends in, or that month's last day
//! if it has no such day. So 12 months from 2025-03-15 cover through
//! 2026-03-15, and one month from 2025-01-31 covers through 2025-02-28.

use chrono::{Months, NaiveDate};

/// Why the state cannot be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// The ticket's model is not in the catalogue (or was typed differently).
    NotInCatalogue,
    /// The ticket has no purchase date.
    NoPurchaseDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warranty {
    /// Covered through `last_day`, that day included.
    InWarranty {
        last_day: NaiveDate,
    },
    /// Coverage ended after `last_day`; None when the model has no warranty (0 months).
    Expired {
        last_day: Option<NaiveDate>,
    },
    Unknown(Unknown),
}

/// The last day a warranty of `months` bought on `purchased` covers.
pub fn last_covered_day(purchased: NaiveDate, months: u32) -> NaiveDate {
    // chrono clamps to the month's last day, as the Civil Code does. Only a
    // date beyond chrono's range (year 262143) fails: covered for good, then.
    purchased.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The warranty state on `today`. `warranty_months` is None when the ticket's
/// model is not in the catalogue; that is told before a missing purchase date,
/// as it is the one a supervisor can fix.
pub fn warranty(purchase_date: Option<NaiveDate>, warranty_months: Option<u32>, today: NaiveDate) -> Warranty {
    let Some(months) = warranty_months else {
        return Warranty::Unknown(Unknown::NotInCatalogue);
    };
    let Some(purchased) = purchase_date else {
        return Warranty::Unknown(Unknown::NoPurchaseDate);
    };
    if months == 0 {
        return Warranty::Expired { last_day: None };
    }
    let last_day = last_covered_day(purchased, months);
    if today <= last_day { Warranty::InWarranty { last_day } } else { Warranty::Expired { last_day: Some(last_day) } }
}

impl Warranty {
    /// A stable name for the state, for CSS classes and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Warranty::InWarranty { .. } => "in",
            Warranty::Expired { .. } => "expired",
            Warranty::Unknown(_) => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn exactly_n_months_later_is_the_last_covered_day() {
        let bought = d(2025, 3, 15);
        assert_eq!(warranty(Some(bought), Some(12), d(2026, 3, 14)), Warranty::InWarranty { last_day: d(2026, 3, 15) });
        assert_eq!(warranty(Some(bought), Some(12), d(2026, 3, 15)), Warranty::InWarranty { last_day: d(2026, 3, 15) });
        assert_eq!(
            warranty(Some(bought), Some(12), d(2026, 3, 16)),
            Warranty::Expired { last_day: Some(d(2026, 3, 15)) }
        );
        // The day of purchase is covered.
        assert_eq!(warranty(Some(bought), Some(1), bought).code(), "in");
    }

    #[test]
    fn month_ends_clamp_to_the_last_day_of_the_month() {
        assert_eq!(last_covered_day(d(2025, 1, 31), 1), d(2025, 2, 28));
        assert_eq!(last_covered_day(d(2024, 1, 31), 1), d(2024, 2, 29), "leap year");
        assert_eq!(last_covered_day(d(2025, 8, 31), 6), d(2026, 2, 28));
        assert_eq!(last_covered_day(d(2025, 3, 31), 1), d(2025, 4, 30));
        assert_eq!(last_covered_day(d(2024, 2, 29), 12), d(2025, 2, 28));
        // Jan 31 + 1 month: covered on Feb 28, expired on Mar 1.
        assert_eq!(warranty(Some(d(2025, 1, 31)), Some(1), d(2025, 2, 28)).code(), "in");
        assert_eq!(
            warranty(Some(d(2025, 1, 31)), Some(1), d(2025, 3, 1)),
            Warranty::Expired { last_day: Some(d(2025, 2, 28)) }
        );
        // Across a year end.
        assert_eq!(last_covered_day(d(2025, 11, 30), 3), d(2026, 2, 28));
    }

    #[test]
    fn unknown_without_a_purchase_date_or_a_catalogued_model() {
        let today = d(2026, 11, 23);
        assert_eq!(warranty(None, Some(12), today), Warranty::Unknown(Unknown::NoPurchaseDate));
        assert_eq!(warranty(Some(d(2026, 1, 1)), None, today), Warranty::Unknown(Unknown::NotInCatalogue));
        // Both missing: the catalogue is named first.
        assert_eq!(warranty(None, None, today), Warranty::Unknown(Unknown::NotInCatalogue));
        assert_eq!(warranty(None, None, today).code(), "unknown");
    }

    #[test]
    fn zero_months_is_no_warranty_and_long_ones_do_not_overflow() {
        let today = d(2026, 11, 23);
        assert_eq!(warranty(Some(today), Some(0), today), Warranty::Expired { last_day: None });
        // The longest warranty allowed, 600 months (50 years).
        assert_eq!(
            warranty(Some(d(1970, 1, 1)), Some(600), today),
            Warranty::Expired { last_day: Some(d(2020, 1, 1)) }
        );
        assert_eq!(last_covered_day(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn a_purchase_date_after_today_counts_as_covered() {
        // The forms refuse future dates; data entered otherwise still reads sensibly.
        let today = d(2026, 11, 23);
        assert_eq!(warranty(Some(d(2026, 12, 1)), Some(12), today).code(), "in");
    }
}
