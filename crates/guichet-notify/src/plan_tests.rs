//! The pure planning: notices in, intents and alerts out.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone};
use guichet_domain::*;

use super::*;
use guichet_domain::PostalAddress;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

fn procedure() -> HostedProcedure {
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
                ProcedureChannel::Post,
                ChannelAccess {
                    how: "par courrier".into(),
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

fn person(channels: &[ContactChannel], refuses: bool, address: bool) -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(42)),
        name: PersonName::parse("Odette", "Lambert").unwrap(),
        birth_date: None,
        address: address.then(|| {
            PostalAddress::parse(&["27 rue du Calvaire"], "59990", "Saint-Clair-sur-Lys").unwrap()
        }),
        email: Some(guichet_domain::Email::parse("odette@example.fr").unwrap()),
        phone: Some(PhoneNumber::parse("06 12 34 56 78").unwrap()),
        preferences: ContactPreferences::new(
            channels.iter().copied(),
            refuses,
            AccessibleFormats::default(),
        ),
    }
}

fn facts() -> CaseFacts {
    CaseFacts {
        procedure_title: "Aide sociale d’urgence".into(),
        office: Office::new(
            "CCAS de Saint-Clair-sur-Lys",
            Some((
                &[
                    "CCAS de Saint-Clair-sur-Lys".to_owned(),
                    "2 place de la Mairie".to_owned(),
                ],
                "59990",
                "Saint-Clair-sur-Lys",
            )),
            Some(("03 20 00 00 00", Some("du lundi au vendredi de 9 h à 12 h"))),
        ),
        signer: Some(DecisionSigner {
            mention: None,
            name: "Julien Morel".into(),
            title: "Instructeur, CCAS de Saint-Clair-sur-Lys".into(),
        }),
    }
}

struct Run {
    case: Case,
    decision: Decision,
}

/// Opens, submits and optionally decides a case for `person`, returning the last step.
fn run(person: &Person, commands: &[Command]) -> Run {
    let agent = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(1)),
        role: AgentRole::FrontDesk,
    };
    let officer = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(2)),
        role: AgentRole::CaseOfficer,
    };
    let ctx = |actor, days| Context {
        actor,
        channel: Channel::Counter,
        now: t0() + Duration::days(days),
    };
    let opened = Case::open(
        CaseReference::from_random(77),
        &procedure(),
        person.id,
        ctx(agent, 0),
    )
    .unwrap();
    let mut case = Case::replay(&opened.events).unwrap();
    let mut last = None;
    for (i, command) in commands.iter().enumerate() {
        let actor = if matches!(command, Command::Submit) {
            agent
        } else if matches!(command, Command::ApplyImplicitDecision) {
            Actor::System
        } else {
            officer
        };
        let days = if matches!(command, Command::ApplyImplicitDecision) {
            70
        } else {
            i as i64
        };
        let decision = case.decide(command.clone(), ctx(actor, days)).unwrap();
        for e in &decision.events {
            case = case.apply(e).unwrap();
        }
        last = Some(decision);
    }
    Run {
        case,
        decision: last.unwrap(),
    }
}

fn plan(person: &Person, suspect: bool, commands: &[Command]) -> (Run, Plan) {
    let r = run(person, commands);
    let recipient = Recipient {
        person: person.clone(),
        address_suspect: suspect,
    };
    let p = plan_intents(
        &r.case,
        &r.decision.events,
        &recipient,
        &facts(),
        &r.decision.actions,
        &Templates::shipped().unwrap(),
        r.decision.events[0].at,
    );
    (r, p)
}

fn channels(p: &Plan) -> Vec<&str> {
    p.intents.iter().map(|i| i.channel.as_str()).collect()
}

fn payload(i: &PlannedIntent) -> Payload {
    i.payload.clone()
}

fn decide() -> Vec<Command> {
    vec![
        Command::Submit,
        Command::StartExamination,
        Command::Decide {
            outcome: Outcome::Granted,
            motivation: "Aide de 150 € accordée pour la facture de chauffage.".into(),
        },
    ]
}

