//! When to try again: capped exponential back-off within a 48-hour window.
//!
//! A relay that is down for a few minutes should cost a few minutes, not hours;
//! one that is down for a day must not be hammered. After 48 hours of failures
//! the intent is parked for a person to look at rather than retried for ever.

use chrono::{DateTime, Duration, Utc};

/// First delay after a failure.
pub const FIRST_DELAY_SECONDS: i64 = 30;
/// Longest delay between two attempts.
pub const MAX_DELAY_SECONDS: i64 = 4 * 3600;
/// How long an intent is retried before it is parked.
pub const RETRY_WINDOW_HOURS: i64 = 48;

/// The time of the next attempt after `attempts` failed ones, or `None` to park.
pub fn next_attempt(
    attempts: u32,
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let exponent = attempts.saturating_sub(1).min(20);
    let delay = FIRST_DELAY_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_DELAY_SECONDS);
    let at = now + Duration::seconds(delay);
    (at <= window_start + Duration::hours(RETRY_WINDOW_HOURS)).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_770_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn delays_double_then_cap() {
        let d = |n| (next_attempt(n, t0(), t0()).expect("within window") - t0()).num_seconds();
        assert_eq!([d(1), d(2), d(3), d(4)], [30, 60, 120, 240]);
        assert_eq!(d(10), MAX_DELAY_SECONDS);
        assert_eq!(d(1000), MAX_DELAY_SECONDS);
    }

    #[test]
    fn parks_after_48_hours() {
        let late = t0() + Duration::hours(47) + Duration::minutes(59);
        assert_eq!(next_attempt(30, t0(), late), None);
        assert!(
            next_attempt(1, t0(), late).is_some(),
            "a 30 s retry still fits"
        );
        // Simulate a relay down for good: count attempts until parked.
        let mut now = t0();
        let mut attempts = 0;
        while let Some(at) = next_attempt(attempts + 1, t0(), now) {
            attempts += 1;
            now = at;
        }
        assert!(now <= t0() + Duration::hours(48));
        assert!(
            now >= t0() + Duration::hours(44),
            "retried for nearly the whole window"
        );
        assert!(attempts < 30, "{attempts} attempts");
    }
}
