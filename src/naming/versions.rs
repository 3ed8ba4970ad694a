//! String versions: editing a string's own dimension values (a new version,
//! UPDATE), rolling back to any earlier version (a new version, ROLLBACK),
//! the values a string had at each version, and the history with a diff per
//! version. Every change is checked for collisions with the rule's other
//! strings of the same field and audited in the same transaction.
//!
//! Inherited dimensions are not edited here: they follow the parent string,
//! and propagation keeps them equal to it ("change it on the parent").

pub mod history;
pub mod view;

pub use history::{history, values_by_version, Change, VersionRow};

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::naming::core::{self, Part, PartKind};
use crate::naming::models::*;
use crate::naming::parts::{usable, RuleParts};
use crate::schema::{naming_string_details, naming_string_modifications, naming_strings};
use crate::web::extract::RequestMeta;

/// A detail's value: a listed value or free text (exactly one is set).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DetailVal {
    pub value: Option<DimensionValueId>,
    pub text: Option<String>,
}

/// A rule's parts with what recomposition needs, computed once per rule.
pub struct RuleCtx {
    pub parts: RuleParts,
    /// Value id → its text, for every dimension of the rule.
    pub names: HashMap<DimensionValueId, String>,
    /// Dimension id → name.
    pub dim_names: HashMap<DimensionId, String>,
    /// Per field: parts that accept every value the dimension has, expired
    /// or not (see [`lenient_parts`]).
    pub lenient: HashMap<FieldId, Vec<Part>>,
}

impl RuleCtx {
    pub fn load(c: &mut DbConn, t: TenantId, rule: RuleId) -> AppResult<RuleCtx> {
        let parts = RuleParts::load(c, t, rule)?;
        let names = parts
            .values
            .values()
            .flatten()
            .map(|v| (v.id, v.value.clone()))
            .collect();
        let dim_names = parts
            .by_field
            .values()
            .flatten()
            .map(|p| (p.dimension.id, p.dimension.name.clone()))
            .collect();
        let lenient = parts
            .by_field
            .keys()
            .map(|f| (*f, lenient_parts(&parts, *f)))
            .collect();
        Ok(RuleCtx {
            parts,
            names,
            dim_names,
            lenient,
        })
    }

    /// The text a detail shows in the name.
    pub fn shown(&self, v: &DetailVal) -> Option<String> {
        match (&v.value, &v.text) {
            (Some(id), _) => self.names.get(id).cloned(),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        }
    }

    /// Composes a field's name from values by dimension id.
    pub fn compose(
        &self,
        field: FieldId,
        values: &HashMap<DimensionId, DetailVal>,
    ) -> Result<String, core::ComposeError> {
        let by_name: HashMap<String, String> = values
            .iter()
            .filter_map(|(d, v)| Some((self.dim_names.get(d)?.clone(), self.shown(v)?)))
            .collect();
        let parts = self.lenient.get(&field).map(Vec::as_slice).unwrap_or(&[]);
        core::compose(parts, &by_name)
    }
}

/// The core parts of a field where every value of a LIST dimension counts as
/// allowed: recomposing an existing string must work even when one of its
/// values has expired since. Callers check that *newly chosen* values are
/// usable before they get here.
pub fn lenient_parts(parts: &RuleParts, field: FieldId) -> Vec<Part> {
    parts
        .core_parts(field, NaiveDate::MIN)
        .into_iter()
        .map(|mut p| {
            if let PartKind::List { values, expired } = &mut p.kind {
                values.append(expired);
            }
            p
        })
        .collect()
}

/// Finds a string of this workspace (404 otherwise).
pub fn find(c: &mut DbConn, t: TenantId, id: StringId) -> AppResult<NamingString> {
    naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq(id))
        .select(NamingString::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn details(c: &mut DbConn, t: TenantId, id: StringId) -> AppResult<Vec<StringDetail>> {
    Ok(naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq(id))
        .select(StringDetail::as_select())
        .load(c)?)
}

