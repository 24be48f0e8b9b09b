//! The demonstration data set: a town hall and its social action centre (CCAS), five hosted
//! procedures written in our own words after real French ones, a dozen people — some with no
//! email, phone or computer, some refusing digital — and cases in every state, on every channel.
//!
//! Cases are built by running real commands through the case service, so the demo journals and
//! outbox are exactly what the server would have written:
//! receipts, requests for documents and decisions wait in the outbox (`guichet notifications`),
//! and people who refuse digital get letters only.

use anyhow::Context as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use guichet_cases::CaseService;
use guichet_domain::*;

const TOWN_HALL: &str = "mairie-saint-clair";

pub async fn load(cases: &CaseService, now: DateTime<Utc>) -> anyhow::Result<String> {
    let store = cases.store();
    let operators = store.list_operators().await?;
    if operators.iter().any(|o| o.id.as_str() == TOWN_HALL) {
        return Ok("The demonstration data is already loaded.".to_owned());
    }
    for operator in demo_operators()? {
        store.save_operator(&operator).await?;
    }
    // Decisions must name their signer: the demo's officer has no account of their own, and
    // silence decides some cases, so each operator delegates its signature.
    for (operator, mention, name, title) in DEMO_SIGNATURES {
        store
            .set_signature_delegation(
                &guichet_store::SignatureDelegation {
                    operator: OperatorId::parse(operator)?,
                    mention: mention.to_owned(),
                    name: name.to_owned(),
                    title: title.to_owned(),
                    every_decision: false,
                },
                now - Duration::days(200),
            )
            .await?;
    }
    let procedures = demo_procedures()?;
    for p in &procedures {
        store
            .publish_procedure(p, now - Duration::days(200))
            .await?;
    }
    // The definition files give letters their sender block (return address, phone).
    guichet_catalogue::demo::publish(store, now - Duration::days(200)).await?;
    let people = demo_people()?;
    for p in &people {
        store.insert_person(p, now - Duration::days(120)).await?;
    }
    let cases = load_cases(cases, &procedures, &people, now).await?;
    guichet_web::staff::seed_demo_accounts(store, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo accounts: {e:?}"))?;
    // The person account of the demonstration follows one case of its person.
    let first = store
        .list_cases(&guichet_store::CaseFilter {
            limit: 1,
            ..guichet_store::CaseFilter::default()
        })
        .await?;
    guichet_web::routes::account::seed_demo_account(
        store,
        first.first().map(|c| c.reference.as_str()),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo person account: {e:?}"))?;
    Ok(format!(
        "Demonstration data loaded: 2 operators, {} procedures, {} people, {cases} cases, {} staff accounts, 1 person account.",
        procedures.len(),
        people.len(),
        guichet_web::staff::DEMO_ACCOUNTS.len()
    ))
}

/// Who signs each demo operator's decisions by delegation: (operator, mention, name, title).
const DEMO_SIGNATURES: [(&str, &str, &str, &str); 2] = [
    (
        TOWN_HALL,
        "Pour le maire et par délégation",
        "Sophie Lambert",
        "Officière d’état civil, mairie de Saint-Clair-sur-Lys",
    ),
    (
        "ccas-saint-clair",
        "Pour le président du CCAS et par délégation",
        "Julien Morel",
        "Instructeur, CCAS de Saint-Clair-sur-Lys",
    ),
];

fn demo_operators() -> anyhow::Result<Vec<Operator>> {
    Ok(guichet_catalogue::demo::operators())
}

/// The demo procedures, compiled from the catalogue's definition files (the single source of
/// their text), in the order the case scripts below refer to them.
pub fn demo_procedures() -> anyhow::Result<Vec<HostedProcedure>> {
    Ok(guichet_catalogue::demo::definitions()?
        .iter()
        .map(|d| d.procedure().clone())
        .collect())
}

struct PersonSpec {
    given: &'static str,
    family: &'static str,
    born: (i32, u32, u32),
    street: &'static str,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    channels: &'static [ContactChannel],
    refuses_digital: bool,
    large_print: bool,
    easy_read: bool,
}

fn demo_people() -> anyhow::Result<Vec<Person>> {
    use ContactChannel::*;
    let specs = [
        PersonSpec {
            given: "Marcel",
            family: "Dupont",
            born: (1938, 4, 2),
            street: "12 rue de la Poste",
            email: None,
            phone: None,
            channels: &[Post, Counter],
            refuses_digital: true,
            large_print: true,
            easy_read: false,
        },
        PersonSpec {
            given: "Fatima",
            family: "Benali",
            born: (1984, 11, 23),
            street: "5 allée des Tilleuls",
            email: Some("fatima.benali@example.fr"),
            phone: Some("06 11 22 33 44"),
            channels: &[Email, Sms, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Jean-Pierre",
            family: "Lefèvre",
            born: (1951, 7, 14),
            street: "Ferme du Moulin, chemin des Prés",
            email: None,
            phone: Some("03 20 12 34 56"),
            channels: &[Phone, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Sophie",
            family: "Martin",
            born: (1990, 2, 9),
            street: "18 rue Victor-Hugo",
            email: Some("sophie.martin@example.fr"),
            phone: None,
            channels: &[Email, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Lucas",
            family: "Moreau",
            born: (2001, 9, 30),
            street: "3 résidence du Parc, appartement 12",
            email: None,
            phone: Some("07 55 44 33 22"),
            channels: &[Sms, Phone, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Odette",
            family: "Lambert",
            born: (1945, 1, 19),
            street: "27 rue du Calvaire",
            email: None,
            phone: Some("03 20 98 76 54"),
            channels: &[Counter, Phone, Post],
            refuses_digital: true,
            large_print: true,
            easy_read: true,
        },
        PersonSpec {
            given: "Karim",
            family: "Haddad",
            born: (1977, 6, 5),
            street: "9 rue des Écoles",
            email: Some("karim.haddad@example.fr"),
            phone: Some("06 98 76 54 32"),
            channels: &[Sms, Email, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Chantal",
            family: "Girard",
            born: (1962, 12, 1),
            street: "Hameau de la Croix, 4 impasse des Saules",
            email: None,
            phone: None,
            channels: &[Counter, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: true,
        },
        PersonSpec {
            given: "Thomas",
            family: "Petit",
            born: (1995, 3, 17),
            street: "41 boulevard de la République",
            email: Some("thomas.petit@example.fr"),
            phone: Some("06 01 02 03 04"),
            channels: &[Email, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Yvette",
            family: "Roux",
            born: (1933, 8, 8),
            street: "Résidence autonomie Les Glycines, 2 rue Pasteur",
            email: None,
            phone: Some("03 20 55 66 77"),
            channels: &[Phone, Post],
            refuses_digital: true,
            large_print: true,
            easy_read: false,
        },
        PersonSpec {
            given: "Nadia",
            family: "Mercier",
            born: (1988, 5, 25),
            street: "7 rue des Lilas",
            email: Some("nadia.mercier@example.fr"),
            phone: Some("07 12 34 56 78"),
            channels: &[Email, Sms, Post],
            refuses_digital: false,
            large_print: false,
            easy_read: false,
        },
        PersonSpec {
            given: "Gérard",
            family: "Fontaine",
            born: (1949, 10, 11),
            street: "15 route de Lille",
            email: None,
            phone: Some("06 22 33 44 55"),
            channels: &[Phone, Counter, Post],
            refuses_digital: true,
            large_print: false,
            easy_read: false,
        },
    ];
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(Person {
                id: PersonId::from_uuid(uuid::Uuid::from_u128(0x6775_6963_6865_7400 + i as u128)),
                name: PersonName::parse(s.given, s.family)?,
                birth_date: NaiveDate::from_ymd_opt(s.born.0, s.born.1, s.born.2),
                // "Hameau de la Croix, 4 impasse des Saules": one address line per part, so
                // that each fits the 38 characters of the postal standard.
                address: Some(PostalAddress::parse(
                    &s.street.split(", ").collect::<Vec<_>>(),
                    "59990",
                    "Saint-Clair-sur-Lys",
                )?),
                email: s.email.map(guichet_domain::Email::parse).transpose()?,
                phone: s.phone.map(PhoneNumber::parse).transpose()?,
                preferences: ContactPreferences::new(
                    s.channels.iter().copied(),
                    s.refuses_digital,
                    AccessibleFormats {
                        large_print: s.large_print,
                        easy_read: s.easy_read,
                    },
                ),
            })
        })
        .collect()
}

/// One scripted step of a demo case.
struct Step {
    day: i64,
    who: Who,
    channel: Channel,
    command: Command,
}

#[derive(Clone, Copy)]
enum Who {
    Person,
    FrontDesk,
    Officer,
    Helper,
    Automatic,
}

fn step(day: i64, who: Who, channel: Channel, command: Command) -> Step {
    Step {
        day,
        who,
        channel,
        command,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A one-page PDF standing for a page scanned at the front desk: its title and a line saying
/// it is a demonstration, in the standard Helvetica every PDF reader has (WinAnsi encoding, so
/// French accents show).
fn scan_pdf(name: &str) -> Vec<u8> {
    // A PDF literal string, ASCII only: WinAnsi characters beyond ASCII as octal escapes.
    let literal = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                ' '..='~' => c.to_string(),
                '’' => "\\222".to_owned(),
                '\u{a0}'..='\u{ff}' => format!("\\{:03o}", c as u32),
                _ => "?".to_owned(),
            })
            .collect()
    };
    let text = format!(
        "BT /F1 20 Tf 60 760 Td ({}) Tj 0 -40 Td /F1 12 Tf ({}) Tj ET",
        literal(name),
        literal("Page numérisée de démonstration : aucune donnée réelle.")
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

async fn load_cases(
    cases: &CaseService,
    procedures: &[HostedProcedure],
    people: &[Person],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use Channel::*;
    use Who::*;
    let start = now - Duration::days(90);
    let front_desk = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(0xa1)),
        role: AgentRole::FrontDesk,
    };
    let officer = Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(0xa2)),
        role: AgentRole::CaseOfficer,
    };
    let helper = Actor::Helper {
        id: HelperId::from_uuid(uuid::Uuid::from_u128(0xa3)),
        mandate: MandateId::from_uuid(uuid::Uuid::from_u128(0xa4)),
    };
    // A scanned page is a real PDF, stored before the cases, so that an agent can open it.
    let scans = std::cell::RefCell::new(Vec::new());
    let scanned = |name: &str| {
        let content = scan_pdf(name);
        let sha256 = sha256_hex(&content);
        let size = content.len() as u64;
        scans.borrow_mut().push((sha256.clone(), content));
        Command::AttachDocument {
            document: Document {
                name: name.to_owned(),
                media_type: "application/pdf".to_owned(),
                sha256,
                size,
                scanned_from_paper: true,
            },
        }
    };
    let form = |pairs: &[(&str, &str)]| Command::UpdateForm {
        fields: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let decide = |outcome, why: &str| Command::Decide {
        outcome,
        motivation: why.to_owned(),
    };
    let request = |docs: &[&str]| Command::RequestDocuments {
        documents: docs.iter().map(|d| (*d).to_owned()).collect(),
        message: "Merci de nous faire parvenir ces pièces par le canal de votre choix.".to_owned(),
        reply_by: None,
    };

    // (procedure index, person index, opened by, opened on, steps)
    let scripts: Vec<(usize, usize, Who, Channel, Vec<Step>)> = vec![
        // Draft started at the counter, not yet submitted.
        (
            0,
            0,
            FrontDesk,
            Counter,
            vec![step(
                85,
                FrontDesk,
                Counter,
                form(&[("motif", "Facture d’électricité impayée")]),
            )],
        ),
        // Submitted online.
        (
            2,
            1,
            Person,
            Web,
            vec![
                step(
                    80,
                    Person,
                    Web,
                    form(&[("enfant", "Inès Benali"), ("ecole", "École Jules-Ferry")]),
                ),
                step(80, Person, Web, Command::Submit),
            ],
        ),
        // Under examination, started by phone.
        (
            3,
            2,
            FrontDesk,
            Phone,
            vec![
                step(
                    70,
                    FrontDesk,
                    Phone,
                    form(&[("jours", "lundi, mercredi, vendredi")]),
                ),
                step(70, FrontDesk, Phone, Command::Submit),
                step(72, Officer, Web, Command::StartExamination),
            ],
        ),
        // Waiting for documents asked by post.
        (
            0,
            4,
            Person,
            Web,
            vec![
                step(
                    60,
                    Person,
                    Web,
                    form(&[("motif", "Perte d’emploi, loyer en retard")]),
                ),
                step(60, Person, Web, Command::Submit),
                step(62, Officer, Web, Command::StartExamination),
                step(
                    63,
                    Officer,
                    Web,
                    request(&["Dernier avis d’imposition", "Quittance de loyer"]),
                ),
            ],
        ),
        // Opened at the counter, finished online, granted.
        (
            0,
            6,
            FrontDesk,
            Counter,
            vec![
                step(
                    50,
                    FrontDesk,
                    Counter,
                    form(&[("motif", "Facture de chauffage")]),
                ),
                step(
                    50,
                    FrontDesk,
                    Counter,
                    scanned("Facture de gaz (papier numérisé)"),
                ),
                step(51, Person, Web, Command::Submit),
                step(53, Officer, Web, Command::StartExamination),
                step(
                    55,
                    Officer,
                    Web,
                    decide(
                        Outcome::Granted,
                        "Aide de 150 € accordée pour la facture de chauffage.",
                    ),
                ),
            ],
        ),
        // Sent by post, documents requested, received by email, refused.
        (
            1,
            3,
            Person,
            Post,
            vec![
                step(
                    45,
                    Person,
                    Post,
                    form(&[("acte", "naissance"), ("nom", "Martin")]),
                ),
                step(45, Person, Post, Command::Submit),
                step(47, Officer, Web, Command::StartExamination),
                step(48, Officer, Web, request(&["Justificatif de filiation"])),
                step(52, Person, Email, scanned("Livret de famille")),
                step(
                    54,
                    Officer,
                    Web,
                    decide(
                        Outcome::Refused,
                        "L’acte demandé n’a pas été dressé à Saint-Clair-sur-Lys ; adressez-vous à la commune de naissance.",
                    ),
                ),
            ],
        ),
        // Done by a helper under mandate at a France Services counter, revised.
        (
            3,
            9,
            Helper,
            Counter,
            vec![
                step(40, Helper, Counter, form(&[("jours", "tous les jours")])),
                step(40, Helper, Counter, Command::Submit),
                step(41, Officer, Web, Command::StartExamination),
                step(
                    44,
                    Officer,
                    Web,
                    decide(
                        Outcome::Revised,
                        "Portage accordé cinq jours par semaine au lieu de sept, selon l’évaluation à domicile.",
                    ),
                ),
            ],
        ),
        // Withdrawn by phone.
        (
            2,
            8,
            Person,
            Web,
            vec![
                step(30, Person, Web, Command::Submit),
                step(
                    31,
                    FrontDesk,
                    Phone,
                    Command::Withdraw {
                        reason: Some("Déménagement de la famille".into()),
                    },
                ),
            ],
        ),
        // Implicit decision: silence vaut accord after two months.
        (
            3,
            5,
            FrontDesk,
            Counter,
            vec![
                step(-10, FrontDesk, Counter, Command::Submit),
                step(85, Automatic, System, Command::ApplyImplicitDecision),
            ],
        ),
        // A person with no email, phone or computer, by post, under examination with a note.
        (
            0,
            7,
            FrontDesk,
            Post,
            vec![
                step(
                    65,
                    FrontDesk,
                    Post,
                    scanned("Formulaire papier reçu par courrier"),
                ),
                step(65, FrontDesk, Post, Command::Submit),
                step(67, Officer, Web, Command::StartExamination),
                step(
                    67,
                    Officer,
                    Web,
                    Command::AddNote {
                        text: "Rappeler Mme Girard au guichet jeudi matin.".into(),
                    },
                ),
            ],
        ),
        // SMS reply: documents requested then examination resumed.
        (
            2,
            10,
            Person,
            Web,
            vec![
                step(72, Person, Web, Command::Submit),
                step(73, Officer, Web, Command::StartExamination),
                step(
                    73,
                    Officer,
                    Web,
                    request(&["Attestation d’assurance scolaire"]),
                ),
                step(
                    75,
                    Person,
                    Sms,
                    Command::AddNote {
                        text: "Je dépose l’attestation à l’accueil demain.".into(),
                    },
                ),
                step(
                    76,
                    FrontDesk,
                    Counter,
                    scanned("Attestation d’assurance scolaire"),
                ),
            ],
        ),
        // Reopened after a refusal (recours gracieux by post).
        (
            0,
            11,
            FrontDesk,
            Phone,
            vec![
                step(60, FrontDesk, Phone, Command::Submit),
                step(61, Officer, Web, Command::StartExamination),
                step(
                    62,
                    Officer,
                    Web,
                    decide(Outcome::Refused, "Ressources supérieures au plafond."),
                ),
                step(
                    70,
                    Officer,
                    Post,
                    Command::Reopen {
                        reason:
                            "Recours gracieux reçu par courrier avec de nouveaux justificatifs."
                                .into(),
                    },
                ),
            ],
        ),
    ];

    for (sha256, content) in scans.into_inner() {
        let attachment = guichet_store::portal::Attachment {
            sha256,
            media_type: "application/pdf".to_owned(),
            content,
        };
        cases.store().put_attachment(&attachment, start).await?;
    }
    let mut count = 0;
    for (proc_index, person_index, opener, channel, steps) in scripts {
        let procedure = &procedures[proc_index];
        let person = &people[person_index];
        let actor_of = |who: Who| match who {
            Person => Actor::Person { id: person.id },
            FrontDesk => front_desk,
            Officer => officer,
            Helper => helper,
            Automatic => Actor::System,
        };
        let first_day = steps.first().map_or(0, |s| s.day);
        let opened_at = start + Duration::days(first_day.clamp(-20, 90)) - Duration::hours(1);
        let ctx = Context {
            actor: actor_of(opener),
            channel,
            now: opened_at,
        };
        let case = cases
            .open_with_fresh_reference(procedure, person.id, ctx, || {
                CaseReference::from_random(rand::random::<u64>())
            })
            .await?
            .case;
        for s in steps {
            let at = if s.day < 0 {
                start + Duration::days(s.day)
            } else {
                start + Duration::days(s.day) + Duration::minutes(count as i64)
            };
            let ctx = Context {
                actor: actor_of(s.who),
                channel: s.channel,
                now: at,
            };
            cases
                .execute(&case.reference, s.command, ctx)
                .await
                .with_context(|| {
                    format!("demo case {} for {}", procedure.id(), person.name.display())
                })?;
        }
        count += 1;
    }
    Ok(count)
}
