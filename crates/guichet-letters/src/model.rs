//! The typed letter model: everything a letter says, already in final wording.
//!
//! Templates and placeholders live upstream (in the notification crate); by the
//! time text reaches this model it is plain text, which the renderer never
//! interprets as markup, so a name like `*Zoé* #1` prints as typed.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::address::PostalAddress;
use crate::error::LetterError;

/// Who sends the letter: the operator's name and return address, contact lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// For example "Caisse d’allocations familiales du Rhône".
    pub name: String,
    /// Return address and contact lines (phone, opening hours), at most 6.
    pub lines: Vec<String>,
}

/// The case reference and the follow-up code a person quotes on any channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub case_reference: String,
    pub follow_up_code: String,
}

/// Who signs. A decision is signed by a person, named with their title in legible characters
/// (CRPA art. L212-1): the officer who decided, or the holder of a delegation, whose mention
/// (« Pour le maire et par délégation ») comes first. Other letters may come from an office,
/// which then does not pretend to be a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// « Pour le maire et par délégation », printed above the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention: Option<String>,
    /// A person's first name and name, or an office's name.
    pub name: String,
    /// A person's title, or what the office is (« Service instructeur »).
    pub title: String,
    /// Letters stored before signers were named read as signed by an office.
    #[serde(default)]
    pub by: Signer,
}

/// Whether a person or an office signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    #[default]
    Office,
    Person,
}

impl Signature {
    /// A person signs: the officer who decided, or a delegate (`mention`).
    pub fn person(mention: Option<String>, name: String, title: String) -> Self {
        Self {
            mention,
            name,
            title,
            by: Signer::Person,
        }
    }

    /// An office signs (receipts, requests for documents): no person is named.
    pub fn office(name: String, title: String) -> Self {
        Self {
            mention: None,
            name,
            title,
            by: Signer::Office,
        }
    }
}

/// Print size: large print is at least 16 pt with generous spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PrintSize {
    #[default]
    Standard,
    LargePrint,
}

/// Layout for the wording: easy-to-read (FALC) text is set ragged-right, without
/// hyphenation, with more space between paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Wording {
    #[default]
    Standard,
    EasyToRead,
}

/// What the letter is: a decision on a right must carry the legal mentions
/// (how and when to contest) and the case reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LetterKind {
    Information,
    Decision {
        /// "Voies et délais de recours": each entry is one paragraph.
        legal_mentions: Vec<String>,
    },
}

/// One postal letter, ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub sender: Sender,
    pub recipient: PostalAddress,
    /// Town where the letter is written ("Fait à").
    pub place: String,
    pub date: NaiveDate,
    pub reference: Option<Reference>,
    /// Printed below the window, never in it.
    pub subject: String,
    pub salutation: String,
    /// Paragraphs of plain text.
    pub body: Vec<String>,
    pub closing: String,
    pub signature: Signature,
    pub kind: LetterKind,
    pub size: PrintSize,
    pub wording: Wording,
}

