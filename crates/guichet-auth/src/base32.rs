//! RFC 4648 base 32 (the alphabet A–Z 2–7), the form authenticator apps read TOTP secrets in.
//! Twenty lines did not justify a dependency. Encoding writes no padding; decoding takes upper or
//! lower case, ignores spaces and trailing `=`, and refuses anything else, including lengths and
//! final bits no encoder produces (so one secret has one spelling).

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
    }
    if bits > 0 {
        out.push(char::from(
            ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)],
        ));
    }
    out
}

pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text
        .trim_end_matches(['=', ' '])
        .bytes()
        .filter(|&b| b != b' ')
        .collect();
    // 8 symbols carry 5 bytes; a last group of 1, 3 or 6 symbols matches no byte count.
    if matches!(symbols.len() % 8, 1 | 3 | 6) {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits = 0;
    for symbol in symbols {
        let value = match symbol.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        buffer = ((buffer << 5) | u16::from(value)) & 0x0fff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    // The bits left over are padding: an encoder writes zeros there.
    if buffer & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 section 10, without the padding.
    const VECTORS: &[(&str, &str)] = &[
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ];

    #[test]
    fn rfc_4648_vectors() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), *encoded, "{plain}");
            assert_eq!(
                decode(encoded).as_deref(),
                Some(plain.as_bytes()),
                "{encoded}"
            );
        }
    }

    #[test]
    fn padding_case_and_spaces_are_forgiven() {
        assert_eq!(decode("MZXW6YQ=").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode("MY======").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
    }

    #[test]
    fn what_no_encoder_writes_is_refused() {
        assert_eq!(decode("M"), None); // impossible length
        assert_eq!(decode("MZX"), None);
        assert_eq!(decode("MZ"), None); // non-zero final bits ("MY" is "f")
        assert_eq!(decode("MZXW1"), None); // 1 is not in the alphabet
        assert_eq!(decode("MZ=XQ"), None); // padding inside
        assert_eq!(decode("MZXWÉ"), None);
    }

    #[test]
    fn round_trip_of_every_length() {
        let bytes: Vec<u8> = (0..=255).rev().collect();
        for start in 0..5 {
            for len in 0..70 {
                let slice = &bytes[start..start + len];
                assert_eq!(decode(&encode(slice)).as_deref(), Some(slice));
            }
        }
    }
}
