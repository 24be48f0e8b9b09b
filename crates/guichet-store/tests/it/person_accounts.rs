//! Accounts of the public: one account per address, the lockout counted across servers,
//! single-use expiring link tokens, linked cases, and a deletion that keeps every case.

use chrono::Duration;
use guichet_domain::*;
use guichet_store::person_accounts::{LinkedHow, PersonAccount, TokenPurpose};
use guichet_store::testing::on_both_engines;
use guichet_store::{Store, StoreError};

use crate::fixtures::*;

fn account(email: &str) -> PersonAccount {
    PersonAccount {
        id: uuid::Uuid::new_v4(),
        email: email.to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        verified_at: None,
        failed_attempts: 0,
        locked_until: None,
        generation: 0,
        created_at: t(0),
        last_sign_in_at: None,
    }
}

#[tokio::test]
async fn an_address_has_one_account_and_failures_lock_it() {
    on_both_engines(|store: Store| async move {
        let a = account("rose.martin@exemple.fr");
        store.insert_person_account(&a).await.unwrap();
        assert_eq!(
            store.get_person_account(a.id).await.unwrap(),
            Some(a.clone())
        );
        assert_eq!(
            store
                .person_account_by_email(" Rose.Martin@Exemple.FR ")
                .await
                .unwrap()
                .map(|b| b.id),
            Some(a.id)
        );
        let twin = account("ROSE.MARTIN@exemple.fr");
        assert!(matches!(
            store.insert_person_account(&twin).await,
            Err(StoreError::Duplicate(_))
        ));
        let until = t(1);
        for _ in 0..4 {
            assert_eq!(
                store
                    .record_person_account_failure(a.id, 5, until)
                    .await
                    .unwrap(),
                None
            );
        }
        assert_eq!(
            store
                .record_person_account_failure(a.id, 5, until)
                .await
                .unwrap(),
            Some(until)
        );
        store.person_account_signed_in(a.id, t(2)).await.unwrap();
        let back = store.get_person_account(a.id).await.unwrap().unwrap();
        assert_eq!(
            (
                back.failed_attempts,
                back.locked_until,
                back.last_sign_in_at
            ),
            (0, None, Some(t(2)))
        );

        store
            .record_sign_in_failure("192.0.2.1", t(0), t(-10))
            .await
            .unwrap();
        store
            .record_sign_in_failure("192.0.2.1", t(1), t(-10))
            .await
            .unwrap();
        store
            .record_sign_in_failure("192.0.2.9", t(1), t(-10))
            .await
            .unwrap();
        assert_eq!(
            store.sign_in_failures("192.0.2.1", t(0)).await.unwrap(),
            (2, Some(t(0)))
        );
        assert_eq!(
            store.sign_in_failures("192.0.2.1", t(1)).await.unwrap(),
            (1, Some(t(1)))
        );
        // Recording forgets what no longer counts (before t(1) here).
        store
            .record_sign_in_failure("192.0.2.7", t(2), t(1))
            .await
            .unwrap();
        assert_eq!(
            store.sign_in_failures("192.0.2.1", t(-20)).await.unwrap(),
            (1, Some(t(1)))
        );
    })
    .await;
}

#[tokio::test]
async fn a_link_token_is_used_once_before_it_expires() {
    on_both_engines(|store: Store| async move {
        let a = account("a@exemple.fr");
        store.insert_person_account(&a).await.unwrap();
        let exp = t(0) + Duration::hours(1);
        store
            .insert_person_account_token("v1", a.id, TokenPurpose::Verify, exp)
            .await
            .unwrap();
        // Wrong purpose, then expired: nothing.
        assert_eq!(
            store
                .use_person_account_token("v1", TokenPurpose::Reset, Some("h"), t(0))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .peek_person_account_token("v1", TokenPurpose::Verify, exp)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .peek_person_account_token("v1", TokenPurpose::Verify, t(0))
                .await
                .unwrap(),
            Some(a.id)
        );
        assert_eq!(
            store
                .use_person_account_token("v1", TokenPurpose::Verify, None, t(0))
                .await
                .unwrap(),
            Some(a.id)
        );
        assert_eq!(
            store
                .use_person_account_token("v1", TokenPurpose::Verify, None, t(0))
                .await
                .unwrap(),
            None,
            "used once"
        );
        let back = store.get_person_account(a.id).await.unwrap().unwrap();
        assert_eq!(back.verified_at, Some(t(0)));

        // A reset sets the password, lifts a lock, ends older sessions, uses the other resets.
        store
            .record_person_account_failure(a.id, 1, t(3))
            .await
            .unwrap();
        for id in ["r1", "r2"] {
            store
                .insert_person_account_token(id, a.id, TokenPurpose::Reset, t(5))
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .use_person_account_token("r1", TokenPurpose::Reset, Some("nouveau"), t(1))
                .await
                .unwrap(),
            Some(a.id)
        );
        let back = store.get_person_account(a.id).await.unwrap().unwrap();
        assert_eq!(
            (
                back.password_hash.as_str(),
                back.locked_until,
                back.generation
            ),
            ("nouveau", None, 1)
        );
        assert_eq!(
            store
                .use_person_account_token("r2", TokenPurpose::Reset, Some("autre"), t(1))
                .await
                .unwrap(),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn cases_are_linked_and_unlinked_and_a_deleted_account_keeps_them() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let mut refs = Vec::new();
        for n in [11, 12] {
            let (reference, _) = open_at_counter(&store, &procedure, &person, n).await;
            refs.push(reference.to_string());
        }
        let a = account("b@exemple.fr");
        store.insert_person_account(&a).await.unwrap();
        assert!(
            store
                .link_case_to_account(a.id, &refs[0], LinkedHow::Online, t(1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .link_case_to_account(a.id, &refs[0], LinkedHow::Code, t(2))
                .await
                .unwrap(),
            "linked once"
        );
        assert!(
            store
                .link_case_to_account(a.id, &refs[1], LinkedHow::Code, t(2))
                .await
                .unwrap()
        );
        assert_eq!(
            store.account_cases(a.id).await.unwrap(),
            vec![refs[1].clone(), refs[0].clone()]
        );
        assert!(store.account_has_case(a.id, &refs[0]).await.unwrap());
        assert!(
            store
                .unlink_case_from_account(a.id, &refs[0])
                .await
                .unwrap()
        );
        assert!(!store.account_has_case(a.id, &refs[0]).await.unwrap());
        store
            .insert_person_account_token("t", a.id, TokenPurpose::Reset, t(9))
            .await
            .unwrap();
        store.delete_person_account(a.id).await.unwrap();
        assert_eq!(store.get_person_account(a.id).await.unwrap(), None);
        assert!(store.account_cases(a.id).await.unwrap().is_empty());
        for r in &refs {
            let r = CaseReference::parse(r).unwrap();
            assert!(store.load_case(&r).await.is_ok(), "the case stays");
        }
    })
    .await;
}
