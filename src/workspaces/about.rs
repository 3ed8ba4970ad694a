//! A workspace's profile fields (the seeds' description, type, industry,
//! company size, location, contact email and phone, website): shown on the
//! dashboard, edited by admins on the settings page, kept in the export.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::workspace_about;
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

crate::typed_id!(
    /// `workspace_about.id` (the row is one per workspace: `UNIQUE (tenant_id)`).
    AboutId
);

/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest industry or location, in characters.
pub const MAX_SHORT: usize = 120;
/// Longest website address, in characters.
pub const MAX_WEBSITE: usize = 500;

/// The workspace types, as stored and as labelled.
pub const KINDS: &[(&str, &str)] = &[
    ("company", "Company"),
    ("agency", "Agency"),
    ("nonprofit", "Non-profit"),
    ("education", "Education"),
    ("government", "Government"),
    ("personal", "Personal"),
    ("other", "Other"),
];

/// The company sizes, as stored and as labelled.
pub const SIZES: &[(&str, &str)] = &[
    ("1-10", "1–10 people"),
    ("11-50", "11–50 people"),
    ("51-200", "51–200 people"),
    ("201-1000", "201–1,000 people"),
    ("1001-5000", "1,001–5,000 people"),
    ("5000+", "More than 5,000 people"),
];

/// The fields as stored, and as the form sends them (all optional: an empty
/// field is "not set").
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Deserialize,
    Queryable,
    Selectable,
    AsChangeset,
    serde::Serialize,
)]
#[diesel(table_name = workspace_about, treat_none_as_null = true)]
pub struct About {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub company_size: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub website: String,
}

