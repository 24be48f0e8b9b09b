//! State-machine tests: examples of the flows people go through, and property tests showing
//! that no sequence of commands reaches an illegal state and that replaying the journal rebuilds
//! the same case.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::actor::{AgentId, HelperId, MandateId};
use crate::channel::{Channel, ProcedureChannel};
use crate::operator::OperatorId;
use crate::procedure::{
    ChannelAccess, DeadlineDuration, HostedProcedure, HostedProcedureFields, LegalDeadline,
    ProcedureId, Silence,
};
use crate::{Actor, AgentRole};

fn procedure(silence: Silence) -> HostedProcedure {
    procedure_deadline(LegalDeadline {
        duration: DeadlineDuration::Months(2),
        silence,
    })
}

fn procedure_deadline(deadline: LegalDeadline) -> HostedProcedure {
    HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("aide-urgence").unwrap(),
        version: 1,
        title: "Aide sociale d’urgence".into(),
        summary: String::new(),
        operator: OperatorId::parse("ccas").unwrap(),
        channels: [
            ProcedureChannel::Web,
            ProcedureChannel::Counter,
            ProcedureChannel::Post,
        ]
        .into_iter()
        .map(|c| (c, ChannelAccess { how: "oui".into() }))
        .collect(),
        deadline: Some(deadline),
        decides_rights: true,
    })
    .unwrap()
}

fn person() -> PersonId {
    PersonId::from_uuid(uuid::Uuid::from_u128(1))
}

fn officer() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(2)),
        role: AgentRole::CaseOfficer,
    }
}

fn front_desk() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(3)),
        role: AgentRole::FrontDesk,
    }
}

fn ctx(actor: Actor, channel: Channel, day: i64) -> Context {
    Context {
        actor,
        channel,
        now: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(day),
    }
}

fn opened(silence: Silence) -> (Case, Vec<Event>) {
    let d = Case::open(
        CaseReference::from_random(7),
        &procedure(silence),
        person(),
        ctx(front_desk(), Channel::Counter, 0),
    )
    .unwrap();
    (Case::replay(&d.events).unwrap(), d.events)
}

fn run(case: &mut Case, journal: &mut Vec<Event>, cmd: Command, c: Context) -> Decision {
    let d = case.decide(cmd, c).unwrap();
    for e in &d.events {
        *case = case.apply(e).unwrap();
        journal.push(e.clone());
    }
    d
}

#[test]
fn a_case_opened_at_the_counter_is_finished_online_and_decided_on_paper() {
    let (mut case, mut journal) = opened(Silence::Rejet);
    let me = Actor::Person { id: person() };
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(
        "motif".to_owned(),
        "Facture d’électricité impayée".to_owned(),
    );
    run(
        &mut case,
        &mut journal,
        Command::UpdateForm { fields },
        ctx(me, Channel::Web, 1),
    );
    let d = run(
        &mut case,
        &mut journal,
        Command::Submit,
        ctx(me, Channel::Web, 1),
    );
    assert!(matches!(
        d.actions.as_slice(),
        [Action::Notify {
            notice: Notice::Receipt {
                due: Some(_),
                silence: Some(Silence::Rejet)
            },
            ..
        }]
    ));
    run(
        &mut case,
        &mut journal,
        Command::StartExamination,
        ctx(officer(), Channel::Web, 2),
    );
    let d = run(
        &mut case,
        &mut journal,
        Command::Decide {
            outcome: Outcome::Granted,
            motivation: "Conditions remplies.".into(),
        },
        ctx(officer(), Channel::Web, 3),
    );
    assert_eq!(case.state, CaseState::Decided(Outcome::Granted));
    let [Action::Notify { notice, .. }] = d.actions.as_slice() else {
        panic!("{:?}", d.actions)
    };
    assert!(notice.kind().requires_paper());
    let channels: Vec<Channel> = journal.iter().map(|e| e.channel).collect();
    assert_eq!(
        channels,
        [
            Channel::Counter,
            Channel::Web,
            Channel::Web,
            Channel::Web,
            Channel::Web
        ]
    );
    assert_eq!(Case::replay(&journal).unwrap(), case);
}

