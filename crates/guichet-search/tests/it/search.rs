//! Search behaviour: French analysis, synonyms, typos, situations, audiences, hosted
//! procedures, the result contract, and bad input.

use guichet_search::{HitKind, SearchError};

use crate::{ids, index};

#[test]
fn accents_case_and_elisions_do_not_matter() {
    assert_eq!(ids("carte d'identité perdue")[0], "F1344");
    assert_eq!(ids("CARTE IDENTITE PERDUE")[0], "F1344");
    assert_eq!(ids("carte d’identite perdue")[0], "F1344");
}

#[test]
fn abbreviations_and_everyday_words_find_the_official_sheet() {
    assert!(ids("CNI volée")[..3].contains(&"F1759".to_owned()));
    assert_eq!(ids("carte grise voiture d'occasion")[0], "F1050");
    assert_eq!(ids("AAH")[0], "F12242");
    assert!(
        ids("mon proprio veut m'expulser")
            .iter()
            .any(|id| id.starts_with('F'))
    );
}

#[test]
fn long_misspelt_words_are_tolerated_short_ones_are_not_guessed() {
    assert_eq!(ids("surendetement")[0], "F134");
    assert_eq!(ids("naturalisaton")[0], "F2213");
    // The nearest spelling, not every word two letters away (« continue », all over training
    // sheets): the town's canteen first.
    assert_eq!(
        ids("cantinne")[0],
        "inscription-cantine",
        "{:?}",
        ids("cantinne")
    );
    // A short unknown word matches nothing rather than anything near it.
    assert!(ids("xqzt").is_empty());
}

#[test]
fn situations_put_the_life_event_first() {
    let hits = index()
        .1
        .search("Je déménage la semaine prochaine", 5)
        .unwrap();
    assert_eq!(hits[0].id, "F14128");
    assert_eq!(hits[0].situation.as_deref(), Some("Déménagement"));
    assert_eq!(ids("mon père est décédé hier")[0], "F16507");
    assert_eq!(ids("je crée mon entreprise")[0], "F23961");
}

#[test]
fn the_public_comes_first_unless_the_query_speaks_business() {
    let (sheets, index) = index();
    let audience_of = |id: &str| {
        sheets
            .iter()
            .find(|s| s.id.as_str() == id)
            .unwrap()
            .audiences
            .clone()
    };
    let public = index.search("rupture conventionnelle", 1).unwrap();
    assert!(audience_of(&public[0].id).contains(&guichet_catalogue::Audience::Particuliers));
    let pro = index
        .search("rupture conventionnelle salarié entreprise employeur", 1)
        .unwrap();
    assert!(
        audience_of(&pro[0].id).contains(&guichet_catalogue::Audience::Professionnels),
        "{:?}",
        pro[0].id
    );
}

#[test]
fn every_result_says_what_to_do_and_where() {
    let hits = index()
        .1
        .search("aide personnalisée au logement", 3)
        .unwrap();
    let apl = hits.iter().find(|h| h.id == "F12006").unwrap();
    assert_eq!(apl.kind, HitKind::Sheet);
    let operators: Vec<&str> = apl
        .operator
        .iter()
        .chain(apl.other_operators.iter())
        .map(|o| o.id.as_str())
        .collect();
    assert!(operators.contains(&"caf"), "{operators:?}");
    assert!(!apl.channels.is_empty());
    let json = serde_json::to_value(apl).unwrap();
    for key in ["id", "kind", "title", "operator", "channels"] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
    assert_eq!(json["kind"], "sheet");
    let cni = index().1.get("F1341").unwrap();
    assert!(cni.channels.iter().any(|c| c.channel == "web"));
    assert!(cni.channels.iter().any(|c| c.channel == "counter"));
}

#[test]
fn hosted_procedures_are_found_with_their_channels() {
    let hits = index()
        .1
        .search("aide d'urgence du CCAS pour payer une facture", 5)
        .unwrap();
    let p = hits
        .iter()
        .find(|h| h.id == "aide-sociale-urgence")
        .expect("hosted procedure found");
    assert_eq!(p.kind, HitKind::Procedure);
    assert_eq!(
        p.operator.as_ref().unwrap().name,
        "CCAS de Saint-Clair-sur-Lys"
    );
    let channels: Vec<&str> = p.channels.iter().map(|c| c.channel).collect();
    assert_eq!(channels, ["web", "phone", "counter", "post"]);
    assert!(p.channels[1].how.contains("03 20 00 00 00"));
    assert_eq!(
        p.channels[3].url.as_deref(),
        Some("/demarches/aide-sociale-urgence/formulaire-papier")
    );
    let cantine = index()
        .1
        .search("inscrire mon fils à la cantine", 3)
        .unwrap();
    assert_eq!(cantine[0].id, "inscription-cantine");
}

