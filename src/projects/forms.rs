//! Parsing the text fields of the projects forms: dates, money, whole
//! numbers, tags and enum choices, each refusal a message for its field.

use chrono::NaiveDate;

use crate::web::FormErrors;

/// An optional `YYYY-MM-DD` date: blank is `None`.
pub fn date(errors: &mut FormErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "Enter a date as YYYY-MM-DD.");
            None
        }
    }
}

/// A required date.
pub fn required_date(errors: &mut FormErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        errors.add(field, "Enter a date.");
        return None;
    }
    date(errors, field, raw)
}

/// An optional whole number from `min` to `max`.
pub fn number(errors: &mut FormErrors, field: &str, raw: &str, min: i64, max: i64) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            errors.add(field, format!("Enter a whole number from {min} to {max}."));
            None
        }
        Err(_) => {
            errors.add(field, "Enter a whole number.");
            None
        }
    }
}

/// An optional amount of money with at most two decimals, in cents.
pub fn money(errors: &mut FormErrors, field: &str, raw: &str) -> Option<i64> {
    let raw = raw.trim().replace([',', ' '], "");
    if raw.is_empty() {
        return None;
    }
    let (whole, frac) = raw.split_once('.').unwrap_or((&raw, ""));
    let valid = !whole.is_empty()
        && whole.len() <= 12
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        errors.add(field, "Enter an amount such as 12500 or 12500.50.");
        return None;
    }
    let cents_part = format!("{frac:0<2}");
    match (whole.parse::<i64>(), cents_part.parse::<i64>()) {
        (Ok(w), Ok(c)) => Some(w * 100 + c),
        _ => {
            errors.add(field, "Enter an amount such as 12500 or 12500.50.");
            None
        }
    }
}

/// Cents as `12,500.50`.
pub fn money_text(cents: i64) -> String {
    format!(
        "{}.{:02}",
        crate::web::pagination::thousands(cents / 100),
        cents % 100
    )
}

/// Up to 20 tags of up to 40 characters, lower-cased, stored as `,a,b,`.
pub fn tags(errors: &mut FormErrors, field: &str, raw: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(',') {
        let t = t.trim().to_lowercase();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if t.chars().count() > 40 {
            errors.add(field, "A tag has at most 40 characters.");
            return String::new();
        }
        out.push(t);
    }
    if out.len() > 20 {
        errors.add(field, "At most 20 tags.");
        return String::new();
    }
    if out.is_empty() {
        String::new()
    } else {
        format!(",{},", out.join(","))
    }
}

/// `,a,b,` back to `a, b` for the form.
pub fn tags_text(stored: &str) -> String {
    super::models::split_tags(stored).join(", ")
}

/// One of an enum's stored values, or a message.
pub fn choice<T: Copy>(
    errors: &mut FormErrors,
    field: &str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Option<T> {
    match parse(raw.trim()) {
        Some(v) => Some(v),
        None => {
            errors.add(field, format!("Choose a {what}."));
            None
        }
    }
}

/// Text of at most `max` characters; `required` refuses blank.
pub fn text(errors: &mut FormErrors, field: &str, raw: &str, max: usize, required: bool) -> String {
    let t = raw.trim().to_string();
    if required && t.is_empty() {
        errors.add(field, "This cannot be blank.");
    } else if t.chars().count() > max {
        errors.add(field, format!("At most {max} characters."));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_cents_and_refuses_the_rest() {
        let mut e = FormErrors::default();
        assert_eq!(money(&mut e, "b", "12,500.5"), Some(1_250_050));
        assert_eq!(money(&mut e, "b", "7"), Some(700));
        assert!(e.is_empty());
        assert_eq!(money(&mut e, "b", "1.234"), None);
        assert_eq!(money(&mut e, "b", "-3"), None);
        assert_eq!(money_text(1_250_050), "12,500.50");
    }

    #[test]
    fn tags_are_trimmed_lowered_and_unique() {
        let mut e = FormErrors::default();
        assert_eq!(tags(&mut e, "t", " UX, api ,ux,, "), ",ux,api,");
        assert_eq!(tags_text(",ux,api,"), "ux, api");
        assert!(e.is_empty());
    }
}