#[test]
fn a_decided_case_cannot_be_edited_until_reopened() {
    let (mut case, mut journal) = opened(Silence::Rejet);
    let me = Actor::Person { id: person() };
    run(
        &mut case,
        &mut journal,
        Command::Submit,
        ctx(me, Channel::Post, 1),
    );
    run(
        &mut case,
        &mut journal,
        Command::StartExamination,
        ctx(officer(), Channel::Web, 2),
    );
    run(
        &mut case,
        &mut journal,
        Command::Decide {
            outcome: Outcome::Refused,
            motivation: "Ressources trop élevées.".into(),
        },
        ctx(officer(), Channel::Web, 3),
    );
    let err = case
        .decide(Command::Withdraw { reason: None }, ctx(me, Channel::Web, 4))
        .unwrap_err();
    assert!(matches!(err, CaseError::IllegalTransition { .. }));
    assert!(err.message_fr().contains("Refusé"));
    run(
        &mut case,
        &mut journal,
        Command::Reopen {
            reason: "Recours gracieux reçu.".into(),
        },
        ctx(officer(), Channel::Post, 10),
    );
    assert_eq!(case.state, CaseState::UnderExamination);
}

#[test]
fn the_deadline_pauses_while_waiting_for_documents_and_silence_decides() {
    let (mut case, mut journal) = opened(Silence::Accord);
    let me = Actor::Person { id: person() };
    run(
        &mut case,
        &mut journal,
        Command::Submit,
        ctx(me, Channel::Web, 0),
    );
    let DeadlineStatus::Running { due } = case.deadline_status(ctx(me, Channel::Web, 0).now) else {
        panic!()
    };
    // Two months after 5 January 2026.
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
    run(
        &mut case,
        &mut journal,
        Command::StartExamination,
        ctx(officer(), Channel::Web, 1),
    );
    run(
        &mut case,
        &mut journal,
        Command::RequestDocuments {
            documents: vec!["Avis d’imposition".into()],
            message: String::new(),
            reply_by: None,
        },
        ctx(officer(), Channel::Web, 10),
    );
    assert!(matches!(
        case.deadline_status(ctx(me, Channel::Web, 100).now),
        DeadlineStatus::Suspended { .. }
    ));
    assert!(case.next_actions(ctx(me, Channel::Web, 100).now).is_empty());
    run(
        &mut case,
        &mut journal,
        Command::ResumeExamination,
        ctx(officer(), Channel::Web, 30),
    );
    let DeadlineStatus::Running { due: later } =
        case.deadline_status(ctx(me, Channel::Web, 31).now)
    else {
        panic!()
    };
    assert_eq!(
        later - due,
        Duration::days(20),
        "20 days of waiting push the deadline back"
    );
    // Before the deadline, silence cannot decide.
    let early = case.decide(
        Command::ApplyImplicitDecision,
        ctx(Actor::System, Channel::System, 60),
    );
    assert_eq!(early.unwrap_err(), CaseError::DeadlineNotPassed);
    let now = later + Duration::hours(1);
    assert_eq!(case.next_actions(now).len(), 1);
    let d = case
        .decide(
            Command::ApplyImplicitDecision,
            Context {
                actor: Actor::System,
                channel: Channel::System,
                now,
            },
        )
        .unwrap();
    let next = case.apply(&d.events[0]).unwrap();
    assert_eq!(next.state, CaseState::Decided(Outcome::Granted));
    assert!(next.decision.as_ref().unwrap().implicit);
}