#[test]
fn a_receipt_goes_out_on_the_preferred_channel_with_a_deterministic_key() {
    use ContactChannel::*;
    let p = person(&[Sms, Email, Post], false, true);
    let (r, plan) = plan(&p, false, &[Command::Submit]);
    assert_eq!(channels(&plan), vec!["sms"]);
    assert!(plan.alerts.is_empty());
    let i = &plan.intents[0];
    assert_eq!(i.kind, NotificationKind::Receipt);
    assert_eq!(
        i.idempotency_key,
        format!("{}:2:receipt:sms", r.case.reference)
    );
    let Payload::Sms { to, text } = payload(i) else {
        panic!("not an SMS")
    };
    assert_eq!(to, "+33612345678");
    assert!(text.contains(r.case.reference.as_str()), "{text}");
    assert!(
        text.contains("2 mai 2026"),
        "due date in two months: {text}"
    );
    assert!(crate::sms_text::measure(&text).parts <= 1, "{text}");
}

#[test]
fn refusing_digital_means_letters_only_even_with_email_and_mobile_on_file() {
    use ContactChannel::*;
    let p = person(&[Email, Sms, Post], true, true);
    for commands in [vec![Command::Submit], decide()] {
        let (_, plan) = plan(&p, false, &commands);
        assert_eq!(channels(&plan), vec!["letter"], "{commands:?}");
        assert!(plan.alerts.is_empty());
    }
}

#[test]
fn a_decision_on_a_right_adds_a_letter_with_legal_mentions() {
    let p = person(&[ContactChannel::Email, ContactChannel::Post], false, true);
    let (r, plan) = plan(&p, false, &decide());
    assert_eq!(channels(&plan), vec!["email", "letter"]);
    let Payload::Letter { letter, .. } = payload(&plan.intents[1]) else {
        panic!("not a letter")
    };
    let LetterKind::Decision { legal_mentions } = &letter.kind else {
        panic!("not a decision letter")
    };
    assert!(legal_mentions.iter().any(|m| m.contains("recours")));
    assert_eq!(
        letter.recipient.lines().last().unwrap(),
        "59990 SAINT-CLAIR-SUR-LYS"
    );
    assert_eq!(letter.recipient.lines()[0], "Odette LAMBERT");
    assert_eq!(letter.sender.name, "CCAS de Saint-Clair-sur-Lys");
    assert_eq!(
        letter.sender.lines,
        vec![
            "2 place de la Mairie",
            "59990 SAINT-CLAIR-SUR-LYS",
            "Téléphone : 03 20 00 00 00 (du lundi au vendredi de 9 h à 12 h)"
        ]
    );
    assert_eq!(letter.place, "Saint-Clair-sur-Lys");
    assert!(
        letter
            .body
            .iter()
            .any(|b| b.contains("votre demande est acceptée")),
        "{:?}",
        letter.body
    );
    // Signed by the officer who decided, by name and title (CRPA art. L212-1).
    assert_eq!(letter.signature.by, guichet_letters::Signer::Person);
    assert_eq!(letter.signature.name, "Julien Morel");
    // « auprès du CCAS », never « auprès de CCAS ».
    let LetterKind::Decision { legal_mentions } = &letter.kind else {
        unreachable!()
    };
    assert!(
        legal_mentions[0].contains("auprès du CCAS de Saint-Clair-sur-Lys"),
        "{legal_mentions:?}"
    );
    assert!(
        letter
            .body
            .iter()
            .any(|b| b.contains("Aide de 150 € accordée"))
    );
    let reference = letter.reference.as_ref().unwrap();
    assert_eq!(reference.case_reference, r.case.reference.as_str());
    assert_eq!(reference.follow_up_code, follow_up_code(&r.case));
    letter.check().unwrap();
    // The email carries the same decision as a PDF attachment.
    let Payload::Email {
        letter: attached, ..
    } = payload(&plan.intents[0])
    else {
        panic!("not an email")
    };
    assert!(attached.is_some());
    assert_eq!(plan.intents[1].postcode.as_deref(), Some("59990"));
}

