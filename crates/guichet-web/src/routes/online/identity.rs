//! « Vos coordonnées »: who is asking and how they want to be told, the first step of every
//! online request. Its questions are ordinary form fields (so they are shown and checked like
//! the procedure's own); what they mean for a [`Person`] is decided here.
//!
//! Only a name and a postal address are required: decisions on rights always reach people on
//! paper. Email and phone are optional; a person who refuses digital is never written to by
//! email or SMS ([`ContactPreferences`] drops them).

use std::collections::BTreeMap;

use super::Typed;
use chrono::NaiveDate;
use guichet_catalogue::definition::answers::{self, InputError};
use guichet_catalogue::definition::{Field, FieldKind};
use guichet_domain::{
    AccessibleFormats, ContactChannel, ContactPreferences, Delivery, Email, NotificationKind,
    Person, PersonId, PersonName, PhoneNumber, PostalAddress,
};

/// The channels a person can rank, as shown, in the order they are offered.
pub const CHANNELS: [(ContactChannel, &str); 5] = [
    (ContactChannel::Post, "Par courrier"),
    (ContactChannel::Phone, "Par téléphone"),
    (ContactChannel::Counter, "Au guichet, quand je passe"),
    (ContactChannel::Email, "Par courriel"),
    (ContactChannel::Sms, "Par SMS"),
];
/// The ranked choices' fields, first choice first.
pub const RANKS: [&str; 3] = ["contact", "contact-deux", "contact-trois"];
pub const REFUSE_DIGITAL: &str =
    "Je refuse le numérique : ne jamais me prévenir par courriel ni par SMS";
pub const LARGE_PRINT: &str = "Je veux des courriers en gros caractères";
pub const EASY_READ: &str = "Je veux des courriers faciles à lire et à comprendre";

fn channel_label(channel: ContactChannel) -> &'static str {
    CHANNELS
        .iter()
        .find(|(c, _)| *c == channel)
        .map_or("Par courrier", |(_, label)| label)
}

fn channel_of(label: &str) -> Option<ContactChannel> {
    CHANNELS.iter().find(|(_, l)| *l == label).map(|(c, _)| *c)
}

fn ranked(id: &str, label: &str, help: &str, required: bool) -> Field {
    Field {
        id: id.to_owned(),
        label: label.to_owned(),
        help: Some(help.to_owned()),
        required,
        show_if: None,
        kind: FieldKind::Choice {
            choices: CHANNELS.iter().map(|(_, l)| (*l).to_owned()).collect(),
            multiple: false,
        },
    }
}

fn text(id: &str, label: &str, help: Option<&str>, required: bool, max: u32) -> Field {
    Field {
        id: id.to_owned(),
        label: label.to_owned(),
        help: help.map(str::to_owned),
        required,
        show_if: None,
        kind: FieldKind::Text {
            max_length: Some(max),
            multiline: false,
        },
    }
}