#[test]
fn only_the_right_people_act() {
    let (case, _) = opened(Silence::Rejet);
    let stranger = Actor::Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(99)),
    };
    assert!(matches!(
        case.decide(Command::Submit, ctx(stranger, Channel::Web, 1)),
        Err(CaseError::NotAllowed { .. })
    ));
    let helper = Actor::Helper {
        id: HelperId::from_uuid(uuid::Uuid::from_u128(5)),
        mandate: MandateId::from_uuid(uuid::Uuid::from_u128(6)),
    };
    assert!(
        case.decide(Command::Submit, ctx(helper, Channel::Counter, 1))
            .is_ok()
    );
    // A front-desk agent does not decide.
    assert!(matches!(
        case.decide(
            Command::StartExamination,
            ctx(front_desk(), Channel::Web, 1)
        ),
        Err(CaseError::NotAllowed { .. })
    ));
    // A procedure not offered by phone cannot be opened by phone.
    let err = Case::open(
        CaseReference::from_random(8),
        &procedure(Silence::Rejet),
        person(),
        ctx(front_desk(), Channel::Phone, 0),
    )
    .unwrap_err();
    assert_eq!(err, CaseError::ChannelNotOffered(Channel::Phone));
}

#[test]
fn a_journal_that_breaks_the_state_machine_is_refused() {
    let (case, mut journal) = opened(Silence::Rejet);
    journal.push(Event {
        seq: 2,
        at: case.opened_at,
        channel: Channel::Web,
        actor: officer(),
        kind: EventKind::Decided {
            outcome: Outcome::Granted,
            motivation: "x".into(),
            implicit: false,
        },
    });
    assert!(Case::replay(&journal).is_err());
    assert!(Case::replay(&[]).is_err());
}

fn arb_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Person { id: person() }),
        Just(Actor::Person {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(42))
        }),
        Just(officer()),
        Just(front_desk()),
        Just(Actor::System),
        Just(Actor::Helper {
            id: HelperId::from_uuid(uuid::Uuid::from_u128(5)),
            mandate: MandateId::from_uuid(uuid::Uuid::from_u128(6)),
        }),
    ]
}

fn arb_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Submit),
        Just(Command::StartExamination),
        Just(Command::ResumeExamination),
        Just(Command::ApplyImplicitDecision),
        prop::collection::vec("[a-zé ]{0,12}", 0..3).prop_map(|documents| {
            Command::RequestDocuments {
                documents,
                message: String::new(),
                reply_by: None,
            }
        }),
        (
            prop_oneof![
                Just(Outcome::Granted),
                Just(Outcome::Refused),
                Just(Outcome::Revised),
                Just(Outcome::Revoked)
            ],
            "[a-z ]{0,8}"
        )
            .prop_map(|(outcome, motivation)| Command::Decide {
                outcome,
                motivation
            }),
        prop::option::of("[a-z]{1,8}").prop_map(|reason| Command::Withdraw { reason }),
        "[a-z ]{0,8}".prop_map(|reason| Command::Reopen { reason }),
        "[a-z]{1,8}".prop_map(|text| Command::AddNote { text }),
        "[a-z]{1,8}".prop_map(|summary| Command::RecordContactChange { summary }),
        "[a-z]{0,8}".prop_map(|text| Command::SendMessage { text }),
        "[a-z]{0,8}".prop_map(|text| Command::ReceiveMessage { text }),
        prop::option::of(Just(AgentId::from_uuid(uuid::Uuid::from_u128(2))))
            .prop_map(|agent| Command::Assign { agent }),
        (0i64..90).prop_map(|d| Command::SubmitByPost {
            received_at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() - Duration::days(d)
        }),
        Just(Command::AttachDocument {
            document: Document {
                name: "avis".into(),
                media_type: "application/pdf".into(),
                sha256: "a".repeat(64),
                size: 10,
                scanned_from_paper: true,
            }
        }),
        ("[a-z_]{0,6}", "[a-z]{0,6}").prop_map(|(k, v)| Command::UpdateForm {
            fields: [(k, v)].into_iter().collect()
        }),
    ]
}

