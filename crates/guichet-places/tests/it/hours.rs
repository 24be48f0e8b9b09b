//! "Open now?" and "next opening" through the `opening-hours` evaluator.

use chrono::NaiveDate;
use guichet_places::Hours;

fn at(d: u32, h: u32, m: u32) -> chrono::NaiveDateTime {
    // November 2026: the 23rd is a Monday.
    NaiveDate::from_ymd_opt(2026, 11, d)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

#[test]
fn france_services_columns_become_opening_hours() {
    let h = Hours::from_weekday_columns(&[
        "13:30 - 17:00",
        "09:00 - 12:00 / 13:30 - 17:00",
        "",
        "",
        "",
        "",
        "",
    ]);
    let Hours::Known { text, .. } = &h else {
        panic!("{h:?}")
    };
    assert_eq!(text, "Mo 13:30-17:00; Tu 09:00-12:00,13:30-17:00");
    assert_eq!(h.is_open(at(23, 10, 0)), Some(false));
    assert_eq!(h.is_open(at(23, 14, 0)), Some(true));
    assert_eq!(h.is_open(at(24, 12, 30)), Some(false));
    // Monday 10:00 -> Monday 13:30; Tuesday 17:30 -> next Monday 13:30.
    assert_eq!(h.next_opening(at(23, 10, 0)), Some(at(23, 13, 30)));
    assert_eq!(h.next_opening(at(24, 17, 30)), Some(at(30, 13, 30)));
    assert_eq!(h.next_opening(at(23, 14, 0)), Some(at(23, 14, 0)));
}

#[test]
fn osm_syntax_and_unreadable_text() {
    let h = Hours::from_osm("Mo-Fr 08:30-12:00,13:30-17:00; Th off");
    assert_eq!(h.is_open(at(26, 9, 0)), Some(false)); // Thursday
    assert_eq!(h.is_open(at(27, 9, 0)), Some(true));
    let bad = Hours::from_osm("le mardi matin sauf vacances");
    assert!(bad.is_unreadable());
    assert_eq!(bad.is_open(at(24, 9, 0)), None);
    assert!(bad.display().contains("illisibles"));
    let bad = Hours::from_weekday_columns(&["9h à midi"]);
    assert!(bad.is_unreadable());
    assert!(matches!(Hours::from_osm("  "), Hours::Unknown));
}

/// Lille's France Services as ANCT publishes it: closed on Monday mornings and at weekends.
fn france_services() -> Hours {
    Hours::from_weekday_columns(&[
        "13:30 - 17:00",
        "09:00 - 12:00 / 13:30 - 17:00",
        "09:00 - 12:00 / 13:30 - 17:00",
        "09:00 - 12:00 / 13:30 - 17:00",
        "09:00 - 12:00 / 13:30 - 16:00",
        "",
        "",
    ])
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// « Ouvert maintenant » / « Fermé — ouvre … » at `now` (UTC) for a place in Lille.
fn sentence(h: &Hours, now: chrono::DateTime<chrono::Utc>) -> String {
    let lille = guichet_places::InseeCode::parse("59350");
    let local = guichet_places::local_time(now, lille.as_ref());
    h.status(local).sentence_fr(local)
}

#[test]
fn the_week_reads_in_plain_french() {
    let h = france_services();
    // From Wednesday 25 November 2026: the coming seven days, listed from Monday.
    let lines: Vec<String> = h
        .week_fr(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
        .unwrap()
        .iter()
        .map(|l| l.text())
        .collect();
    assert_eq!(
        lines,
        [
            "lundi : 13 h 30 – 17 h",
            "du mardi au jeudi : 9 h – 12 h, 13 h 30 – 17 h",
            "vendredi : 9 h – 12 h, 13 h 30 – 16 h",
            "samedi et dimanche : fermé",
        ]
    );
    let h = Hours::from_osm(
        "Mo 08:30-12:00; Tu 14:00-24:00; We 00:00-24:00; Th 09:00-11:00 \"sur rendez-vous\"",
    );
    let lines: Vec<String> = h
        .week_fr(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .unwrap()
        .iter()
        .map(|l| l.text())
        .collect();
    assert_eq!(
        lines,
        [
            "lundi : 8 h 30 – 12 h",
            "mardi : 14 h – minuit",
            "mercredi : toute la journée",
            "jeudi : 9 h – 11 h (sur rendez-vous)",
            "du vendredi au dimanche : fermé",
        ]
    );
    // Never invented: unknown or unreadable hours have no week.
    assert_eq!(
        Hours::Unknown.week_fr(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        None
    );
    assert_eq!(
        Hours::from_osm("le mardi matin").week_fr(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        None
    );
}

#[test]
fn open_now_is_computed_in_french_local_time() {
    let h = france_services();
    // Tuesday 24 November 2026, 09:30 UTC = 10:30 in Paris (winter, UTC+1).
    assert_eq!(
        sentence(&h, utc(2026, 11, 24, 9, 30)),
        "Ouvert maintenant, jusqu’à 12 h"
    );
    // 11:30 UTC = 12:30 in Paris: lunch break. (A UTC reading would say « open ».)
    assert_eq!(
        sentence(&h, utc(2026, 11, 24, 11, 30)),
        "Fermé — ouvre aujourd’hui à 13 h 30"
    );
    // Friday 27 November, 16:30 UTC = 17:30: closed until Monday afternoon.
    assert_eq!(
        sentence(&h, utc(2026, 11, 27, 16, 30)),
        "Fermé — ouvre lundi à 13 h 30"
    );
    // Monday 23 November, 07:00 UTC = 08:00: opens this afternoon.
    assert_eq!(
        sentence(&h, utc(2026, 11, 23, 7, 0)),
        "Fermé — ouvre aujourd’hui à 13 h 30"
    );
    // Sunday evening: tomorrow.
    assert_eq!(
        sentence(&h, utc(2026, 11, 29, 19, 0)),
        "Fermé — ouvre demain à 13 h 30"
    );
    assert_eq!(
        sentence(&Hours::Unknown, utc(2026, 11, 24, 9, 30)),
        "Ouverture non confirmée : appelez avant de vous déplacer"
    );
}

#[test]
fn open_now_across_the_change_to_summer_time() {
    let h = france_services();
    // Tuesday 24 March 2026 (winter, UTC+1): 07:30 UTC is 08:30 in Paris, closed.
    assert_eq!(
        sentence(&h, utc(2026, 3, 24, 7, 30)),
        "Fermé — ouvre aujourd’hui à 9 h"
    );
    // Clocks go forward on Sunday 29 March. Tuesday 31 March (summer, UTC+2): the same
    // 07:30 UTC is 09:30 in Paris, open.
    assert_eq!(
        sentence(&h, utc(2026, 3, 31, 7, 30)),
        "Ouvert maintenant, jusqu’à 12 h"
    );
    // Saturday 28 March, 18:00 UTC (19:00): the next opening is across the change, Monday
    // 13:30 local time.
    assert_eq!(
        sentence(&h, utc(2026, 3, 28, 18, 0)),
        "Fermé — ouvre lundi à 13 h 30"
    );
    // At the change itself: 01:00 UTC is 03:00 local (02:00 never happens).
    let paris = guichet_places::InseeCode::parse("75056");
    assert_eq!(
        guichet_places::local_time(utc(2026, 3, 29, 1, 0), paris.as_ref()),
        NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(3, 0, 0)
            .unwrap()
    );
    // Back to winter time on Sunday 25 October: Tuesday 27 October, 07:30 UTC is 08:30 again.
    assert_eq!(
        sentence(&h, utc(2026, 10, 27, 7, 30)),
        "Fermé — ouvre aujourd’hui à 9 h"
    );
    assert_eq!(
        sentence(&h, utc(2026, 10, 20, 7, 30)),
        "Ouvert maintenant, jusqu’à 12 h"
    );
}
