//! The second factor: time-based one-time passwords (RFC 6238) as every authenticator app reads
//! them — HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch. The caller gives the time
//! and keeps, per account, the last step accepted, so that a code works once.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

use crate::base32;

const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;
const MODULUS: u32 = 1_000_000;
const GENERATED_LEN: usize = 20;
const MIN_LEN: usize = 16;
const MAX_LEN: usize = 64;

/// A TOTP secret: 16 to 64 bytes, 20 when Guichet draws it. It never prints (`Debug` shows
/// `TotpSecret(…)`); store it as [`TotpSecret::to_base32`] and read it back with
/// [`TotpSecret::from_base32`].
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// Draws 20 random bytes (160 bits, the length RFC 4226 recommends for HMAC-SHA1) from the
    /// thread's cryptographic generator, seeded by the operating system.
    pub fn generate() -> Self {
        let mut bytes = vec![0; GENERATED_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret from raw bytes; `None` unless there are 16 to 64 of them (RFC 4226 asks for at
    /// least 128 bits; beyond 64 bytes HMAC-SHA1 would only hash the key first).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (MIN_LEN..=MAX_LEN)
            .contains(&bytes.len())
            .then(|| Self(bytes.to_vec()))
    }

    /// A secret from its base 32 form (RFC 4648, padding optional, any case, spaces ignored).
    pub fn from_base32(s: &str) -> Option<Self> {
        Self::from_bytes(&base32::decode(s)?)
    }

    /// The base 32 form, upper case, without padding: what authenticator apps accept typed in.
    pub fn to_base32(&self) -> String {
        base32::encode(&self.0)
    }

    /// The code at a time: 6 digits, zero-padded.
    pub fn code_at(&self, unix_secs: i64) -> String {
        format!("{:0DIGITS$}", self.code_of_step(step_of(unix_secs)))
    }

    /// Checks a code typed at `unix_secs`. Accepts the code of the current 30-second step or of
    /// the step just before or after (a phone's clock a little off, a code typed as it
    /// changed), but never of a step at or before `last_used_step`: a code works once, and an
    /// older one is refused after a newer was used. Spaces in `code` are ignored. Returns the
    /// step that matched, for the caller to store as the new `last_used_step`.
    ///
    /// The three candidates are all computed whatever the input, and compared as integers.
    pub fn verify(&self, code: &str, unix_secs: i64, last_used_step: Option<i64>) -> Option<i64> {
        let typed = parse_code(code)?;
        let now = step_of(unix_secs);
        let mut matched = None;
        for step in [now.checked_sub(1), Some(now), now.checked_add(1)]
            .into_iter()
            .flatten()
        {
            let fresh = last_used_step.is_none_or(|last| step > last);
            if (self.code_of_step(step) == typed) & fresh {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://` URI authenticator apps read from a QR code (Google's Key Uri Format):
    /// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
    /// the issuer and the account percent-encoded (a colon inside either becomes `%3A`).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            percent_encode(account),
            self.to_base32(),
        )
    }

    /// HOTP (RFC 4226 section 5.3) of one step.
    fn code_of_step(&self, step: i64) -> u32 {
        // HMAC takes keys of any length: `new_from_slice` cannot fail.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            unreachable!("HMAC accepts keys of any length")
        };
        // Steps before 1970 do not occur; their two's complement is as good a counter as any.
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let truncated = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        truncated % MODULUS
    }
}

fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// Six ASCII digits once whitespace is removed, or nothing.
fn parse_code(code: &str) -> Option<u32> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// RFC 3986: everything but the unreserved characters becomes `%XX` (UTF-8 bytes).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_after_whitespace() {
        assert_eq!(parse_code("123 456"), Some(123_456));
        assert_eq!(parse_code(" 012345\n"), Some(12_345));
        assert_eq!(parse_code("12345"), None);
        assert_eq!(parse_code("1234567"), None);
        assert_eq!(parse_code("12345a"), None);
        assert_eq!(parse_code("+12345"), None);
        assert_eq!(parse_code("１２３４５６"), None); // full-width digits
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(
            percent_encode("Mairie de Saint-Étienne"),
            "Mairie%20de%20Saint-%C3%89tienne"
        );
        assert_eq!(percent_encode("a:b@c.fr&x=1?"), "a%3Ab%40c.fr%26x%3D1%3F");
        assert_eq!(percent_encode("A-Z_a.z~09"), "A-Z_a.z~09");
    }

    #[test]
    fn steps_are_thirty_seconds_from_the_epoch() {
        assert_eq!(step_of(0), 0);
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(-1), -1);
    }
}