fn label(options: &[(&str, &'static str)], value: &str) -> &'static str {
    options
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("", |(_, l)| *l)
}

impl About {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }

    pub fn size_label(&self) -> &'static str {
        label(SIZES, &self.company_size)
    }

    /// Whether any field is set (the dashboard shows the card only then).
    pub fn is_empty(&self) -> bool {
        *self == About::default()
    }

    /// The form as sent, trimmed and normalised (the phone in E.164), or a
    /// message beside each field that is wrong.
    pub fn validated(&self) -> Result<About, FormErrors> {
        let mut errors = FormErrors::default();
        let description = self.description.trim().replace("\r\n", "\n");
        if description.chars().count() > MAX_DESCRIPTION {
            errors.add(
                "description",
                format!("Keep the description under {MAX_DESCRIPTION} characters."),
            );
        }
        let kind = self.kind.trim().to_string();
        if !kind.is_empty() && !KINDS.iter().any(|(k, _)| *k == kind) {
            errors.add("kind", "Choose a type from the list.");
        }
        let company_size = self.company_size.trim().to_string();
        if !company_size.is_empty() && !SIZES.iter().any(|(s, _)| *s == company_size) {
            errors.add("company_size", "Choose a size from the list.");
        }
        let industry = self.industry.trim().to_string();
        let location = self.location.trim().to_string();
        for (field, value) in [("industry", &industry), ("location", &location)] {
            if value.chars().count() > MAX_SHORT {
                errors.add(field, format!("Keep it under {MAX_SHORT} characters."));
            }
        }
        let contact_email = crate::accounts::models::normalize_email(&self.contact_email);
        if !contact_email.is_empty() {
            if let Some(e) = crate::accounts::forms::email_error(&contact_email) {
                errors.add("contact_email", e);
            }
        }
        let contact_phone = match e164(&self.contact_phone) {
            Ok(p) => p,
            Err(e) => {
                errors.add("contact_phone", e);
                String::new()
            }
        };
        let website = self.website.trim().to_string();
        if !website.is_empty() {
            if website.chars().count() > MAX_WEBSITE {
                errors.add(
                    "website",
                    format!("Keep the address under {MAX_WEBSITE} characters."),
                );
            } else if !website
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
                && !website
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
            {
                errors.add("website", "Start the address with https:// (or http://).");
            } else if super::profile::web_host(&website).is_none() {
                errors.add("website", "That is not a valid web address.");
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(About {
            description,
            kind,
            industry,
            company_size,
            location,
            contact_email,
            contact_phone,
            website,
        })
    }
}

/// A phone number in E.164 (`+` and 8 to 15 digits, the first not 0), from
/// what people type: spaces, dots, dashes and brackets are dropped, and a
/// leading `00` is read as `+`. Empty stays empty. Only the format is checked
/// (no numbering-plan database): that is what the seeds ask of the field.
pub fn e164(typed: &str) -> Result<String, String> {
    let mut s: String = typed
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '/' | '\u{a0}'))
        .collect();
    if s.is_empty() {
        return Ok(s);
    }
    if let Some(rest) = s.strip_prefix("00") {
        s = format!("+{rest}");
    }
    let digits = s.strip_prefix('+').unwrap_or("");
    let ok = (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(s)
    } else {
        Err("Enter the number in international form, e.g. +49 30 1234567.".into())
    }
}

/// The workspace's profile fields (all empty before the first save).
pub fn load(c: &mut DbConn, tenant: TenantId) -> AppResult<About> {
    Ok(workspace_about::table
        .filter(workspace_about::tenant_id.eq(tenant))
        .select(About::as_select())
        .first(c)
        .optional()?
        .unwrap_or_default())
}

/// Saves the profile fields (inside a tenant transaction), audited with the
/// fields that changed, old → new.
pub fn save(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    form: &About,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let new = match form.validated() {
        Ok(valid) => valid,
        Err(errors) => return Ok(Err(errors)),
    };
    let old: Option<About> = workspace_about::table
        .filter(workspace_about::tenant_id.eq(tenant))
        .select(About::as_select())
        .first(c)
        .optional()?;
    let now = UtcTime::now();
    let stored = match &old {
        Some(_) => {
            diesel::update(workspace_about::table.filter(workspace_about::tenant_id.eq(tenant)))
                .set((&new, workspace_about::updated_at.eq(now)))
                .execute(c)
                .map(Some)?
        }
        None => crate::db::unless_taken(c, |c| {
            diesel::insert_into(workspace_about::table)
                .values((
                    workspace_about::tenant_id.eq(tenant),
                    workspace_about::id.eq(AboutId::new()),
                    workspace_about::description.eq(&new.description),
                    workspace_about::kind.eq(&new.kind),
                    workspace_about::industry.eq(&new.industry),
                    workspace_about::company_size.eq(&new.company_size),
                    workspace_about::location.eq(&new.location),
                    workspace_about::contact_email.eq(&new.contact_email),
                    workspace_about::contact_phone.eq(&new.contact_phone),
                    workspace_about::website.eq(&new.website),
                    workspace_about::updated_at.eq(now),
                ))
                .execute(c)
        })?,
    };
    if stored.is_none() {
        return Ok(Err(FormErrors::one(
            "description",
            "Another admin saved these fields at the same moment; check them and save again.",
        )));
    }
    let changes = changed_fields(&old.unwrap_or_default(), &new);
    if !changes.is_empty() {
        audit::record(
            c,
            NewEvent::tenant(tenant, "workspace.about_update")
                .actor(actor)
                .resource("workspace", tenant)
                .meta(meta)
                .changes(serde_json::Value::Object(changes)),
        )?;
    }
    Ok(Ok(()))
}

/// `{"field": [old, new]}` for each field that differs.
fn changed_fields(old: &About, new: &About) -> serde_json::Map<String, serde_json::Value> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return serde_json::Map::new();
    };
    b.into_iter()
        .filter(|(k, v)| a.get(k) != Some(v))
        .map(|(k, v)| {
            let was = a.get(&k).cloned().unwrap_or(serde_json::Value::Null);
            (k, serde_json::json!([was, v]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(e164(" +49 (30) 123-4567 ").as_deref(), Ok("+49301234567"));
        assert_eq!(e164("0044 20 7946 0958").as_deref(), Ok("+442079460958"));
        assert_eq!(e164("").as_deref(), Ok(""));
        for bad in [
            "030 1234567",
            "+0 123456789",
            "+49 30 12ab",
            "+1234567",
            "+1234567890123456",
        ] {
            assert!(e164(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_changed_fields_are_audited() {
        let old = About {
            industry: "Retail".into(),
            ..About::default()
        };
        let new = About {
            industry: "Media".into(),
            location: "Berlin".into(),
            ..About::default()
        };
        let changes = changed_fields(&old, &new);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes["industry"], serde_json::json!(["Retail", "Media"]));
        assert_eq!(changes["location"], serde_json::json!(["", "Berlin"]));
    }
}
