//! The reviewed operator mapping against the real shipped corpus.

use std::collections::BTreeMap;

use guichet_catalogue::{OperatorDirectory, extract};

#[test]
fn every_frequent_place_code_of_the_corpus_is_mapped() {
    let dir = OperatorDirectory::shipped().unwrap();
    let (_, sheets) = extract::shipped().unwrap();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &sheets {
        for p in &s.places {
            if let Some(code) = &p.pivot {
                *counts.entry(code.as_str()).or_default() += 1;
            }
        }
    }
    let unmapped: Vec<_> = counts
        .iter()
        .filter(|(code, n)| **n >= 10 && !dir.is_pivot_mapped(code))
        .collect();
    assert!(
        unmapped.is_empty(),
        "unmapped PivotLocal codes: {unmapped:?}"
    );
}

#[test]
fn sheets_point_to_the_operator_in_charge() {
    let dir = OperatorDirectory::shipped().unwrap();
    let (_, sheets) = extract::shipped().unwrap();
    let first = |id: &str| {
        let s = sheets.iter().find(|s| s.id.as_str() == id).unwrap();
        dir.for_sheet(s).first().map(|o| o.id.clone())
    };
    // APL: the CAF, or the MSA for farm workers; both are named.
    let apl = sheets.iter().find(|s| s.id.as_str() == "F12006").unwrap();
    let ops: Vec<_> = dir.for_sheet(apl).iter().map(|o| o.id.as_str()).collect();
    assert!(
        ops[..2].contains(&"caf") && ops[..2].contains(&"msa"),
        "{ops:?}"
    );
    assert_eq!(first("F1341").as_deref(), Some("mairie")); // carte d'identité
    // Lost identity card: the town hall, not the police station of a conditional case.
    assert_eq!(first("F1344").as_deref(), Some("mairie"));
    assert_eq!(first("F12242").as_deref(), Some("mdph")); // AAH
    assert_eq!(first("F358").as_deref(), Some("dgfip")); // déclaration de revenus
    let cni = sheets.iter().find(|s| s.id.as_str() == "F1341").unwrap();
    assert!(dir.for_sheet(cni).iter().any(|o| o.id == "ants"));
}

#[test]
fn hosts_and_titles_map_and_bad_mappings_are_refused() {
    let dir = OperatorDirectory::shipped().unwrap();
    assert_eq!(
        dir.by_url("https://passeport.ants.gouv.fr/x").unwrap().id,
        "ants"
    );
    assert_eq!(dir.by_url("http://www.caf.fr").unwrap().id, "caf");
    assert!(dir.by_url("https://example.org/caf.fr").is_none());
    assert!(dir.by_url("").is_none());
    assert_eq!(
        dir.by_title("Mairie délivrant des cartes d'identité")
            .unwrap()
            .id,
        "mairie"
    );
    assert_eq!(dir.by_title("Sous-préfecture").unwrap().id, "prefecture");
    assert!(dir.all().all(|o| !o.name.trim().is_empty()));
    let bad = "[operators.a]\nname = \"A\"\n[pivots]\nx = \"b\"\n[domains]\n[titles]\n";
    assert!(OperatorDirectory::parse(bad).is_err());
}
