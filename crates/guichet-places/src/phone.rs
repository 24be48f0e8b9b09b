//! French telephone numbers as places publish them ("04 50 56 87 49", "0450568749",
//! "+33 4 50 56 87 49", "04.50.56.87.49"), turned into what a page needs: an E.164 number for
//! a `tel:` link and the usual French reading in pairs of digits.
//!
//! Overseas numbers are dialled through their own country codes (a Réunion number starting
//! 0262 is +262 262…, not +33 262…), after the ARCEP numbering plan. Anything else (short
//! numbers such as 3939, foreign numbers written without +, text) is not a [`Phone`]: pages
//! show such text as it is, without a link.

/// A French number, national form: ten digits starting with 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    national: String,
}

/// Overseas prefixes (first four national digits) and the country code they are dialled with.
const OVERSEAS: [(&str, &str); 15] = [
    ("0590", "590"), // Guadeloupe, Saint-Barthélemy, Saint-Martin (fixed)
    ("0690", "590"), // mobiles
    ("0691", "590"),
    ("0594", "594"), // Guyane
    ("0694", "594"),
    ("0596", "596"), // Martinique
    ("0696", "596"),
    ("0697", "596"),
    ("0262", "262"), // La Réunion
    ("0263", "262"),
    ("0692", "262"),
    ("0693", "262"),
    ("0269", "262"), // Mayotte
    ("0639", "262"),
    ("0508", "508"), // Saint-Pierre-et-Miquelon
];

impl Phone {
    /// Reads a French number written in any usual way; `None` when it is not one.
    pub fn parse(raw: &str) -> Option<Phone> {
        let raw = raw.trim();
        // Only digits, spaces, dots, dashes, slashes, brackets and one leading +.
        if raw.is_empty()
            || !raw
                .chars()
                .all(|c| c.is_ascii_digit() || " .-/()+\u{a0}".contains(c))
        {
            return None;
        }
        let international = raw.starts_with('+') || raw.starts_with("00");
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if raw.matches('+').count() > usize::from(raw.starts_with('+')) {
            return None;
        }
        let national = if international {
            let rest = digits.strip_prefix("00").unwrap_or(&digits);
            Self::national_from_international(rest)?
        } else {
            digits
        };
        let ok = national.len() == 10
            && national.starts_with('0')
            && national.as_bytes()[1] != b'0'
            && national.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Phone { national })
    }

    /// "33 4 50 …" or "262 262 …" (without + or 00) to the national form.
    fn national_from_international(digits: &str) -> Option<String> {
        // "+33 (0)4 …" is common: drop the bracketed trunk zero.
        if let Some(rest) = digits.strip_prefix("33") {
            let rest = if rest.len() == 10 && rest.starts_with('0') {
                &rest[1..]
            } else {
                rest
            };
            return (rest.len() == 9).then(|| format!("0{rest}"));
        }
        for cc in ["590", "594", "596", "262", "508"] {
            if let Some(rest) = digits.strip_prefix(cc)
                && rest.len() == 9
            {
                let national = format!("0{rest}");
                // The country code must be the one of that overseas prefix.
                return OVERSEAS
                    .iter()
                    .any(|(p, c)| national.starts_with(p) && *c == cc)
                    .then_some(national);
            }
        }
        None
    }

    /// `+33450568749`, `+262262…`: the number for a `tel:` link.
    pub fn e164(&self) -> String {
        let country = OVERSEAS
            .iter()
            .find(|(p, _)| self.national.starts_with(p))
            .map_or("33", |(_, c)| c);
        format!("+{country}{}", &self.national[1..])
    }

    /// "04 50 56 87 49": five pairs, as French people read a number.
    pub fn display(&self) -> String {
        let b = self.national.as_bytes();
        b.chunks(2)
            .map(|pair| std::str::from_utf8(pair).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_writings_give_one_number() {
        for raw in [
            "04 50 56 87 49",
            "0450568749",
            "04.50.56.87.49",
            "04-50-56-87-49",
            "+33 4 50 56 87 49",
            "+33 (0)4 50 56 87 49",
            "0033 4 50 56 87 49",
            " 04 50 56 87 49 ",
        ] {
            let p = Phone::parse(raw).unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(p.e164(), "+33450568749", "{raw}");
            assert_eq!(p.display(), "04 50 56 87 49", "{raw}");
        }
    }

    #[test]
    fn overseas_numbers_use_their_own_country_code() {
        let p = Phone::parse("02 62 40 00 00").unwrap();
        assert_eq!(p.e164(), "+262262400000");
        assert_eq!(
            Phone::parse("0690 12 34 56").unwrap().e164(),
            "+590690123456"
        );
        assert_eq!(
            Phone::parse("+262 269 61 00 00").unwrap().display(),
            "02 69 61 00 00"
        );
        // +33 is not how a Réunion fixed line is dialled from abroad, but the number is the same.
        assert_eq!(
            Phone::parse("+596 596 00 00 00").unwrap().e164(),
            "+596596000000"
        );
        assert_eq!(Phone::parse("+590 596 00 00 00"), None);
    }

    #[test]
    fn what_is_not_a_french_number_is_refused() {
        for raw in [
            "",
            "3939",
            "04 50 56 87",
            "04 50 56 87 49 12",
            "00 00 00 00 00",
            "tél. 04 50 56 87 49",
            "+44 20 7946 0958",
            "04 50 + 56 87 49",
        ] {
            assert_eq!(Phone::parse(raw), None, "{raw}");
        }
    }
}