/// The questions of the step, in order.
pub fn fields() -> Vec<Field> {
    vec![
        text("prenom", "Prénom", None, false, 100),
        text("nom", "Nom de famille", None, true, 100),
        Field {
            id: "naissance".into(),
            label: "Date de naissance".into(),
            help: Some("Elle aide l’accueil à retrouver votre dossier.".into()),
            required: false,
            show_if: None,
            kind: FieldKind::Date { past_only: true },
        },
        Field {
            id: "adresse".into(),
            label: "Votre adresse postale".into(),
            help: Some(
                "Les décisions vous sont toujours envoyées par courrier à cette adresse.".into(),
            ),
            required: true,
            show_if: None,
            kind: FieldKind::Address,
        },
        text(
            "courriel",
            "Adresse de courriel",
            Some("Par exemple : prenom.nom@exemple.fr"),
            false,
            254,
        ),
        text(
            "telephone",
            "Numéro de téléphone",
            Some("Par exemple : 06 12 34 56 78"),
            false,
            30,
        ),
        ranked(
            "contact",
            "Comment voulez-vous être prévenu de l’avancement de votre demande ?",
            "Votre premier choix. Les décisions vous sont toujours envoyées aussi par courrier.",
            true,
        ),
        ranked(
            "contact-deux",
            "Deuxième choix",
            "Si le premier n’est pas possible : par exemple, le téléphone et le guichet servent à vous parler, pas à vous écrire.",
            false,
        ),
        ranked("contact-trois", "Troisième choix", "Après les deux premiers.", false),
        Field {
            id: "numerique".into(),
            label: "Courriels et SMS".into(),
            help: Some(
                "Si vous refusez le numérique, nous ne vous écrirons jamais par courriel ni par SMS, même si vous avez donné une adresse de courriel ou un numéro de portable."
                    .into(),
            ),
            required: false,
            show_if: None,
            kind: FieldKind::Choice {
                choices: vec![REFUSE_DIGITAL.into()],
                multiple: true,
            },
        },
        Field {
            id: "formats".into(),
            label: "Besoin d’un courrier adapté ?".into(),
            help: Some("Cochez ce qui vous aide.".into()),
            required: false,
            show_if: None,
            kind: FieldKind::Choice {
                choices: vec![LARGE_PRINT.into(), EASY_READ.into()],
                multiple: true,
            },
        },
    ]
}

/// What the step's stored answers say of a person known already (to fill the page again).
pub fn answers_of(person: &Person) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert("prenom".into(), person.name.given().to_owned());
    a.insert("nom".into(), person.name.family().to_owned());
    if let Some(d) = person.birth_date {
        a.insert("naissance".into(), d.format("%Y-%m-%d").to_string());
    }
    if let Some(addr) = &person.address {
        let lines = addr.lines();
        a.insert(
            "adresse-ligne1".into(),
            lines.first().cloned().unwrap_or_default(),
        );
        a.insert(
            "adresse-ligne2".into(),
            lines.get(1..).map(|l| l.join(" ")).unwrap_or_default(),
        );
        a.insert(
            "adresse-code_postal".into(),
            addr.postcode().as_str().to_owned(),
        );
        a.insert("adresse-commune".into(), addr.town().to_owned());
    }
    if let Some(e) = &person.email {
        a.insert("courriel".into(), e.as_str().to_owned());
    }
    if let Some(p) = &person.phone {
        a.insert("telephone".into(), p.display_fr());
    }
    let prefs = &person.preferences;
    for (id, channel) in RANKS.iter().zip(prefs.channels()) {
        a.insert((*id).to_owned(), channel_label(*channel).to_owned());
    }
    if prefs.refuses_digital() {
        a.insert("numerique".into(), REFUSE_DIGITAL.to_owned());
    }
    let mut formats = Vec::new();
    if prefs.formats.large_print {
        formats.push(LARGE_PRINT);
    }
    if prefs.formats.easy_read {
        formats.push(EASY_READ);
    }
    a.insert("formats".into(), formats.join("\n"));
    a
}

