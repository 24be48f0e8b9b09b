//! Every shipped letter template, in every variant (standard, large print, easy to read, both),
//! for every notification, with and without a phone, and with the longest realistic names,
//! addresses and operator names, laid out as the printer gets it. Each letter must lay out
//! (the renderer's own guards: nothing but the address in the window, no missing glyph), and
//! then: no two text boxes overlap; no case reference, follow-up code or phone number is split
//! across lines; the text is at least 11 pt (16 pt in large print) outside the window; and it
//! says what it must — the silence rule on receipts, the signer's name and title and the legal
//! mentions on decisions, no sentence about a phone that does not exist, operator names with
//! their article.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone};
use guichet_domain::*;
use guichet_letters::render::{PlacedText, WINDOW_MM, layout, placed_texts};

use super::*;
use guichet_domain::PostalAddress;

const OPERATOR: &str =
    "Centre communal d’action sociale de Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson";
const PHONE: &str = "03 26 72 45 18";
const SIGNER: &str = "Marie-Christine Abdelkader-Vandenbroucke de la Fontaine";
const SIGNER_TITLE: &str = "Vice-présidente chargée de la solidarité et de l’action sociale";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

fn procedure(silence: Silence) -> HostedProcedure {
    let access = |how: &str| ChannelAccess { how: how.into() };
    HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("aide-facultative-energie").unwrap(),
        version: 1,
        title: "Aide facultative d’urgence pour le paiement des factures d’énergie et d’eau".into(),
        summary: String::new(),
        operator: OperatorId::parse("ccas-saint-remy").unwrap(),
        channels: BTreeMap::from([
            (ProcedureChannel::Web, access("en ligne")),
            (ProcedureChannel::Post, access("par courrier")),
            (ProcedureChannel::Counter, access("au guichet")),
        ]),
        deadline: Some(LegalDeadline {
            duration: DeadlineDuration::Months(2),
            silence,
        }),
        decides_rights: true,
    })
    .unwrap()
}

fn facts(phone: bool) -> CaseFacts {
    CaseFacts {
        procedure_title: procedure(Silence::Rejet).title().to_owned(),
        office: Office::new(
            OPERATOR,
            Some((
                &[
                    "Service des aides facultatives et de l’accompagnement social".to_owned(),
                    "Hôtel de ville, bâtiment administratif B, 2e étage".to_owned(),
                    "1 place du Général-de-Gaulle".to_owned(),
                    "BP 12345".to_owned(),
                ],
                "51300",
                "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson",
            )),
            phone.then_some((
                PHONE,
                Some("du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h"),
            )),
        ),
        signer: Some(DecisionSigner {
            mention: Some(
                "Pour le président du centre communal d’action sociale et par délégation".into(),
            ),
            name: SIGNER.into(),
            title: SIGNER_TITLE.into(),
        }),
    }
}

/// A person whose name takes two lines of the window, and whose address the other four.
fn person(large_print: bool, easy_read: bool) -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(4242)),
        name: PersonName::parse("Marie-Christine", "Abdelkader-Vandenbroucke de la Fontaine")
            .unwrap(),
        birth_date: None,
        address: Some(
            PostalAddress::parse(
                &[
                    "Appartement 1204, escalier C, étage 12",
                    "Résidence du Parc des Coteaux, bât. 4",
                    "127 boulevard du Général-de-Gaulle",
                ],
                "51300",
                "Vitry-le-François",
            )
            .unwrap(),
        ),
        email: None,
        phone: None,
        preferences: ContactPreferences::new(
            [ContactChannel::Post],
            true,
            AccessibleFormats {
                large_print,
                easy_read,
            },
        ),
    }
}

