//! How long a sign-in must wait after failed ones: the rule behind the limiter, with no I/O.
//!
//! Two guesses are slowed, never a person locked out:
//! - **per address**, the first `FREE_PER_ADDRESS` failures in the window are free, then each further attempt waits
//!   twice as long as the one before (1 s, 2 s, 4 s … up to 15 minutes) — one address guessing many passwords (or many
//!   accounts) soon guesses almost nothing;
//! - **per account, from browsers it has not signed in from**, the first `FREE_PER_ACCOUNT` failures are free, then
//!   attempts wait 1 s, 2 s, 4 s … but never more than `MAX_ACCOUNT_WAIT` — guesses from many addresses get about one
//!   a minute, and a stranger who knows the email can make its owner wait a minute at most.
//! - A browser the account signed in from before (a *known device*: a cookie from that sign-in) is not slowed by the
//!   account's failures at all, so the owner at their usual computer signs in at once whatever a stranger does; a
//!   known device that fails `MAX_DEVICE_FAILURES` times itself is treated as unknown again (a copied cookie buys no
//!   extra guesses).

use chrono::{DateTime, Duration, Utc};

/// How far back failures count.
pub const WINDOW: Duration = Duration::minutes(15);
pub const FREE_PER_ADDRESS: i64 = 10;
pub const MAX_ADDRESS_WAIT: Duration = Duration::minutes(15);
pub const FREE_PER_ACCOUNT: i64 = 5;
pub const MAX_ACCOUNT_WAIT: Duration = Duration::seconds(60);
pub const MAX_DEVICE_FAILURES: i64 = 10;

/// Failed sign-ins within the window: how many and the latest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub last: Option<DateTime<Utc>>,
}

/// What the limiter knows about one attempt.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attempt {
    /// From the client's address, for any account.
    pub address: Failures,
    /// For the account, from browsers that are not a known device of it.
    pub account: Failures,
    /// From this browser for this account, when it is a known device of the account.
    pub device: Option<Failures>,
}

impl Attempt {
    /// Whether the browser counts as a known device of the account.
    pub fn known_device(&self) -> bool {
        self.device.is_some_and(|d| d.count < MAX_DEVICE_FAILURES)
    }

    /// How long the attempt must still wait, `None` when it may go ahead now.
    pub fn wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        let by_address = remaining(self.address, FREE_PER_ADDRESS, MAX_ADDRESS_WAIT, now);
        let by_account =
            if self.known_device() { None } else { remaining(self.account, FREE_PER_ACCOUNT, MAX_ACCOUNT_WAIT, now) };
        by_address.into_iter().chain(by_account).max()
    }
}

/// The delay after `failures` (doubling per failure past `free`, at most `cap`) still left at `now`.
fn remaining(failures: Failures, free: i64, cap: Duration, now: DateTime<Utc>) -> Option<Duration> {
    let over = failures.count - free;
    let last = failures.last?;
    if over < 0 {
        return None;
    }
    let doubling = u32::try_from(over).unwrap_or(u32::MAX).min(30);
    let delay = Duration::seconds(1i64 << doubling).min(cap);
    let left = last + delay - now;
    (left > Duration::zero()).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn failures(count: i64, last: i64) -> Failures {
        Failures { count, last: Some(at(last)) }
    }

    #[test]
    fn the_first_failures_are_free() {
        let attempt = Attempt { address: failures(9, 0), account: failures(4, 0), device: None };
        assert_eq!(attempt.wait(at(0)), None);
    }

    #[test]
    fn the_wait_doubles_per_failure_past_the_free_ones() {
        let waits: Vec<_> = (5..=9)
            .map(|n| Attempt { account: failures(n, 0), ..Attempt::default() }.wait(at(0)).unwrap().num_seconds())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16]);
        // Time already passed since the last failure counts.
        let attempt = Attempt { account: failures(8, 0), ..Attempt::default() };
        assert_eq!(attempt.wait(at(5)).map(|w| w.num_seconds()), Some(3));
        assert_eq!(attempt.wait(at(8)), None);
    }

    #[test]
    fn a_stranger_makes_the_owner_wait_a_minute_at_most() {
        let attempt = Attempt { account: failures(10_000, 0), ..Attempt::default() };
        assert_eq!(attempt.wait(at(0)), Some(MAX_ACCOUNT_WAIT));
        assert_eq!(attempt.wait(at(60)), None);
    }

    #[test]
    fn one_address_guessing_waits_up_to_a_quarter_of_an_hour() {
        let attempt = Attempt { address: failures(10_000, 0), ..Attempt::default() };
        assert_eq!(attempt.wait(at(0)), Some(MAX_ADDRESS_WAIT));
        let attempt = Attempt { address: failures(12, 0), ..Attempt::default() };
        assert_eq!(attempt.wait(at(0)).map(|w| w.num_seconds()), Some(4));
    }

    #[test]
    fn a_known_device_passes_the_accounts_delay_but_not_its_own_address_delay() {
        let known = Some(failures(2, 0));
        let attempt = Attempt { account: failures(500, 0), device: known, ..Attempt::default() };
        assert_eq!(attempt.wait(at(0)), None);
        let attempt = Attempt { address: failures(11, 0), account: failures(500, 0), device: known };
        assert_eq!(attempt.wait(at(0)).map(|w| w.num_seconds()), Some(2));
    }

    #[test]
    fn a_known_device_that_keeps_failing_is_unknown_again() {
        let attempt =
            Attempt { account: failures(500, 0), device: Some(failures(MAX_DEVICE_FAILURES, 0)), ..Attempt::default() };
        assert!(!attempt.known_device());
        assert_eq!(attempt.wait(at(0)), Some(MAX_ACCOUNT_WAIT));
    }
}
