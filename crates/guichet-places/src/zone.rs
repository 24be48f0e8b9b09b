//! Local time: opening hours are written in the place's local time, servers run on UTC, and
//! France spans a dozen time zones. A place's zone follows its commune's INSEE code (overseas
//! départements and collectivities have their own); everything else is Europe/Paris, with its
//! summer time, through the IANA database of `chrono-tz`.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::InseeCode;

/// The IANA zone of a commune (Europe/Paris when unknown).
pub fn zone_of(insee: Option<&InseeCode>) -> Tz {
    let Some(code) = insee else {
        return Tz::Europe__Paris;
    };
    match &code.as_str()[..3] {
        "971" => Tz::America__Guadeloupe,
        "972" => Tz::America__Martinique,
        "973" => Tz::America__Cayenne,
        "974" => Tz::Indian__Reunion,
        "975" => Tz::America__Miquelon,
        "976" => Tz::Indian__Mayotte,
        "977" => Tz::America__St_Barthelemy,
        "978" => Tz::America__Marigot,
        "984" => Tz::Indian__Kerguelen,
        "986" => Tz::Pacific__Wallis,
        "987" => Tz::Pacific__Tahiti,
        "988" => Tz::Pacific__Noumea,
        _ => Tz::Europe__Paris,
    }
}

/// The wall-clock time at a commune when it is `now` in UTC.
pub fn local_time(now: DateTime<Utc>, insee: Option<&InseeCode>) -> NaiveDateTime {
    now.with_timezone(&zone_of(insee)).naive_local()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }
    fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn paris_follows_summer_time() {
        let lille = InseeCode::parse("59350");
        // Winter: UTC+1.
        assert_eq!(
            local_time(utc(2026, 1, 12, 8, 0), lille.as_ref()),
            naive(2026, 1, 12, 9, 0)
        );
        // Sunday 29 March 2026: 01:00 UTC is 03:00 in Paris (02:00 never happens).
        assert_eq!(
            local_time(utc(2026, 3, 29, 0, 59), lille.as_ref()),
            naive(2026, 3, 29, 1, 59)
        );
        assert_eq!(
            local_time(utc(2026, 3, 29, 1, 0), lille.as_ref()),
            naive(2026, 3, 29, 3, 0)
        );
        // Sunday 25 October 2026: 01:00 UTC is 02:00 again.
        assert_eq!(
            local_time(utc(2026, 10, 25, 0, 30), None),
            naive(2026, 10, 25, 2, 30)
        );
        assert_eq!(
            local_time(utc(2026, 10, 25, 1, 30), None),
            naive(2026, 10, 25, 2, 30)
        );
    }

    #[test]
    fn overseas_communes_keep_their_own_time() {
        let saint_denis = InseeCode::parse("97411");
        assert_eq!(
            local_time(utc(2026, 7, 1, 6, 0), saint_denis.as_ref()),
            naive(2026, 7, 1, 10, 0)
        );
        let pointe_a_pitre = InseeCode::parse("97120");
        assert_eq!(
            local_time(utc(2026, 7, 1, 14, 0), pointe_a_pitre.as_ref()),
            naive(2026, 7, 1, 10, 0)
        );
        let ajaccio = InseeCode::parse("2A004");
        assert_eq!(
            local_time(utc(2026, 7, 1, 8, 0), ajaccio.as_ref()),
            naive(2026, 7, 1, 10, 0)
        );
    }
}
