//! Publishing and importing into the database, on both engines.

use chrono::{TimeZone, Utc};
use guichet_catalogue::definition::load_dir;
use guichet_catalogue::{CatalogueError, demo, extract, stored, vdd};
use guichet_store::Store;
use guichet_store::testing::on_both_engines;

fn t(day: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::days(day)
}

#[tokio::test]
async fn the_demo_procedures_publish_once_and_load_back() {
    on_both_engines(|store: Store| async move {
        let report = demo::publish(&store, t(0)).await.unwrap();
        assert_eq!(report.published.len(), 5);
        let again = demo::publish(&store, t(1)).await.unwrap();
        assert_eq!((again.published.len(), again.unchanged.len()), (0, 5));
        let loaded = stored::load_definitions(&store).await.unwrap();
        let mut expected: Vec<(String, String)> = demo::definitions()
            .unwrap()
            .iter()
            .map(|d| (d.id().to_string(), d.source().to_owned()))
            .collect();
        expected.sort();
        let got: Vec<(String, String)> = loaded
            .iter()
            .map(|d| (d.id().to_string(), d.source().to_owned()))
            .collect();
        assert!(got == expected, "loaded back other definitions");
        // The compiled procedure is what cases read.
        let p = store
            .get_procedure(loaded[0].id(), Some(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&p, loaded[0].procedure());
    })
    .await;
}

#[tokio::test]
async fn a_folder_is_refused_whole_when_one_version_was_edited_or_its_operator_is_unknown() {
    on_both_engines(|store: Store| async move {
        demo::publish(&store, t(0)).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        for d in demo::definitions().unwrap() {
            std::fs::write(dir.path().join(format!("{}.toml", d.id())), d.source()).unwrap();
        }
        // A new procedure, and an edit of a published version without a new version number.
        let new = demo::definitions()
            .unwrap()
            .into_iter()
            .find(|d| d.id().as_str() == "inscription-cantine")
            .unwrap()
            .source()
            .replace("inscription-cantine", "garderie");
        std::fs::write(dir.path().join("garderie.toml"), new).unwrap();
        let cantine = dir.path().join("inscription-cantine.toml");
        let edited = std::fs::read_to_string(&cantine)
            .unwrap()
            .replace("Inscription à la restauration scolaire", "Cantine");
        std::fs::write(&cantine, &edited).unwrap();
        let err = stored::publish(&store, &load_dir(dir.path()).unwrap(), t(1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, CatalogueError::Refused(ref m) if m.contains("version 1")),
            "{err}"
        );
        assert!(
            store
                .get_definition("garderie", None)
                .await
                .unwrap()
                .is_none()
        );
        // With a new version number it goes through, and version 1 stays as it was.
        std::fs::write(&cantine, edited.replace("version = 1", "version = 2")).unwrap();
        let report = stored::publish(&store, &load_dir(dir.path()).unwrap(), t(1))
            .await
            .unwrap();
        assert!(
            report
                .published
                .contains(&("inscription-cantine".to_owned(), 2))
                && report.published.contains(&("garderie".to_owned(), 1)),
            "{report:?}"
        );
        let v1 = store
            .get_definition("inscription-cantine", Some(1))
            .await
            .unwrap()
            .unwrap();
        assert!(v1.source.contains("Inscription à la restauration scolaire"));
        // An unknown operator.
        let other = edited
            .replace("version = 1", "version = 3")
            .replace("mairie-saint-clair", "mairie-inconnue");
        std::fs::write(&cantine, other).unwrap();
        let err = stored::publish(&store, &load_dir(dir.path()).unwrap(), t(2))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("mairie-inconnue"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn the_national_catalogue_comes_from_the_database_or_the_shipped_extract() {
    on_both_engines(|store: Store| async move {
        let shipped = stored::load_sheets(&store).await.unwrap();
        assert!(shipped.len() > 3000);
        let (header, sheets) = extract::shipped().unwrap();
        stored::import_sheets(&store, &header, &sheets[..100], t(0))
            .await
            .unwrap();
        assert_eq!(
            stored::load_sheets(&store).await.unwrap(),
            sheets[..100].to_vec()
        );
        // A corrupt corpus changes nothing.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/particuliers")).unwrap();
        std::fs::write(dir.path().join("data/particuliers/F1.json"), "{").unwrap();
        // (`guichet catalogue import` reads the corpus whole before it writes anything.)
        assert!(vdd::import(dir.path()).is_err());
        assert_eq!(stored::load_sheets(&store).await.unwrap().len(), 100);
        let import = store.catalogue_import().await.unwrap().unwrap();
        assert!(import.header.contains("Licence Ouverte"));
    })
    .await;
}

#[test]
fn loading_a_folder_gives_every_definition_or_every_problem() {
    let store_free = tempfile::tempdir().unwrap();
    for d in demo::definitions().unwrap() {
        std::fs::write(
            store_free.path().join(format!("{}.toml", d.id())),
            d.source(),
        )
        .unwrap();
    }
    assert_eq!(load_dir(store_free.path()).unwrap().len(), 5);
    std::fs::write(store_free.path().join("web-only.toml"), "id = \"x\"\nversion = 1\ntitle = \"X\"\nsummary = \"\"\noperator = \"o\"\n[channels.web]\nhow = \"en ligne\"\n").unwrap();
    let err = load_dir(store_free.path()).unwrap_err().to_string();
    assert!(
        err.contains("web-only.toml:6: [never-digital-only]"),
        "{err}"
    );
}
