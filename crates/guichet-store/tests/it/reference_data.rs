//! Operators, procedures and people.

use guichet_store::testing::on_both_engines;
use guichet_store::{Store, StoreError};

use crate::fixtures::*;

#[tokio::test]
async fn migrations_run_twice_without_harm() {
    on_both_engines(|store: Store| async move {
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn procedure_versions_are_immutable_and_the_latest_is_listed() {
    on_both_engines(|store: Store| async move {
        store.save_operator(&operator()).await.unwrap();
        let v1 = procedure(1, "Aide d’urgence");
        store.publish_procedure(&v1, t(0)).await.unwrap();
        // Publishing the same content again is harmless.
        store.publish_procedure(&v1, t(1)).await.unwrap();
        // The same version with other content is refused, and v1 is untouched.
        let err = store
            .publish_procedure(&procedure(1, "Autre titre"), t(1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
        let v2 = procedure(2, "Aide sociale d’urgence");
        store.publish_procedure(&v2, t(2)).await.unwrap();
        assert_eq!(
            store.get_procedure(v1.id(), Some(1)).await.unwrap(),
            Some(v1.clone())
        );
        assert_eq!(
            store.get_procedure(v1.id(), None).await.unwrap(),
            Some(v2.clone())
        );
        assert_eq!(store.list_procedures().await.unwrap(), vec![v2]);
        assert_eq!(store.list_operators().await.unwrap(), vec![operator()]);
    })
    .await;
}

#[tokio::test]
async fn a_person_without_email_phone_or_computer_is_stored_whole() {
    on_both_engines(|store: Store| async move {
        let p = offline_person(7);
        store.insert_person(&p, t(0)).await.unwrap();
        let back = store.get_person(p.id).await.unwrap().unwrap();
        assert_eq!(back, p);
        assert!(back.preferences.refuses_digital());
        assert!(back.is_offline());
        let err = store.insert_person(&p, t(0)).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
        assert_eq!(store.list_persons(10).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let err = Store::connect_postgres("postgres://postgres@127.0.0.1:1/none", 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    let err = Store::connect_postgres("mysql://nope", 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    let err = Store::open_sqlite(std::path::Path::new("/proc/guichet/none.db"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn an_operator_signature_delegation_is_set_replaced_and_cleared() {
    on_both_engines(|store: Store| async move {
        store.save_operator(&operator()).await.unwrap();
        let id = operator().id;
        assert_eq!(store.signature_delegation(&id).await.unwrap(), None);
        let mut d = guichet_store::SignatureDelegation {
            operator: id.clone(),
            mention: "Pour le maire et par délégation".into(),
            name: "Hélène Vasseur".into(),
            title: "Adjointe au maire".into(),
            every_decision: false,
        };
        store.set_signature_delegation(&d, t(0)).await.unwrap();
        assert_eq!(
            store.signature_delegation(&id).await.unwrap(),
            Some(d.clone())
        );
        d.every_decision = true;
        d.name = "Marc Dupuis".into();
        store.set_signature_delegation(&d, t(1)).await.unwrap();
        assert_eq!(store.signature_delegation(&id).await.unwrap(), Some(d));
        assert!(store.clear_signature_delegation(&id).await.unwrap());
        assert!(!store.clear_signature_delegation(&id).await.unwrap());
        assert_eq!(store.signature_delegation(&id).await.unwrap(), None);
    })
    .await;
}