#[test]
fn bad_input_gives_clear_errors_and_never_panics() {
    let index = &index().1;
    assert!(matches!(index.search("", 10), Err(SearchError::EmptyQuery)));
    assert!(matches!(
        index.search("  \t\n ", 10),
        Err(SearchError::EmptyQuery)
    ));
    assert!(matches!(
        index.search(&"a".repeat(10_000), 10),
        Err(SearchError::QueryTooLong { .. })
    ));
    assert!(SearchError::EmptyQuery.to_string().contains("vide"));
    for q in [
        "\u{0}\u{1}\u{7f}carte\u{8}grise",
        "le la les de du",
        "***",
        "\"",
        "é",
        "🙂 passeport",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh",
    ] {
        assert!(index.search(q, 10).is_ok(), "{q:?}");
    }
    assert_eq!(
        index
            .search("\u{0}carte\u{7}grise\u{1b} occasion", 1)
            .unwrap()[0]
            .id,
        "F1050"
    );
    assert!(index.search("le la les", 10).unwrap().is_empty());
    assert_eq!(index.search("passeport", 500).unwrap().len(), 50);
}

#[test]
fn the_instances_own_procedure_comes_first_when_it_answers() {
    for (query, hosted) in [
        ("acte de naissance", "copie-acte-etat-civil"),
        ("inscrire mon fils à la cantine", "inscription-cantine"),
        // One word that the canteen's registration names among its keywords, although three
        // national sheets have it in their title.
        ("cantine", "inscription-cantine"),
        ("portage de repas", "portage-repas-domicile"),
    ] {
        assert_eq!(ids(query)[0], hosted, "{query}: {:?}", ids(query));
    }
    // A national question the town does not handle keeps its national sheet first.
    assert_eq!(ids("carte grise voiture d'occasion")[0], "F1050");
}

#[test]
fn distress_leads_to_the_social_services_never_to_an_unrelated_sheet() {
    for (query, first) in [
        ("je n'ai plus d'argent pour manger", "aide-sociale-urgence"),
        (
            "on va nous couper l'électricité, factures impayées",
            "aide-sociale-urgence",
        ),
        (
            "je vais être expulsée de mon logement",
            "aide-sociale-urgence",
        ),
        ("ma mère ne peut plus cuisiner", "portage-repas-domicile"),
        (
            "trop de dettes, je ne m'en sors plus",
            "aide-sociale-urgence",
        ),
    ] {
        let got = ids(query);
        assert_eq!(got[0], first, "{query}: {got:?}");
    }
    // Debts: the over-indebtedness file right after the town's help, not an elected
    // official's « crédits d'heures ».
    let got = ids("trop de crédits, on ne s'en sort plus");
    assert_eq!(&got[..2], ["aide-sociale-urgence", "F134"], "{got:?}");
    let hits = index()
        .1
        .search("je n'ai plus d'argent pour manger", 5)
        .unwrap();
    assert!(hits[0].situation.is_some(), "the situation is named");
    assert!(
        hits.iter().any(|h| h.id == "F19778"),
        "the national help follows: {:?}",
        hits.iter().map(|h| &h.id).collect::<Vec<_>>()
    );
}

#[test]
fn a_repeated_query_gets_the_same_answers_at_every_length() {
    let index = &index().1;
    let first: Vec<String> = index
        .search("renouveler mon passeport", 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(first.len(), 10);
    // The answers kept for a short list are not those of a longer one, nor the reverse.
    let short = index.search("renouveler mon passeport", 2).unwrap();
    assert_eq!(short.len(), 2);
    assert_eq!(short[0].id, first[0]);
    let again: Vec<String> = index
        .search("renouveler mon passeport", 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(again, first);
    // A kept answer is not an error's: a bad query is refused every time.
    for _ in 0..2 {
        assert!(matches!(
            index.search("   ", 10),
            Err(SearchError::EmptyQuery)
        ));
    }
}
