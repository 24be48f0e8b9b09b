//! Opening hours: parsed with the `opening-hours` crate, or kept verbatim when unreadable.
//!
//! France Services publishes one column per weekday ("09:00 - 12:00 / 13:30 - 17:00"); those
//! are translated into `opening_hours` syntax ("Mo 09:00-12:00,13:30-17:00") so that every
//! place answers "open now?" and "next opening" through the same evaluator.

use chrono::NaiveDateTime;
use opening_hours::OpeningHours;

/// A place's opening hours.
#[derive(Debug, Clone)]
pub enum Hours {
    /// The source says nothing.
    Unknown,
    /// Readable hours, with the source text normalised to `opening_hours` syntax.
    Known {
        text: String,
        parsed: Box<OpeningHours>,
    },
    /// The source text could not be read: kept for a human, flagged in import reports.
    Unreadable { raw: String, reason: String },
}

impl Hours {
    /// Parses `opening_hours` syntax (empty text means unknown).
    pub fn from_osm(raw: &str) -> Hours {
        let raw = raw.trim();
        if raw.is_empty() {
            return Hours::Unknown;
        }
        match raw.parse::<OpeningHours>() {
            Ok(parsed) => Hours::Known {
                text: raw.to_owned(),
                parsed: Box::new(parsed),
            },
            Err(e) => Hours::Unreadable {
                raw: raw.to_owned(),
                reason: e.to_string(),
            },
        }
    }

    /// Translates France Services' weekday columns (Monday first, up to seven) into
    /// `opening_hours` syntax and parses it.
    pub fn from_weekday_columns(days: &[&str]) -> Hours {
        const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
        let mut rules = Vec::new();
        let mut raw_all = Vec::new();
        for (day, text) in DAYS.iter().zip(days) {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            raw_all.push(format!("{day}: {text}"));
            let mut spans = Vec::new();
            for span in text.split('/') {
                let Some((a, b)) = span.split_once('-') else {
                    return Hours::Unreadable {
                        raw: raw_all.join(" | "),
                        reason: format!("plage horaire illisible : « {} »", span.trim()),
                    };
                };
                spans.push(format!("{}-{}", a.trim(), b.trim()));
            }
            rules.push(format!("{day} {}", spans.join(",")));
        }
        if rules.is_empty() {
            return Hours::Unknown;
        }
        let text = rules.join("; ");
        match text.parse::<OpeningHours>() {
            Ok(parsed) => Hours::Known {
                text,
                parsed: Box::new(parsed),
            },
            Err(e) => Hours::Unreadable {
                raw: raw_all.join(" | "),
                reason: e.to_string(),
            },
        }
    }

    pub fn is_unreadable(&self) -> bool {
        matches!(self, Hours::Unreadable { .. })
    }

    /// Open at `now` (local time of the place)? `None` when the hours are unknown.
    pub fn is_open(&self, now: NaiveDateTime) -> Option<bool> {
        match self {
            Hours::Known { parsed, .. } => {
                if parsed.is_unknown(now) {
                    None
                } else {
                    Some(parsed.is_open(now))
                }
            }
            _ => None,
        }
    }

    /// The next time the place opens at or after `now` (`now` itself when open), within a
    /// year; `None` when unknown or never open.
    pub fn next_opening(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let Hours::Known { parsed, .. } = self else {
            return None;
        };
        let horizon = now + chrono::Duration::days(366);
        let mut t = now;
        // Each step jumps to the next change of state, so a weekly schedule needs few steps.
        for _ in 0..1_000 {
            if parsed.is_open(t) {
                return Some(t);
            }
            t = parsed.next_change(t)?;
            if t > horizon {
                return None;
            }
        }
        None
    }

    /// Text for people: the normalised hours, the raw text when unreadable, or "non renseignés".
    pub fn display(&self) -> String {
        match self {
            Hours::Unknown => "horaires non renseignés".to_owned(),
            Hours::Known { text, .. } => text.clone(),
            Hours::Unreadable { raw, .. } => format!("{raw} (horaires illisibles)"),
        }
    }
}
