//! The outbox: idempotent intents written with the case change, safe claims, back-off,
//! the sweep, print batches handed over exactly once, returned mail, templates.

use std::collections::HashSet;

use chrono::Duration;
use guichet_domain::*;
use guichet_store::outbox::{AttemptOutcome, IntentStatus, NewIntent};
use guichet_store::testing::on_both_engines;
use guichet_store::{Store, StoreError};

use crate::fixtures::*;

fn intent(key: &str, channel: Delivery, postcode: Option<&str>) -> NewIntent {
    NewIntent {
        idempotency_key: key.into(),
        case_reference: Some("CASE-1".into()),
        person_id: Some("person-1".into()),
        channel,
        kind: NotificationKind::Receipt,
        payload: format!("{{\"key\":\"{key}\"}}"),
        postcode: postcode.map(str::to_owned),
        postage: postcode.map(|_| "standard".to_owned()),
    }
}

#[tokio::test]
async fn intents_are_idempotent_claimed_once_and_journaled() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        let batch = [
            intent("a", Delivery::Email, None),
            intent("b", Delivery::Sms, None),
            intent("c", Delivery::Letter, Some("69003")),
        ];
        assert_eq!(store.enqueue_intents(&batch, now).await.unwrap(), 3);
        assert_eq!(
            store.enqueue_intents(&batch, now).await.unwrap(),
            0,
            "same keys: nothing new"
        );

        let lease = now + Duration::minutes(5);
        let claimed = store
            .claim_intents("w1", &[Delivery::Email, Delivery::Sms], now, lease, 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2, "letters are not claimed by the sender");
        assert!(
            claimed
                .iter()
                .all(|i| i.status == IntentStatus::Sending && i.attempts == 1)
        );
        assert!(
            store
                .claim_intents("w2", &[Delivery::Email, Delivery::Sms], now, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let email = claimed
            .iter()
            .find(|i| i.channel == Delivery::Email)
            .unwrap();
        let sent = AttemptOutcome::Sent {
            provider_id: Some("msg-1".into()),
        };
        assert!(store.record_attempt(email, "w1", &sent, now).await.unwrap());
        assert!(
            !store.record_attempt(email, "w1", &sent, now).await.unwrap(),
            "recorded once"
        );

        let events = store.notification_events("CASE-1").await.unwrap();
        let statuses: Vec<&str> = events
            .iter()
            .filter(|e| e.outbox_id == email.id)
            .map(|e| e.step.code())
            .collect();
        assert_eq!(statuses, vec!["pending", "sending", "sent"]);
    })
    .await;
}

#[tokio::test]
async fn retries_wait_and_parked_intents_alert_and_can_be_retried() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        store
            .enqueue_intents(&[intent("a", Delivery::Email, None)], now)
            .await
            .unwrap();
        let lease = now + Duration::minutes(5);
        let i = store
            .claim_intents("w", &[Delivery::Email], now, lease, 1)
            .await
            .unwrap()
            .remove(0);
        let later = now + Duration::minutes(2);
        let retry = AttemptOutcome::Retry {
            error: "451 try later".into(),
            at: later,
        };
        assert!(store.record_attempt(&i, "w", &retry, now).await.unwrap());
        assert!(
            store
                .claim_intents("w", &[Delivery::Email], now, lease, 1)
                .await
                .unwrap()
                .is_empty(),
            "not before its time"
        );
        let i = store
            .claim_intents("w", &[Delivery::Email], later, lease, 1)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(i.attempts, 2);
        assert_eq!(i.last_error.as_deref(), Some("451 try later"));
        let park = AttemptOutcome::Park {
            error: "550 no such user".into(),
        };
        assert!(store.record_attempt(&i, "w", &park, later).await.unwrap());
        let failed = store
            .list_intents(Some(IntentStatus::Failed), 10)
            .await
            .unwrap();
        assert_eq!(failed.len(), 1);
        let alerts = store.open_alerts(10).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].message.contains("550"));
        assert_eq!(store.retry_failed(None, later).await.unwrap(), 1);
        let again = store
            .claim_intents("w", &[Delivery::Email], later, lease, 1)
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(
            again[0].window_start, later,
            "manual retry opens a new 48-hour window"
        );
    })
    .await;
}

