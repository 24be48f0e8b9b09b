//! People who use public services (usagers), and how they want to be contacted.
//!
//! A person needs no email, no phone and no computer: a name and a postal address are enough for
//! Guichet to serve them. Contact preferences are ordered, and refusing digital removes email and
//! SMS: they cannot even be stored as preferences, and [`Person::reach`] (in `notification.rs`),
//! the only way other code learns how to reach someone, never uses them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::InvalidValue;
use crate::actor::uuid_id;
use crate::channel::ContactChannel;

uuid_id!(
    /// A person (usager·ère) known to this instance.
    PersonId
);

/// Given and family names, as the person writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    given: String,
    family: String,
}

impl PersonName {
    pub fn parse(given: &str, family: &str) -> Result<Self, InvalidValue> {
        let given = clean_text(given);
        let family = clean_text(family);
        if family.is_empty() {
            return Err(InvalidValue::new(
                "name",
                "Le nom de famille est obligatoire.",
            ));
        }
        if given.chars().count() > 100 || family.chars().count() > 100 {
            return Err(InvalidValue::new(
                "name",
                "Le nom et le prénom ne peuvent pas dépasser 100 caractères chacun.",
            ));
        }
        Ok(Self { given, family })
    }

    pub fn given(&self) -> &str {
        &self.given
    }

    pub fn family(&self) -> &str {
        &self.family
    }

    /// "Prénom NOM", the usual French administrative form.
    /// « dupont jean-marie » → `dupont jean marie`: family then given names, lower case,
    /// without accents or punctuation, for finding a person whatever way the name is typed.
    pub fn search_key(&self) -> String {
        fold_name(&format!("{} {}", self.family, self.given))
    }

    pub fn display(&self) -> String {
        if self.given.is_empty() {
            self.family.to_uppercase()
        } else {
            format!("{} {}", self.given, self.family.to_uppercase())
        }
    }
}

