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
        deadline: Some(LegalDeadline {
            duration: DeadlineDuration::Months(2),
            silence,
        }),
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
            }
        }),
        (
            prop_oneof![
                Just(Outcome::Granted),
                Just(Outcome::Refused),
                Just(Outcome::Revised)
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
                    prop_assert_eq!(d.events.len(), 1);
                    for e in &d.events {
                        prop_assert_eq!(e.seq, before.version + 1);
                        let next = case.apply(e).expect("decide only emits legal events");
                        prop_assert!(next.state == before.state || before.state.can_move_to(next.state));
                        if before.state.is_closed() {
                            let allowed = matches!(e.kind, EventKind::Reopened { .. } | EventKind::NoteAdded { .. });
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