fn arb_channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_command_sequence_reaches_an_illegal_state(
        silence in prop_oneof![Just(Silence::Accord), Just(Silence::Rejet)],
        steps in prop::collection::vec((arb_command(), arb_actor(), arb_channel(), 0i64..40), 1..40),
    ) {
        let (mut case, mut journal) = opened(silence);
        let mut day = 0;
        for (cmd, actor, channel, advance) in steps {
            day += advance;
            let before = case.clone();
            match case.decide(cmd, ctx(actor, channel, day)) {
                Ok(d) => {
                    prop_assert!((1..=2).contains(&d.events.len()));
                    for e in &d.events {
                        prop_assert_eq!(e.seq, case.version + 1);
                        let next = case.apply(e).expect("decide only emits legal events");
                        prop_assert!(next.state == case.state || case.state.can_move_to(next.state));
                        if before.state.is_closed() {
                            // Closed: only a reopening, a note, a message, an assignment, or a
                            // new decision on an ongoing right (revision, withdrawal).
                            let allowed = match &e.kind {
                                EventKind::Reopened { .. }
                                | EventKind::NoteAdded { .. }
                                | EventKind::ContactChanged { .. }
                                | EventKind::MessageSent { .. }
                                | EventKind::MessageReceived { .. }
                                | EventKind::Assigned { .. } => true,
                                EventKind::Decided { outcome, .. } => {
                                    matches!(before.state, CaseState::Decided(o) if o.leaves_a_right())
                                        && matches!(outcome, Outcome::Revised | Outcome::Revoked)
                                }
                                _ => false,
                            };
                            prop_assert!(allowed, "closed case changed by {:?}", e.kind);
                        }
                        if let EventKind::Decided { .. } = e.kind {
                            let on_paper = d.actions.iter().any(|a| matches!(a, Action::Notify { notice, .. } if notice.kind().requires_paper()));
                            prop_assert!(on_paper, "decision without a paper notice");
                        }
                        journal.push(e.clone());
                        case = next;
                    }
                }
                Err(_) => prop_assert_eq!(&case, &before),
            }
            prop_assert_eq!(case.version as usize, journal.len());
        }
        prop_assert_eq!(Case::replay(&journal).unwrap(), case);
    }

    #[test]
    fn events_survive_a_json_round_trip(
        steps in prop::collection::vec((arb_command(), arb_actor(), arb_channel()), 1..20),
    ) {
        let (mut case, mut journal) = opened(Silence::Rejet);
        for (i, (cmd, actor, channel)) in steps.into_iter().enumerate() {
            if let Ok(d) = case.decide(cmd, ctx(actor, channel, i as i64)) {
                for e in d.events {
                    case = case.apply(&e).unwrap();
                    journal.push(e);
                }
            }
        }
        let json = serde_json::to_string(&journal).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Case::replay(&back).unwrap(), case);
    }
}

fn doc(name: &str) -> Document {
    Document {
        name: name.into(),
        media_type: "application/pdf".into(),
        sha256: "b".repeat(64),
        size: 1234,
        scanned_from_paper: true,
    }
}

/// Submitted at the counter and under examination, on day 1.
fn examined(silence: Silence) -> (Case, Vec<Event>) {
    let (mut case, mut journal) = opened(silence);
    run(
        &mut case,
        &mut journal,
        Command::Submit,
        ctx(front_desk(), Channel::Counter, 0),
    );
    run(
        &mut case,
        &mut journal,
        Command::StartExamination,
        ctx(officer(), Channel::Web, 1),
    );
    (case, journal)
}

