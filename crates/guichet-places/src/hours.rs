//! Opening hours: parsed with the `opening-hours` crate, or kept verbatim when unreadable.
//!
//! France Services publishes one column per weekday ("09:00 - 12:00 / 13:30 - 17:00"); those
//! are translated into `opening_hours` syntax ("Mo 09:00-12:00,13:30-17:00") so that every
//! place answers "open now?" and "next opening" through the same evaluator.
//!
//! People read hours in plain French ([`Hours::week_fr`]: « du lundi au vendredi : 9 h – 12 h,
//! 13 h 30 – 17 h ») and whether the place is open ([`Hours::status`], worded by
//! [`OpenStatus::sentence_fr`]: « Fermé — ouvre mardi à 9 h »). Both take the place's *local*
//! time ([`crate::local_time`]): hours are written in local time, and servers run on UTC.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Weekday};
use opening_hours::{OpeningHours, RuleKind};

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

/// One line of a week's hours: days that share the same hours, and those hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekLine {
    /// « lundi », « lundi et mardi », « du lundi au vendredi ».
    pub days: String,
    /// « 9 h – 12 h », « 13 h 30 – 17 h (sur rendez-vous) »; empty when closed.
    pub spans: Vec<String>,
}

impl WeekLine {
    /// « lundi : 9 h – 12 h, 13 h 30 – 17 h », « samedi et dimanche : fermé ».
    pub fn text(&self) -> String {
        if self.spans.is_empty() {
            format!("{} : fermé", self.days)
        } else {
            format!("{} : {}", self.days, self.spans.join(", "))
        }
    }
}

/// Whether a place is open at a given local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenStatus {
    /// Open; `until` is when it closes, if that is within the next day.
    Open { until: Option<NaiveDateTime> },
    /// Closed; `next` is when it opens next, within a year.
    Closed { next: Option<NaiveDateTime> },
    /// The hours are not known, unreadable, or say « unknown » at that time.
    Unknown,
}

const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// « lundi » … « dimanche ».
pub fn weekday_fr(day: Weekday) -> &'static str {
    WEEKDAYS_FR[day.num_days_from_monday() as usize]
}

/// « 9 h », « 13 h 30 », « 0 h » (French hours; 24 h and beyond wrap to the next day's).
pub fn time_fr(hour: u32, minute: u32) -> String {
    let hour = hour % 24;
    if minute == 0 {
        format!("{hour} h")
    } else {
        format!("{hour} h {minute:02}")
    }
}

impl OpenStatus {
    /// The sentence people read, relative to `now` (the same local time the status was
    /// computed for): « Ouvert maintenant, jusqu’à 12 h », « Fermé — ouvre demain à 9 h ».
    pub fn sentence_fr(&self, now: NaiveDateTime) -> String {
        match *self {
            OpenStatus::Open { until: Some(t) } => {
                format!("Ouvert maintenant, jusqu’à {}", moment_fr(t, now, false))
            }
            OpenStatus::Open { until: None } => "Ouvert maintenant".to_owned(),
            OpenStatus::Closed { next: Some(t) } => {
                format!("Fermé — ouvre {}", moment_fr(t, now, true))
            }
            OpenStatus::Closed { next: None } => {
                "Fermé — aucune ouverture prévue dans l’année".to_owned()
            }
            OpenStatus::Unknown => {
                "Ouverture non confirmée : appelez avant de vous déplacer".to_owned()
            }
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self, OpenStatus::Open { .. })
    }
}

/// « aujourd’hui à 13 h 30 », « demain à 9 h », « mardi à 9 h », « le 3 mars à 9 h »
/// (`with_day` false and the same day: just « 12 h »).
fn moment_fr(t: NaiveDateTime, now: NaiveDateTime, with_day: bool) -> String {
    let time = time_fr(t.hour(), t.minute());
    let days = (t.date() - now.date()).num_days();
    match days {
        0 if with_day => format!("aujourd’hui à {time}"),
        0 => time,
        1 => format!("demain à {time}"),
        2..=6 => format!("{} à {time}", weekday_fr(t.weekday())),
        _ => format!("le {} {} à {time}", t.day(), MONTHS_FR[t.month0() as usize]),
    }
}

impl Hours {
    /// Open, closed (and until when) at `now`, the place's local time.
    pub fn status(&self, now: NaiveDateTime) -> OpenStatus {
        let Hours::Known { parsed, .. } = self else {
            return OpenStatus::Unknown;
        };
        match parsed.state(now).0 {
            RuleKind::Unknown => OpenStatus::Unknown,
            RuleKind::Open => {
                let until = parsed
                    .next_change(now)
                    .filter(|&t| t - now <= Duration::days(1));
                OpenStatus::Open { until }
            }
            RuleKind::Closed => OpenStatus::Closed {
                next: self.next_opening(now),
            },
        }
    }

    /// The hours of the seven days starting `today` (local date), Monday first, days with the
    /// same hours on one line. `None` when the hours are unknown or unreadable: a page then
    /// says so rather than guess.
    pub fn week_fr(&self, today: NaiveDate) -> Option<Vec<WeekLine>> {
        let Hours::Known { parsed, .. } = self else {
            return None;
        };
        // Each weekday's hours, from the coming occurrence of that day.
        let mut by_day: Vec<(Weekday, Vec<String>)> = (0..7)
            .map(|i| {
                let date = today + Duration::days(i);
                (date.weekday(), day_spans(parsed, date))
            })
            .collect();
        by_day.sort_by_key(|(d, _)| d.num_days_from_monday());
        let mut lines: Vec<(usize, usize, Vec<String>)> = Vec::new();
        for (i, (_, spans)) in by_day.into_iter().enumerate() {
            match lines.last_mut() {
                Some((_, last, s)) if *s == spans => *last = i,
                _ => lines.push((i, i, spans)),
            }
        }
        Some(
            lines
                .into_iter()
                .map(|(first, last, spans)| WeekLine {
                    days: match last - first {
                        0 => WEEKDAYS_FR[first].to_owned(),
                        1 => format!("{} et {}", WEEKDAYS_FR[first], WEEKDAYS_FR[last]),
                        _ => format!("du {} au {}", WEEKDAYS_FR[first], WEEKDAYS_FR[last]),
                    },
                    spans,
                })
                .collect(),
        )
    }
}

/// The open (and uncertain) periods of one day, in French.
fn day_spans(parsed: &OpeningHours, date: NaiveDate) -> Vec<String> {
    parsed
        .schedule_at(date)
        .into_iter()
        .filter(|r| r.kind != RuleKind::Closed)
        .map(|r| {
            let (a, b) = (r.range.start, r.range.end);
            let mut text = if a.hour() == 0 && a.minute() == 0 && b.hour() >= 24 {
                "toute la journée".to_owned()
            } else {
                let end = if (b.hour(), b.minute()) == (24, 0) {
                    "minuit".to_owned()
                } else {
                    time_fr(b.hour().into(), b.minute().into())
                };
                format!("{} – {end}", time_fr(a.hour().into(), a.minute().into()))
            };
            let comment = r.comment.trim();
            match (r.kind, comment.is_empty()) {
                (RuleKind::Unknown, true) => text.push_str(" (à confirmer)"),
                (RuleKind::Unknown, false) => text.push_str(&format!(" (à confirmer : {comment})")),
                (_, false) => text.push_str(&format!(" ({comment})")),
                (_, true) => {}
            }
            text
        })
        .collect()
}