#[tokio::test]
async fn the_sweep_requeues_intents_of_a_dead_worker_and_fences_it() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        store
            .enqueue_intents(&[intent("a", Delivery::Email, None)], now)
            .await
            .unwrap();
        let dead = store
            .claim_intents(
                "dead",
                &[Delivery::Email],
                now,
                now + Duration::seconds(30),
                1,
            )
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            store
                .sweep_stuck(now + Duration::seconds(10))
                .await
                .unwrap(),
            0,
            "lease still valid"
        );
        assert_eq!(
            store
                .sweep_stuck(now + Duration::seconds(31))
                .await
                .unwrap(),
            1
        );
        let later = now + Duration::seconds(40);
        let alive = store
            .claim_intents(
                "alive",
                &[Delivery::Email],
                later,
                later + Duration::seconds(30),
                1,
            )
            .await
            .unwrap();
        assert_eq!(alive.len(), 1);
        let sent = AttemptOutcome::Sent { provider_id: None };
        assert!(
            !store
                .record_attempt(&dead, "dead", &sent, later)
                .await
                .unwrap(),
            "the dead worker lost its claim"
        );
        assert!(
            store
                .record_attempt(&alive[0], "alive", &sent, later)
                .await
                .unwrap()
        );
        let statuses: Vec<String> = store
            .notification_events("CASE-1")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.step.code().to_owned())
            .collect();
        assert_eq!(
            statuses,
            vec!["pending", "sending", "requeued", "sending", "sent"]
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_claims_never_overlap() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        let intents: Vec<NewIntent> = (0..200)
            .map(|n| intent(&format!("k{n}"), Delivery::Email, None))
            .collect();
        store.enqueue_intents(&intents, now).await.unwrap();
        let mut handles = Vec::new();
        for w in 0..4 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .claim_intents(
                            &format!("w{w}"),
                            &[Delivery::Email],
                            now,
                            now + Duration::minutes(1),
                            7,
                        )
                        .await
                        .unwrap();
                    if got.is_empty() {
                        break;
                    }
                    mine.extend(got.into_iter().map(|i| i.id));
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(all.len(), 200);
        assert_eq!(unique.len(), 200, "no intent claimed twice");
    })
    .await;
}