/// A French postcode: five digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 5 && compact.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(compact))
        } else {
            Err(InvalidValue::new(
                "postcode",
                format!(
                    "« {} » n’est pas un code postal : il faut cinq chiffres.",
                    raw.trim()
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Postcode {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Postcode> for String {
    fn from(value: Postcode) -> Self {
        value.0
    }
}

/// A postal address in France: up to four free lines (recipient complement, street, locality),
/// a postcode and a town, each line fitting an envelope's window when typed
/// ([`ADDRESS_LINE_CHARS`]). The postal layout rules are applied again by the letters engine,
/// which refuses (never cuts) an address that does not fit, such as one stored before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    lines: Vec<String>,
    postcode: Postcode,
    town: String,
}

/// Most characters on one line of an address, as La Poste reads it through an envelope's
/// window (NF Z10-011): checked when the address is typed, so that no letter is refused later.
pub const ADDRESS_LINE_CHARS: usize = 38;

impl PostalAddress {
    /// Address lines (number and street first), postcode and town; every line, and the
    /// postcode with the town, must fit [`ADDRESS_LINE_CHARS`].
    pub fn parse(lines: &[&str], postcode: &str, town: &str) -> Result<Self, InvalidValue> {
        let lines: Vec<String> = lines
            .iter()
            .map(|l| clean_text(l))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(InvalidValue::new(
                "address",
                "L’adresse doit comporter au moins une ligne (numéro et voie, ou lieu-dit).",
            ));
        }
        if lines.len() > 4 {
            return Err(InvalidValue::new(
                "address",
                "L’adresse comporte au plus quatre lignes avant le code postal et la commune.",
            ));
        }
        for (i, line) in lines.iter().enumerate() {
            let n = line.chars().count();
            if n > ADDRESS_LINE_CHARS {
                return Err(InvalidValue::new(
                    if i == 0 {
                        "address line 1"
                    } else {
                        "address line 2"
                    },
                    format!(
                        "La ligne « {line} » compte {n} caractères : sur une enveloppe, une ligne d’adresse en compte {ADDRESS_LINE_CHARS} au plus. Abrégez-la (par exemple « bd » pour boulevard, « app. » pour appartement, « rés. » pour résidence) ou continuez sur la ligne suivante."
                    ),
                ));
            }
        }
        let town = clean_text(town);
        if town.is_empty() {
            return Err(InvalidValue::new("town", "La commune est obligatoire."));
        }
        let n = town.chars().count();
        if n > ADDRESS_LINE_CHARS - 6 {
            return Err(InvalidValue::new(
                "town",
                format!(
                    "Le nom de la commune compte {n} caractères : avec le code postal, il doit tenir sur une ligne de {ADDRESS_LINE_CHARS} caractères. Écrivez-le comme La Poste, par exemple « St » pour « Saint »."
                ),
            ));
        }
        Ok(Self {
            lines,
            postcode: Postcode::parse(postcode)?,
            town,
        })
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn postcode(&self) -> &Postcode {
        &self.postcode
    }

    pub fn town(&self) -> &str {
        &self.town
    }
}

/// An email address, checked for its shape (the only real check is sending to it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let raw = raw.trim();
        let invalid = || {
            InvalidValue::new(
                "email",
                format!(
                    "« {raw} » n’est pas une adresse de courriel valide (exemple : prenom.nom@exemple.fr)."
                ),
            )
        };
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.len() <= 253
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A phone number, normalised to the international form (`+33612345678`). French numbers may be
/// typed the national way (`06 12 34 56 78`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let invalid = || {
            InvalidValue::new(
                "phone",
                format!(
                    "« {} » n’est pas un numéro de téléphone valide (exemple : 06 12 34 56 78).",
                    raw.trim()
                ),
            )
        };
        let normalised = if let Some(rest) = compact.strip_prefix('+') {
            if !(8..=15).contains(&rest.len()) || !rest.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid());
            }
            format!("+{rest}")
        } else if compact.len() == 10
            && compact.starts_with('0')
            && !compact.starts_with("00")
            && compact.chars().all(|c| c.is_ascii_digit())
        {
            format!("+33{}", &compact[1..])
        } else {
            return Err(invalid());
        };
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people write it: « 06 12 34 56 78 » for a French number, the international form
    /// otherwise.
    pub fn display_fr(&self) -> String {
        match self.0.strip_prefix("+33") {
            Some(rest) if rest.len() == 9 => {
                let digits = format!("0{rest}");
                digits
                    .as_bytes()
                    .chunks(2)
                    .map(|pair| String::from_utf8_lossy(pair).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => self.0.clone(),
        }
    }

    /// Mobile numbers can receive SMS; French mobiles start with 06 or 07.
    pub fn is_mobile(&self) -> bool {
        match self.0.strip_prefix("+33") {
            Some(rest) => rest.starts_with('6') || rest.starts_with('7'),
            None => true,
        }
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

/// Accessible formats a person asked for; every letter and message honours them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessibleFormats {
    pub large_print: bool,
    /// Facile à lire et à comprendre (FALC).
    pub easy_read: bool,
}

/// How a person wants to be contacted, in order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPreferences {
    channels: Vec<ContactChannel>,
    refuses_digital: bool,
    pub formats: AccessibleFormats,
}

impl ContactPreferences {
    /// Builds preferences, dropping duplicates and, when the person refuses digital, email and
    /// SMS: a refused channel cannot even be stored as a preference.
    pub fn new(
        channels: impl IntoIterator<Item = ContactChannel>,
        refuses_digital: bool,
        formats: AccessibleFormats,
    ) -> Self {
        let mut kept = Vec::new();
        for channel in channels {
            if refuses_digital && channel.is_digital() {
                continue;
            }
            if !kept.contains(&channel) {
                kept.push(channel);
            }
        }
        Self {
            channels: kept,
            refuses_digital,
            formats,
        }
    }

    /// Post only: what a person gets when nobody asked them anything yet.
    pub fn post_only() -> Self {
        Self::new([ContactChannel::Post], false, AccessibleFormats::default())
    }

    pub fn channels(&self) -> &[ContactChannel] {
        &self.channels
    }

    pub fn refuses_digital(&self) -> bool {
        self.refuses_digital
    }
}

/// A person known to this instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
    pub address: Option<PostalAddress>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub preferences: ContactPreferences,
}

impl Person {
    /// A person has no digital means at all when they have no email and no phone, or refuse
    /// digital: such a person can still have cases, opened for them by an agent.
    pub fn is_offline(&self) -> bool {
        self.preferences.refuses_digital() || (self.email.is_none() && self.phone.is_none())
    }
}

/// Trims, collapses inner whitespace and drops control characters.
fn clean_text(raw: &str) -> String {
    raw.split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(prefs: ContactPreferences, email: bool, phone: Option<&str>) -> Person {
        Person {
            id: PersonId::from_uuid(uuid::Uuid::nil()),
            name: PersonName::parse("Jeanne", "Martin").unwrap(),
            birth_date: None,
            address: Some(PostalAddress::parse(&["3 rue des Lilas"], "69001", "Lyon").unwrap()),
            email: email.then(|| Email::parse("jeanne@example.fr").unwrap()),
            phone: phone.map(|p| PhoneNumber::parse(p).unwrap()),
            preferences: prefs,
        }
    }

    #[test]
    fn refusing_digital_removes_email_and_sms_even_when_details_exist() {
        let prefs = ContactPreferences::new(
            [
                ContactChannel::Email,
                ContactChannel::Sms,
                ContactChannel::Post,
            ],
            true,
            AccessibleFormats::default(),
        );
        assert_eq!(prefs.channels(), &[ContactChannel::Post]);
        let p = person(prefs, true, Some("06 12 34 56 78"));
        assert!(p.is_offline());
    }

    #[test]
    fn duplicate_preferences_are_dropped() {
        let prefs = ContactPreferences::new(
            [
                ContactChannel::Sms,
                ContactChannel::Email,
                ContactChannel::Post,
                ContactChannel::Sms,
            ],
            false,
            AccessibleFormats::default(),
        );
        assert_eq!(prefs.channels().len(), 3);
    }

    #[test]
    fn phone_numbers_are_normalised() {
        assert_eq!(
            PhoneNumber::parse("06.12.34.56.78").unwrap().as_str(),
            "+33612345678"
        );
        assert_eq!(
            PhoneNumber::parse("+33 4 72 00 00 00").unwrap().as_str(),
            "+33472000000"
        );
        assert_eq!(
            PhoneNumber::parse("06.12.34.56.78").unwrap().display_fr(),
            "06 12 34 56 78"
        );
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958").unwrap().display_fr(),
            "+442079460958"
        );
        assert!(PhoneNumber::parse("12345").is_err());
        assert!(PhoneNumber::parse("0612345678x").is_err());
    }

    #[test]
    fn postcodes_emails_and_names_are_checked() {
        assert!(Postcode::parse("75 001").is_ok());
        assert!(Postcode::parse("7500").is_err());
        assert!(Postcode::parse("2A004").is_err());
        assert!(Email::parse("a@b.fr").is_ok());
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse("a b@c.fr").is_err());
        assert!(PersonName::parse("Jean", "  ").is_err());
        assert_eq!(
            PersonName::parse("  Jean  Pierre ", "Durand")
                .unwrap()
                .display(),
            "Jean Pierre DURAND"
        );
        let err = PostalAddress::parse(&[], "75001", "Paris").unwrap_err();
        assert!(err.message.contains("au moins une ligne"));
        // 38 characters fit; 39 are refused, never cut.
        let fits = "12 boulevard du Maréchal de Lattre TT";
        assert_eq!(fits.chars().count(), 37);
        assert!(PostalAddress::parse(&[&format!("{fits}y")], "75001", "Paris").is_ok());
        let err =
            PostalAddress::parse(&["3 rue", &format!("{fits}yz")], "75001", "Paris").unwrap_err();
        assert_eq!(err.what, "address line 2");
        assert!(
            err.message.contains("compte 39 caractères"),
            "{}",
            err.message
        );
        let err = PostalAddress::parse(
            &["1 place de l’Église"],
            "52130",
            "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson",
        )
        .unwrap_err();
        assert_eq!(err.what, "town");
        assert!(
            PostalAddress::parse(
                &["1 place de l’Église"],
                "52130",
                "St-Remy-en-Bouzemont-St-Genest-et-Isson"
            )
            .is_err(),
            "39 characters"
        );
    }
}

/// Lower case, accents and ligatures removed, anything else than letters and digits turned to
/// single spaces: « Lœtitia D'Éméric-Ça » → `loetitia d emeric ca`. How names are compared
/// when an agent searches for a person.
pub fn fold_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' | 'ý' => "y",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            c if c.is_alphanumeric() => {
                out.push(c);
                space = false;
                continue;
            }
            _ => {
                if !space {
                    out.push(' ');
                    space = true;
                }
                continue;
            }
        };
        out.push_str(plain);
        space = false;
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod fold_tests {
    use super::*;

    #[test]
    fn names_fold_to_one_key_however_typed() {
        assert_eq!(fold_name("Lœtitia D'Éméric-Ça"), "loetitia d emeric ca");
        assert_eq!(fold_name("  DUPONT   Jean-Marie "), "dupont jean marie");
        let a = PersonName::parse("Jean-Marie", "Dupont").unwrap();
        let b = PersonName::parse("jean marie", "DUPONT").unwrap();
        assert_eq!(a.search_key(), b.search_key());
    }
}
