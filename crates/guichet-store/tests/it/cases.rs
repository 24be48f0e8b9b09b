//! Cases, their journal, optimistic concurrency and the append-only rule.

use guichet_domain::*;
use guichet_store::testing::on_both_engines;
use guichet_store::{CaseFilter, Store, StoreError};

use crate::fixtures::*;

#[tokio::test]
async fn two_agents_cannot_silently_overwrite_each_other() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let (reference, _) = open_at_counter(&store, &procedure, &person, 777).await;
        store
            .execute(
                &reference,
                Command::Submit,
                ctx(front_desk(), Channel::Counter, 0),
            )
            .await
            .unwrap();
        store
            .execute(
                &reference,
                Command::StartExamination,
                ctx(officer(), Channel::Web, 1),
            )
            .await
            .unwrap();

        // Both agents read version 3.
        let seen_by_a = store.load_case(&reference).await.unwrap();
        let seen_by_b = seen_by_a.clone();
        let a = seen_by_a
            .decide(
                Command::Decide {
                    outcome: Outcome::Granted,
                    motivation: "OK".into(),
                },
                ctx(officer(), Channel::Web, 2),
            )
            .unwrap();
        let b = seen_by_b
            .decide(
                Command::RequestDocuments {
                    documents: vec!["RIB".into()],
                    message: String::new(),
                    reply_by: None,
                },
                ctx(officer(), Channel::Web, 2),
            )
            .unwrap();
        store.append_events(&seen_by_a, &a.events).await.unwrap();
        let err = store
            .append_events(&seen_by_b, &b.events)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 3,
                    actual: 4,
                    ..
                }
            ),
            "{err}"
        );
        // Nothing of B's was written.
        let journal = store.journal(&reference).await.unwrap();
        assert_eq!(journal.len(), 4);
        assert_eq!(
            store.load_case(&reference).await.unwrap().state,
            CaseState::Decided(Outcome::Granted)
        );
    })
    .await;
}

#[tokio::test]
async fn an_illegal_transition_is_refused_and_changes_nothing() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let reference = CaseReference::from_random(4242);
        store
            .open_case(
                reference.clone(),
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Counter, 0),
            )
            .await
            .unwrap();
        let err = store
            .execute(
                &reference,
                Command::Decide {
                    outcome: Outcome::Granted,
                    motivation: "x".into(),
                },
                ctx(officer(), Channel::Web, 1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CommandError::Case(CaseError::IllegalTransition {
                    from: CaseState::Draft,
                    ..
                })
            ),
            "{err}"
        );
        assert_eq!(store.journal(&reference).await.unwrap().len(), 1);
        // Unknown case.
        let err = store
            .execute(
                &CaseReference::from_random(1),
                Command::Submit,
                ctx(officer(), Channel::Web, 1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, CommandError::Store(StoreError::NotFound(_))),
            "{err}"
        );
        // A procedure not offered by phone cannot be opened by phone.
        let err = store
            .open_case(
                CaseReference::from_random(99),
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Phone, 0),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CommandError::Case(CaseError::ChannelNotOffered(Channel::Phone))
            ),
            "{err}"
        );
        assert!(
            store
                .list_cases(&CaseFilter::default())
                .await
                .unwrap()
                .len()
                == 1
        );
    })
    .await;
}

#[tokio::test]
async fn the_journal_is_append_only_in_the_database() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let reference = CaseReference::from_random(31337);
        store
            .open_case(
                reference.clone(),
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Counter, 0),
            )
            .await
            .unwrap();
        let update = store
            .raw_execute("UPDATE case_events SET channel = 'web'")
            .await;
        assert!(update.is_err(), "updating the journal must fail");
        let delete = store.raw_execute("DELETE FROM case_events").await;
        assert!(delete.is_err(), "deleting from the journal must fail");
        let journal = store.journal(&reference).await.unwrap();
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].channel, Channel::Counter);
    })
    .await;
}

#[tokio::test]
async fn a_reference_is_used_once() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let reference = CaseReference::from_random(5);
        store
            .open_case(
                reference.clone(),
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Counter, 0),
            )
            .await
            .unwrap();
        let err = store
            .open_case(
                reference,
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Counter, 1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, CommandError::Store(StoreError::Duplicate(_))),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn cases_are_listed_by_person_and_state_and_concurrent_writers_all_land() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let other = offline_person(2);
        store.insert_person(&other, t(0)).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40u64 {
            let store = store.clone();
            let procedure = procedure.clone();
            let who = if i % 4 == 0 { other.id } else { person.id };
            tasks.push(tokio::spawn(async move {
                let reference = CaseReference::from_random(10_000 + i);
                store
                    .open_case(
                        reference.clone(),
                        &procedure,
                        who,
                        ctx(front_desk(), Channel::Counter, 0),
                    )
                    .await
                    .unwrap();
                if i % 2 == 0 {
                    store
                        .execute(
                            &reference,
                            Command::Submit,
                            ctx(front_desk(), Channel::Counter, 1),
                        )
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let all = store
            .list_cases(&CaseFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 40);
        let submitted = store
            .list_cases(&CaseFilter {
                state: Some(CaseState::Submitted),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(submitted.len(), 20);
        assert!(submitted.iter().all(|c| c.version == 2));
        let others = store
            .list_cases(&CaseFilter {
                person: Some(other.id),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(others.len(), 10);
        assert!(others.iter().all(|c| c.person == other.id));
    })
    .await;
}
