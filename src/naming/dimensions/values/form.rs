//! The value form and the checks of a value's columns (shared with the CSV
//! import): lengths, dates in order, status, the parent value, a free value.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::{Dimension, DimensionId, DimensionValue, DimensionValueId};
use crate::schema::naming_dimension_values;
use crate::web::FormErrors;

use super::{MAX_LABEL, MAX_UTM, MAX_VALUE};
use crate::naming::models::Availability;

/// A value's own columns, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFields {
    pub value: String,
    pub label: String,
    pub utm: String,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub status: Availability,
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Checks the columns as the migration does (lengths, dates in order,
/// status); an empty label becomes the value, an empty status ACTIVE.
#[allow(clippy::too_many_arguments)]
pub fn check_fields(
    value: &str,
    label: &str,
    utm: &str,
    description: &str,
    valid_from: &str,
    valid_until: &str,
    status: &str,
) -> Result<ValueFields, FormErrors> {
    let mut e = FormErrors::default();
    let (value, utm, description) = (value.trim(), utm.trim(), description.trim());
    let label = match label.trim() {
        "" => value,
        l => l,
    };
    let len = |s: &str| s.chars().count();
    if value.is_empty() {
        e.add("value", "The value is required.");
    } else if len(value) > MAX_VALUE {
        e.add(
            "value",
            format!("The value is too long (at most {MAX_VALUE} characters)."),
        );
    }
    if len(label) > MAX_LABEL {
        e.add(
            "label",
            format!("The label is too long (at most {MAX_LABEL} characters)."),
        );
    }
    if len(utm) > MAX_UTM {
        e.add(
            "utm",
            format!("The UTM code is too long (at most {MAX_UTM} characters)."),
        );
    }
    let mut date = |field: &str, s: &str| match s.trim() {
        "" => None,
        s => {
            let d = parse_date(s);
            if d.is_none() {
                e.add(field, format!("“{s}” is not a date (YYYY-MM-DD)."));
            }
            d
        }
    };
    let valid_from = date("valid_from", valid_from);
    let valid_until = date("valid_until", valid_until);
    if let (Some(f), Some(u)) = (valid_from, valid_until) {
        if f > u {
            e.add("valid_until", "“Valid until” comes before “valid from”.");
        }
    }
    let status = match status.trim().to_uppercase().as_str() {
        "" => Availability::Active,
        s => Availability::parse(s).unwrap_or_else(|| {
            e.add("status", "The status is ACTIVE or INACTIVE.");
            Availability::Active
        }),
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(ValueFields {
        value: value.to_string(),
        label: label.to_string(),
        utm: utm.to_string(),
        description: description.to_string(),
        valid_from,
        valid_until,
        status,
    })
}

/// What the value form sends (dates as `<input type=date>` gives them).
#[derive(Debug, Clone, Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub utm: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "ACTIVE".into()
}

impl Default for ValueForm {
    fn default() -> Self {
        ValueForm {
            value: String::new(),
            label: String::new(),
            utm: String::new(),
            description: String::new(),
            valid_from: String::new(),
            valid_until: String::new(),
            parent_id: String::new(),
            status: active(),
        }
    }
}

impl ValueForm {
    pub fn from_value(v: &DimensionValue) -> Self {
        let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        ValueForm {
            value: v.value.clone(),
            label: v.label.clone(),
            utm: v.utm.clone(),
            description: v.description.clone(),
            valid_from: day(v.valid_from).unwrap_or_default(),
            valid_until: day(v.valid_until).unwrap_or_default(),
            parent_id: v.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            status: v.status.to_string(),
        }
    }

    /// The checked columns and parent value, or the messages.
    pub(super) fn check(
        &self,
        c: &mut DbConn,
        t: TenantId,
        dim: &Dimension,
        this: Option<DimensionValueId>,
    ) -> AppResult<Result<(ValueFields, Option<DimensionValueId>), FormErrors>> {
        let (fields, mut e) = match check_fields(
            &self.value,
            &self.label,
            &self.utm,
            &self.description,
            &self.valid_from,
            &self.valid_until,
            &self.status,
        ) {
            Ok(f) => (Some(f), FormErrors::default()),
            Err(e) => (None, e),
        };
        let mut parent = None;
        if !self.parent_id.trim().is_empty() {
            let id = self.parent_id.trim().parse::<DimensionValueId>().ok();
            let found = match (id, dim.parent_id) {
                (Some(id), Some(pd)) => naming_dimension_values::table
                    .filter(naming_dimension_values::tenant_id.eq(t))
                    .filter(naming_dimension_values::dimension_id.eq(pd))
                    .filter(naming_dimension_values::id.eq(id))
                    .select(naming_dimension_values::id)
                    .first::<DimensionValueId>(c)
                    .optional()?,
                _ => None,
            };
            match found {
                Some(p) => parent = Some(p),
                None => e.add(
                    "parent_id",
                    "The parent value must be a value of the parent dimension.",
                ),
            }
        }
        if let Some(f) = &fields {
            if value_taken(c, t, dim.id, &f.value, this)? {
                e.add("value", VALUE_TAKEN);
            }
        }
        Ok(match fields {
            Some(f) if e.is_empty() => Ok((f, parent)),
            _ => Err(e),
        })
    }
}

fn value_taken(
    c: &mut DbConn,
    t: TenantId,
    dim: DimensionId,
    value: &str,
    except: Option<DimensionValueId>,
) -> AppResult<bool> {
    let found: Option<DimensionValueId> = naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq(dim))
        .filter(naming_dimension_values::value.eq(value))
        .select(naming_dimension_values::id)
        .first(c)
        .optional()?;
    Ok(found.is_some_and(|f| Some(f) != except))
}

const VALUE_TAKEN: &str = "This dimension already has that value.";

/// The form's messages when the value was taken after the check passed.
pub(super) fn value_taken_errors() -> FormErrors {
    let mut e = FormErrors::default();
    e.add("value", VALUE_TAKEN);
    e
}
