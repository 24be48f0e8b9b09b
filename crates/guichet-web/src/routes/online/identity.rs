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
    AccessibleFormats, ContactChannel, ContactPreferences, Email, Person, PersonId, PersonName,
    PhoneNumber, PostalAddress,
};

/// The contact choices, as shown; the first is what a person gets when they say nothing.
pub const POST_ONLY: &str = "Par courrier uniquement : je refuse les courriels et les SMS";
pub const BY_POST: &str = "Par courrier";
pub const BY_EMAIL: &str = "Par courriel (les décisions arrivent aussi par courrier)";
pub const BY_SMS: &str = "Par SMS (les décisions arrivent aussi par courrier)";
pub const BY_PHONE: &str = "Par téléphone (les décisions arrivent aussi par courrier)";
pub const LARGE_PRINT: &str = "Je veux des courriers en gros caractères";
pub const EASY_READ: &str = "Je veux des courriers faciles à lire et à comprendre";

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
            help: Some("Facultatif. Elle aide l’accueil à retrouver votre dossier.".into()),
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
            Some("Facultatif. Par exemple : prenom.nom@exemple.fr"),
            false,
            254,
        ),
        text(
            "telephone",
            "Numéro de téléphone",
            Some("Facultatif. Par exemple : 06 12 34 56 78"),
            false,
            30,
        ),
        Field {
            id: "contact".into(),
            label: "Comment voulez-vous être prévenu de l’avancement de votre demande ?".into(),
            help: None,
            required: true,
            show_if: None,
            kind: FieldKind::Choice {
                choices: vec![
                    BY_POST.into(),
                    POST_ONLY.into(),
                    BY_EMAIL.into(),
                    BY_SMS.into(),
                    BY_PHONE.into(),
                ],
                multiple: false,
            },
        },
        Field {
            id: "formats".into(),
            label: "Besoin d’un courrier adapté ?".into(),
            help: Some("Facultatif. Cochez ce qui vous aide.".into()),
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
        a.insert("telephone".into(), p.as_str().to_owned());
    }
    let prefs = &person.preferences;
    let contact = if prefs.refuses_digital() {
        POST_ONLY
    } else {
        match prefs.channels().first() {
            Some(ContactChannel::Email) => BY_EMAIL,
            Some(ContactChannel::Sms) => BY_SMS,
            Some(ContactChannel::Phone) => BY_PHONE,
            _ => BY_POST,
        }
    };
    a.insert("contact".into(), contact.to_owned());
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
    let contact = get("contact");
    let (first, refuses) = match contact.as_str() {
        POST_ONLY => (ContactChannel::Post, true),
        BY_EMAIL => (ContactChannel::Email, false),
        BY_SMS => (ContactChannel::Sms, false),
        BY_PHONE => (ContactChannel::Phone, false),
        _ => (ContactChannel::Post, false),
    };
    match first {
        ContactChannel::Email
            if email.is_none() && !errors.iter().any(|e| e.input == "courriel") =>
        {
            errors.push(err("courriel", "Pour être prévenu par courriel, indiquez votre adresse de courriel (ou choisissez le courrier)."));
        }
        ContactChannel::Sms
            if !phone.as_ref().is_some_and(PhoneNumber::is_mobile)
                && !errors.iter().any(|e| e.input == "telephone") =>
        {
            errors.push(err("telephone", "Pour être prévenu par SMS, indiquez un numéro de téléphone portable (06 ou 07), ou choisissez le courrier."));
        }
        ContactChannel::Phone
            if phone.is_none() && !errors.iter().any(|e| e.input == "telephone") =>
        {
            errors.push(err("telephone", "Pour être prévenu par téléphone, indiquez votre numéro (ou choisissez le courrier)."));
        }
        _ => {}
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
    // The chosen channel first, then the post (decisions always go by post anyway).
    let preferences = ContactPreferences::new([first, ContactChannel::Post], refuses, formats);
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

/// The consequences of the contact choice, in plain words, for the review page.
pub fn explain(person: &Person) -> String {
    let prefs = &person.preferences;
    let mut s = if prefs.refuses_digital() {
        "Vous avez refusé le numérique : nous vous écrirons uniquement par courrier, jamais par courriel ni par SMS.".to_owned()
    } else {
        match prefs.channels().first() {
            Some(ContactChannel::Email) => "Nous vous préviendrons par courriel ; les décisions vous seront aussi envoyées par courrier.".to_owned(),
            Some(ContactChannel::Sms) => "Nous vous préviendrons par SMS ; les décisions vous seront aussi envoyées par courrier.".to_owned(),
            Some(ContactChannel::Phone) => "Les messages écrits vous parviendront par courrier ; votre préférence pour le téléphone est notée pour les agents qui suivent votre demande.".to_owned(),
            _ => "Nous vous écrirons par courrier.".to_owned(),
        }
    };
    if prefs.formats.large_print {
        s.push_str(" Vos courriers seront en gros caractères.");
    }
    if prefs.formats.easy_read {
        s.push_str(" Vos courriers seront faciles à lire et à comprendre.");
    }
    s
}
