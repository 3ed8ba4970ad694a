//! Account form inputs.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub timezone: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// Checks a name for an account.
pub fn name_error(name: &str) -> Option<String> {
    let n = name.trim().chars().count();
    if n == 0 {
        Some("Tell us your name.".into())
    } else if n > 100 {
        Some("Keep the name under 100 characters.".into())
    } else {
        None
    }
}

/// Checks an email address's shape.
pub fn email_error(email: &str) -> Option<String> {
    let e = email.trim();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
        && !e.contains(char::is_whitespace);
    (!ok).then(|| "Enter a valid email address.".to_string())
}

/// Checks a timezone name against the IANA database.
pub fn timezone_error(tz: &str) -> Option<String> {
    tz.parse::<chrono_tz::Tz>()
        .is_err()
        .then(|| "Choose a timezone from the list (e.g. Europe/Berlin).".to_string())
}