#[test]
fn a_request_received_by_post_is_submitted_on_the_day_it_arrived() {
    let (mut case, mut journal) = opened(Silence::Accord);
    let arrived = ctx(front_desk(), Channel::Post, 0).now - Duration::days(3);
    let d = run(
        &mut case,
        &mut journal,
        Command::SubmitByPost {
            received_at: arrived,
        },
        ctx(front_desk(), Channel::Post, 0),
    );
    assert_eq!(case.submitted_at, Some(arrived));
    // The receipt's due date counts from the day of receipt: two months from it.
    let Action::Notify {
        notice: Notice::Receipt { due: Some(due), .. },
        ..
    } = &d.actions[0]
    else {
        panic!("a receipt with a due date: {:?}", d.actions)
    };
    assert_eq!(
        *due,
        arrived.checked_add_months(chrono::Months::new(2)).unwrap()
    );
    assert!(
        journal
            .last()
            .unwrap()
            .kind
            .label_fr()
            .contains("reçue par courrier le 02/01/2026")
    );

    // Not in the future, not long ago, and only on the post channel.
    let (fresh, _) = opened(Silence::Accord);
    let now = ctx(front_desk(), Channel::Post, 0).now;
    for (received_at, channel) in [
        (now + Duration::days(1), Channel::Post),
        (now - Duration::days(90), Channel::Post),
        (now, Channel::Counter),
    ] {
        let err = fresh
            .decide(
                Command::SubmitByPost { received_at },
                ctx(front_desk(), channel, 0),
            )
            .unwrap_err();
        assert!(matches!(err, CaseError::Invalid(_)), "{err:?}");
    }
}

#[test]
fn documents_received_on_any_channel_resume_the_examination() {
    let (mut case, mut journal) = examined(Silence::Rejet);
    let past = ctx(officer(), Channel::Web, 1).now - Duration::hours(1);
    let err = case
        .decide(
            Command::RequestDocuments {
                documents: vec!["avis d’imposition".into()],
                message: String::new(),
                reply_by: Some(past),
            },
            ctx(officer(), Channel::Web, 2),
        )
        .unwrap_err();
    assert_eq!(
        err.message_fr(),
        "La date limite de réponse doit être dans le futur."
    );
    let by = ctx(officer(), Channel::Web, 30).now;
    run(
        &mut case,
        &mut journal,
        Command::RequestDocuments {
            documents: vec!["avis d’imposition".into()],
            message: "Merci".into(),
            reply_by: Some(by),
        },
        ctx(officer(), Channel::Web, 2),
    );
    assert_eq!(case.reply_by, Some(by));
    assert_eq!(case.state, CaseState::WaitingForDocuments);
    // The paper reply arrives by post, registered at the front desk.
    let d = run(
        &mut case,
        &mut journal,
        Command::AttachDocument {
            document: doc("avis d’imposition"),
        },
        ctx(front_desk(), Channel::Post, 12),
    );
    assert_eq!(d.events.len(), 2);
    assert_eq!(d.events[1].kind, EventKind::ExaminationResumed);
    assert_eq!(case.state, CaseState::UnderExamination);
    assert_eq!(case.paused, Duration::days(10));
    assert_eq!(case.reply_by, None);
    assert_eq!(Case::replay(&journal).unwrap(), case);
}

