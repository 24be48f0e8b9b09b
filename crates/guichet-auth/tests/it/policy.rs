use guichet_auth::{AuthError, check_password_policy};

fn refusal(password: &str) -> String {
    match check_password_policy(password) {
        Err(e @ AuthError::WeakPassword(_)) => e.to_string(),
        other => panic!("{password:?} should be refused, got {other:?}"),
    }
}

#[test]
fn the_three_ways_to_a_good_password_are_accepted() {
    for password in [
        // 12 characters, four kinds.
        "Abcdefgh12!?",
        "Été à Nîmes 7", // 13: space as the special character, accents as letters
        "Mairie#Lyon7",
        // 14 characters, upper, lower, digits.
        "Abcdefghijkl12",
        "MotDePasse2026x",
        // 16 characters or more, nothing else asked.
        "cheval batterie agrafe",
        "aaaaaaaaaaaaaaaa",
        "0123456789012345",
        // 128 characters at most, counted as characters, not bytes.
        &"é".repeat(128),
    ] {
        assert_eq!(check_password_policy(password), Ok(()), "{password:?}");
    }
}

#[test]
fn too_short_says_the_lengths() {
    let message = refusal("Ab1!");
    assert!(
        message
            .starts_with("Le mot de passe doit contenir au moins 12 caractères (il en contient 4)"),
        "{message}"
    );
    assert!(message.contains("au moins 14 caractères"), "{message}");
    assert!(message.contains("au moins 16 caractères"), "{message}");
    assert!(refusal("").contains("(il en contient 0)"));
    // Eleven characters of every kind are still too short.
    assert!(refusal("Abcdefg12!?").contains("au moins 12 caractères (il en contient 11)"));
}

#[test]
fn twelve_or_thirteen_characters_name_the_missing_kinds() {
    assert_eq!(
        refusal("abcdefgh1234"),
        "Avec 12 caractères, le mot de passe doit contenir des majuscules, des minuscules, des \
         chiffres et des caractères spéciaux : il y manque une majuscule et un caractère spécial \
         (par exemple ! ? % @ # ou une espace). Vous pouvez aussi l’allonger : 14 caractères avec \
         majuscules, minuscules et chiffres, ou 16 caractères sans autre condition."
    );
    let message = refusal("abcdefghijk!1");
    assert!(message.starts_with("Avec 13 caractères"), "{message}");
    assert!(refusal("ABCDEFGHIJ!1").contains("il y manque une minuscule."));
    assert!(refusal("Abcdefghijk!").contains("il y manque un chiffre."));
    assert!(refusal("abcdefghijk!").contains("il y manque une majuscule et un chiffre."));
    assert!(
        refusal("abcdefghijkl")
            .contains("il y manque une majuscule, un chiffre et un caractère spécial")
    );
}

#[test]
fn fourteen_or_fifteen_characters_need_no_special_character() {
    assert_eq!(
        refusal("abcdefghijkl12"),
        "Avec 14 caractères, le mot de passe doit contenir des majuscules, des minuscules et des \
         chiffres : il y manque une majuscule. Un mot de passe de 16 caractères ou plus est \
         accepté sans autre condition."
    );
    assert!(refusal("Abcdefghijklmn!").contains("il y manque un chiffre."));
    // Special characters do not stand in for a missing kind at this length either.
    assert!(refusal("abcdefghijk!!12").contains("il y manque une majuscule."));
}

#[test]
fn more_than_128_characters_are_refused() {
    assert_eq!(
        refusal(&"Ab1!".repeat(33)),
        "Le mot de passe ne doit pas dépasser 128 caractères (il en contient 132)."
    );
    assert_eq!(check_password_policy(&"x".repeat(128)), Ok(()));
    assert!(check_password_policy(&"x".repeat(129)).is_err());
}
