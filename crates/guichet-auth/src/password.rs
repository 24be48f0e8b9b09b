//! Password hashes: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), stored as PHC
//! strings so the parameters travel with each hash and can be raised later without a migration.
//! Verification reads the parameters from the stored string, but only within bounds: a corrupt
//! or hostile row must not make the server allocate gigabytes or spin for minutes.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use rand::rngs::OsRng;

use crate::AuthError;

/// OWASP Password Storage Cheat Sheet, argon2id's first configuration.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const SALT_LEN: usize = 16;

/// Stored hashes with costs above these are refused rather than computed (see the module doc):
/// room to raise the parameters more than tenfold, not to exhaust the machine.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 16;

/// A hash of a long random string (never a password anyone was given) with the same parameters
/// as `hash_password`, so that `verify_dummy` costs what a real verification costs. Made once
/// with `hash_password`; the test `the_dummy_hash_has_the_current_parameters` keeps it in step.
pub(crate) const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$4ZScEO5AzlYgC/tEHqVfgA$qO6xdN53NtjOKga2Nh5bZnXljM6CK9I12Ld+LIHlDRw";

fn hasher() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| AuthError::Hashing {
        cause: format!("argon2 parameters: {e}"),
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with argon2id (m = 19 MiB, t = 2, p = 1) and a random 16-byte salt from
/// the operating system; returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
///
/// Takes tens of milliseconds on purpose: call it off the async request path.
///
/// # Errors
/// [`AuthError::Hashing`] if the operating system's random source fails (argon2 itself cannot
/// fail with these parameters).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; SALT_LEN];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| AuthError::Hashing {
            cause: format!("random salt: {e}"),
        })?;
    let hash = hasher()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Hashing {
            cause: format!("argon2: {e}"),
        })?;
    Ok(hash.to_string())
}

/// Checks a password against a PHC string made by [`hash_password`]. The comparison of the
/// outputs is constant-time. Returns `false`, without panicking, for anything that is not a
/// well-formed argon2id hash within the cost bounds above.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Some(hash) = parse_within_bounds(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// A PHC string worth computing: well formed, argon2id, costs within the bounds.
fn parse_within_bounds(phc: &str) -> Option<PasswordHash> {
    let hash = PasswordHash::new(phc).ok()?;
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return None;
    }
    let params = Params::try_from(&hash).ok()?;
    let affordable = params.m_cost() <= MAX_M_COST_KIB
        && params.t_cost() <= MAX_T_COST
        && params.p_cost() <= MAX_P_COST;
    affordable.then_some(hash)
}

/// Verifies `password` against a fixed hash and forgets the answer, so that signing in to an
/// unknown account takes as long as signing in to a known one with a wrong password (the
/// response time must not tell which accounts exist).
pub fn verify_dummy(password: &str) {
    std::hint::black_box(verify_password(password, DUMMY_PHC));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_has_the_current_parameters() {
        let fresh = hash_password("x").unwrap();
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).unwrap().to_owned();
        assert_eq!(params(DUMMY_PHC), params(&fresh));
        // Or verify_dummy would answer at once and give unknown accounts away.
        assert!(parse_within_bounds(DUMMY_PHC).is_some());
    }

    /// A real hash of "x": each refusal below is ours, not a mismatch.
    fn hash_of_x(algorithm: Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).unwrap();
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password_with_salt(b"x", &[7; 16])
            .unwrap()
            .to_string()
    }

    #[test]
    fn cheap_hashes_within_the_bounds_verify() {
        assert!(verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2id, 64, 1, 1)
        ));
        assert!(verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2id, 256, MAX_T_COST, MAX_P_COST)
        ));
    }

    #[test]
    fn costs_above_the_bounds_are_refused_before_any_work() {
        assert!(!verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2id, 64, MAX_T_COST + 1, 1)
        ));
        assert!(!verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2id, 256, 1, MAX_P_COST + 1)
        ));
        // Too costly to compute here: a well-formed hash asking for 1 GiB must be refused by
        // the bound, which answers at once (the real computation would take seconds).
        let phc = DUMMY_PHC.replace("m=19456", "m=1048576");
        assert!(PasswordHash::new(&phc).is_ok());
        assert!(!verify_password("x", &phc));
    }

    #[test]
    fn other_argon2_variants_are_refused() {
        assert!(!verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2i, 64, 1, 1)
        ));
        assert!(!verify_password(
            "x",
            &hash_of_x(Algorithm::Argon2d, 64, 1, 1)
        ));
    }
}
