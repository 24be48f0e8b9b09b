//! The legal deadline of a case: counted from submission, paused while waiting for documents,
//! and what happens when it passes (silence vaut accord / rejet).

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use super::Case;
use crate::procedure::{DeadlineDuration, Silence};

/// Where a case's legal deadline stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// The procedure has no legal deadline.
    NotApplicable,
    /// The case is still a draft: the clock starts at submission.
    NotStarted,
    Running {
        due: DateTime<Utc>,
    },
    /// Waiting for documents: the clock is paused with this much time left.
    Suspended {
        remaining_seconds: i64,
    },
    /// The deadline passed without a decision: silence decides.
    Passed {
        due: DateTime<Utc>,
        silence: Silence,
    },
    /// The case is decided or withdrawn.
    Stopped,
}

impl Case {
    /// The due date ignoring any pause in progress, or `None` when there is no running clock.
    fn base_due(&self) -> Option<DateTime<Utc>> {
        self.due_at_submission()?.checked_add_signed(self.paused)
    }

    /// The due date as the receipt gave it at submission, before any pause for documents and
    /// whatever happened since (a receipt printed again later says the same). Days are counted
    /// as 24-hour periods from the moment of submission; months as calendar months (the same
    /// day of the month, or the month's last day when it has no such day: 31 January + 1 month
    /// is 28 or 29 February).
    pub fn due_at_submission(&self) -> Option<DateTime<Utc>> {
        let rule = self.deadline_rule?;
        let from = self.submitted_at?;
        match rule.duration {
            DeadlineDuration::Days(d) => from.checked_add_signed(Duration::days(i64::from(d))),
            DeadlineDuration::Months(m) => from.checked_add_months(Months::new(u32::from(m))),
        }
    }

    pub fn deadline_status(&self, now: DateTime<Utc>) -> DeadlineStatus {
        let Some(rule) = self.deadline_rule else {
            return DeadlineStatus::NotApplicable;
        };
        if self.state.is_closed() {
            return DeadlineStatus::Stopped;
        }
        let Some(due) = self.base_due() else {
            return DeadlineStatus::NotStarted;
        };
        if let Some(since) = self.paused_since {
            return DeadlineStatus::Suspended {
                remaining_seconds: (due - since).num_seconds().max(0),
            };
        }
        if now >= due {
            DeadlineStatus::Passed {
                due,
                silence: rule.silence,
            }
        } else {
            DeadlineStatus::Running { due }
        }
    }
}