#[test]
fn silence_decides_with_a_paper_letter() {
    let p = person(&[ContactChannel::Sms], false, true);
    let (_, plan) = plan(
        &p,
        false,
        &[Command::Submit, Command::ApplyImplicitDecision],
    );
    assert_eq!(channels(&plan), vec!["sms", "letter"]);
    let Payload::Letter { letter, .. } = payload(&plan.intents[1]) else {
        panic!("not a letter")
    };
    assert!(
        letter
            .body
            .iter()
            .any(|b| b.contains("son silence vaut rejet")),
        "{:?}",
        letter.body
    );
}

#[test]
fn nobody_to_write_to_alerts_an_agent_and_enqueues_nothing() {
    let p = person(&[ContactChannel::Counter], true, false);
    let (_, plan) = plan(&p, false, &[Command::Submit]);
    assert!(plan.intents.is_empty());
    assert_eq!(plan.alerts.len(), 1);
    assert_eq!(plan.alerts[0].kind, AlertKind::Unreachable);
    assert!(plan.alerts[0].message.contains("Odette LAMBERT"));
}

#[test]
fn a_suspect_address_is_not_used_and_a_decision_then_alerts_an_agent() {
    let p = person(&[ContactChannel::Post, ContactChannel::Email], false, true);
    let (_, receipt) = plan(&p, true, &[Command::Submit]);
    assert_eq!(channels(&receipt), vec!["email"]);
    let (_, decision) = plan(&p, true, &decide());
    assert_eq!(channels(&decision), vec!["email"]);
    assert_eq!(decision.alerts.len(), 1);
    assert_eq!(decision.alerts[0].kind, AlertKind::PaperWithoutAddress);
}

#[test]
fn easy_to_read_and_large_print_are_honoured() {
    let mut p = person(&[ContactChannel::Post], false, true);
    p.preferences.formats = AccessibleFormats {
        large_print: true,
        easy_read: true,
    };
    let (_, plan) = plan(&p, false, &decide());
    let Payload::Letter { letter, .. } = payload(&plan.intents[0]) else {
        panic!("not a letter")
    };
    assert_eq!(letter.size, PrintSize::LargePrint);
    assert_eq!(letter.wording, Wording::EasyToRead);
    assert_eq!(letter.subject, "La réponse à votre demande");
}

#[test]
fn an_address_the_post_would_refuse_becomes_an_alert_not_a_cut_letter() {
    let mut p = person(&[ContactChannel::Post], false, true);
    // Stored before addresses were checked as they are typed (`PostalAddress::parse` refuses
    // it now): the letter's own check still stands between it and the printer.
    p.address = Some(
        serde_json::from_value(serde_json::json!({
            "lines": ["Résidence autonomie Les Glycines, bâtiment C, 2 rue Louis-Pasteur"],
            "postcode": "59990",
            "town": "Saint-Clair-sur-Lys",
        }))
        .unwrap(),
    );
    assert!(
        PostalAddress::parse(
            &["Résidence autonomie Les Glycines, bâtiment C, 2 rue Louis-Pasteur"],
            "59990",
            "Saint-Clair-sur-Lys",
        )
        .is_err()
    );
    let (_, plan) = plan(&p, false, &[Command::Submit]);
    assert!(plan.intents.is_empty());
    assert_eq!(plan.alerts.len(), 1);
    assert_eq!(plan.alerts[0].kind, AlertKind::NotificationUnprepared);
    assert!(
        plan.alerts[0].message.contains("38"),
        "{}",
        plan.alerts[0].message
    );
}

#[test]
fn documents_requests_list_the_documents() {
    let p = person(&[ContactChannel::Email], false, true);
    let (_, plan) = plan(
        &p,
        false,
        &[
            Command::Submit,
            Command::StartExamination,
            Command::RequestDocuments {
                documents: vec!["Quittance de loyer".into(), "Avis d’imposition".into()],
                message: "Merci.".into(),
                reply_by: None,
            },
        ],
    );
    assert_eq!(channels(&plan), vec!["email"]);
    let Payload::Email { text, html, .. } = payload(&plan.intents[0]) else {
        panic!("not an email")
    };
    assert!(text.contains("– Quittance de loyer"), "{text}");
    assert!(html.contains("lang=\"fr\""));
}

