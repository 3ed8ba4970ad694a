//! Account form inputs.

use serde::Deserialize;

use crate::web::FormErrors;

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
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub timezone: String,
}

/// A checked profile, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub timezone: String,
}

impl ProfileForm {
    /// The form as the user's profile shows it.
    pub fn of(u: &super::models::User) -> Self {
        ProfileForm {
            name: u.name.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            phone: u.phone.clone(),
            timezone: u.timezone.clone(),
        }
    }

    /// Checks every field; each refusal is a message beside its field.
    pub fn check(&self) -> Result<Profile, FormErrors> {
        let mut e = FormErrors::default();
        if let Some(m) = name_error(&self.name) {
            e.add("name", m);
        }
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if value.trim().chars().count() > 80 {
                e.add(field, "Keep it under 80 characters.");
            }
        }
        let phone = match phone_e164(&self.phone) {
            Ok(p) => p,
            Err(m) => {
                e.add("phone", m);
                String::new()
            }
        };
        if let Some(m) = timezone_error(&self.timezone) {
            e.add("timezone", m);
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Profile {
            name: self.name.trim().to_string(),
            first_name: self.first_name.trim().to_string(),
            last_name: self.last_name.trim().to_string(),
            phone,
            timezone: self.timezone.clone(),
        })
    }
}

/// A phone number as E.164 (`+` and 7 to 15 digits, no leading zero),
/// from what people type: spaces, dashes, dots and brackets are dropped, a
/// leading `00` becomes `+`. Blank is allowed (no phone).
pub fn phone_e164(raw: &str) -> Result<String, String> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    if compact.is_empty() {
        return Ok(String::new());
    }
    let compact = match compact.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => compact,
    };
    let digits = compact.strip_prefix('+').unwrap_or_default();
    let ok = compact.starts_with('+')
        && (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(compact)
    } else {
        Err("Enter the number with its country code, such as +49 30 1234567.".into())
    }
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

#[cfg(test)]
mod profile_tests {
    use super::phone_e164;

    #[test]
    fn phones_are_kept_in_e164() {
        assert_eq!(phone_e164(" +49 (30) 123-4567 "), Ok("+49301234567".into()));
        assert_eq!(phone_e164("0044 20 7946 0958"), Ok("+442079460958".into()));
        assert_eq!(phone_e164(""), Ok(String::new()));
        assert!(phone_e164("030 1234567").is_err(), "no country code");
        assert!(phone_e164("+0 123 4567").is_err());
        assert!(phone_e164("+49 30 12x4567").is_err());
        assert!(phone_e164("+1234567890123456").is_err(), "over 15 digits");
    }
}
