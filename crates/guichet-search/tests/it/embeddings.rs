//! Search fused with sentence embeddings: the same contract as the lexical search, the
//! instance's own procedures still first, and vectors that are computed once, kept, reused
//! for unchanged documents and refused by an index they do not describe.

use guichet_embed::{Embedder, locate_model};
use guichet_search::semantic::{self, FILE_NAME, PASSAGE_TOKENS, SheetVectors};
use guichet_search::{HitKind, SearchError};

use crate::{build, corpus, hybrid, index, vectors_dir};

fn ids(q: &str) -> Vec<String> {
    hybrid()
        .search(q, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn hybrid_search_keeps_the_contract() {
    let h = hybrid();
    assert!(h.is_semantic());
    assert!(!index().1.is_semantic(), "the lexical index stays lexical");
    assert!(matches!(h.search("", 10), Err(SearchError::EmptyQuery)));
    assert!(matches!(
        h.search(" \t\n", 10),
        Err(SearchError::EmptyQuery)
    ));
    assert!(matches!(
        h.search(&"a".repeat(10_000), 10),
        Err(SearchError::QueryTooLong { .. })
    ));
    // No word to search for: nothing, rather than whatever lies nearest to nothing.
    assert!(h.search("le la les", 10).unwrap().is_empty());
    assert!(h.search("***", 10).unwrap().is_empty());
    for q in ["\u{0}\u{1}\u{7f}carte\u{8}grise", "é", "🙂 passeport"] {
        assert!(h.search(q, 10).is_ok(), "{q:?}");
    }
    assert_eq!(h.search("passeport", 500).unwrap().len(), 50);
    assert_eq!(h.search("passeport", 3).unwrap().len(), 3);
    assert_eq!(h.search("passeport", 0).unwrap().len(), 1);
    let cni = h.search("carte d'identité perdue", 5).unwrap();
    assert_eq!(cni[0].id, "F1344");
    assert_eq!(cni[0].kind, HitKind::Sheet);
    // A query asked twice (its vector cached the second time) gets the same answer.
    assert_eq!(
        ids("carte d'identité perdue"),
        ids("carte d'identité perdue")
    );
}

#[test]
fn distress_meets_its_help_before_any_sheet_that_only_sounds_alike() {
    // The sentence vectors put foreigners' expulsion (F15963) right after the CCAS for this
    // query; the eviction sheets the distress situation names (prevention of eviction, the
    // rent-arrears procedure) must come before it. The issue's own example.
    for (query, sheets) in [
        ("je vais être expulsé", ["F31272", "F1334"]),
        ("je n'ai plus d'argent pour manger", ["F19778", "F33667"]),
    ] {
        let got = ids(query);
        assert_eq!(got[0], "aide-sociale-urgence", "{query}: {got:?}");
        assert_eq!(got[1..3], sheets, "{query}: {got:?}");
    }
    // A life event that is not distress is fused as any result: the widow's pension, not the
    // general sheet on a death that the situation « Décès d'un proche » names.
    assert_eq!(
        ids("pension de réversion après le décès de mon mari")[0],
        "F13104"
    );
}

#[test]
fn the_instances_own_procedures_keep_their_places() {
    for (query, first) in [
        ("acte de naissance", "copie-acte-etat-civil"),
        ("inscrire mon fils à la cantine", "inscription-cantine"),
        ("cantine", "inscription-cantine"),
        ("portage de repas", "portage-repas-domicile"),
        ("je n'ai plus d'argent pour manger", "aide-sociale-urgence"),
        ("ma mère ne peut plus cuisiner", "portage-repas-domicile"),
    ] {
        assert_eq!(ids(query)[0], first, "{query}: {:?}", ids(query));
    }
    // The situation that put a hit in the lexical list is still said.
    let hits = hybrid()
        .search("je n'ai plus d'argent pour manger", 5)
        .unwrap();
    assert!(hits[0].situation.is_some());
    let moving = hybrid()
        .search("Je déménage la semaine prochaine", 5)
        .unwrap();
    assert!(
        moving
            .iter()
            .any(|h| h.id == "F14128" && h.situation.as_deref() == Some("Déménagement")),
        "{moving:?}"
    );
}

#[test]
fn the_vectors_find_what_the_words_alone_miss() {
    // « harceler au collège » is school bullying; the lexical engine ranks the collège's
    // disciplinary bodies and other kinds of harassment first.
    let (query, want) = ("mon gamin se fait harceler au collège", "F31985");
    let lexical: Vec<String> = index()
        .1
        .search(query, 3)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert!(!lexical.contains(&want.to_owned()), "{lexical:?}");
    assert!(
        ids(query)[..3].contains(&want.to_owned()),
        "{:?}",
        ids(query)
    );
}

#[test]
fn a_sheet_is_embedded_as_title_breadcrumb_description_and_body_cut_at_a_word() {
    let model = locate_model().unwrap_or_else(|e| panic!("the embedding model is missing: {e}"));
    let embedder = Embedder::load(&model).unwrap();
    let (sheets, defs) = corpus();
    let some: Vec<_> = sheets
        .iter()
        .filter(|s| s.kind != "Recherche guidée")
        .take(40)
        .cloned()
        .collect();
    let passages = semantic::passages(&some, &defs[..1], &embedder);
    assert_eq!(passages.len(), some.len() + 1);
    let tokens = |t: &str| embedder.token_ids("passage: ", t).len();
    for (sheet, (id, text)) in some.iter().zip(&passages) {
        assert_eq!(id, sheet.id.as_str());
        let crumb: Vec<&str> = sheet.breadcrumb[1..].iter().map(String::as_str).collect();
        let full = format!(
            "{}. {}. {} {}",
            sheet.title,
            crumb.join(" > "),
            sheet.description,
            sheet.body
        );
        assert!(tokens(text) <= PASSAGE_TOKENS, "{id}: {}", tokens(text));
        if text == &full {
            continue;
        }
        // Cut: the first words of the whole text, one word more would not fit.
        let words: Vec<&str> = full.split_whitespace().collect();
        let n = text.split(' ').count();
        assert_eq!(text, &words[..n].join(" "), "{id}");
        assert!(tokens(&words[..=n].join(" ")) > PASSAGE_TOKENS, "{id}");
    }
    assert!(passages.iter().any(|(id, t)| {
        let sheet = some.iter().find(|s| s.id.as_str() == id);
        sheet.is_some_and(|s| t.len() < s.body.len())
    }));
    let p = defs[0].procedure();
    assert_eq!(passages[some.len()].0, p.id().to_string());
    assert_eq!(
        passages[some.len()].1,
        format!("{}. {}", p.title(), p.summary())
    );
}

#[test]
fn the_key_names_every_input() {
    let (sheets, defs) = corpus();
    let key = SheetVectors::key(sheets, defs, "model");
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(key, SheetVectors::key(sheets, defs, "model"));
    assert_ne!(key, SheetVectors::key(sheets, defs, "another model"));
    assert_ne!(key, SheetVectors::key(sheets, &defs[1..], "model"));
    let mut changed = sheets.clone();
    let first = changed
        .iter_mut()
        .find(|s| s.kind != "Recherche guidée")
        .unwrap();
    first.body.push_str(" Une phrase de plus.");
    assert_ne!(key, SheetVectors::key(&changed, defs, "model"));
    // Sheets the index leaves out have no vector: changing them changes nothing.
    let mut changed = sheets.clone();
    let guided = changed
        .iter_mut()
        .find(|s| s.kind == "Recherche guidée")
        .unwrap();
    guided.title.push_str(" (modifiée)");
    assert_eq!(key, SheetVectors::key(&changed, defs, "model"));
}

#[test]
fn vectors_are_kept_reused_and_refused_by_another_index() {
    let (sheets, defs) = corpus();
    let stored = hybrid();
    let n = stored.len();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(vectors_dir().join(FILE_NAME), dir.path().join(FILE_NAME)).unwrap();

    // The same inputs: every vector is read, none computed.
    let same = semantic::prepare(sheets, defs, dir.path())
        .unwrap()
        .unwrap();
    assert_eq!(
        (same.preparation().reused, same.preparation().computed),
        (n, 0)
    );
    assert!(same.preparation().problems.is_empty());
    assert!(same.vectors().ids().eq(stored.ids()));
    // Embeddings attach once.
    assert!(matches!(
        stored.attach_semantic(same),
        Err(SearchError::Semantic(_))
    ));

    // Without the hosted procedures: the sheets' vectors are read from the file.
    let without = semantic::prepare(sheets, &[], dir.path()).unwrap().unwrap();
    assert_eq!(without.preparation().reused, n - defs.len());
    assert_eq!(without.preparation().computed, 0);
    // They are not the documents of an index with the procedures.
    assert!(matches!(
        index().1.attach_semantic(without),
        Err(SearchError::Semantic(_))
    ));
    assert!(!index().1.is_semantic());

    // One sheet changed: only its vector is computed, the others come from the file (which
    // held the sheets only, just above: the procedures' are computed again too).
    let mut changed = sheets.clone();
    let first = changed
        .iter_mut()
        .find(|s| s.kind != "Recherche guidée")
        .unwrap();
    first.title = "Une fiche tout autre : la pêche à la ligne".into();
    let again = semantic::prepare(&changed, defs, dir.path())
        .unwrap()
        .unwrap();
    assert_eq!(again.preparation().computed, 1 + defs.len());
    assert_eq!(again.preparation().reused, n - 1 - defs.len());
    let key = again.vectors().key_of_inputs().to_owned();
    assert!(
        SheetVectors::load(&dir.path().join(FILE_NAME), &key)
            .unwrap()
            .is_some(),
        "saved under the new key"
    );
}

/// A server's index (`lexical_when_busy`): a burst of new questions, more than the cores that may
/// embed, gets lexical answers at once for the extra ones, and none of those is kept: asked again,
/// each question gets the whole answer, the one an index that waits gives.
#[test]
fn a_burst_of_new_questions_is_answered_at_once_and_never_kept_half_made() {
    // The shared index first: its preparation computes the vectors once and saves them, and
    // this server's reads them (two preparations at once would both embed the whole corpus).
    let hybrid = hybrid();
    let (sheets, defs) = corpus();
    let server = build(sheets, defs);
    let semantic = semantic::prepare(sheets, defs, &vectors_dir())
        .unwrap()
        .unwrap()
        .lexical_when_busy();
    server.attach_semantic(semantic).unwrap();
    // More questions than cores, each new: the extra ones find no free core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let questions: Vec<String> = (0..4 * cores + 4)
        .map(|i| format!("aide pour payer la cantine de mes {i} enfants"))
        .collect();
    let ids = |hits: Vec<guichet_search::Hit>| -> Vec<String> {
        hits.into_iter().map(|h| h.id).collect()
    };
    std::thread::scope(|s| {
        for q in &questions {
            let server = &server;
            s.spawn(move || assert!(!server.search(q, 10).unwrap().is_empty()));
        }
    });
    assert!(
        server.busy_answers() > 0,
        "{} new questions at once on {cores} cores: some must be answered lexically",
        questions.len()
    );
    for q in &questions {
        assert_eq!(
            ids(server.search(q, 10).unwrap()),
            ids(hybrid.search(q, 10).unwrap()),
            "{q}"
        );
    }
}