#[test]
fn a_stored_template_that_cannot_be_filled_falls_back_to_the_shipped_one() {
    let p = person(&[ContactChannel::Post], false, true);
    let r = run(&p, &decide());
    let mut templates = Templates::shipped().unwrap();
    // An administrator's decision letter that uses the amount, which case decisions lack.
    let custom = crate::template::parse_template_file(
        "kind = \"decision\"\nchannel = \"letter\"\nsubject = \"Décision\"\n\
         body = \"Montant : {{ montant }}.\"\nlegal_mentions = \"Recours possible sous deux mois.\"\n",
    )
    .unwrap();
    for t in templates.in_use.iter_mut() {
        if key_of(t) == key_of(&custom) {
            *t = custom.clone();
        }
    }
    let plan = plan_intents(
        &r.case,
        &r.decision.events,
        &Recipient {
            person: p,
            address_suspect: false,
        },
        &facts(),
        &r.decision.actions,
        &templates,
        t0(),
    );
    assert_eq!(channels(&plan), vec!["letter"]);
    let Payload::Letter { letter, .. } = payload(&plan.intents[0]) else {
        panic!("not a letter")
    };
    assert_eq!(letter.subject, "Décision sur votre demande");
}

#[test]
fn every_notice_of_the_domain_has_templates_on_every_channel() {
    let shipped = Templates::shipped().unwrap();
    let notices = [
        Notice::Receipt {
            due: None,
            silence: None,
        },
        Notice::DocumentsRequested {
            documents: vec![],
            reply_by: None,
        },
        Notice::Decision {
            outcome: Outcome::Refused,
            implicit: false,
        },
        Notice::Withdrawn,
        Notice::Reopened,
    ];
    for n in notices {
        for c in [Delivery::Email, Delivery::Sms, Delivery::Letter] {
            assert!(
                !shipped
                    .candidates(n.kind(), c, Wording::EasyToRead)
                    .is_empty(),
                "{n:?} {c:?}"
            );
        }
    }
}

#[test]
fn a_decision_nobody_can_sign_alerts_an_agent_instead_of_going_out_unsigned() {
    let p = person(&[ContactChannel::Post], false, true);
    let r = run(&p, &decide());
    let mut unsigned = facts();
    unsigned.signer = None;
    let plan = plan_intents(
        &r.case,
        &r.decision.events,
        &Recipient {
            person: p,
            address_suspect: false,
        },
        &unsigned,
        &r.decision.actions,
        &Templates::shipped().unwrap(),
        t0(),
    );
    assert!(plan.intents.is_empty());
    assert_eq!(plan.alerts.len(), 1);
    assert!(
        plan.alerts[0].message.contains("signataire"),
        "{}",
        plan.alerts[0].message
    );
}

#[test]
fn without_a_phone_no_sentence_promises_one() {
    let p = person(&[ContactChannel::Post], false, true);
    let mut no_phone = facts();
    no_phone.office = Office::new(
        "Mairie de Saint-Clair-sur-Lys",
        Some((
            &["2 place de la Mairie".to_owned()],
            "59990",
            "Saint-Clair-sur-Lys",
        )),
        None,
    );
    for easy in [false, true] {
        let mut p = p.clone();
        p.preferences.formats.easy_read = easy;
        for commands in [vec![Command::Submit], decide()] {
            let r = run(&p, &commands);
            let plan = plan_intents(
                &r.case,
                &r.decision.events,
                &Recipient {
                    person: p.clone(),
                    address_suspect: false,
                },
                &no_phone,
                &r.decision.actions,
                &Templates::shipped().unwrap(),
                t0(),
            );
            assert!(plan.alerts.is_empty(), "{:?}", plan.alerts);
            let Payload::Letter { letter, .. } = payload(&plan.intents[0]) else {
                panic!("not a letter")
            };
            let all = letter.body.join("\n");
            assert!(!all.contains("appel"), "{all}");
            assert!(!all.contains("téléphone"), "{all}");
            assert!(!all.contains("standard"), "{all}");
            assert!(all.contains("guichet"), "{all}");
        }
    }
}
