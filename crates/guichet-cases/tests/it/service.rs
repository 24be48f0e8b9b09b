//! The case service: case changes write their notifications in the same transaction, on both
//! engines.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use guichet_cases::{CaseService, CommandError};
use guichet_domain::*;
use guichet_notify::payload::Payload;
use guichet_store::outbox::{AttemptOutcome, HistoryEntry, Intent};
use guichet_store::testing::on_both_engines;
use guichet_store::{CaseChange, Store, StoreError};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

pub(crate) fn procedure() -> HostedProcedure {
    HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("aide-sociale-urgence").unwrap(),
        version: 1,
        title: "Aide sociale d’urgence".into(),
        summary: String::new(),
        operator: OperatorId::parse("ccas-saint-clair").unwrap(),
        channels: BTreeMap::from([
            (
                ProcedureChannel::Web,
                ChannelAccess {
                    how: "en ligne".into(),
                },
            ),
            (
                ProcedureChannel::Counter,
                ChannelAccess {
                    how: "au guichet".into(),
                },
            ),
        ]),
        deadline: Some(LegalDeadline {
            duration: DeadlineDuration::Months(2),
            silence: Silence::Rejet,
        }),
        decides_rights: true,
    })
    .unwrap()
}

pub(crate) fn person(n: u128, channels: &[ContactChannel], refuses: bool, address: bool) -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(n)),
        name: PersonName::parse("Karim", "Haddad").unwrap(),
        birth_date: None,
        address: address.then(|| {
            guichet_domain::PostalAddress::parse(
                &["9 rue des Écoles"],
                "59990",
                "Saint-Clair-sur-Lys",
            )
            .unwrap()
        }),
        email: Some(guichet_domain::Email::parse("karim.haddad@example.fr").unwrap()),
        phone: Some(PhoneNumber::parse("06 98 76 54 32").unwrap()),
        preferences: ContactPreferences::new(
            channels.iter().copied(),
            refuses,
            AccessibleFormats::default(),
        ),
    }
}

pub(crate) fn front_desk() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(1)),
        role: AgentRole::FrontDesk,
    }
}
pub(crate) fn officer() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(2)),
        role: AgentRole::CaseOfficer,
    }
}

pub(crate) fn ctx(actor: Actor, minutes: i64) -> Context {
    Context {
        actor,
        channel: Channel::Counter,
        now: t0() + Duration::minutes(minutes),
    }
}

pub(crate) struct Setup {
    pub(crate) store: Store,
    pub(crate) cases: CaseService,
    pub(crate) reference: CaseReference,
}

pub(crate) async fn setup(store: Store, who: Person) -> Setup {
    store
        .save_operator(&Operator {
            id: OperatorId::parse("ccas-saint-clair").unwrap(),
            name: "CCAS de Saint-Clair-sur-Lys".into(),
            kind: OperatorKind::Ccas,
        })
        .await
        .unwrap();
    store.publish_procedure(&procedure(), t0()).await.unwrap();
    store.insert_person(&who, t0()).await.unwrap();
    // The officer who decides has an account: their name and title sign the decisions.
    let officer_id = AgentId::from_uuid(uuid::Uuid::from_u128(2));
    if store.get_agent(officer_id).await.unwrap().is_none() {
        store
            .insert_agent(&guichet_store::agents::AgentAccount {
                id: officer_id,
                login: "julien.morel@saint-clair.example".into(),
                display_name: "Julien Morel".into(),
                title: "Instructeur, CCAS de Saint-Clair-sur-Lys".into(),
                role: StaffRole::CaseOfficer,
                operator: OperatorId::parse("ccas-saint-clair").unwrap(),
                place: None,
                password_hash: "not-a-hash".into(),
                totp_secret: None,
                totp_last_step: None,
                failed_attempts: 0,
                locked_until: None,
                suspended: false,
                created_at: t0(),
            })
            .await
            .unwrap();
    }
    let cases = CaseService::new(store.clone());
    let reference = CaseReference::from_random(who.id.to_string().len() as u64 + 1234);
    cases
        .open(
            reference.clone(),
            &procedure(),
            who.id,
            ctx(front_desk(), 0),
        )
        .await
        .unwrap();
    Setup {
        store,
        cases,
        reference,
    }
}

