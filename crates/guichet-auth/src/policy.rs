//! The password policy, after the CNIL's recommendation on passwords (délibération n° 2022-100
//! of 21 July 2022). Its examples for a password used alone (80 bits of entropy): at least 12
//! characters mixing upper case, lower case, digits and special characters, or at least 14 with
//! upper case, lower case and digits. Instead of its third example (a passphrase of at least 7
//! words) Guichet accepts any 16 characters or more, which leaves people free to write a
//! sentence. The CNIL would allow weaker passwords when attempts are limited (50 bits); Guichet
//! keeps the stricter rule, and its callers limit attempts as well.
//!
//! Characters are counted as Unicode scalar values (« é » is one). Upper and lower case follow
//! Unicode (« É » is upper case), digits are 0–9, and every other character that is neither a
//! letter nor a digit — space included — is special.

use crate::AuthError;

const MIN_WITH_FOUR_KINDS: usize = 12;
const MIN_WITH_THREE_KINDS: usize = 14;
const MIN_ALONE: usize = 16;
const MAX: usize = 128;

/// Checks a new password against the policy (module doc). Passwords already stored are not
/// checked again at sign-in.
///
/// # Errors
/// [`AuthError::WeakPassword`] with a French sentence saying what is missing.
pub fn check_password_policy(password: &str) -> Result<(), AuthError> {
    let length = password.chars().count();
    if length > MAX {
        return Err(AuthError::WeakPassword(format!(
            "Le mot de passe ne doit pas dépasser {MAX} caractères (il en contient {length})."
        )));
    }
    if length >= MIN_ALONE {
        return Ok(());
    }
    let upper = password.chars().any(char::is_uppercase);
    let lower = password.chars().any(char::is_lowercase);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let special = password.chars().any(|c| !c.is_alphanumeric());
    let mut missing = Vec::new();
    if !upper {
        missing.push("une majuscule");
    }
    if !lower {
        missing.push("une minuscule");
    }
    if !digit {
        missing.push("un chiffre");
    }
    if length >= MIN_WITH_THREE_KINDS {
        if missing.is_empty() {
            return Ok(());
        }
        return Err(AuthError::WeakPassword(format!(
            "Avec {length} caractères, le mot de passe doit contenir des majuscules, des \
             minuscules et des chiffres : il y manque {}. Un mot de passe de {MIN_ALONE} \
             caractères ou plus est accepté sans autre condition.",
            list_fr(&missing)
        )));
    }
    if !special {
        missing.push("un caractère spécial (par exemple ! ? % @ # ou une espace)");
    }
    if length >= MIN_WITH_FOUR_KINDS {
        if missing.is_empty() {
            return Ok(());
        }
        return Err(AuthError::WeakPassword(format!(
            "Avec {length} caractères, le mot de passe doit contenir des majuscules, des \
             minuscules, des chiffres et des caractères spéciaux : il y manque {}. Vous pouvez \
             aussi l’allonger : {MIN_WITH_THREE_KINDS} caractères avec majuscules, minuscules et \
             chiffres, ou {MIN_ALONE} caractères sans autre condition.",
            list_fr(&missing)
        )));
    }
    Err(AuthError::WeakPassword(format!(
        "Le mot de passe doit contenir au moins {MIN_WITH_FOUR_KINDS} caractères (il en contient \
         {length}), dont des majuscules, des minuscules, des chiffres et des caractères spéciaux ; \
         ou au moins {MIN_WITH_THREE_KINDS} caractères avec majuscules, minuscules et chiffres ; \
         ou au moins {MIN_ALONE} caractères sans autre condition, une phrase par exemple."
    )))
}

/// « a », « a et b », « a, b et c ».
fn list_fr(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_lists() {
        assert_eq!(list_fr(&["a"]), "a");
        assert_eq!(list_fr(&["a", "b"]), "a et b");
        assert_eq!(list_fr(&["a", "b", "c"]), "a, b et c");
    }
}
