//! What an administrator types and gives out when creating or resetting a staff account: the
//! login, checked and lower-cased once ([`Login::parse`]), and the temporary password the
//! server draws ([`temporary_password`]), which the agent uses once before enrolling a second
//! factor. Shared by the web pages and the command line so both accept the same logins.

use std::fmt;

use rand::Rng;
use rand::seq::SliceRandom;

use crate::AuthError;

const MIN_LOGIN: usize = 3;
const MAX_LOGIN: usize = 100;

/// A staff login: an email address (`claire.dubois@mairie.example`) or an identifier
/// (`cdubois`), trimmed and lower-cased, 3 to 100 characters of `a-z 0-9 . _ - +` and one `@`
/// at most, followed by a domain with a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    /// Reads a login as typed.
    ///
    /// # Errors
    /// [`AuthError::InvalidLogin`] with a French sentence saying what is wrong.
    pub fn parse(typed: &str) -> Result<Login, AuthError> {
        let login = typed.trim().to_lowercase();
        let bad = |why: &str| Err(AuthError::InvalidLogin(why.to_owned()));
        if login.is_empty() {
            return bad(
                "Indiquez l’identifiant de connexion : une adresse de courriel ou un identifiant.",
            );
        }
        let length = login.chars().count();
        if !(MIN_LOGIN..=MAX_LOGIN).contains(&length) {
            return bad("L’identifiant doit compter entre 3 et 100 caractères.");
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-+".contains(c);
        let (local, domain) = match login.split_once('@') {
            Some((local, domain)) => (local, Some(domain)),
            None => (login.as_str(), None),
        };
        if !local.chars().all(allowed) || domain.is_some_and(|d| !d.chars().all(allowed)) {
            return bad(
                "L’identifiant ne peut contenir que des lettres sans accent, des chiffres, les signes . _ - + et un seul @ (par exemple claire.dubois@mairie.fr ou cdubois).",
            );
        }
        if let Some(domain) = domain
            && (local.is_empty()
                || !domain.contains('.')
                || domain.starts_with('.')
                || domain.ends_with('.')
                || domain.contains(".."))
        {
            return bad(
                "Cette adresse de courriel est incomplète : écrivez-la sous la forme nom@organisme.fr.",
            );
        }
        Ok(Login(login))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied from
/// a screen (no 0/O, 1/l/I).
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";

/// A temporary password: four groups of four characters joined by hyphens
/// (`Kd7m-Qx3p-…`, 19 characters, more than 70 bits from the thread's cryptographic generator,
/// seeded by the operating system). Each group holds an upper-case letter, a lower-case letter
/// and a digit, so it always meets [`crate::check_password_policy`].
pub fn temporary_password() -> String {
    let mut rng = rand::rng();
    let all: Vec<u8> = [UPPER, LOWER, DIGITS].concat();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            let mut g: Vec<char> = [UPPER, LOWER, DIGITS, &all]
                .iter()
                .map(|set| char::from(set[rng.random_range(0..set.len())]))
                .collect();
            // The kinds at random places, so no position is predictable.
            g.shuffle(&mut rng);
            g.into_iter().collect()
        })
        .collect();
    groups.join("-")
}
