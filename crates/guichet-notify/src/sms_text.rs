//! The text of an SMS, and its length in GSM-7.
//!
//! An SMS of up to 160 characters of the GSM 03.38 alphabet is one message; one
//! character outside it switches the whole text to UCS-2 and 70 characters, and
//! long texts are split into 153-character parts that cost one message each.
//! French text is therefore transliterated where GSM-7 lacks a letter (ê → e)
//! before it is counted. Sending is `guichet-delivery`'s (`sms_gateway.rs`).

use serde::Serialize;

const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// How a text will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsText {
    pub text: String,
    /// True when every character is in GSM-7; false means UCS-2.
    pub gsm7: bool,
    /// Length in encoding units (extended GSM characters count twice).
    pub units: usize,
    /// Number of billed parts.
    pub parts: usize,
}

/// Replaces characters GSM-7 lacks by their closest GSM-7 spelling.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let r = match c {
            'â' | 'á' | 'ã' => "a",
            'À' | 'Â' | 'Á' => "A",
            'ê' | 'ë' => "e",
            'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' => "i",
            'Î' | 'Ï' => "I",
            'ô' | 'ó' => "o",
            'Ô' => "O",
            'û' | 'ú' => "u",
            'Û' | 'Ù' => "U",
            'ç' => "c",
            'œ' => "oe",
            'Œ' => "OE",
            'ÿ' => "y",
            '’' | '‘' => "'",
            '«' | '»' | '“' | '”' => "\"",
            '–' | '—' => "-",
            '\u{a0}' | '\u{202f}' => " ",
            '…' => "...",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// Counts a text as the network will: GSM-7 units or UCS-2 code units, and parts.
pub fn measure(text: &str) -> SmsText {
    let text = transliterate(text);
    let mut units = 0usize;
    let mut gsm7 = true;
    for c in text.chars() {
        if GSM_BASIC.contains(c) {
            units += 1;
        } else if GSM_EXTENDED.contains(c) {
            units += 2;
        } else {
            gsm7 = false;
            break;
        }
    }
    if !gsm7 {
        units = text.encode_utf16().count();
    }
    let (single, multi) = if gsm7 { (160, 153) } else { (70, 67) };
    let parts = if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    SmsText {
        text,
        gsm7,
        units,
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_french_fits_gsm7() {
        let m = measure(
            "Votre dossier D-2026-004217 est complet. Réponse sous 2 mois. Mairie : 04 78 03 67 67",
        );
        assert!(m.gsm7);
        assert_eq!(m.parts, 1);
    }

    #[test]
    fn accents_missing_from_gsm7_are_transliterated() {
        let m = measure("Fenêtre, maïs, garçon, cœur — « oui »");
        assert!(m.gsm7, "{}", m.text);
        assert_eq!(m.text, "Fenetre, mais, garcon, coeur - \" oui \"");
    }

    #[test]
    fn extended_characters_count_twice() {
        assert_eq!(measure("10 €").units, 5);
        assert_eq!(measure(&"a".repeat(159)).parts, 1);
        assert_eq!(measure(&format!("{}€", "a".repeat(159))).parts, 2);
    }

    #[test]
    fn long_text_is_split_in_153_unit_parts() {
        assert_eq!(measure(&"a".repeat(160)).parts, 1);
        assert_eq!(measure(&"a".repeat(161)).parts, 2);
        assert_eq!(measure(&"a".repeat(306)).parts, 2);
        assert_eq!(measure(&"a".repeat(307)).parts, 3);
    }

    #[test]
    fn non_gsm_switches_to_ucs2() {
        let m = measure("Привет");
        assert!(!m.gsm7);
        assert_eq!(m.units, 6);
        assert_eq!(measure(&"я".repeat(71)).parts, 2);
    }
}
