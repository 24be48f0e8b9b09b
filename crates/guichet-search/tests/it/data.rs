//! The reviewed data tables point at sheets that exist.

use guichet_search::eval;
use guichet_search::expand::Expansions;

use crate::index;

#[test]
fn the_evaluation_set_is_large_varied_and_points_at_real_sheets() {
    let cases = eval::cases().unwrap();
    assert!(cases.len() >= 60, "{}", cases.len());
    let (sheets, _) = index();
    for c in &cases {
        assert!(!c.expected.is_empty(), "{}", c.q);
        for id in &c.expected {
            assert!(
                sheets.iter().any(|s| s.id.as_str() == id),
                "{}: unknown sheet {id}",
                c.q
            );
        }
    }
    for tag in [
        "everyday",
        "abbreviation",
        "accents",
        "typo",
        "question",
        "situation",
        "pro",
    ] {
        assert!(cases.iter().any(|c| c.tag == tag), "no {tag} query");
    }
}

#[test]
fn situations_point_at_real_life_event_sheets() {
    let (sheets, _) = index();
    let e = Expansions::shipped().unwrap();
    let mut n = 0;
    for s in e.situations() {
        n += 1;
        for id in &s.sheets {
            assert!(
                sheets.iter().any(|x| x.id.as_str() == id),
                "{}: {id}",
                s.name
            );
        }
        let first = sheets
            .iter()
            .find(|x| x.id.as_str() == s.sheets[0])
            .unwrap();
        // A distress situation leads to the instance's social services (`hosted`) and then to
        // the national help, which need not be a life-event sheet; an instance hosting no such
        // procedure still gets that national help. A person in danger (violence at home) is
        // first shown the sheet that gives the national help line.
        let help_line = first
            .places
            .iter()
            .any(|p| p.kind == guichet_catalogue::sheet::PlaceKind::ContactCentre);
        assert!(
            first.is_life_event() || !s.hosted.is_empty() || help_line,
            "{} should start with a life-event sheet",
            s.name
        );
    }
    assert!(n >= 10);
}