/// Every version of a string, oldest first.
pub fn modifications(
    c: &mut DbConn,
    t: TenantId,
    id: StringId,
) -> AppResult<Vec<StringModification>> {
    Ok(naming_string_modifications::table
        .filter(naming_string_modifications::tenant_id.eq(t))
        .filter(naming_string_modifications::string_id.eq(id))
        .order(naming_string_modifications::version.asc())
        .select(StringModification::as_select())
        .load(c)?)
}

/// Why an edit or rollback was refused (nothing written).
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// Messages by dimension id ("" for the form as a whole).
    Invalid(Vec<(String, String)>),
    /// The new value is taken by another string of the same rule and field.
    Collision { value: String, existing: StringId },
}

/// A saved edit or rollback.
#[derive(Debug, Clone)]
pub struct Saved {
    pub modification: ModificationId,
    pub version: i32,
    pub value: String,
    /// Dimensions whose value changed.
    pub changed: Vec<DimensionId>,
}

/// What the edit form sends for one dimension: a value id or the text.
pub type Choices = HashMap<DimensionId, String>;

/// Edits the string's own (not inherited) dimensions. Call inside a write
/// transaction.
pub fn edit(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    id: StringId,
    choices: &Choices,
    meta: &RequestMeta,
) -> AppResult<Result<Saved, EditError>> {
    let s = find(c, t, id)?;
    let rc = RuleCtx::load(c, t, s.rule_id)?;
    let current = details(c, t, id)?;
    let today = crate::naming::parts::today();
    let mut wanted: HashMap<DimensionId, Option<DetailVal>> = HashMap::new();
    let mut errors = Vec::new();
    for p in rc.parts.field(s.field_id) {
        let d = &p.dimension;
        let have = current.iter().find(|x| x.dimension_id == d.id);
        if have.is_some_and(|x| x.is_inherited) {
            continue;
        }
        let Some(raw) = choices.get(&d.id).map(|s| s.trim()) else {
            continue;
        };
        let new = if raw.is_empty() {
            None
        } else if d.kind == DimensionKind::Text {
            if raw.chars().count() > 255 {
                errors.push((d.id.to_string(), "At most 255 characters.".to_string()));
                continue;
            }
            Some(DetailVal {
                value: None,
                text: Some(raw.to_string()),
            })
        } else {
            let v = raw
                .parse::<DimensionValueId>()
                .ok()
                .and_then(|vid| rc.parts.values(d.id).iter().find(|v| v.id == vid));
            match v {
                // The current value stays allowed even when it has expired.
                Some(v)
                    if usable(v, today)
                        || have.and_then(|h| h.dimension_value_id) == Some(v.id) =>
                {
                    Some(DetailVal {
                        value: Some(v.id),
                        text: None,
                    })
                }
                Some(v) => {
                    errors.push((
                        d.id.to_string(),
                        format!("“{}” is inactive or outside its validity window.", v.value),
                    ));
                    continue;
                }
                None => {
                    errors.push((d.id.to_string(), format!("Choose a value of {}.", d.name)));
                    continue;
                }
            }
        };
        if new.is_none() && p.detail.is_required {
            errors.push((d.id.to_string(), format!("{} is required.", d.name)));
            continue;
        }
        wanted.insert(d.id, new);
    }
    if !errors.is_empty() {
        return Ok(Err(EditError::Invalid(errors)));
    }
    apply(c, t, user, &s, &rc, &current, wanted, "UPDATE", meta, None)
}