/// Reads the step: the person (a new id, or `id` when they are known), or the messages.
pub fn read(input: Typed<'_>, id: PersonId, today: NaiveDate) -> Result<Person, Vec<InputError>> {
    let fields = fields();
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for f in &fields {
        let out = answers::read_field(f, input, 1, today);
        values.extend(out.values);
        errors.extend(out.errors);
    }
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let err = |input: &str, message: &str| InputError {
        input: input.to_owned(),
        message: message.to_owned(),
    };
    let name = PersonName::parse(&get("prenom"), &get("nom"));
    if let Err(e) = &name
        && !errors.iter().any(|x| x.input == "nom")
    {
        errors.push(err("nom", &e.message));
    }
    let email = match get("courriel").as_str() {
        "" => None,
        raw => match Email::parse(raw) {
            Ok(e) => Some(e),
            Err(_) => {
                errors.push(err(
                    "courriel",
                    "L’adresse de courriel n’est pas valide : elle doit ressembler à prenom.nom@exemple.fr.",
                ));
                None
            }
        },
    };
    let phone = match get("telephone").as_str() {
        "" => None,
        raw => match PhoneNumber::parse(raw) {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(err(
                    "telephone",
                    "Le numéro de téléphone n’est pas valide : il doit avoir 10 chiffres, par exemple 06 12 34 56 78.",
                ));
                None
            }
        },
    };
    let refuses = get("numerique").lines().any(|l| l == REFUSE_DIGITAL);
    let mut channels = Vec::new();
    for id in RANKS {
        let Some(channel) = channel_of(&get(id)) else {
            continue;
        };
        // A channel ranked twice (a first choice changed above a kept lower one) counts once,
        // at its higher rank: nothing is lost, so nothing to correct.
        if channels.contains(&channel) {
            continue;
        }
        if refuses && channel.is_digital() {
            errors.push(err(
                id,
                "Vous refusez le numérique : choisissez le courrier, le téléphone ou le guichet, ou ne cochez pas le refus du numérique.",
            ));
        } else {
            channels.push(channel);
        }
    }
    let has_error = |errors: &[InputError], input: &str| errors.iter().any(|e| e.input == input);
    if channels.contains(&ContactChannel::Email)
        && email.is_none()
        && !has_error(&errors, "courriel")
    {
        errors.push(err("courriel", "Pour être prévenu par courriel, indiquez votre adresse de courriel (ou choisissez un autre moyen)."));
    }
    if channels.contains(&ContactChannel::Sms)
        && !phone.as_ref().is_some_and(PhoneNumber::is_mobile)
        && !has_error(&errors, "telephone")
    {
        errors.push(err("telephone", "Pour être prévenu par SMS, indiquez un numéro de téléphone portable (06 ou 07), ou choisissez un autre moyen."));
    }
    if channels.contains(&ContactChannel::Phone)
        && phone.is_none()
        && !has_error(&errors, "telephone")
    {
        errors.push(err(
            "telephone",
            "Pour être appelé, indiquez votre numéro de téléphone (ou choisissez un autre moyen).",
        ));
    }
    let address_lines = [get("adresse-ligne1"), get("adresse-ligne2")];
    let address = PostalAddress::parse(
        &[address_lines[0].as_str(), address_lines[1].as_str()],
        &get("adresse-code_postal"),
        &get("adresse-commune"),
    );
    let birth_date = NaiveDate::parse_from_str(&get("naissance"), "%Y-%m-%d").ok();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Ok(name), Ok(address)) = (name, address) else {
        // Both were checked above with their own messages; this is only reached if the two
        // checks ever disagree.
        return Err(vec![err(
            "adresse-ligne1",
            "Vérifiez votre nom et votre adresse.",
        )]);
    };
    let formats = get("formats");
    let formats = AccessibleFormats {
        large_print: formats.lines().any(|l| l == LARGE_PRINT),
        easy_read: formats.lines().any(|l| l == EASY_READ),
    };
    // In the person's order; whatever they rank, `Person::reach` falls back to the post.
    let preferences = ContactPreferences::new(channels, refuses, formats);
    Ok(Person {
        id,
        name,
        birth_date,
        address: Some(address),
        email,
        phone,
        preferences,
    })
}

/// What a person's contact choices lead to: what [`Person::reach`] does with them.
struct ContactFacts {
    /// The ranked channels, as nouns (« le téléphone »), when more than one was given.
    order: Vec<&'static str>,
    /// How written messages (not decisions) go.
    written: Option<Delivery>,
    /// The first choice, when it is a conversation (phone, counter) rather than a delivery.
    talk_first: Option<ContactChannel>,
    refuses_digital: bool,
}