/// A case taken through `commands`; the events and notice of the last one.
fn run(silence: Silence, commands: &[Command]) -> (Case, Vec<Event>, Notice) {
    let officer = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(2)),
        role: AgentRole::CaseOfficer,
    };
    let front_desk = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(1)),
        role: AgentRole::FrontDesk,
    };
    let ctx = |actor, days| Context {
        actor,
        channel: Channel::Counter,
        now: t0() + Duration::days(days),
    };
    let p = person(false, false);
    let opened = Case::open(
        CaseReference::from_random(0x7_1234_5678),
        &procedure(silence),
        p.id,
        ctx(front_desk, 0),
    )
    .unwrap();
    let mut case = Case::replay(&opened.events).unwrap();
    let mut last = None;
    for (i, command) in commands.iter().enumerate() {
        let (actor, days) = match command {
            Command::ApplyImplicitDecision => (Actor::System, 70),
            Command::Submit => (front_desk, i as i64),
            Command::Withdraw { .. } => (Actor::Person { id: p.id }, i as i64),
            _ => (officer, i as i64),
        };
        let decision = case.decide(command.clone(), ctx(actor, days)).unwrap();
        for e in &decision.events {
            case = case.apply(e).unwrap();
        }
        last = Some(decision);
    }
    let decision = last.unwrap();
    let notice = decision
        .actions
        .iter()
        .find_map(|a| match a {
            Action::Notify { notice, .. } => Some(notice.clone()),
            _ => None,
        })
        .expect("the last command notifies");
    (case, decision.events, notice)
}

fn scenarios() -> Vec<(&'static str, Silence, Vec<Command>)> {
    let decide = |outcome| Command::Decide {
        outcome,
        motivation: "Les ressources déclarées du foyer, soit 1 843,27 € par mois pour trois \
                     personnes, dépassent le plafond de 1 650 € fixé par le règlement des aides \
                     facultatives adopté par le conseil d’administration le 14 janvier 2026"
            .into(),
    };
    let examined = |then: Vec<Command>| {
        let mut c = vec![Command::Submit, Command::StartExamination];
        c.extend(then);
        c
    };
    vec![
        (
            "accusé, silence vaut accord",
            Silence::Accord,
            vec![Command::Submit],
        ),
        (
            "accusé, silence vaut rejet",
            Silence::Rejet,
            vec![Command::Submit],
        ),
        (
            "demande de pièces",
            Silence::Rejet,
            examined(vec![Command::RequestDocuments {
                documents: vec![
                    "Avis d’imposition 2025 sur les revenus 2024 de chaque membre du foyer".into(),
                    "Trois dernières factures d’électricité, de gaz et d’eau".into(),
                    "Relevé d’identité bancaire au nom du demandeur ou de son fournisseur".into(),
                ],
                message: "Merci.".into(),
                reply_by: None,
            }]),
        ),
        (
            "demande de pièces avec date de réponse",
            Silence::Rejet,
            examined(vec![Command::RequestDocuments {
                documents: vec!["Justificatif de domicile de moins de trois mois".into()],
                message: String::new(),
                reply_by: Some(t0() + Duration::days(40)),
            }]),
        ),
        (
            "message du service",
            Silence::Rejet,
            examined(vec![Command::SendMessage {
                text: "Votre avis d’imposition est bien arrivé, mais il manque la deuxième page \
                       (celle qui indique le revenu fiscal de référence du foyer). Pouvez-vous \
                       nous l’envoyer ou l’apporter à l’accueil de la mairie ?"
                    .into(),
            }]),
        ),
        (
            "révision du droit",
            Silence::Rejet,
            examined(vec![decide(Outcome::Granted), decide(Outcome::Revised)]),
        ),
        (
            "retrait du droit",
            Silence::Rejet,
            examined(vec![decide(Outcome::Granted), decide(Outcome::Revoked)]),
        ),
        (
            "refus",
            Silence::Rejet,
            examined(vec![decide(Outcome::Refused)]),
        ),
        (
            "attribution",
            Silence::Rejet,
            examined(vec![decide(Outcome::Granted)]),
        ),
        (
            "rejet implicite",
            Silence::Rejet,
            vec![Command::Submit, Command::ApplyImplicitDecision],
        ),
        (
            "acceptation implicite",
            Silence::Accord,
            vec![Command::Submit, Command::ApplyImplicitDecision],
        ),
        (
            "abandon",
            Silence::Rejet,
            vec![
                Command::Submit,
                Command::Withdraw {
                    reason: Some("La personne a retrouvé un emploi".into()),
                },
            ],
        ),
        (
            "réexamen",
            Silence::Rejet,
            examined(vec![
                decide(Outcome::Refused),
                Command::Reopen {
                    reason: "Recours gracieux reçu le 20 mars 2026 avec de nouveaux justificatifs \
                             de ressources du foyer"
                        .into(),
                },
            ]),
        ),
    ]
}

