//! Password policy and hashing (ASVS 6.2, 11.4.2): argon2id with OWASP's parameters
//! (m=19456 KiB, t=2, p=1: the argon2 crate's defaults), at least 8 characters, at most 128
//! (so any 64-character passphrase fits; never truncated), no composition rules, and none of the
//! 10,000 most common passwords.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../assets/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Words that are common here in particular, on top of the general list.
const CONTEXT_WORDS: [&str; 6] = ["opengauss", "ogug", "gauss", "huawei", "woaini", "password"];

/// Checks a new password against the policy; returns the catalog key of the problem.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err("error.password_short");
    }
    if chars > MAX_CHARS {
        return Err("error.password_long");
    }
    let lower = password.to_lowercase();
    // "password1234": a common word with digits appended is as weak as the word.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || "!@#.".contains(c));
    let is_common = |s: &str| COMMON.contains(s) || CONTEXT_WORDS.contains(&s);
    if is_common(&lower) || (stem.len() >= 4 && is_common(stem)) {
        return Err("error.password_common");
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes with argon2id and a fresh salt; the PHC string records the parameters. Slow by design:
/// call it off the async workers.
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("ogug-dummy-password-for-timing").unwrap_or_default());

/// Spends the same time as a real verification, for unknown accounts (no enumeration by timing).
pub fn verify_dummy(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_length_and_common_passwords() {
        assert_eq!(check_policy("1234567"), Err("error.password_short"));
        assert_eq!(check_policy("password1234"), Err("error.password_common"));
        assert_eq!(check_policy("Password1"), Err("error.password_common"));
        assert_eq!(check_policy("qwerty123"), Err("error.password_common"));
        assert_eq!(check_policy("opengauss2021"), Err("error.password_common"));
        assert!(check_policy("correct horse battery").is_ok());
        assert!(
            check_policy("长城长城长城长城").is_ok(),
            "8 characters, not bytes"
        );
        assert!(
            check_policy(&"x7".repeat(50)).is_ok(),
            "100 characters accepted"
        );
        assert_eq!(check_policy(&"x".repeat(129)), Err("error.password_long"));
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash("a long passphrase").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("a long passphrase", &h));
        assert!(
            !verify("a long passphrasE", &h),
            "the last character counts"
        );
        assert!(!verify("x", "not a hash"));
    }
}
