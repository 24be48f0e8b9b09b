//! The procedure catalogue's tables: immutable definition versions and all-or-nothing national
//! imports, on both engines.

use std::collections::BTreeMap;

use guichet_domain::procedure::HostedProcedureFields;
use guichet_domain::*;
use guichet_store::testing::on_both_engines;
use guichet_store::{Published, SheetRow, Store, StoreError};

use crate::fixtures::t;

fn mairie() -> Operator {
    Operator {
        id: OperatorId::parse("mairie-test").unwrap(),
        name: "Mairie de Test".into(),
        kind: OperatorKind::TownHall,
    }
}

fn procedure(version: u32, title: &str) -> HostedProcedure {
    HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("inscription-cantine").unwrap(),
        version,
        title: title.into(),
        summary: String::new(),
        operator: mairie().id,
        channels: BTreeMap::from([
            (
                ProcedureChannel::Web,
                ChannelAccess {
                    how: "en ligne".into(),
                },
            ),
            (
                ProcedureChannel::Post,
                ChannelAccess {
                    how: "par courrier".into(),
                },
            ),
        ]),
        deadline: None,
        decides_rights: false,
    })
    .unwrap()
}

#[tokio::test]
async fn published_definition_versions_never_change() {
    on_both_engines(|store: Store| async move {
        store.save_operator(&mairie()).await.unwrap();
        let v1 = procedure(1, "Cantine");
        assert_eq!(
            store
                .publish_definition(&v1, "source v1", t(0))
                .await
                .unwrap(),
            Published::New
        );
        assert_eq!(
            store
                .publish_definition(&v1, "source v1", t(1))
                .await
                .unwrap(),
            Published::Unchanged
        );
        // Same version, other text: refused, and nothing of it is stored.
        let err = store
            .publish_definition(&v1, "source v1 edited", t(1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
        let err = store
            .publish_definition(&procedure(1, "Autre titre"), "source v1", t(1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
        let v2 = procedure(2, "Cantine scolaire");
        store
            .publish_definition(&v2, "source v2", t(2))
            .await
            .unwrap();

        let old = store
            .get_definition("inscription-cantine", Some(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (old.version, old.source.as_str(), old.published_at),
            (1, "source v1", t(0))
        );
        assert_eq!(
            store.get_procedure(v1.id(), Some(1)).await.unwrap(),
            Some(v1.clone())
        );
        let latest = store.latest_definitions().await.unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(
            (latest[0].version, latest[0].source.as_str()),
            (2, "source v2")
        );
        assert_eq!(
            store
                .get_definition("inscription-cantine", None)
                .await
                .unwrap()
                .unwrap()
                .version,
            2
        );
        assert!(
            store
                .get_definition("absente", None)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn a_version_published_without_its_text_gets_it_when_identical() {
    on_both_engines(|store: Store| async move {
        store.save_operator(&mairie()).await.unwrap();
        let v1 = procedure(1, "Cantine");
        store.publish_procedure(&v1, t(0)).await.unwrap();
        assert_eq!(
            store.publish_definition(&v1, "text", t(1)).await.unwrap(),
            Published::New
        );
        let other = procedure(1, "Autre");
        store
            .publish_procedure(&procedure(3, "Trois"), t(0))
            .await
            .unwrap();
        assert!(
            store
                .publish_definition(&other, "text", t(1))
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_operator_is_refused_and_nothing_is_stored() {
    on_both_engines(|store: Store| async move {
        assert!(
            store
                .publish_definition(&procedure(1, "Cantine"), "s", t(0))
                .await
                .is_err()
        );
        assert!(store.latest_definitions().await.unwrap().is_empty());
        assert!(store.list_procedures().await.unwrap().is_empty());
    })
    .await;
}

fn sheets(n: usize, tag: &str) -> Vec<SheetRow> {
    (1..=n)
        .map(|i| SheetRow {
            id: format!("F{i}"),
            title: format!("Fiche {i} {tag}"),
            data: format!("{{\"n\": {i}}}"),
        })
        .collect()
}

#[tokio::test]
async fn a_national_import_replaces_the_catalogue_whole_or_not_at_all() {
    on_both_engines(|store: Store| async move {
        assert!(store.catalogue_import().await.unwrap().is_none());
        store
            .replace_sheets("{\"v\": 1}", &sheets(450, "a"), t(0))
            .await
            .unwrap();
        assert_eq!(store.list_sheets().await.unwrap().len(), 450);
        store
            .replace_sheets("{\"v\": 2}", &sheets(3, "b"), t(1))
            .await
            .unwrap();
        let listed = store.list_sheets().await.unwrap();
        assert_eq!(
            listed.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["Fiche 1 b", "Fiche 2 b", "Fiche 3 b"]
        );
        // A failing import (two sheets with one id, after 250 good ones) leaves it untouched.
        let mut bad = sheets(250, "c");
        bad.push(bad[0].clone());
        assert!(matches!(
            store.replace_sheets("{}", &bad, t(2)).await,
            Err(StoreError::Duplicate(_))
        ));
        assert_eq!(store.list_sheets().await.unwrap(), listed);
        let import = store.catalogue_import().await.unwrap().unwrap();
        assert_eq!(
            (import.header.as_str(), import.sheets, import.imported_at),
            ("{\"v\": 2}", 3, t(1))
        );
    })
    .await;
}
