//! Who runs this Guichet: the operator's name, commune and logo shown in every page's header,
//! and what the legal pages must say about them. Configuration, never code: a town hall, its
//! CCAS or a France Services network installs the same Guichet under its own name.

/// The operator's identity and the facts of the legal pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Shown in the header and the page titles (« Mairie de Saint-Clair-sur-Lys »).
    pub name: String,
    /// The commune or territory served, under the name (« Saint-Clair-sur-Lys (59) »).
    pub territory: Option<String>,
    /// A logo (PNG or SVG), served at `/static/logo`; the name alone otherwise.
    pub logo: Option<Logo>,
    /// The operator's postal address, for the legal notice.
    pub address: Option<String>,
    /// The switchboard, for the header and the legal notice (« 03 20 00 00 00 »).
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Directeur ou directrice de la publication (usually the mayor or the president).
    pub publisher: Option<String>,
    /// The hosting provider's name and address (required by the LCEN, art. 6).
    pub host: Option<String>,
    /// Who to write to about personal data (the data protection officer).
    pub data_protection_contact: Option<String>,
    /// The portal's public address (`https://demarches.saint-clair.fr`), for the links in
    /// account emails. Never taken from a request's `Host` header, which a client chooses: a
    /// reset link must not point elsewhere. Without it, emails give the path alone.
    pub url: Option<String>,
}

/// A logo file, read once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    /// The text alternative (usually the operator's name).
    pub alt: String,
}

impl Site {
    /// An instance nobody configured yet: it says so rather than inventing an operator.
    pub fn unconfigured() -> Site {
        Site {
            name: "Guichet".to_owned(),
            territory: None,
            logo: None,
            address: None,
            phone: None,
            email: None,
            publisher: None,
            host: None,
            data_protection_contact: None,
            url: None,
        }
    }

    /// The fictional town hall of the demonstration.
    pub fn demo() -> Site {
        Site {
            name: "Mairie de Saint-Clair-sur-Lys".to_owned(),
            territory: Some(
                "Saint-Clair-sur-Lys (59) — commune fictive de démonstration".to_owned(),
            ),
            logo: None,
            address: Some("1 place de la Mairie, 59990 Saint-Clair-sur-Lys".to_owned()),
            phone: Some("03 20 00 00 00".to_owned()),
            email: Some("accueil@saint-clair-sur-lys.example".to_owned()),
            publisher: Some("le maire de Saint-Clair-sur-Lys (fictif)".to_owned()),
            host: Some("le serveur de démonstration où Guichet a été lancé".to_owned()),
            data_protection_contact: Some("dpo@saint-clair-sur-lys.example".to_owned()),
            url: None,
        }
    }
}

/// A phone number as a `tel:` link target: E.164 for a French number, overseas ones with their
/// own country code ([`guichet_places::Phone`], one reader of numbers), short numbers as they
/// are; `None` when it is not a phone number.
pub fn tel_href(shown: &str) -> Option<String> {
    if let Some(phone) = guichet_places::Phone::parse(shown) {
        return Some(format!("tel:{}", phone.e164()));
    }
    // Short numbers (3939, 115, and the emergency 15, 17 and 18) are dialled as they are.
    let short = shown.trim();
    let emergency = matches!(short, "15" | "17" | "18");
    (emergency || (3..=6).contains(&short.len()) && short.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("tel:{short}"))
}

/// The sentence with the spaces of numbers and times made no-break ones, as letters print them:
/// between two digits (« 03 20 00 / 00 01 » or « 116 / 006 » split at a line's end misleads,
/// and « 3 000 € » reads better whole), and in French times (« 8 h 30 », « à 9 h »).
pub fn numbers_unbroken(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let space = |i: usize| chars.get(i).is_some_and(|c| matches!(c, ' ' | '\u{a0}'));
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c != ' ' || i == 0 {
                return c;
            }
            let between_digits = digit(i - 1) && digit(i + 1);
            // « 9 h », « 9 h 30 »: the hour sign alone (not « 9 habitants »).
            let before_hour = digit(i - 1)
                && chars.get(i + 1) == Some(&'h')
                && !chars.get(i + 2).is_some_and(|c| c.is_alphabetic());
            // « h 30 » after a digit and a space.
            let after_hour =
                chars[i - 1] == 'h' && i >= 3 && space(i - 2) && digit(i - 3) && digit(i + 1);
            if between_digits || before_hour || after_hour {
                '\u{a0}'
            } else {
                c
            }
        })
        .collect()
}