impl Setup {
    pub(crate) async fn run(&self, command: Command, actor: Actor, minutes: i64) -> Case {
        self.cases
            .execute(&self.reference, command, ctx(actor, minutes))
            .await
            .unwrap()
            .case
    }

    pub(crate) async fn intents(&self) -> Vec<Intent> {
        self.store.list_intents(None, 1000).await.unwrap()
    }

    async fn decide(&self) {
        self.run(Command::Submit, front_desk(), 1).await;
        self.run(Command::StartExamination, officer(), 2).await;
        self.run(
            Command::Decide {
                outcome: Outcome::Granted,
                motivation: "Aide de 150 € accordée.".into(),
            },
            officer(),
            3,
        )
        .await;
    }
}

pub(crate) fn kinds(intents: &[Intent]) -> Vec<(&'static str, &'static str)> {
    intents
        .iter()
        .map(|i| (i.kind.as_str(), i.channel.as_str()))
        .collect()
}

#[tokio::test]
async fn submission_writes_the_receipt_on_the_preferred_channel() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(10, &[Email, Sms, Post], false, true)).await;
        assert!(s.intents().await.is_empty(), "opening notifies nobody");
        let case = s.run(Command::Submit, front_desk(), 1).await;
        let intents = s.intents().await;
        assert_eq!(kinds(&intents), vec![("receipt", "email")]);
        let i = &intents[0];
        assert_eq!(
            i.idempotency_key,
            format!("{}:2:receipt:email", case.reference)
        );
        assert_eq!(i.case_reference.as_deref(), Some(case.reference.as_str()));
        assert_eq!(i.next_attempt_at, t0() + Duration::minutes(1));
        let Payload::Email { to, subject, .. } = Payload::from_json(&i.payload).unwrap() else {
            panic!("not an email");
        };
        assert_eq!(to, "karim.haddad@example.fr");
        assert!(subject.contains(case.reference.as_str()), "{subject}");
    })
    .await;
}

#[tokio::test]
async fn a_person_who_refuses_digital_gets_letters_and_never_email_or_sms() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(11, &[Email, Sms, Post], true, true)).await;
        s.decide().await;
        let intents = s.intents().await;
        assert_eq!(
            kinds(&intents),
            vec![("receipt", "letter"), ("decision", "letter")]
        );
        assert!(
            intents
                .iter()
                .all(|i| i.postcode.as_deref() == Some("59990"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_decision_on_a_right_adds_a_letter_to_the_preferred_channel() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(12, &[Sms, Post], false, true)).await;
        s.decide().await;
        let intents = s.intents().await;
        let mut written = kinds(&intents);
        written.sort_unstable();
        assert_eq!(
            written,
            vec![
                ("decision", "letter"),
                ("decision", "sms"),
                ("receipt", "sms")
            ]
        );
        let letter_intent = intents
            .iter()
            .find(|i| i.channel == Delivery::Letter)
            .unwrap();
        let Payload::Letter { letter, .. } = Payload::from_json(&letter_intent.payload).unwrap()
        else {
            panic!("not a letter")
        };
        assert!(matches!(
            letter.kind,
            guichet_letters::LetterKind::Decision { .. }
        ));
        assert_eq!(letter.sender.name, "CCAS de Saint-Clair-sur-Lys");
        // Signed by the officer who decided, by name and title (CRPA art. L212-1).
        assert_eq!(letter.signature.by, guichet_letters::Signer::Person);
        assert_eq!(letter.signature.name, "Julien Morel");
        assert_eq!(
            letter.signature.title,
            "Instructeur, CCAS de Saint-Clair-sur-Lys"
        );
        assert_eq!(letter.signature.mention, None);
    })
    .await;
}

