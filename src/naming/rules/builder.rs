//! The rule builder: a rule's parts (rule details) per field level — add,
//! edit, remove, reorder — and a live preview composed by the pure core.
//!
//! This module holds what the builder page shows (its sections, the part
//! form, the preview and "try your own values"); `part_edits` holds the writes
//! that add, edit, remove and move parts.

mod part_edits;

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::core;
use crate::naming::models::Availability;
use crate::naming::models::DimensionKind;
use crate::naming::models::{
    Dimension, DimensionId, Field, FieldId, Platform, Rule, RuleDetail, RuleDetailId, RuleId,
};
use crate::naming::parts::{usable, RuleParts};
use crate::schema::naming_dimensions;
use crate::web::FormErrors;

pub use part_edits::{add_part, move_part, remove_part, update_part};

/// Longest delimiter, prefix and suffix (the columns' checks).
pub const MAX_DELIMITER: usize = 10;
pub const MAX_AFFIX: usize = 20;
/// Most parts one field of a rule may have. Real conventions use about a
/// dozen; the cap bounds the name parser's work (states grow with parts²).
pub const MAX_PARTS: usize = 20;

/// What a part's form sends (add and edit).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PartInput {
    #[serde(default)]
    pub dimension_id: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default = "dash")]
    pub delimiter: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub is_required: Option<String>,
}

fn dash() -> String {
    "-".into()
}

impl Default for PartInput {
    fn default() -> Self {
        PartInput {
            dimension_id: String::new(),
            prefix: String::new(),
            suffix: String::new(),
            delimiter: dash(),
            is_required: Some("on".into()),
        }
    }
}

impl PartInput {
    pub fn required(&self) -> bool {
        self.is_required.is_some()
    }

    fn from_detail(d: &RuleDetail) -> Self {
        PartInput {
            dimension_id: d.dimension_id.to_string(),
            prefix: d.prefix.clone(),
            suffix: d.suffix.clone(),
            delimiter: d.delimiter.clone(),
            is_required: d.is_required.then(|| "on".into()),
        }
    }

    fn check(&self) -> FormErrors {
        let mut e = FormErrors::default();
        if self.delimiter.chars().count() > MAX_DELIMITER {
            e.add(
                "delimiter",
                format!("A delimiter has at most {MAX_DELIMITER} characters."),
            );
        }
        if self.prefix.chars().count() > MAX_AFFIX {
            e.add(
                "prefix",
                format!("A prefix has at most {MAX_AFFIX} characters."),
            );
        }
        if self.suffix.chars().count() > MAX_AFFIX {
            e.add(
                "suffix",
                format!("A suffix has at most {MAX_AFFIX} characters."),
            );
        }
        e
    }
}

/// One part as the builder shows it.
#[derive(Debug, Clone)]
pub struct PartRow {
    pub detail: RuleDetail,
    pub dimension: Dimension,
    /// What the form shows: the saved values, or what was typed when refused.
    pub input: PartInput,
    pub errors: FormErrors,
    /// A LIST dimension with no value usable today.
    pub warning: Option<String>,
    pub first: bool,
    pub last: bool,
}

/// One field level of the rule: its parts, the add form, and the preview.
#[derive(Debug, Clone)]
pub struct FieldSection {
    pub field: Field,
    pub parts: Vec<PartRow>,
    /// Active dimensions not yet in this field (the add form's choices).
    pub available: Vec<Dimension>,
    pub add_input: PartInput,
    pub add_errors: FormErrors,
    /// The sample values the preview uses, by dimension name, in part order.
    pub sample: Vec<(Dimension, String)>,
    /// The composed preview, or why it can't be composed.
    pub preview: Result<String, String>,
    /// The "try your own values" result, when asked, and the values typed.
    pub tried: Option<Result<String, String>>,
    pub tried_values: HashMap<DimensionId, String>,
}