/// Restores the string's values at `version`, as a new version. An
/// inherited value that differs from that version's is restored too, and from
/// then on is the string's own (it no longer follows the parent): rolling an
/// ad set back after its campaign's country changed gives it the old country.
pub fn rollback(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    id: StringId,
    version: i32,
    meta: &RequestMeta,
) -> AppResult<Result<Saved, EditError>> {
    let s = find(c, t, id)?;
    let mods = modifications(c, t, id)?;
    let values = values_by_version(&mods);
    let Some(i) = mods.iter().position(|m| m.version == version) else {
        return Err(AppError::NotFound);
    };
    let target = &values[i];
    let rc = RuleCtx::load(c, t, s.rule_id)?;
    let current = details(c, t, id)?;
    let mut wanted = HashMap::new();
    let mut errors = Vec::new();
    for p in rc.parts.field(s.field_id) {
        let d = &p.dimension;
        let new = match target.get(&d.name) {
            None => None,
            Some(text) if d.kind == DimensionKind::Text => Some(DetailVal {
                value: None,
                text: Some(text.clone()),
            }),
            Some(text) => match rc.parts.values(d.id).iter().find(|v| &v.value == text) {
                Some(v) => Some(DetailVal {
                    value: Some(v.id),
                    text: None,
                }),
                None => {
                    errors.push((
                        d.id.to_string(),
                        format!("“{text}” is no longer a value of {}.", d.name),
                    ));
                    continue;
                }
            },
        };
        wanted.insert(d.id, new);
    }
    if !errors.is_empty() {
        return Ok(Err(EditError::Invalid(errors)));
    }
    apply(
        c,
        t,
        user,
        &s,
        &rc,
        &current,
        wanted,
        "ROLLBACK",
        meta,
        Some(version),
    )
}