fn delegation(every_decision: bool) -> guichet_store::SignatureDelegation {
    guichet_store::SignatureDelegation {
        operator: OperatorId::parse("ccas-saint-clair").unwrap(),
        mention: "Pour le président et par délégation".into(),
        name: "Hélène Vasseur".into(),
        title: "Vice-présidente du CCAS de Saint-Clair-sur-Lys".into(),
        every_decision,
    }
}

async fn decision_letter(s: &Setup) -> Option<guichet_letters::Letter> {
    s.intents()
        .await
        .iter()
        .filter(|i| i.kind == NotificationKind::Decision && i.channel == Delivery::Letter)
        .find_map(|i| match Payload::from_json(&i.payload).unwrap() {
            Payload::Letter { letter, .. } => Some(*letter),
            _ => None,
        })
}

#[tokio::test]
async fn a_decision_by_silence_is_signed_by_the_delegation_or_alerts_when_there_is_none() {
    on_both_engines(|store: Store| async move {
        let silence = Command::ApplyImplicitDecision;
        // No delegation: no letter signed by nobody, an alert says what to set up.
        let s = setup(
            store.clone(),
            person(20, &[ContactChannel::Post], false, true),
        )
        .await;
        s.run(Command::Submit, front_desk(), 1).await;
        s.run(silence.clone(), Actor::System, 60 * 24 * 70).await;
        assert_eq!(decision_letter(&s).await, None);
        let alerts = s.store.open_alerts(10).await.unwrap();
        assert!(
            alerts
                .iter()
                .any(|a| a.message.contains("délégation de signature du CCAS")),
            "{alerts:?}"
        );
        // With a delegation, the delegate signs, after the mention.
        store
            .set_signature_delegation(&delegation(false), t0())
            .await
            .unwrap();
        let reference = CaseReference::from_random(987_654);
        s.cases
            .open(
                reference.clone(),
                &procedure(),
                PersonId::from_uuid(uuid::Uuid::from_u128(20)),
                ctx(front_desk(), 0),
            )
            .await
            .unwrap();
        let s = Setup {
            store: s.store.clone(),
            cases: s.cases.clone(),
            reference,
        };
        s.run(Command::Submit, front_desk(), 1).await;
        s.run(silence, Actor::System, 60 * 24 * 70).await;
        let letter = decision_letter(&s).await.expect("decision letter");
        assert_eq!(
            letter.signature.mention.as_deref(),
            Some("Pour le président et par délégation")
        );
        assert_eq!(letter.signature.name, "Hélène Vasseur");
    })
    .await;
}

#[tokio::test]
async fn an_operator_may_have_every_decision_signed_by_delegation() {
    on_both_engines(|store: Store| async move {
        store
            .save_operator(&Operator {
                id: OperatorId::parse("ccas-saint-clair").unwrap(),
                name: "CCAS de Saint-Clair-sur-Lys".into(),
                kind: OperatorKind::Ccas,
            })
            .await
            .unwrap();
        store
            .set_signature_delegation(&delegation(true), t0())
            .await
            .unwrap();
        let s = setup(store, person(22, &[ContactChannel::Post], false, true)).await;
        s.decide().await;
        let letter = decision_letter(&s).await.expect("decision letter");
        assert_eq!(letter.signature.name, "Hélène Vasseur");
        assert_eq!(
            letter.signature.title,
            "Vice-présidente du CCAS de Saint-Clair-sur-Lys"
        );
    })
    .await;
}

#[tokio::test]
async fn nobody_to_write_to_alerts_an_agent_with_the_case_change() {
    on_both_engines(|store: Store| async move {
        let s = setup(store, person(13, &[ContactChannel::Counter], true, false)).await;
        s.run(Command::Submit, front_desk(), 1).await;
        assert!(s.intents().await.is_empty());
        let alerts = s.store.open_alerts(10).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, AlertKind::Unreachable);
        assert_eq!(
            alerts[0].case_reference.as_deref(),
            Some(s.reference.as_str())
        );
    })
    .await;
}

