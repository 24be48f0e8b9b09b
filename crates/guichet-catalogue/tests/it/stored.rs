//! Publishing and importing into the database, on both engines.

use chrono::{TimeZone, Utc};
use guichet_catalogue::cli::{self, CatalogueCommand, ProceduresCommand};
use guichet_catalogue::{CatalogueError, demo, extract, stored};
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
        let mut out = Vec::new();
        let err = cli::run_procedures(
            ProceduresCommand::Publish {
                dir: dir.path().into(),
            },
            Some(&store),
            t(1),
            &mut out,
        )
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
        cli::run_procedures(
            ProceduresCommand::Publish {
                dir: dir.path().into(),
            },
            Some(&store),
            t(1),
            &mut out,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("publiée    inscription-cantine v2")
                && text.contains("publiée    garderie v1"),
            "{text}"
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
        let err = cli::run_procedures(
            ProceduresCommand::Publish {
                dir: dir.path().into(),
            },
            Some(&store),
            t(2),
            &mut Vec::new(),
        )
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
        let cmd = CatalogueCommand::Import {
            path: dir.path().into(),
        };
        assert!(
            cli::run_catalogue(cmd, Some(&store), t(1), &mut Vec::new())
                .await
                .is_err()
        );
        assert_eq!(stored::load_sheets(&store).await.unwrap().len(), 100);
        let import = store.catalogue_import().await.unwrap().unwrap();
        assert!(import.header.contains("Licence Ouverte"));
    })
    .await;
}

#[tokio::test]
async fn check_reports_every_definition_or_every_problem() {
    let store_free = tempfile::tempdir().unwrap();
    for d in demo::definitions().unwrap() {
        std::fs::write(
            store_free.path().join(format!("{}.toml", d.id())),
            d.source(),
        )
        .unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(cli::check(store_free.path(), &mut out).unwrap().len(), 5);
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("5 définition(s) conforme(s).")
    );
    std::fs::write(store_free.path().join("web-only.toml"), "id = \"x\"\nversion = 1\ntitle = \"X\"\nsummary = \"\"\noperator = \"o\"\n[channels.web]\nhow = \"en ligne\"\n").unwrap();
    let err = cli::check(store_free.path(), &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("web-only.toml:6: [never-digital-only]"),
        "{err}"
    );
}