/// A piece of a sentence: a code or the text between codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    pub text: String,
    /// A case's reference (« GX-8B4X-WD7C ») or a follow-up code (« KXR7-PM4Q »), which a page
    /// keeps on one line (`<span class="nowrap">`): split at a hyphen, it reads as two codes.
    /// The characters stay as they are, so that a copied code pastes into `/suivi` as typed.
    pub code: bool,
}

/// The sentence cut into codes and the text around them. A code is a run of capitals and
/// digits, with at least one digit, in hyphenated groups of two or more; words
/// (« Saint-Clair-sur-Lys ») are text.
pub fn code_runs(text: &str) -> Vec<TextRun> {
    let is_code = |run: &str| {
        run.contains('-')
            && run.bytes().any(|b| b.is_ascii_digit())
            && run.split('-').all(|g| {
                g.len() >= 2
                    && g.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            })
    };
    let mut runs: Vec<TextRun> = Vec::new();
    let mut push = |text: &str, code: bool| match runs.last_mut() {
        Some(last) if !code && !last.code => last.text.push_str(text),
        _ if text.is_empty() => {}
        _ => runs.push(TextRun {
            text: text.to_owned(),
            code,
        }),
    };
    let mut start = 0;
    let mut word = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        let in_word = c.is_ascii_alphanumeric() || c == '-';
        match (word, in_word) {
            (None, true) => word = Some(i),
            (Some(w), false) => {
                if is_code(&text[w..i]) {
                    push(&text[start..w], false);
                    push(&text[w..i], true);
                    start = i;
                }
                word = None;
            }
            _ => {}
        }
    }
    push(&text[start..], false);
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_codes_are_runs_of_their_own() {
        let run = |text: &str, code| TextRun {
            text: text.to_owned(),
            code,
        };
        assert_eq!(
            code_runs("Dossier GX-8B4X-WD7C, code KXR7-PM4Q, à Saint-Clair-sur-Lys."),
            vec![
                run("Dossier ", false),
                run("GX-8B4X-WD7C", true),
                run(", code ", false),
                run("KXR7-PM4Q", true),
                run(", à Saint-Clair-sur-Lys.", false),
            ]
        );
        assert_eq!(
            code_runs("AB-CD et 12-3"),
            vec![run("AB-CD et 12-3", false)]
        );
        assert_eq!(code_runs(""), Vec::<TextRun>::new());
    }

    #[test]
    fn numbers_and_times_stay_whole() {
        let nb = |s: &str| s.replace(' ', "\u{a0}");
        assert_eq!(
            numbers_unbroken("Appelez le 03 20 00 00 01, de 8 h 30 à 12 h."),
            format!(
                "Appelez le {}, de {} à {}.",
                nb("03 20 00 00 01"),
                nb("8 h 30"),
                nb("12 h")
            )
        );
        assert_eq!(
            numbers_unbroken("ouvre à 9 h"),
            format!("ouvre à {}", nb("9 h"))
        );
        assert_eq!(numbers_unbroken("9 habitants sur 10"), "9 habitants sur 10");
    }

    #[test]
    fn phone_numbers_become_tel_links() {
        assert_eq!(
            tel_href("03 20 00 00 01").as_deref(),
            Some("tel:+33320000001")
        );
        assert_eq!(
            tel_href("+33 4 72 00 00 00").as_deref(),
            Some("tel:+33472000000")
        );
        assert_eq!(tel_href("3939").as_deref(), Some("tel:3939"));
        assert_eq!(tel_href("17").as_deref(), Some("tel:17"));
        assert_eq!(tel_href("42"), None, "not an emergency number");
        assert_eq!(tel_href("du lundi au vendredi"), None);
    }
}