#[tokio::test]
async fn a_command_retried_after_a_conflict_does_not_enqueue_twice() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(14, &[Email, Post], false, true)).await;
        s.run(Command::Submit, front_desk(), 1).await;
        s.run(Command::StartExamination, officer(), 2).await;

        // An officer decides on version 3 while a colleague adds a note first.
        let stale = s.store.load_case(&s.reference).await.unwrap();
        let command = Command::Decide {
            outcome: Outcome::Refused,
            motivation: "Ressources supérieures au plafond.".into(),
        };
        let planned = s
            .cases
            .preview(&s.reference, command.clone(), ctx(officer(), 3))
            .await
            .unwrap();
        s.run(
            Command::AddNote {
                text: "Appel de la personne.".into(),
            },
            front_desk(),
            3,
        )
        .await;
        assert_eq!(planned.plan.intents.len(), 2, "email and letter planned");
        let stale_intents: Vec<guichet_store::outbox::NewIntent> = planned
            .plan
            .intents
            .iter()
            .map(|i| guichet_store::outbox::NewIntent {
                idempotency_key: i.idempotency_key.clone(),
                case_reference: Some(s.reference.to_string()),
                person_id: Some(stale.person.to_string()),
                channel: i.channel,
                kind: i.kind,
                payload: i.payload.to_json().unwrap(),
                postcode: i.postcode.clone(),
                postage: i.postage.map(|p| p.as_str().to_owned()),
            })
            .collect();
        let err = s
            .store
            .commit_case_change(&CaseChange {
                base_version: stale.version,
                case: &planned.case,
                new_person: None,
                changed_person: None,
                events: &planned.decision.events,
                intents: &stale_intents,
                alerts: &[],
                at: t0(),
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
        assert_eq!(
            kinds(&s.intents().await),
            vec![("receipt", "email")],
            "the stale write left no intent"
        );

        // The command again: decided on the newer case, written once.
        s.run(command.clone(), officer(), 4).await;
        let intents = s.intents().await;
        let mut written = kinds(&intents);
        written.sort_unstable();
        assert_eq!(
            written,
            vec![
                ("decision", "email"),
                ("decision", "letter"),
                ("receipt", "email")
            ]
        );
        assert!(
            intents
                .iter()
                .any(|i| i.idempotency_key.ends_with(":5:decision:email")),
            "decided on version 4, written as version 5"
        );
        // A third time: the domain refuses, nothing is written.
        let again = s
            .cases
            .execute(&s.reference, command, ctx(officer(), 5))
            .await;
        assert!(matches!(again, Err(CommandError::Case(_))));
        // The same intents offered again are recognised by their keys.
        let n = s.store.enqueue_intents(&stale_intents, t0()).await.unwrap();
        assert_eq!(n, 2, "the stale plan's keys (version 4) were never written");
        let n = s
            .store
            .enqueue_intents(
                &intents
                    .iter()
                    .map(|i| guichet_store::outbox::NewIntent {
                        idempotency_key: i.idempotency_key.clone(),
                        case_reference: i.case_reference.clone(),
                        person_id: i.person_id.clone(),
                        channel: i.channel,
                        kind: i.kind,
                        payload: i.payload.clone(),
                        postcode: i.postcode.clone(),
                        postage: i.postage.clone(),
                    })
                    .collect::<Vec<_>>(),
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(n, 0, "an idempotency key is written once");
    })
    .await;
}