/// The letters of the templates that no case command causes yet (reminders, mandates), from
/// their sample values made long.
fn letters_without_a_notice(variant: (bool, bool), phone: bool) -> Vec<(String, Letter)> {
    let (case, _, _) = run(Silence::Rejet, &[Command::Submit]);
    let facts = facts(phone);
    let person = person(variant.0, variant.1);
    let wording = if variant.1 {
        Wording::EasyToRead
    } else {
        Wording::Standard
    };
    let size = if variant.0 {
        PrintSize::LargePrint
    } else {
        PrintSize::Standard
    };
    let templates = Templates::shipped().unwrap();
    let mut out = Vec::new();
    for kind in [NotificationKind::Reminder, NotificationKind::MandateNotice] {
        let mut values = crate::template::sample_values(kind);
        values.remove("telephone_operateur");
        let base = values_for(&case, &person, &facts);
        values.extend(base);
        values.insert(
            "aidant".into(),
            Value::Text(
                "Jean-Baptiste Ravelomanantsoa-Rakotondrabe, France Services de Saint-Rémy".into(),
            ),
        );
        let template = templates
            .candidates(kind, Delivery::Letter, wording)
            .into_iter()
            .next()
            .unwrap();
        let text = template.render(&values).unwrap();
        let letter = letter(
            &case,
            &person,
            &facts,
            kind,
            &text,
            size,
            template.source().wording,
            t0(),
        )
        .unwrap();
        out.push((kind.as_str().to_owned(), letter));
    }
    out
}

/// The values every notice gives, from a real case (reference, follow-up code, operator).
fn values_for(case: &Case, person: &Person, facts: &CaseFacts) -> Values {
    values(case, &[], person, facts, &Notice::Withdrawn, t0())
}

/// Lines of the document as a person reads them, runs grouped by baseline, page by page.
fn lines(pages: &[Vec<PlacedText>]) -> Vec<String> {
    let mut out = Vec::new();
    for texts in pages {
        let mut sorted = texts.clone();
        sorted.sort_by(|a, b| a.baseline.total_cmp(&b.baseline).then(a.x.total_cmp(&b.x)));
        let mut page: Vec<(f64, String)> = Vec::new();
        for t in sorted {
            match page.last_mut() {
                Some((y, s)) if (t.baseline - *y).abs() < 0.5 => s.push_str(&t.text),
                _ => page.push((t.baseline, t.text.clone())),
            }
        }
        out.extend(page.into_iter().map(|(_, s)| s));
    }
    out.into_iter()
        .map(|s| s.replace(['\u{a0}', '\u{202f}'], " ").trim().to_owned())
        .collect()
}

fn in_window(t: &PlacedText) -> bool {
    let mm = |pt: f64| pt / 72.0 * 25.4;
    let (l, top, r, b) = WINDOW_MM;
    mm(t.x) < r && mm(t.x + t.width) > l && mm(t.baseline) > top && mm(t.baseline - t.size) < b
}

