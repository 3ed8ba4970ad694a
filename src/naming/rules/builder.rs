//! The rule builder: a rule's parts (rule details) per field level — add,
//! edit, remove, reorder — and a live preview composed by the pure core.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::core;
use crate::naming::models::{
    Dimension, DimensionId, Field, FieldId, Platform, Rule, RuleDetail, RuleDetailId, RuleId,
};
use crate::naming::parts::{usable, RuleParts};
use crate::schema::{naming_dimensions, naming_rule_details};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// Longest delimiter, prefix and suffix (the columns' checks).
pub const MAX_DELIMITER: usize = 10;
pub const MAX_AFFIX: usize = 20;

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
    if dim.kind == "TEXT" {
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
        .filter(naming_dimensions::status.eq("ACTIVE"))
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

/// The field, if it is a level of the rule's platform.
fn rule_field(c: &mut DbConn, rule: &Rule, field: FieldId) -> AppResult<Field> {
    match catalogue::field(c, field) {
        Ok(f) if f.platform_id == rule.platform_id => Ok(f),
        Ok(_) | Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

fn detail(c: &mut DbConn, t: TenantId, rule: RuleId, id: RuleDetailId) -> AppResult<RuleDetail> {
    Ok(naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq(rule))
        .filter(naming_rule_details::id.eq(id))
        .select(RuleDetail::as_select())
        .first(c)?)
}

fn field_details(
    c: &mut DbConn,
    t: TenantId,
    rule: RuleId,
    field: FieldId,
) -> AppResult<Vec<RuleDetail>> {
    Ok(naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq(rule))
        .filter(naming_rule_details::field_id.eq(field))
        .order(naming_rule_details::dimension_order)
        .select(RuleDetail::as_select())
        .load(c)?)
}

fn touch_rule(c: &mut DbConn, t: TenantId, rule: RuleId) -> AppResult<()> {
    use crate::schema::naming_rules;
    diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(rule)),
    )
    .set(naming_rules::updated_at.eq(UtcTime::now()))
    .execute(c)?;
    Ok(())
}

/// Adds a dimension at the end of a field's parts; `Err(messages)` by input.
pub fn add_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    field_id: FieldId,
    input: &PartInput,
    meta: &RequestMeta,
) -> AppResult<Result<RuleDetailId, FormErrors>> {
    let rule = super::find(c, t, rule_id)?;
    let field = rule_field(c, &rule, field_id)?;
    let mut errors = input.check();
    let existing = field_details(c, t, rule_id, field_id)?;
    let dimension: Option<Dimension> = match input.dimension_id.parse::<DimensionId>() {
        Ok(d) => naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::id.eq(d))
            .select(Dimension::as_select())
            .first(c)
            .optional()?,
        Err(_) => None,
    };
    match &dimension {
        None => errors.add("dimension_id", "Choose a dimension."),
        Some(d) if existing.iter().any(|e| e.dimension_id == d.id) => errors.add(
            "dimension_id",
            format!("{} is already in {}.", d.name, field.name),
        ),
        Some(d) if d.status != "ACTIVE" => errors.add(
            "dimension_id",
            format!("{} is inactive: activate it first.", d.name),
        ),
        Some(_) => {}
    }
    let Some(dimension) = dimension.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let order = existing.last().map_or(0, |d| d.dimension_order + 1);
    let now = UtcTime::now();
    let row = RuleDetail {
        tenant_id: t,
        id: RuleDetailId::new(),
        rule_id,
        field_id,
        dimension_id: dimension.id,
        prefix: input.prefix.clone(),
        suffix: input.suffix.clone(),
        delimiter: input.delimiter.clone(),
        dimension_order: order,
        is_required: input.required(),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    match diesel::insert_into(naming_rule_details::table)
        .values(&row)
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => {
            return Ok(Err(vec![(
                "dimension_id",
                format!("{} is already in {}.", dimension.name, field.name),
            )]
            .into()))
        }
        other => other?,
    };
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.create")
            .actor(actor)
            .resource("naming_rule_detail", row.id)
            .meta(meta)
            .changes(json!({"rule": rule.name, "field": field.name,
                "dimension": dimension.name, "prefix": row.prefix, "suffix": row.suffix,
                "delimiter": row.delimiter, "is_required": row.is_required,
                "dimension_order": order})),
    )?;
    Ok(Ok(row.id))
}

/// Saves a part's prefix, suffix, delimiter and required flag. Returns the
/// part's field (for re-rendering its section).
pub fn update_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    input: &PartInput,
    meta: &RequestMeta,
) -> AppResult<(FieldId, Result<(), FormErrors>)> {
    let before = detail(c, t, rule_id, id)?;
    let errors = input.check();
    if !errors.is_empty() {
        return Ok((before.field_id, Err(errors)));
    }
    diesel::update(
        naming_rule_details::table
            .filter(naming_rule_details::tenant_id.eq(t))
            .filter(naming_rule_details::id.eq(id)),
    )
    .set((
        naming_rule_details::prefix.eq(&input.prefix),
        naming_rule_details::suffix.eq(&input.suffix),
        naming_rule_details::delimiter.eq(&input.delimiter),
        naming_rule_details::is_required.eq(input.required()),
        naming_rule_details::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.update")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({
                "before": {"prefix": before.prefix, "suffix": before.suffix,
                    "delimiter": before.delimiter, "is_required": before.is_required},
                "after": {"prefix": input.prefix, "suffix": input.suffix,
                    "delimiter": input.delimiter, "is_required": input.required()},
            })),
    )?;
    Ok((before.field_id, Ok(())))
}

/// Removes a part; returns its field.
pub fn remove_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    meta: &RequestMeta,
) -> AppResult<FieldId> {
    let d = detail(c, t, rule_id, id)?;
    diesel::delete(
        naming_rule_details::table
            .filter(naming_rule_details::tenant_id.eq(t))
            .filter(naming_rule_details::id.eq(id)),
    )
    .execute(c)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.delete")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({"rule_id": rule_id, "field_id": d.field_id,
                "dimension_id": d.dimension_id, "dimension_order": d.dimension_order})),
    )?;
    Ok(d.field_id)
}

/// Swaps a part with its neighbour above (`up`) or below; at either end it
/// stays put. Returns its field.
pub fn move_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    up: bool,
    meta: &RequestMeta,
) -> AppResult<FieldId> {
    let d = detail(c, t, rule_id, id)?;
    let siblings = field_details(c, t, rule_id, d.field_id)?;
    let Some(i) = siblings.iter().position(|s| s.id == id) else {
        return Err(AppError::NotFound);
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    let Some(other) = j.and_then(|j| siblings.get(j)) else {
        return Ok(d.field_id);
    };
    // UNIQUE (rule, field, dimension_order) is checked row by row on both
    // backends: park this part past the end, then swap.
    let parked = siblings.last().map_or(0, |s| s.dimension_order) + 1;
    let set_order = |c: &mut DbConn, id: RuleDetailId, order: i32| -> AppResult<()> {
        diesel::update(
            naming_rule_details::table
                .filter(naming_rule_details::tenant_id.eq(t))
                .filter(naming_rule_details::id.eq(id)),
        )
        .set((
            naming_rule_details::dimension_order.eq(order),
            naming_rule_details::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
        Ok(())
    };
    set_order(c, d.id, parked)?;
    set_order(c, other.id, d.dimension_order)?;
    set_order(c, d.id, other.dimension_order)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.move")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({"direction": if up { "up" } else { "down" },
                "before": d.dimension_order, "after": other.dimension_order,
                "swapped_with": other.id})),
    )?;
    Ok(d.field_id)
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