#[tokio::test]
async fn concurrent_commands_are_decided_again_and_notify_once() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(15, &[Sms, Post], false, true)).await;
        s.run(Command::Submit, front_desk(), 1).await;
        s.run(Command::StartExamination, officer(), 2).await;
        // Notes race with a request for documents; all go through, the request notifies once.
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (cases, reference) = (s.cases.clone(), s.reference.clone());
            tasks.push(tokio::spawn(async move {
                let command = if i == 2 {
                    Command::RequestDocuments {
                        documents: vec!["Quittance de loyer".into()],
                        message: "Merci.".into(),
                        reply_by: None,
                    }
                } else {
                    Command::AddNote {
                        text: format!("note {i}"),
                    }
                };
                let actor = if i == 2 { officer() } else { front_desk() };
                cases.execute(&reference, command, ctx(actor, 3)).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let intents = s.intents().await;
        assert_eq!(
            kinds(&intents),
            vec![("receipt", "sms"), ("documents_request", "sms")]
        );
        let case = s.store.load_case(&s.reference).await.unwrap();
        assert_eq!(case.version, 7);
    })
    .await;
}

#[tokio::test]
async fn the_case_history_merges_the_journal_with_each_delivery_step() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(16, &[Sms, Post], false, true)).await;
        s.run(Command::Submit, front_desk(), 1).await;
        // The worker tries the SMS: the gateway fails once, then accepts.
        let at = |m| t0() + Duration::minutes(m);
        let claimed = s
            .store
            .claim_intents("w1", &[Delivery::Sms], at(2), at(3), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        s.store
            .record_attempt(
                &claimed[0],
                "w1",
                &AttemptOutcome::Retry {
                    error: "échec temporaire : passerelle indisponible (503)".into(),
                    at: at(4),
                },
                at(2),
            )
            .await
            .unwrap();
        s.run(Command::StartExamination, officer(), 3).await;
        let claimed = s
            .store
            .claim_intents("w1", &[Delivery::Sms], at(5), at(6), 10)
            .await
            .unwrap();
        s.store
            .record_attempt(
                &claimed[0],
                "w1",
                &AttemptOutcome::Sent {
                    provider_id: Some("sms-42".into()),
                },
                at(5),
            )
            .await
            .unwrap();

        let history = s.store.case_history(&s.reference).await.unwrap();
        let lines: Vec<String> = history
            .iter()
            .map(|h| match h {
                HistoryEntry::Event(e) => format!("event {}", e.kind.code()),
                HistoryEntry::Notification(n) => {
                    format!("{} {} {}", n.channel.as_str(), n.step.code(), n.attempt)
                }
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                "event opened",
                "event submitted",
                "sms pending 0",
                "sms sending 1",
                "sms pending 1",
                "event examination_started",
                "sms sending 2",
                "sms sent 2",
            ]
        );
        assert!(history.windows(2).all(|w| w[0].at() <= w[1].at()));
        let HistoryEntry::Notification(retry) = &history[4] else {
            panic!()
        };
        assert!(retry.detail.as_deref().unwrap().contains("503"));
        assert!(matches!(
            s.store.case_history(&CaseReference::from_random(999)).await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn a_command_on_a_case_read_before_another_change_is_decided_on_the_case_as_it_is() {
    on_both_engines(|store: Store| async move {
        use ContactChannel::*;
        let s = setup(store, person(16, &[Post], false, true)).await;
        let read = s.store.load_case(&s.reference).await.unwrap();
        // Someone submits the case after the page read it.
        s.run(Command::Submit, front_desk(), 1).await;
        // Submitting again from the old read: decided on the submitted case, refused as a
        // second submission would be, nothing written.
        let again = s
            .cases
            .execute_read(&read, Command::Submit, ctx(front_desk(), 2))
            .await;
        assert!(matches!(again, Err(CommandError::Case(_))), "{again:?}");
        // A note from the old read lands after the submission, at the next version.
        let noted = s
            .cases
            .execute_read(
                &read,
                Command::AddNote {
                    text: "appel".into(),
                },
                ctx(front_desk(), 3),
            )
            .await
            .unwrap();
        assert_eq!(noted.case.state, CaseState::Submitted);
        let latest = s.store.load_case(&s.reference).await.unwrap();
        assert_eq!(latest.version, noted.case.version);
        assert!(latest.version > read.version + 1);
        assert_eq!(kinds(&s.intents().await), vec![("receipt", "letter")]);
    })
    .await;
}