#[test]
fn a_granted_right_is_revised_or_withdrawn_and_a_decided_case_is_not_decided_twice() {
    let (mut case, mut journal) = examined(Silence::Rejet);
    let decide = |outcome| Command::Decide {
        outcome,
        motivation: "Motif".into(),
    };
    // Nothing to withdraw before a right exists.
    let err = case.decide(decide(Outcome::Revoked), ctx(officer(), Channel::Web, 2));
    assert!(matches!(err, Err(CaseError::Invalid(_))));
    run(
        &mut case,
        &mut journal,
        decide(Outcome::Granted),
        ctx(officer(), Channel::Web, 2),
    );
    // Deciding again the same way is refused with a clear message.
    for again in [Outcome::Granted, Outcome::Refused] {
        let err = case
            .decide(decide(again), ctx(officer(), Channel::Web, 3))
            .unwrap_err();
        assert!(err.message_fr().contains("rouvrez-le"), "{err:?}");
    }
    let d = run(
        &mut case,
        &mut journal,
        decide(Outcome::Revised),
        ctx(officer(), Channel::Web, 40),
    );
    assert!(matches!(
        d.actions[0],
        Action::Notify {
            notice: Notice::Decision {
                outcome: Outcome::Revised,
                implicit: false
            },
            ..
        }
    ));
    run(
        &mut case,
        &mut journal,
        decide(Outcome::Revoked),
        ctx(officer(), Channel::Web, 80),
    );
    assert_eq!(case.state, CaseState::Decided(Outcome::Revoked));
    // After a withdrawal there is no right left to revise.
    assert!(
        case.decide(decide(Outcome::Revised), ctx(officer(), Channel::Web, 81))
            .is_err()
    );
    // A front-desk agent never decides.
    let (fresh, _) = examined(Silence::Rejet);
    assert!(matches!(
        fresh.decide(
            decide(Outcome::Granted),
            ctx(front_desk(), Channel::Counter, 2)
        ),
        Err(CaseError::NotAllowed { .. })
    ));
}

#[test]
fn cases_are_assigned_and_messages_go_both_ways() {
    let (mut case, mut journal) = examined(Silence::Rejet);
    let me = AgentId::from_uuid(uuid::Uuid::from_u128(2));
    run(
        &mut case,
        &mut journal,
        Command::Assign { agent: Some(me) },
        ctx(officer(), Channel::Web, 1),
    );
    assert_eq!(case.assigned_to, Some(me));
    assert!(
        case.decide(
            Command::Assign { agent: Some(me) },
            ctx(officer(), Channel::Web, 1)
        )
        .is_err()
    );
    assert!(
        case.decide(
            Command::Assign { agent: None },
            ctx(front_desk(), Channel::Counter, 1)
        )
        .is_err()
    );
    let d = run(
        &mut case,
        &mut journal,
        Command::SendMessage {
            text: "Il manque la page 2.".into(),
        },
        ctx(officer(), Channel::Web, 2),
    );
    assert!(matches!(
        &d.actions[0],
        Action::Notify {
            notice: Notice::Message { .. },
            ..
        }
    ));
    // The person's answer by post, recorded at the front desk, joins the same journal.
    let d = run(
        &mut case,
        &mut journal,
        Command::ReceiveMessage {
            text: "Je l’envoie demain.".into(),
        },
        ctx(front_desk(), Channel::Post, 3),
    );
    assert!(d.actions.is_empty());
    assert_eq!(journal.last().unwrap().channel, Channel::Post);
    assert!(
        case.decide(
            Command::ReceiveMessage { text: "x".into() },
            ctx(officer(), Channel::Web, 3)
        )
        .is_err()
    );
    assert_eq!(Case::replay(&journal).unwrap(), case);
}

/// A procedure with a legal deadline of `duration`, silence meaning acceptance.
fn procedure_with(duration: DeadlineDuration) -> HostedProcedure {
    procedure_deadline(LegalDeadline {
        duration,
        silence: Silence::Accord,
    })
}

#[test]
fn silence_accepts_exactly_at_the_deadline_and_not_a_minute_before() {
    let d = Case::open(
        CaseReference::from_random(9),
        &procedure_with(DeadlineDuration::Months(2)),
        person(),
        ctx(front_desk(), Channel::Counter, 0),
    )
    .unwrap();
    let (mut case, mut journal) = (Case::replay(&d.events).unwrap(), d.events);
    run(
        &mut case,
        &mut journal,
        Command::Submit,
        ctx(front_desk(), Channel::Counter, 0),
    );
    let submitted = case.submitted_at.unwrap();
    let due = Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap();
    assert_eq!(case.due_at_submission(), Some(due));
    assert_eq!(
        submitted + Duration::days(59),
        due,
        "January 5 + 2 months = March 5"
    );
    let system = |now| Context {
        actor: Actor::System,
        channel: Channel::System,
        now,
    };
    let early = case.decide(
        Command::ApplyImplicitDecision,
        system(due - Duration::minutes(1)),
    );
    assert_eq!(early.unwrap_err(), CaseError::DeadlineNotPassed);
    assert!(case.next_actions(due - Duration::minutes(1)).is_empty());
    assert_eq!(case.next_actions(due).len(), 1);
    let d = case
        .decide(Command::ApplyImplicitDecision, system(due))
        .unwrap();
    assert!(matches!(
        d.events[0].kind,
        EventKind::Decided {
            outcome: Outcome::Granted,
            implicit: true,
            ..
        }
    ));
}