/// Everything that is wrong with one laid-out letter, in French-free test language.
fn problems(name: &str, letter: &Letter, kind: NotificationKind, phone: bool) -> Vec<String> {
    let mut found = Vec::new();
    let document = match layout(letter) {
        Ok(d) => d,
        Err(e) => return vec![format!("{name}: does not lay out: {e}")],
    };
    let pages: Vec<Vec<PlacedText>> = document
        .pages()
        .iter()
        .map(|p| placed_texts(&p.frame))
        .collect();

    // No two text boxes overlap (ascent 0.75 em, descent 0.2 em: the glyphs' usual extent).
    for (n, texts) in pages.iter().enumerate() {
        let boxes: Vec<(f64, f64, f64, f64, &str)> = texts
            .iter()
            .filter(|t| !t.text.trim().is_empty())
            .map(|t| {
                (
                    t.x,
                    t.x + t.width,
                    t.baseline - 0.75 * t.size,
                    t.baseline + 0.2 * t.size,
                    t.text.as_str(),
                )
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let x = a.1.min(b.1) - a.0.max(b.0);
                let y = a.3.min(b.3) - a.2.max(b.2);
                if x > 0.5 && y > 0.5 {
                    found.push(format!(
                        "{name}: page {}: « {} » overlaps « {} »",
                        n + 1,
                        a.4,
                        b.4
                    ));
                }
            }
        }
    }

    // Sizes: at least 11 pt (16 pt in large print), but for the address in the window.
    let least = match letter.size {
        PrintSize::LargePrint => 16.0,
        PrintSize::Standard => 11.0,
    };
    for (n, texts) in pages.iter().enumerate() {
        for t in texts {
            let address = n == 0 && in_window(t);
            if !address && !t.text.trim().is_empty() && t.size < least - 0.01 {
                found.push(format!("{name}: « {} » is set at {} pt", t.text, t.size));
            }
        }
    }

    // Nothing that a person quotes is split across lines.
    let lines = lines(&pages);
    let broken = lines.join("\n");
    let joined = lines.join(" ");
    let glued = lines.join("");
    let reference = letter
        .reference
        .as_ref()
        .expect("every letter has its reference");
    let mut tokens = vec![
        reference.case_reference.clone(),
        reference.follow_up_code.clone(),
    ];
    if phone {
        tokens.push(PHONE.to_owned());
    }
    for token in &tokens {
        let whole = broken.matches(token.as_str()).count();
        let read = joined
            .matches(token.as_str())
            .count()
            .max(glued.matches(token.as_str()).count());
        if whole != read {
            found.push(format!(
                "{name}: « {token} » is split across lines ({whole} whole of {read})"
            ));
        }
        if read == 0 && token != PHONE {
            found.push(format!("{name}: « {token} » is missing"));
        }
    }

    // What it must say, read across line ends (a line that ends on a hyphen goes on).
    let text = joined.replace("- ", "-");
    let mut must = |ok: bool, what: &str| {
        if !ok {
            found.push(format!("{name}: {what}\n{text}"));
        }
    };
    must(
        !text.contains(&format!("de {OPERATOR}"))
            && !text.contains(&format!("à {OPERATOR}"))
            && !text.contains("standard de"),
        "an operator's name without its article",
    );
    must(
        phone
            || !["ppelez", " appeler", "éléphone", "standard"]
                .iter()
                .any(|w| text.contains(w)),
        "a sentence about a phone that does not exist",
    );
    must(
        !phone || text.contains(PHONE),
        "the phone number is not given",
    );
    match kind {
        NotificationKind::Receipt => {
            let silence = text.contains("acceptée") || text.contains("refusée");
            must(silence, "a receipt that does not say what silence means");
        }
        NotificationKind::Decision => {
            let easy = letter.wording == Wording::EasyToRead;
            must(
                text.contains("recours gracieux") && text.contains("recours contentieux"),
                "a decision without both remedies",
            );
            must(
                text.contains("tribunal administratif"),
                "a decision without the court",
            );
            must(
                text.contains(if easy { "2 mois" } else { "deux mois" }),
                "a decision without the time limit",
            );
            must(
                text.contains(SIGNER) && text.contains(SIGNER_TITLE),
                "a decision without its signer's name and title",
            );
            must(
                text.contains("par délégation"),
                "a delegate's signature without its mention",
            );
        }
        _ => must(
            !text.contains(SIGNER),
            "a letter that is not a decision signed by a person",
        ),
    }
    found
}

#[test]
fn every_letter_in_every_variant_reads_right_with_the_longest_names() {
    let templates = Templates::shipped().unwrap();
    let variants = [(false, false), (true, false), (false, true), (true, true)];
    let mut found = Vec::new();
    let mut checked = 0;
    for phone in [true, false] {
        let facts = facts(phone);
        for (large, easy) in variants {
            let person = person(large, easy);
            let recipient = Recipient {
                person: person.clone(),
                address_suspect: false,
            };
            for (scenario, silence, commands) in scenarios() {
                let (case, events, notice) = run(silence, &commands);
                let name = format!("{scenario} (large {large}, easy {easy}, phone {phone})");
                let letter = notice_letter(
                    &case,
                    &events,
                    &recipient,
                    &facts,
                    &notice,
                    &templates,
                    t0(),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(letter.wording == Wording::EasyToRead, easy, "{name}");
                found.extend(problems(&name, &letter, notice.kind(), phone));
                checked += 1;
            }
            for (kind, letter) in letters_without_a_notice((large, easy), phone) {
                let name = format!("{kind} (large {large}, easy {easy}, phone {phone})");
                let k = if kind == "reminder" {
                    NotificationKind::Reminder
                } else {
                    NotificationKind::MandateNotice
                };
                found.extend(problems(&name, &letter, k, phone));
                checked += 1;
            }
        }
    }
    // 13 scenarios and 2 sample kinds, in 4 variants, with and without a phone.
    assert_eq!(checked, 120);
    assert!(found.is_empty(), "{}", found.join("\n\n"));
}
