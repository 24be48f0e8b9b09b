//! Where "now" comes from. The domain never reads the clock: commands carry their time in
//! [`crate::Context`]. Code that must ask for the time (the outbox worker, the deadline sweep,
//! request handlers) takes a [`Clock`]; the binary's entry points give it the system clock, tests
//! give a [`ManualClock`] they move by hand. The wall clock is banned elsewhere by `clippy.toml`.

use std::sync::Mutex;

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// A source of the current time, truncated to microseconds (what the store keeps).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// A clock that shows the time it is set to, for tests and replays.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at.trunc_subsecs(6)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at.trunc_subsecs(6);
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let clock = ManualClock::new(t0);
        assert_eq!(clock.now(), t0);
        clock.advance(Duration::hours(49));
        assert_eq!(clock.now(), t0 + Duration::hours(49));
        clock.set(t0);
        assert_eq!(clock.now(), t0);
    }
}