fn arb_duration() -> impl Strategy<Value = DeadlineDuration> {
    prop_oneof![
        (1u16..400).prop_map(DeadlineDuration::Days),
        (1u8..13).prop_map(DeadlineDuration::Months),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The rule for days and months (see `Case::due_at_submission`), and pauses: the due date
    /// moves by exactly the time spent waiting for documents, however many pauses there were,
    /// and the clock stands still during a pause.
    #[test]
    fn the_deadline_counts_days_and_months_and_moves_by_exactly_the_paused_time(
        duration in arb_duration(),
        submit_minutes in 0i64..(366 * 24 * 60),
        pauses in prop::collection::vec((1i64..(20 * 24 * 60), 1i64..(30 * 24 * 60)), 0..4),
    ) {
        let start = Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap();
        let at = |minutes: i64| start + Duration::minutes(minutes);
        let d = Case::open(CaseReference::from_random(3), &procedure_with(duration), person(),
            Context { actor: front_desk(), channel: Channel::Counter, now: at(0) }).unwrap();
        let (mut case, mut journal) = (Case::replay(&d.events).unwrap(), d.events);
        let mut now = submit_minutes;
        let c = |actor, now| Context { actor, channel: Channel::Counter, now: at(now) };
        run(&mut case, &mut journal, Command::Submit, c(front_desk(), now));
        let submitted = at(now);
        let base = case.due_at_submission().unwrap();
        match duration {
            DeadlineDuration::Days(n) => prop_assert_eq!(base - submitted, Duration::days(i64::from(n))),
            DeadlineDuration::Months(m) => {
                use chrono::Datelike;
                let months = (base.year() - submitted.year()) * 12 + base.month() as i32 - submitted.month() as i32;
                prop_assert_eq!(months, i32::from(m));
                prop_assert!(base.day() == submitted.day() || base.day() < submitted.day());
                prop_assert_eq!(base.time(), submitted.time());
            }
        }
        run(&mut case, &mut journal, Command::StartExamination, c(officer(), now));
        let mut paused = Duration::zero();
        for (after, length) in pauses {
            now += after;
            run(&mut case, &mut journal, Command::RequestDocuments {
                documents: vec!["pièce".into()], message: String::new(), reply_by: None,
            }, c(officer(), now));
            let frozen = case.deadline_status(at(now));
            prop_assert!(matches!(frozen, DeadlineStatus::Suspended { .. }), "suspended");
            prop_assert_eq!(case.deadline_status(at(now + length / 2)), frozen, "the clock stands still");
            now += length;
            paused += Duration::minutes(length);
            run(&mut case, &mut journal, Command::ResumeExamination, c(officer(), now));
        }
        let due = base + paused;
        prop_assert_eq!(case.paused, paused);
        if at(now) < due {
            prop_assert_eq!(case.deadline_status(at(now)), DeadlineStatus::Running { due });
        }
        prop_assert!(matches!(case.deadline_status(due), DeadlineStatus::Passed { .. }), "passed at due");
        prop_assert_eq!(case.deadline_status(due - Duration::seconds(1)), DeadlineStatus::Running { due });
        prop_assert_eq!(case.due_at_submission(), Some(base), "the receipt's date never moves");
    }
}