/// Writes the new values as a new version: details, the string's value and
/// version, a modification row and the audit event.
#[allow(clippy::too_many_arguments)]
fn apply(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    s: &NamingString,
    rc: &RuleCtx,
    current: &[StringDetail],
    wanted: HashMap<DimensionId, Option<DetailVal>>,
    change_type: &str,
    meta: &RequestMeta,
    rollback_to: Option<i32>,
) -> AppResult<Result<Saved, EditError>> {
    let mut values: HashMap<DimensionId, DetailVal> = current
        .iter()
        .map(|d| {
            (
                d.dimension_id,
                DetailVal {
                    value: d.dimension_value_id,
                    text: d.dimension_value_freetext.clone(),
                },
            )
        })
        .collect();
    let mut changed = Vec::new();
    let (mut updates, mut originals) = (Map::new(), Map::new());
    for (dim, new) in &wanted {
        let old = values.get(dim).cloned();
        if old == *new {
            continue;
        }
        let name = rc.dim_names.get(dim).cloned().unwrap_or_default();
        originals.insert(
            name.clone(),
            json!(old.as_ref().and_then(|o| rc.shown(o)).unwrap_or_default()),
        );
        updates.insert(
            name,
            json!(new.as_ref().and_then(|n| rc.shown(n)).unwrap_or_default()),
        );
        changed.push(*dim);
        match new {
            Some(n) => values.insert(*dim, n.clone()),
            None => values.remove(dim),
        };
    }
    if changed.is_empty() {
        let msg = if rollback_to.is_some() {
            "The string already has that version's values."
        } else {
            "Nothing changed."
        };
        return Ok(Err(EditError::Invalid(vec![(String::new(), msg.into())])));
    }
    changed.sort();
    let value = match rc.compose(s.field_id, &values) {
        Ok(v) if v.chars().count() > 255 => {
            return Ok(Err(EditError::Invalid(vec![(
                String::new(),
                format!("“{v}” is longer than 255 characters."),
            )])))
        }
        Ok(v) => v,
        Err(e) => {
            return Ok(Err(EditError::Invalid(vec![(
                String::new(),
                format!("{e}."),
            )])))
        }
    };
    if let Some(existing) = collision(c, t, s, &value)? {
        return Ok(Err(EditError::Collision { value, existing }));
    }
    let now = UtcTime::now();
    for dim in &changed {
        let target = naming_string_details::table
            .filter(naming_string_details::tenant_id.eq(t))
            .filter(naming_string_details::string_id.eq(s.id))
            .filter(naming_string_details::dimension_id.eq(*dim));
        match (
            values.get(dim),
            current.iter().any(|d| d.dimension_id == *dim),
        ) {
            (Some(v), true) => {
                diesel::update(target)
                    .set((
                        naming_string_details::dimension_value_id.eq(v.value),
                        naming_string_details::dimension_value_freetext.eq(v.text.clone()),
                        // A value set on the string itself no longer follows
                        // the parent.
                        naming_string_details::is_inherited.eq(false),
                        naming_string_details::updated_at.eq(now),
                    ))
                    .execute(c)?;
            }
            (Some(v), false) => {
                diesel::insert_into(naming_string_details::table)
                    .values(StringDetail {
                        tenant_id: t,
                        id: StringDetailId::new(),
                        string_id: s.id,
                        dimension_id: *dim,
                        dimension_value_id: v.value,
                        dimension_value_freetext: v.text.clone(),
                        is_inherited: false,
                        created_at: now,
                        updated_at: now,
                        created_by: Some(user),
                    })
                    .execute(c)?;
            }
            (None, _) => {
                diesel::delete(target).execute(c)?;
            }
        }
    }
    let previous: Option<ModificationId> = naming_string_modifications::table
        .filter(naming_string_modifications::tenant_id.eq(t))
        .filter(naming_string_modifications::string_id.eq(s.id))
        .order(naming_string_modifications::version.desc())
        .select(naming_string_modifications::id)
        .first(c)
        .optional()?;
    let version = s.version + 1;
    let written = diesel::update(
        naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::id.eq(s.id))
            // Optimistic: someone else's version in between wins, we retry.
            .filter(naming_strings::version.eq(s.version)),
    )
    .set((
        naming_strings::value.eq(&value),
        naming_strings::version.eq(version),
        naming_strings::updated_at.eq(now),
    ))
    .execute(c);
    match written {
        Ok(1) => {}
        Ok(_) => {
            return Ok(Err(EditError::Invalid(vec![(
                String::new(),
                "The string was changed a moment ago: reload the page and try again.".into(),
            )])))
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(format!(
                "“{value}” was created a moment ago: reload and try again."
            )))
        }
        Err(e) => return Err(e.into()),
    }
    let id = ModificationId::new();
    let metadata = match rollback_to {
        Some(v) => json!({ "rollback_to": v }),
        None => json!({}),
    };
    diesel::insert_into(naming_string_modifications::table)
        .values(StringModification {
            tenant_id: t,
            id,
            string_id: s.id,
            version,
            field_updates: Json(Value::Object(updates.clone())),
            string_value: value.clone(),
            original_values: Json(Value::Object(originals.clone())),
            modified_by: user,
            modified_at: now,
            change_type: change_type.into(),
            batch_id: None,
            parent_version_id: previous,
            metadata: Json(metadata),
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let action = if rollback_to.is_some() {
        "naming.string.rollback"
    } else {
        "naming.string.update"
    };
    audit::record(
        c,
        NewEvent::tenant(t, action)
            .actor(user)
            .resource("naming_string", s.id)
            .meta(meta)
            .changes(json!({
                "value": { "from": s.value, "to": value },
                "version": version,
                "rollback_to": rollback_to,
                "from": originals,
                "to": updates,
            })),
    )?;
    Ok(Ok(Saved {
        modification: id,
        version,
        value,
        changed,
    }))
}

/// Another string of the same rule and field that already has `value`.
fn collision(
    c: &mut DbConn,
    t: TenantId,
    s: &NamingString,
    value: &str,
) -> AppResult<Option<StringId>> {
    Ok(naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::rule_id.eq(s.rule_id))
        .filter(naming_strings::field_id.eq(s.field_id))
        .filter(naming_strings::value.eq(value))
        .filter(naming_strings::id.ne(s.id))
        .select(naming_strings::id)
        .first(c)
        .optional()?)
}
