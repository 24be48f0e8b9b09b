//! The walkthrough of ARCHITECTURE.md, « A case opened at the counter is finished online »,
//! through the case service: five events on two channels by three authors, and the decision's
//! letter in the outbox in the same transaction as the decision.

use guichet_domain::*;
use guichet_notify::payload::Payload;
use guichet_store::Store;
use guichet_store::testing::on_both_engines;

use crate::service::{ctx, front_desk, officer, person, setup};

#[tokio::test]
async fn a_case_opened_at_the_counter_is_finished_online() {
    on_both_engines(|store: Store| async move {
        // Mr Haddad prefers SMS; he did not refuse digital.
        let s = setup(
            store,
            person(
                21,
                &[ContactChannel::Sms, ContactChannel::Post],
                false,
                true,
            ),
        )
        .await;
        let opened = s.store.load_case(&s.reference).await.unwrap();
        assert_eq!(opened.state, CaseState::Draft);
        let me = Actor::Person { id: opened.person };
        let doc = Document {
            name: "Facture de gaz (papier numérisé)".into(),
            media_type: "application/pdf".into(),
            sha256: "a".repeat(64),
            size: 1234,
            scanned_from_paper: true,
        };
        s.run(Command::AttachDocument { document: doc }, front_desk(), 0)
            .await;
        let web = |actor, minutes| Context {
            channel: Channel::Web,
            ..ctx(actor, minutes)
        };
        let submitted = s
            .cases
            .execute(&s.reference, Command::Submit, web(me, 60))
            .await
            .unwrap();
        assert_eq!(submitted.case.state, CaseState::Submitted);
        assert_eq!(submitted.plan.intents.len(), 1, "a receipt, by SMS");
        s.cases
            .execute(&s.reference, Command::StartExamination, web(officer(), 120))
            .await
            .unwrap();
        let decided = s
            .cases
            .execute(
                &s.reference,
                Command::Decide {
                    outcome: Outcome::Granted,
                    motivation: "Conditions remplies.".into(),
                },
                web(officer(), 180),
            )
            .await
            .unwrap();

        // The decision went out as a letter (paper is a right) and by SMS, his first choice,
        // written with the Decided event: its idempotency key carries the version it made.
        let intents = s.intents().await;
        let decision: Vec<_> = intents
            .iter()
            .filter(|i| i.kind == NotificationKind::Decision)
            .collect();
        let mut channels: Vec<Delivery> = decision.iter().map(|i| i.channel).collect();
        channels.sort();
        assert_eq!(channels, vec![Delivery::Sms, Delivery::Letter]);
        let letter = decision
            .iter()
            .find(|i| i.channel == Delivery::Letter)
            .unwrap();
        assert_eq!(
            letter.idempotency_key,
            format!("{}:5:decision:letter", s.reference)
        );
        let Payload::Letter { letter, .. } = Payload::from_json(&letter.payload).unwrap() else {
            panic!("not a letter")
        };
        assert!(
            letter
                .recipient
                .lines()
                .iter()
                .any(|l| l.contains("HADDAD"))
        );
        assert!(
            letter
                .body
                .iter()
                .any(|p| p.contains("Conditions remplies"))
        );

        // The journal: five events, two channels, three authors; it replays to the stored case.
        let loaded = s.store.load_case(&s.reference).await.unwrap();
        assert_eq!(loaded, decided.case);
        let journal = s.store.journal(&s.reference).await.unwrap();
        let seen: Vec<(u64, Channel, &'static str)> = journal
            .iter()
            .map(|e| (e.seq, e.channel, e.actor.kind_code()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (1, Channel::Counter, "agent"),
                (2, Channel::Counter, "agent"),
                (3, Channel::Web, "person"),
                (4, Channel::Web, "agent"),
                (5, Channel::Web, "agent"),
            ]
        );
        assert_eq!(Case::replay(&journal).unwrap(), loaded);
    })
    .await;
}
