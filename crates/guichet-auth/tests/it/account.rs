//! Logins as administrators type them, and the temporary passwords the server gives out.

use guichet_auth::{AuthError, Login, check_password_policy, temporary_password};

#[test]
fn logins_are_trimmed_lower_cased_and_checked() {
    assert_eq!(
        Login::parse("  Claire.Dubois@Mairie.example ")
            .unwrap()
            .as_str(),
        "claire.dubois@mairie.example"
    );
    assert_eq!(Login::parse("CDubois").unwrap().as_str(), "cdubois");
    for bad in [
        "",
        "ab",
        "élodie",
        "a b",
        "a@b@c.fr",
        "@mairie.fr",
        "claire@mairie",
        "claire@.fr",
        "claire@mairie..fr",
        &"x".repeat(101),
    ] {
        let err = Login::parse(bad).unwrap_err();
        assert!(matches!(err, AuthError::InvalidLogin(_)), "{bad:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn temporary_passwords_meet_the_policy_and_differ() {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let p = temporary_password();
        assert_eq!(p.chars().count(), 19, "{p}");
        assert!(check_password_policy(&p).is_ok(), "{p}");
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']), "{p}");
        seen.insert(p);
    }
    assert_eq!(seen.len(), 200);
}
