//! Case references that a person can read aloud on the phone or copy from a letter.
//!
//! Shape: `GX-7K4M-2Q9P`: a fixed prefix, then seven symbols of Crockford's base 32 (no I, L, O
//! or U, so nothing reads as a digit or a rude word) and one check symbol computed with the
//! Luhn mod 32 algorithm, which catches every single-symbol mistake and most swaps of two
//! neighbours. Parsing forgives what people do: lowercase, spaces, missing dashes, and the
//! letters O, I and L typed for 0, 1 and 1.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX: &str = "GX";
const PAYLOAD_LEN: usize = 7;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseReference(String);

impl CaseReference {
    /// Builds a reference from 35 bits of randomness supplied by the caller (the domain has no
    /// random source of its own). Higher bits are ignored.
    pub fn from_random(bits: u64) -> Self {
        let mut values = [0u8; PAYLOAD_LEN];
        for (i, v) in values.iter_mut().enumerate() {
            *v = ((bits >> (5 * i)) & 31) as u8;
        }
        let check = luhn_mod32(&values);
        let mut s = String::with_capacity(12);
        s.push_str(PREFIX);
        s.push('-');
        for (i, v) in values.iter().chain(std::iter::once(&check)).enumerate() {
            if i == 4 {
                s.push('-');
            }
            s.push(ALPHABET[*v as usize] as char);
        }
        Self(s)
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let invalid = |why: &str| {
            InvalidValue::new(
                "case_reference",
                format!(
                    "« {} » n’est pas une référence de dossier valide : {why} (exemple : GX-7K4M-2Q9P).",
                    raw.trim()
                ),
            )
        };
        let symbols: Vec<char> = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let body = match symbols.as_slice() {
            ['G', 'X', rest @ ..] => rest,
            _ => return Err(invalid("elle commence par GX")),
        };
        if body.len() != PAYLOAD_LEN + 1 {
            return Err(invalid("il faut huit caractères après GX"));
        }
        let mut values = Vec::with_capacity(body.len());
        for c in body {
            let c = match c {
                'O' => '0',
                'I' | 'L' => '1',
                other => *other,
            };
            match ALPHABET.iter().position(|a| *a as char == c) {
                Some(v) => values.push(v as u8),
                None => return Err(invalid(&format!("le caractère « {c} » n’y figure jamais"))),
            }
        }
        let (payload, check) = values.split_at(PAYLOAD_LEN);
        if luhn_mod32(payload) != check[0] {
            return Err(invalid(
                "un caractère a probablement été mal lu ou mal recopié",
            ));
        }
        let bits = payload
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, v)| acc | (u64::from(*v) << (5 * i)));
        Ok(Self::from_random(bits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CaseReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CaseReference {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CaseReference> for String {
    fn from(value: CaseReference) -> Self {
        value.0
    }
}

/// Luhn mod N check symbol (N = 32) over symbol values.
fn luhn_mod32(values: &[u8]) -> u8 {
    const N: u32 = 32;
    let mut factor = 2;
    let mut sum = 0u32;
    for v in values.iter().rev() {
        let addend = factor * u32::from(*v);
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / N + addend % N;
    }
    ((N - (sum % N)) % N) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shape_is_readable() {
        let r = CaseReference::from_random(0x1_2345_6789);
        assert_eq!(r.as_str().len(), 12);
        assert!(r.as_str().starts_with("GX-"));
        assert_eq!(r.as_str().as_bytes()[7], b'-');
    }

    #[test]
    fn a_wrong_check_character_is_refused_with_a_french_message() {
        let r = CaseReference::from_random(42);
        let mut s: Vec<char> = r.as_str().chars().collect();
        let last = s.len() - 1;
        s[last] = if s[last] == 'A' { 'B' } else { 'A' };
        let err = CaseReference::parse(&s.into_iter().collect::<String>()).unwrap_err();
        assert!(err.message.contains("mal lu"), "{}", err.message);
    }

    proptest! {
        #[test]
        fn round_trips_through_sloppy_typing(bits in 0u64..(1 << 35)) {
            let r = CaseReference::from_random(bits);
            let sloppy = r.as_str().to_lowercase().replace('-', " ").replace('0', "o");
            prop_assert_eq!(CaseReference::parse(&sloppy).unwrap(), r);
        }

        #[test]
        fn every_single_symbol_error_is_caught(bits in 0u64..(1 << 35), pos in 0usize..8, sym in 0usize..32) {
            let r = CaseReference::from_random(bits);
            let compact: Vec<u8> = r.as_str().bytes().filter(|b| *b != b'-').collect();
            let mut changed = compact.clone();
            prop_assume!(changed[2 + pos] != ALPHABET[sym]);
            changed[2 + pos] = ALPHABET[sym];
            let s = String::from_utf8(changed).unwrap();
            prop_assert!(CaseReference::parse(&s).is_err());
        }
    }
}
