use guichet_auth::TotpSecret;

/// RFC 6238 Appendix B, SHA1: the ASCII secret and (time, 8-digit code).
const RFC_SECRET: &[u8] = b"12345678901234567890";
const RFC_VECTORS: &[(i64, &str)] = &[
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(RFC_SECRET).unwrap()
}

#[test]
fn rfc_6238_sha1_vectors_give_their_last_six_digits() {
    let secret = rfc_secret();
    for (time, eight_digits) in RFC_VECTORS {
        assert_eq!(secret.code_at(*time), eight_digits[2..], "t = {time}");
        assert_eq!(
            secret.verify(&eight_digits[2..], *time, None),
            Some(time / 30)
        );
    }
}

#[test]
fn codes_are_zero_padded() {
    // 1111111109 gives 081804: the leading zero stays.
    assert_eq!(rfc_secret().code_at(1_111_111_109), "081804");
    for time in (0..3_000_000).step_by(30_001) {
        let code = rfc_secret().code_at(time);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    }
}

#[test]
fn one_step_of_drift_either_way_is_accepted_two_are_not() {
    let secret = rfc_secret();
    let now = 1_234_567_890; // step 41152263, 0 s into it
    let step = now / 30;
    let code = secret.code_at(now);
    assert_eq!(secret.verify(&code, now, None), Some(step));
    assert_eq!(secret.verify(&code, now + 29, None), Some(step));
    // The phone is a step ahead or behind the server.
    assert_eq!(secret.verify(&code, now - 30, None), Some(step));
    assert_eq!(secret.verify(&code, now + 30, None), Some(step));
    assert_eq!(secret.verify(&code, now + 59, None), Some(step));
    // Two steps away: refused.
    assert_eq!(secret.verify(&code, now - 31, None), None);
    assert_eq!(secret.verify(&code, now + 60, None), None);
    assert_eq!(secret.verify(&secret.code_at(now - 60), now, None), None);
    assert_eq!(secret.verify(&secret.code_at(now + 60), now, None), None);
}

#[test]
fn a_code_works_once() {
    let secret = rfc_secret();
    let now = 2_000_000_000;
    let step = now / 30;
    let code = secret.code_at(now);
    let used = secret.verify(&code, now, None).unwrap();
    assert_eq!(used, step);
    // The same code again, even ten seconds later: refused.
    assert_eq!(secret.verify(&code, now, Some(used)), None);
    assert_eq!(secret.verify(&code, now + 10, Some(used)), None);
    // An older code, still inside the drift window: refused once a newer one was used.
    assert_eq!(
        secret.verify(&secret.code_at(now - 30), now, Some(used)),
        None
    );
    // The next step's code is new: accepted.
    assert_eq!(
        secret.verify(&secret.code_at(now + 30), now + 30, Some(used)),
        Some(step + 1)
    );
    // A last step older than the window changes nothing.
    assert_eq!(secret.verify(&code, now, Some(step - 5)), Some(step));
}

#[test]
fn typed_codes_may_hold_spaces_and_nothing_else() {
    let secret = rfc_secret();
    let now = 59;
    assert_eq!(secret.code_at(now), "287082");
    assert_eq!(secret.verify("287 082", now, None), Some(1));
    assert_eq!(secret.verify(" 287082 ", now, None), Some(1));
    for wrong in [
        "287083", "28708", "2870820", "287-082", "", "abcdef", "94287082",
    ] {
        assert_eq!(secret.verify(wrong, now, None), None, "{wrong:?}");
    }
}

#[test]
fn extreme_times_do_not_panic() {
    let secret = rfc_secret();
    for time in [i64::MIN, -1, 0, i64::MAX] {
        let code = secret.code_at(time);
        assert_eq!(secret.verify(&code, time, None), Some(time.div_euclid(30)));
    }
}

#[test]
fn base32_round_trip() {
    // The RFC secret as authenticator apps are given it.
    assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    let read = TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
    assert_eq!(read, rfc_secret());
    let drawn = TotpSecret::generate();
    let text = drawn.to_base32();
    assert_eq!(text.len(), 32, "20 bytes are 32 symbols");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{text}"
    );
    assert_eq!(TotpSecret::from_base32(&text), Some(drawn.clone()));
    assert_ne!(TotpSecret::generate(), drawn);
}

#[test]
fn secrets_hold_16_to_64_bytes() {
    assert!(TotpSecret::from_bytes(&[1; 15]).is_none());
    assert!(TotpSecret::from_bytes(&[1; 16]).is_some());
    assert!(TotpSecret::from_bytes(&[1; 64]).is_some());
    assert!(TotpSecret::from_bytes(&[1; 65]).is_none());
    assert!(TotpSecret::from_base32("MZXW6YTBOI").is_none()); // "foobar": too short
    assert!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1").is_none());
    assert!(TotpSecret::from_base32("").is_none());
}

#[test]
fn the_otpauth_uri_is_percent_encoded() {
    assert_eq!(
        rfc_secret().otpauth_uri("Mairie de Saint-Étienne", "c.durand@mairie.example"),
        "otpauth://totp/Mairie%20de%20Saint-%C3%89tienne:c.durand%40mairie.example\
         ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Mairie%20de%20Saint-%C3%89tienne\
         &algorithm=SHA1&digits=6&period=30"
    );
    // A colon or an ampersand inside a name cannot split the label or the query.
    let uri = rfc_secret().otpauth_uri("A:B&C", "x?y");
    assert!(
        uri.starts_with("otpauth://totp/A%3AB%26C:x%3Fy?secret="),
        "{uri}"
    );
}

#[test]
fn debug_never_prints_the_secret() {
    let secret = rfc_secret();
    let shown = format!("{secret:?} {:?} {:#?}", Some(&secret), vec![secret.clone()]);
    assert!(shown.contains("TotpSecret(…)"), "{shown}");
    assert!(!shown.contains("GEZDG"), "{shown}");
    assert!(!shown.contains("49"), "{shown}"); // the bytes of "1" as a number
    assert!(!shown.contains("12345"), "{shown}");
}
