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