#[tokio::test]
async fn a_letter_joins_one_batch_which_is_handed_over_once() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        let mut letters = vec![
            intent("l1", Delivery::Letter, Some("75011")),
            intent("l2", Delivery::Letter, Some("01000")),
            intent("l3", Delivery::Letter, Some("69003")),
        ];
        letters[2].postage = Some("registered".into());
        store.enqueue_intents(&letters, now).await.unwrap();
        let batch = store
            .start_print_batch("B1", now, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(batch.letters, 3);
        assert_eq!(batch.status.code(), "writing");
        assert!(
            store
                .start_print_batch("B2", now, 1000)
                .await
                .unwrap()
                .is_none(),
            "nothing left to batch"
        );
        assert_eq!(
            store.unfinished_print_batches().await.unwrap(),
            vec!["B1".to_owned()]
        );

        let page1 = store.batch_letters_page("B1", None, 2).await.unwrap();
        let last = page1.last().unwrap();
        let page2 = store
            .batch_letters_page("B1", Some((&last.postage, &last.postcode, &last.id)), 2)
            .await
            .unwrap();
        let order: Vec<(String, String)> = page1
            .iter()
            .chain(&page2)
            .map(|r| (r.postage.clone(), r.postcode.clone()))
            .collect();
        assert_eq!(
            order,
            vec![
                ("registered".into(), "69003".into()),
                ("standard".into(), "01000".into()),
                ("standard".into(), "75011".into())
            ]
        );

        let rejected = vec![(page2[0].id.clone(), "adresse trop longue".to_owned())];
        assert!(
            store
                .hand_over_print_batch("B1", 4, &rejected, now)
                .await
                .unwrap()
        );
        assert!(
            !store
                .hand_over_print_batch("B1", 4, &rejected, now)
                .await
                .unwrap(),
            "only once"
        );
        let b = store.print_batch("B1").await.unwrap();
        assert_eq!(
            (b.status.code(), b.letters, b.pages, b.exports),
            ("handed_over", 2, 4, 2)
        );
        assert_eq!(
            store
                .list_intents(Some(IntentStatus::HandedOver), 10)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            store
                .list_intents(Some(IntentStatus::Failed), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(store.unfinished_print_batches().await.unwrap().is_empty());
        assert!(matches!(
            store.start_print_batch("B1", now, 10).await,
            Err(StoreError::Duplicate(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn returned_mail_makes_the_address_suspect_and_alerts() {
    on_both_engines(|store: Store| async move {
        let now = t(0);
        store
            .enqueue_intents(&[intent("l1", Delivery::Letter, Some("75011"))], now)
            .await
            .unwrap();
        store.start_print_batch("B1", now, 10).await.unwrap();
        let id = store
            .batch_letters_page("B1", None, 10)
            .await
            .unwrap()
            .remove(0)
            .id;
        assert!(
            store
                .record_returned_mail(&id, "trop tôt", now)
                .await
                .is_err(),
            "not handed over yet"
        );
        // Not handed over yet → refused; hand over, then record.
        store
            .hand_over_print_batch("B1", 1, &[], now)
            .await
            .unwrap();
        store
            .record_returned_mail(&id, "n’habite pas à l’adresse indiquée", now)
            .await
            .unwrap();
        assert!(store.address_is_suspect("person-1").await.unwrap());
        assert!(
            store
                .open_alerts(10)
                .await
                .unwrap()
                .iter()
                .any(|a| a.kind == AlertKind::ReturnedMail)
        );
        store.clear_suspect_address("person-1").await.unwrap();
        assert!(!store.address_is_suspect("person-1").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn templates_are_versioned() {
    on_both_engines(|store: Store| async move {
        assert_eq!(
            store
                .save_template(
                    NotificationKind::Receipt,
                    Delivery::Sms,
                    "standard",
                    "v1",
                    "admin",
                    t(0)
                )
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .save_template(
                    NotificationKind::Receipt,
                    Delivery::Sms,
                    "standard",
                    "v2",
                    "admin",
                    t(1)
                )
                .await
                .unwrap(),
            2
        );
        store
            .save_template(
                NotificationKind::Receipt,
                Delivery::Email,
                "standard",
                "e1",
                "admin",
                t(1),
            )
            .await
            .unwrap();
        let latest = store.list_templates(false).await.unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(
            latest
                .iter()
                .find(|r| r.channel == Delivery::Sms)
                .unwrap()
                .source,
            "v2"
        );
        assert_eq!(store.list_templates(true).await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn intents_share_the_fate_of_the_case_change() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let (reference, case) = open_at_counter(&store, &procedure, &person, 777).await;
        let decision = case
            .decide(Command::Submit, ctx(front_desk(), Channel::Counter, 1))
            .unwrap();
        let mut receipt = intent("submit-receipt", Delivery::Letter, Some("69003"));
        receipt.case_reference = Some(reference.to_string());
        store
            .append_events_with_intents(&case, &decision.events, &[receipt.clone()], t(1))
            .await
            .unwrap();
        assert_eq!(store.list_intents(None, 10).await.unwrap().len(), 1);
        // A stale writer: the case change is refused, and its intent is not written either.
        let mut other = receipt.clone();
        other.idempotency_key = "stale".into();
        let err = store
            .append_events_with_intents(&case, &decision.events, &[other], t(1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
        assert_eq!(store.list_intents(None, 10).await.unwrap().len(), 1);
    })
    .await;
}

/// The desk's alerts: an operator sees the alerts of its procedures' cases and of the people
/// known to it, never another operator's; closing keeps the row with who, when and the note,
/// and happens once.
#[tokio::test]
async fn alerts_are_listed_per_operator_and_closed_once_with_a_note() {
    on_both_engines(|store: Store| async move {
        let (procedure, person) = seed(&store).await;
        let reference = CaseReference::from_random(31);
        store
            .open_case(
                reference.clone(),
                &procedure,
                person.id,
                ctx(front_desk(), Channel::Counter, 0),
            )
            .await
            .unwrap();
        let own = operator().id;
        let other = OperatorId::parse("mairie-ailleurs").unwrap();
        store
            .save_operator(&Operator {
                id: other.clone(),
                name: "Mairie d’Ailleurs".into(),
                kind: OperatorKind::TownHall,
            })
            .await
            .unwrap();
        let pid = person.id.to_string();
        store
            .raise_alert(
                AlertKind::ReturnedMail,
                Some(&pid),
                Some(reference.as_str()),
                "Pli non distribuable.",
                t(1),
            )
            .await
            .unwrap();
        // About the person only: whoever knows the person (nobody yet, then the other operator).
        store
            .raise_alert(
                AlertKind::Unreachable,
                Some(&pid),
                None,
                "Injoignable.",
                t(2),
            )
            .await
            .unwrap();
        assert_eq!(store.count_open_alerts_of_operator(&own).await.unwrap(), 1);
        assert_eq!(
            store.count_open_alerts_of_operator(&other).await.unwrap(),
            0
        );
        store.attach_person(person.id, &other, t(2)).await.unwrap();
        let theirs = store.open_alerts_of_operator(&other, 10).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].kind, AlertKind::Unreachable);
        let mine = store.open_alerts_of_operator(&own, 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].kind, AlertKind::ReturnedMail);
        assert_eq!(mine[0].case_reference.as_deref(), Some(reference.as_str()));

        let agent = AgentId::from_uuid(uuid::Uuid::from_u128(7));
        let (_, closing) = store.get_alert(&mine[0].id).await.unwrap().unwrap();
        assert_eq!(closing, None);
        assert!(
            store
                .close_alert(
                    &mine[0].id,
                    agent,
                    "Adresse vérifiée avec la personne, corrigée.",
                    t(3)
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .close_alert(&mine[0].id, agent, "encore", t(4))
                .await
                .unwrap(),
            "closed once"
        );
        assert!(
            store
                .open_alerts_of_operator(&own, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.count_open_alerts_of_operator(&own).await.unwrap(), 0);
        let (row, closing) = store.get_alert(&mine[0].id).await.unwrap().unwrap();
        assert_eq!(row.kind, AlertKind::ReturnedMail, "the row stays");
        assert_eq!(
            closing,
            Some(guichet_store::outbox::AlertClosing {
                at: t(3),
                by: Some(agent),
                note: Some("Adresse vérifiée avec la personne, corrigée.".into()),
            })
        );
        assert!(store.get_alert("nope").await.unwrap().is_none());
    })
    .await;
}
