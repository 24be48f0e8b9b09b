use guichet_auth::{hash_password, verify_dummy, verify_password};

#[test]
fn a_hash_verifies_its_password_and_no_other() {
    let phc = hash_password("Cheval-Batterie-Agrafe-7").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(verify_password("Cheval-Batterie-Agrafe-7", &phc));
    assert!(!verify_password("cheval-Batterie-Agrafe-7", &phc));
    assert!(!verify_password("Cheval-Batterie-Agrafe-7 ", &phc));
    assert!(!verify_password("", &phc));
}

#[test]
fn each_hash_has_its_own_16_byte_salt() {
    let a = hash_password("même mot de passe").unwrap();
    let b = hash_password("même mot de passe").unwrap();
    assert_ne!(a, b);
    let salt = |phc: &str| phc.split('$').nth(4).unwrap().to_owned();
    // 16 bytes are 22 characters of unpadded base 64.
    assert_eq!(salt(&a).len(), 22);
    assert_ne!(salt(&a), salt(&b));
    assert!(verify_password("même mot de passe", &a));
    assert!(verify_password("même mot de passe", &b));
}

#[test]
fn malformed_hashes_are_false_never_a_panic() {
    let good = hash_password("Un mot de passe correct").unwrap();
    let mut cases = vec![
        String::new(),
        "$".to_owned(),
        "not a hash".to_owned(),
        "$argon2id$".to_owned(),
        "$argon2id$v=19$m=19456,t=2,p=1$".to_owned(),
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_owned(),
        "$argon2id$v=19$m=0,t=2,p=1$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$argon2id$v=19$m=19456,t=0,p=1$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$argon2id$v=19$m=19456,t=2,p=0$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$argon2id$v=19$m=99999999999,t=2,p=1$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$argon2id$v=16$m=19456,t=2,p=1$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$argon2id$v=19$m=19456,t=2,p=1$!!!!$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw".to_owned(),
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E".to_owned(),
        good[..good.len() - 5].to_owned(),
        good.replace("$argon2id$", "$argon2x$"),
        format!("{good}$extra"),
        format!("{good}\n"),
        "é".repeat(300),
    ];
    // The same hash with its output changed by one character.
    let last = good.chars().last().unwrap();
    cases.push(format!(
        "{}{}",
        &good[..good.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    ));
    for phc in &cases {
        assert!(!verify_password("Un mot de passe correct", phc), "{phc:?}");
    }
    assert!(verify_password("Un mot de passe correct", &good));
}

#[test]
fn passwords_are_unicode_text() {
    let phc = hash_password("Gâteau à l’orange ☕ 2026").unwrap();
    assert!(verify_password("Gâteau à l’orange ☕ 2026", &phc));
    // Decomposed « â » (a + combining circumflex) is another string: no normalisation.
    assert!(!verify_password("Ga\u{302}teau à l’orange ☕ 2026", &phc));
}

#[test]
fn the_dummy_verification_returns_and_does_not_panic() {
    verify_dummy("n’importe quoi");
    verify_dummy("");
}
