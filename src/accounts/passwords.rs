//! Password hashing (argon2id, OWASP parameters) and the password policy.

use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 256;

static COMMON: &str = include_str!("common_passwords.txt");

fn hasher() -> AppResult<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| AppError::internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password. Slow by design (~20 ms): call it on the blocking pool.
pub fn hash(password: &str) -> AppResult<String> {
    hasher()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2 hash: {e}")))
}

/// Checks a password against a stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), stored).is_ok())
}

/// Burns the same time as [`verify`] when there is no account, so that login
/// answers take as long whether or not the email exists.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash("dummy password for timing").ok()) {
        let _ = verify(password, h);
    }
}

/// Why a new password is refused, or `None` when it is acceptable.
pub fn policy_error(password: &str, email: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Some(format!(
            "Use at least {MIN_LENGTH} characters (15 or more is better)."
        ));
    }
    if len > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|w| w == lower) {
        return Some("That password is one of the most common ones; choose another.".into());
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if !local.is_empty() && lower == local {
        return Some("Don't use your email address as your password.".into());
    }
    None
}
