//! The recipient's postal address as La Poste reads it through the envelope window.
//!
//! French postal addressing (NF Z10-011) allows at most six lines of at most 38
//! characters, the last one being the postcode and the town in capitals without
//! accents. An address that does not fit is refused with a message telling the
//! agent how to shorten it: cutting it silently would send the letter nowhere.

use std::fmt;

use crate::error::LetterError;

/// Most lines an address block may have (NF Z10-011).
pub const MAX_LINES: usize = 6;
/// Most characters on one address line (NF Z10-011).
pub const MAX_LINE_CHARS: usize = 38;

/// A postal address that fits the French standard; the only way to build one is
/// [`PostalAddress::new`], so a letter can never carry an address that would be cut.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct PostalAddress {
    lines: Vec<String>,
    postcode: String,
    town: String,
}

impl PostalAddress {
    /// Validates address lines, recipient first, "POSTCODE TOWN" last.
    ///
    /// Blank lines are dropped (they carry nothing); surrounding spaces are trimmed.
    pub fn new<I, S>(lines: I) -> Result<Self, LetterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let lines: Vec<String> = lines
            .into_iter()
            .map(|l| collapse_spaces(l.as_ref()))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() < 2 {
            return Err(LetterError::Address(
                "L'adresse doit comporter au moins le nom du destinataire et la ligne « code postal et commune »."
                    .into(),
            ));
        }
        if lines.len() > MAX_LINES {
            return Err(LetterError::Address(format!(
                "L'adresse compte {} lignes ; la norme postale (NF Z10-011) en autorise {MAX_LINES} au plus. \
                 Regroupez des informations (par exemple le bâtiment et l'étage sur une même ligne) \
                 ou supprimez celles qui ne servent pas à la distribution.",
                lines.len()
            )));
        }
        for (i, line) in lines.iter().enumerate() {
            let n = line.chars().count();
            if n > MAX_LINE_CHARS {
                return Err(LetterError::Address(format!(
                    "La ligne {} de l'adresse (« {line} ») compte {n} caractères ; la norme postale \
                     (NF Z10-011) en autorise {MAX_LINE_CHARS} au plus. Abrégez-la (par exemple « BD » pour \
                     « BOULEVARD », « AV » pour « AVENUE », « RES » pour « RÉSIDENCE ») ou répartissez-la \
                     sur deux lignes. Elle n'est jamais coupée automatiquement.",
                    i + 1
                )));
            }
            if line.chars().any(char::is_control) {
                return Err(LetterError::Address(format!(
                    "La ligne {} de l'adresse contient un caractère de contrôle ; saisissez-la à nouveau.",
                    i + 1
                )));
            }
        }
        let last = lines.last().map(String::as_str).unwrap_or_default();
        let (postcode, town) = split_postcode_town(last).ok_or_else(|| {
            LetterError::Address(format!(
                "La dernière ligne de l'adresse (« {last} ») doit être le code postal à 5 chiffres suivi de la \
                 commune en majuscules sans accents, par exemple « 69003 LYON » ou « 13002 MARSEILLE CEDEX 02 ». \
                 Suggestion : « {} ».",
                suggest_last_line(last)
            ))
        })?;
        Ok(Self {
            postcode: postcode.to_owned(),
            town: town.to_owned(),
            lines,
        })
    }

    /// The lines as printed in the window.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The five-digit postcode, used to sort print batches.
    pub fn postcode(&self) -> &str {
        &self.postcode
    }

    /// The town as written on the last line.
    pub fn town(&self) -> &str {
        &self.town
    }
}

impl TryFrom<Vec<String>> for PostalAddress {
    type Error = LetterError;
    fn try_from(lines: Vec<String>) -> Result<Self, LetterError> {
        Self::new(lines)
    }
}

impl From<PostalAddress> for Vec<String> {
    fn from(a: PostalAddress) -> Vec<String> {
        a.lines
    }
}

impl fmt::Display for PostalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn split_postcode_town(line: &str) -> Option<(&str, &str)> {
    let (postcode, town) = line.split_once(' ')?;
    let postcode_ok = postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit());
    let town_ok = !town.is_empty()
        && town.chars().any(|c| c.is_ascii_uppercase())
        && town
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, ' ' | '-' | '\''));
    (postcode_ok && town_ok).then_some((postcode, town))
}

/// Writes a town the way the postal standard wants it: capitals, no accents,
/// hyphens and apostrophes kept ("Saint-Étienne" becomes "SAINT-ETIENNE").
pub fn postal_town(town: &str) -> String {
    let mut out = String::with_capacity(town.len());
    for c in town.chars() {
        let base = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'À' | 'Â' | 'Ä' | 'Á' | 'Ã' => "A",
            'ç' | 'Ç' => "C",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => "I",
            'ô' | 'ö' | 'ó' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Õ' => "O",
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ÿ' | 'Ÿ' => "Y",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            '’' => "'",
            c if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '\'') => {
                out.push(c.to_ascii_uppercase());
                continue;
            }
            _ => " ",
        };
        out.push_str(base);
    }
    collapse_spaces(&out)
}

fn suggest_last_line(line: &str) -> String {
    let t = line.trim();
    match t.split_once(' ') {
        Some((cp, town)) => format!("{cp} {}", postal_town(town)),
        None => postal_town(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_standard_address() {
        let a = PostalAddress::new([
            "Madame Awa DIALLO",
            "Bâtiment B, escalier 3",
            "12 rue des Lilas",
            "69003 LYON",
        ])
        .expect("valid");
        assert_eq!(a.postcode(), "69003");
        assert_eq!(a.town(), "LYON");
        assert_eq!(a.lines().len(), 4);
    }

    #[test]
    fn refuses_a_long_line_and_explains() {
        let err = PostalAddress::new([
            "Monsieur Jean-Baptiste de La Tour d'Auvergne-Lauraguais",
            "69003 LYON",
        ])
        .expect_err("too long");
        let msg = err.to_string();
        assert!(msg.contains("38"), "{msg}");
        assert!(msg.contains("Abrégez"), "{msg}");
    }

    #[test]
    fn refuses_seven_lines() {
        let err =
            PostalAddress::new(["a", "b", "c", "d", "e", "f", "69003 LYON"]).expect_err("7 lines");
        assert!(err.to_string().contains("7 lignes"));
    }

    #[test]
    fn refuses_accents_or_lowercase_in_town_and_suggests() {
        let err = PostalAddress::new(["Mme X", "42000 Saint-Étienne"]).expect_err("accent");
        assert!(err.to_string().contains("42000 SAINT-ETIENNE"), "{err}");
    }

    #[test]
    fn cedex_is_accepted() {
        PostalAddress::new(["CAF du Rhône", "67 bd Vivier Merle", "69409 LYON CEDEX 03"])
            .expect("cedex");
    }

    #[test]
    fn postal_town_strips_accents() {
        assert_eq!(postal_town("L'Haÿ-les-Roses"), "L'HAY-LES-ROSES");
        assert_eq!(postal_town("Saint-Étienne"), "SAINT-ETIENNE");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_valid_addresses_fit(lines in proptest::collection::vec(".{0,50}", 0..9)) {
            if let Ok(a) = PostalAddress::new(&lines) {
                proptest::prop_assert!(a.lines().len() <= MAX_LINES);
                proptest::prop_assert!(a.lines().iter().all(|l| l.chars().count() <= MAX_LINE_CHARS));
            }
        }
    }
}