fn facts(person: &Person) -> ContactFacts {
    let prefs = &person.preferences;
    let noun = |c: &ContactChannel| match c {
        ContactChannel::Post => "le courrier",
        ContactChannel::Phone => "le téléphone",
        ContactChannel::Counter => "le guichet",
        ContactChannel::Email => "le courriel",
        ContactChannel::Sms => "le SMS",
    };
    ContactFacts {
        order: if prefs.channels().len() > 1 {
            prefs.channels().iter().map(noun).collect()
        } else {
            Vec::new()
        },
        written: person
            .reach(NotificationKind::Message, false)
            .deliveries
            .first()
            .copied(),
        talk_first: prefs
            .channels()
            .first()
            .copied()
            .filter(|c| matches!(c, ContactChannel::Phone | ContactChannel::Counter)),
        refuses_digital: prefs.refuses_digital(),
    }
}

fn by(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Email => "par courriel",
        Delivery::Sms => "par SMS",
        Delivery::Letter => "par courrier",
    }
}

/// How [`explain`] words each fact, to the person or about them.
struct Voice {
    refuses_digital: &'static str,
    /// Before the ranked channels (« le téléphone, puis le SMS »).
    order: &'static str,
    prefers_phone: &'static str,
    prefers_counter: &'static str,
    by_post: &'static str,
    /// Around the way written messages go (« par SMS »).
    written: (&'static str, &'static str),
    large_print: &'static str,
    easy_read: &'static str,
    /// Whether « by post » is said again after refusing digital (which says it already).
    post_after_refusal: bool,
}

const TO_PERSON: Voice = Voice {
    refuses_digital: "Vous avez refusé le numérique : nous ne vous écrirons jamais par courriel ni par SMS.",
    order: "Votre ordre de préférence : ",
    prefers_phone: "Les agents qui suivent votre demande voient que vous préférez être appelé.",
    prefers_counter: "Les agents qui suivent votre demande voient que vous préférez en parler au guichet.",
    by_post: "Nous vous écrirons par courrier.",
    written: (
        "Nos messages vous parviendront ",
        " ; les décisions vous seront aussi envoyées par courrier.",
    ),
    large_print: "Vos courriers seront en gros caractères.",
    easy_read: "Vos courriers seront faciles à lire et à comprendre.",
    post_after_refusal: true,
};

const TO_AGENT: Voice = Voice {
    refuses_digital: "La personne refuse le numérique : lui écrire uniquement par courrier, jamais par courriel ni par SMS.",
    order: "Ordre de préférence : ",
    prefers_phone: "Elle préfère être appelée.",
    prefers_counter: "Elle préfère en parler au guichet.",
    by_post: "Messages écrits par courrier.",
    written: (
        "Messages écrits ",
        " ; les décisions lui sont aussi envoyées par courrier.",
    ),
    large_print: "Courriers en gros caractères.",
    easy_read: "Courriers faciles à lire et à comprendre (FALC).",
    post_after_refusal: false,
};

/// The consequences of the contact choices, in plain words, in `voice`.
fn explain_in(person: &Person, voice: &Voice) -> String {
    let f = facts(person);
    let mut s = Vec::new();
    if f.refuses_digital {
        s.push(voice.refuses_digital.to_owned());
    }
    if !f.order.is_empty() {
        s.push(format!("{}{}.", voice.order, f.order.join(", puis ")));
    }
    match f.talk_first {
        Some(ContactChannel::Phone) => s.push(voice.prefers_phone.to_owned()),
        Some(_) => s.push(voice.prefers_counter.to_owned()),
        None => {}
    }
    match f.written {
        Some(Delivery::Letter) if f.refuses_digital && !voice.post_after_refusal => {}
        Some(Delivery::Letter) | None => s.push(voice.by_post.to_owned()),
        Some(d) => s.push(format!("{}{}{}", voice.written.0, by(d), voice.written.1)),
    }
    let formats = person.preferences.formats;
    if formats.large_print {
        s.push(voice.large_print.to_owned());
    }
    if formats.easy_read {
        s.push(voice.easy_read.to_owned());
    }
    s.join(" ")
}

/// Said to the person (the review page, the follow-up page).
pub fn explain(person: &Person) -> String {
    explain_in(person, &TO_PERSON)
}

/// Said to an agent about the person (the front desk's pages, the journal).
pub fn explain_to_agent(person: &Person) -> String {
    explain_in(person, &TO_AGENT)
}