impl Letter {
    /// Checks what the types cannot: non-empty parts, and the mentions and
    /// reference that a decision needs.
    pub fn check(&self) -> Result<(), LetterError> {
        let missing = |what: &str| Err(LetterError::Content(format!("La lettre n’a pas {what}.")));
        if self.sender.name.trim().is_empty() {
            return missing("d’expéditeur");
        }
        if self.sender.lines.len() > 6 {
            return Err(LetterError::Content(
                "Le bloc expéditeur compte plus de 6 lignes ; raccourcissez-le.".into(),
            ));
        }
        if self.subject.trim().is_empty() {
            return missing("d’objet");
        }
        if self.body.iter().all(|p| p.trim().is_empty()) {
            return missing("de contenu");
        }
        if let LetterKind::Decision { legal_mentions } = &self.kind {
            if legal_mentions.iter().all(|m| m.trim().is_empty()) {
                return Err(LetterError::Content(
                    "Une décision doit indiquer les voies et délais de recours.".into(),
                ));
            }
            if self.signature.by != Signer::Person
                || self.signature.name.trim().is_empty()
                || self.signature.title.trim().is_empty()
            {
                return Err(LetterError::Content(
                    "Une décision doit porter le prénom, le nom et la qualité de son signataire."
                        .into(),
                ));
            }
            if self.reference.is_none() {
                return Err(LetterError::Content(
                    "Une décision doit indiquer la référence du dossier et le code de suivi."
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

/// "3 mars 2026": dates in letters are written out in French.
pub fn french_date(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = MONTHS
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    let day = if date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!("{day} {month} {}", date.year())
}

/// A realistic decision letter, used by previews, tests and the benchmark.
pub fn sample_decision(size: PrintSize, wording: Wording) -> Result<Letter, LetterError> {
    Ok(Letter {
        sender: Sender {
            name: "Centre communal d’action sociale de Villeurbanne".into(),
            lines: vec![
                "Service des aides facultatives".into(),
                "Place Lazare-Goujon".into(),
                "69100 VILLEURBANNE".into(),
                "Téléphone : 04 78 03 67 67 (lundi à vendredi, 9 h – 17 h)".into(),
            ],
        },
        recipient: PostalAddress::new([
            "Madame Awa DIALLO",
            "Résidence Les Tilleuls, bât. B",
            "12 rue Francis-de-Pressensé",
            "69100 VILLEURBANNE",
        ])?,
        place: "Villeurbanne".into(),
        date: NaiveDate::from_ymd_opt(2026, 3, 12).unwrap_or_default(),
        reference: Some(Reference { case_reference: "D-2026-004217".into(), follow_up_code: "KXR7-PM4Q".into() }),
        subject: "Décision sur votre demande d’aide au paiement de l’énergie".into(),
        salutation: "Madame,".into(),
        body: match wording {
            Wording::Standard => vec![
                "Vous avez déposé le 2 février 2026 une demande d’aide au paiement de vos factures d’énergie. \
                 Après examen de votre dossier par la commission permanente du 10 mars 2026, une aide \
                 de 250 euros vous est attribuée."
                    .into(),
                "Cette aide sera versée directement à votre fournisseur d’énergie dans un délai de quinze jours. \
                 Vous n’avez aucune démarche à accomplir. Si votre situation change, vous pouvez nous en informer \
                 par courrier, par téléphone ou à l’accueil du centre, aux heures d’ouverture."
                    .into(),
                "Vous pouvez suivre votre dossier à tout moment en indiquant sa référence et votre code de suivi, \
                 sur le site de la commune, par téléphone ou au guichet."
                    .into(),
            ],
            Wording::EasyToRead => vec![
                "Vous avez demandé une aide pour payer l’énergie.".into(),
                "La réponse est oui.".into(),
                "Vous recevez 250 euros.".into(),
                "Nous donnons l’argent à votre fournisseur d’énergie. Vous n’avez rien à faire.".into(),
                "Vous avez une question ? Appelez-nous ou venez nous voir.".into(),
            ],
        },
        closing: "Nous vous prions d’agréer, Madame, l’expression de nos salutations distinguées.".into(),
        signature: Signature::person(None, "Claire MOREAU".into(), "Directrice du CCAS".into()),
        kind: LetterKind::Decision {
            legal_mentions: vec![
                "Si vous contestez cette décision, vous pouvez former un recours gracieux auprès du président \
                 du CCAS dans un délai de deux mois à compter de sa réception, par courrier ou au guichet."
                    .into(),
                "Vous pouvez aussi former un recours contentieux devant le tribunal administratif de Lyon \
                 (184 rue Duguesclin, 69003 Lyon) dans le même délai de deux mois, y compris sans avocat, \
                 par courrier ou par l’application Télérecours citoyens."
                    .into(),
            ],
        },
        size,
        wording,
    })
}