impl FieldSection {
    /// What the "try your own values" input of a dimension shows: what was
    /// typed, else the sample.
    pub fn try_value(&self, d: &Dimension) -> String {
        if let Some(v) = self.tried_values.get(&d.id) {
            return v.clone();
        }
        self.sample
            .iter()
            .find(|(s, _)| s.id == d.id)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Everything the builder page shows.
#[derive(Debug, Clone)]
pub struct Builder {
    pub rule: Rule,
    pub platform: Platform,
    pub sections: Vec<FieldSection>,
}

impl Builder {
    /// "Ad set has no dimensions: strings can't be generated for it."
    pub fn warnings(&self) -> Vec<String> {
        self.sections
            .iter()
            .filter(|s| s.parts.is_empty())
            .map(|s| {
                format!(
                    "{} has no dimensions: strings can't be generated for it.",
                    s.field.name
                )
            })
            .collect()
    }

    pub fn section_mut(&mut self, field: FieldId) -> AppResult<&mut FieldSection> {
        self.sections
            .iter_mut()
            .find(|s| s.field.id == field)
            .ok_or(AppError::NotFound)
    }

    pub fn into_section(self, field: FieldId) -> AppResult<(Vec<String>, FieldSection)> {
        let warnings = self.warnings();
        let s = self
            .sections
            .into_iter()
            .find(|s| s.field.id == field)
            .ok_or(AppError::NotFound)?;
        Ok((warnings, s))
    }
}

/// A placeholder for a free-text dimension in previews: its name in capitals,
/// letters and digits only (so it never holds a delimiter).
pub fn text_placeholder(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if s.is_empty() {
        "TEXT".into()
    } else {
        s
    }
}

/// The preview's sample value for a part: the first value usable today of a
/// LIST dimension, the placeholder for TEXT; `None` when a list has none.
pub fn sample_value(parts: &RuleParts, dim: &Dimension, today: NaiveDate) -> Option<String> {
    if dim.kind == DimensionKind::Text {
        return Some(text_placeholder(&dim.name));
    }
    parts
        .values(dim.id)
        .iter()
        .find(|v| usable(v, today))
        .map(|v| v.value.clone())
}

/// Composes a field's name from `values` (by dimension name) with the core.
pub fn compose(
    parts: &RuleParts,
    field: FieldId,
    values: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<String, String> {
    core::compose(&parts.core_parts(field, today), values).map_err(|e| e.to_string())
}

/// Loads the builder for a rule: its platform's fields, each with its parts,
/// the dimensions that could be added, and a preview. Four queries plus the
/// catalogue's two, whatever the number of parts.
pub fn load(c: &mut DbConn, t: TenantId, id: RuleId, today: NaiveDate) -> AppResult<Builder> {
    let rule = super::find(c, t, id)?;
    let platform = catalogue::platform(c, rule.platform_id)?;
    let fields = catalogue::fields(c, rule.platform_id)?;
    let parts = RuleParts::load(c, t, id)?;
    let active: Vec<Dimension> = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::status.eq(Availability::Active))
        .order(naming_dimensions::name)
        .select(Dimension::as_select())
        .load(c)?;
    let sections = fields
        .into_iter()
        .map(|field| section(&parts, &active, field, today))
        .collect();
    Ok(Builder {
        rule,
        platform,
        sections,
    })
}

fn section(
    parts: &RuleParts,
    active: &[Dimension],
    field: Field,
    today: NaiveDate,
) -> FieldSection {
    let own = parts.field(field.id);
    let n = own.len();
    let mut sample = Vec::new();
    let rows = own
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let value = sample_value(parts, &p.dimension, today);
            let warning = value.is_none().then(|| {
                format!(
                    "{} has no value usable today: add one or widen a validity window.",
                    p.dimension.name
                )
            });
            sample.push((p.dimension.clone(), value.unwrap_or_default()));
            PartRow {
                input: PartInput::from_detail(&p.detail),
                detail: p.detail.clone(),
                dimension: p.dimension.clone(),
                errors: FormErrors::default(),
                warning,
                first: i == 0,
                last: i + 1 == n,
            }
        })
        .collect();
    let values: HashMap<String, String> = sample
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(d, v)| (d.name.clone(), v.clone()))
        .collect();
    let preview = if own.is_empty() {
        Err("Add a dimension to see a preview.".to_string())
    } else {
        compose(parts, field.id, &values, today)
    };
    let available = active
        .iter()
        .filter(|d| !own.iter().any(|p| p.dimension.id == d.id))
        .cloned()
        .collect();
    FieldSection {
        field,
        parts: rows,
        available,
        add_input: PartInput::default(),
        add_errors: FormErrors::default(),
        sample,
        preview,
        tried: None,
        tried_values: HashMap::new(),
    }
}

/// Marks a section with the part input that was refused, so the fragment
/// shows the messages beside the controls and keeps what was typed.
pub fn keep_part_input(
    s: &mut FieldSection,
    id: RuleDetailId,
    input: PartInput,
    errors: FormErrors,
) {
    if let Some(p) = s.parts.iter_mut().find(|p| p.detail.id == id) {
        p.input = PartInput {
            dimension_id: p.input.dimension_id.clone(),
            ..input
        };
        p.errors = errors;
    }
}

/// Composes a field from values the user typed (`value_{dimension id}` → value).
pub fn try_values(
    c: &mut DbConn,
    t: TenantId,
    rule_id: RuleId,
    field: FieldId,
    typed: &[(String, String)],
    today: NaiveDate,
) -> AppResult<(HashMap<DimensionId, String>, Result<String, String>)> {
    let parts = RuleParts::load(c, t, rule_id)?;
    let mut by_id = HashMap::new();
    let mut by_name = HashMap::new();
    for p in parts.field(field) {
        let key = format!("value_{}", p.dimension.id);
        if let Some((_, v)) = typed.iter().find(|(k, _)| *k == key) {
            by_id.insert(p.dimension.id, v.clone());
            by_name.insert(p.dimension.name.clone(), v.trim().to_string());
        }
    }
    let result = compose(&parts, field, &by_name, today);
    Ok((by_id, result))
}
