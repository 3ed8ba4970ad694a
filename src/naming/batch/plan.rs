//! Recomposing a batch's strings: the new value of each, or why it can't
//! change (a collision, a value that no longer composes). The preview and
//! the job share it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::batch::{affected, Change, Failure, CHUNK, PREVIEW_FAILURES, PREVIEW_ROWS};
use crate::naming::core::{self, PartKind};
use crate::naming::models::*;
use crate::naming::parts::RuleParts;
use crate::schema::{naming_string_details, naming_strings};

/// Composes a field's strings from their details. Values that have expired
/// since a string was made are accepted: a batch changes one value and must
/// not trip over the others.
pub struct Composer {
    parts: Vec<core::Part>,
    names: HashMap<DimensionId, String>,
    texts: HashMap<DimensionValueId, String>,
}

impl Composer {
    pub fn new(parts: &RuleParts, field: FieldId, today: NaiveDate) -> Composer {
        let mut core_parts = parts.core_parts(field, today);
        for p in &mut core_parts {
            if let PartKind::List { values, expired } = &mut p.kind {
                values.append(expired);
            }
        }
        Composer {
            parts: core_parts,
            names: parts
                .by_field
                .values()
                .flatten()
                .map(|p| (p.dimension.id, p.dimension.name.clone()))
                .collect(),
            texts: parts
                .values
                .values()
                .flatten()
                .map(|v| (v.id, v.value.clone()))
                .collect(),
        }
    }

    /// `{dimension name: value}` of a string's details (the shape of a
    /// version's `field_updates`).
    pub fn snapshot(&self, details: &[&StringDetail]) -> Map<String, Value> {
        let mut out = Map::new();
        for d in details {
            let Some(name) = self.names.get(&d.dimension_id) else {
                continue;
            };
            let shown = match (d.dimension_value_id, &d.dimension_value_freetext) {
                (Some(v), _) => self.texts.get(&v).cloned(),
                (None, Some(text)) => Some(text.clone()),
                (None, None) => None,
            };
            if let Some(s) = shown {
                out.insert(name.clone(), Value::String(s));
            }
        }
        out
    }

    pub fn compose(&self, snapshot: &Map<String, Value>) -> Result<String, String> {
        let values: HashMap<String, String> = snapshot
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        match core::compose(&self.parts, &values) {
            Ok(v) if v.chars().count() > 255 => {
                Err(format!("“{v}” would be longer than 255 characters"))
            }
            Ok(v) => Ok(v),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// One string of a batch, worked out: its new value, or why it can't change.
#[derive(Debug, Clone)]
pub struct Recomposed {
    pub id: StringId,
    pub version: i32,
    pub old_value: String,
    pub new_value: String,
    pub before: Map<String, Value>,
    pub after: Map<String, Value>,
    /// The string's details as they were (what the backup keeps).
    pub details: Vec<StringDetail>,
}

#[derive(Debug, Clone)]
pub enum Planned {
    Change(Recomposed),
    Skip(Failure),
}

/// Works out a chunk of strings (ids in order). `taken` holds the new values
/// of earlier chunks not yet written, so that two strings of one batch can't
/// be given the same value.
pub fn plan_chunk(
    c: &mut DbConn,
    t: TenantId,
    ch: &Change,
    composer: &Composer,
    ids: &[StringId],
    taken: &mut HashSet<String>,
) -> AppResult<Vec<Planned>> {
    let strings: Vec<(StringId, String, i32)> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq_any(ids))
        .order(naming_strings::id)
        .select((
            naming_strings::id,
            naming_strings::value,
            naming_strings::version,
        ))
        .load(c)?;
    let mut details: HashMap<StringId, Vec<StringDetail>> = HashMap::new();
    for d in naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq_any(ids))
        .select(StringDetail::as_select())
        .load(c)?
    {
        details.entry(d.string_id).or_default().push(d);
    }
    let mut out = Vec::with_capacity(strings.len());
    for (id, value, version) in strings {
        let ds = details.remove(&id).unwrap_or_default();
        let uses_old = ds
            .iter()
            .any(|d| d.dimension_id == ch.dimension.id && d.dimension_value_id == Some(ch.old.id));
        if !uses_old {
            out.push(Planned::Skip(Failure {
                string_id: id,
                value,
                reason: format!("no longer uses “{}”", ch.old.value),
            }));
            continue;
        }
        let before = composer.snapshot(&ds.iter().collect::<Vec<_>>());
        let mut after = before.clone();
        after.insert(ch.dimension.name.clone(), json!(ch.new.value));
        match composer.compose(&after) {
            Ok(new_value) => out.push(Planned::Change(Recomposed {
                id,
                version,
                old_value: value,
                new_value,
                before,
                after,
                details: ds,
            })),
            Err(reason) => out.push(Planned::Skip(Failure {
                string_id: id,
                value,
                reason,
            })),
        }
    }
    // Collisions: with strings that exist, and within the batch.
    let wanted: Vec<&str> = out
        .iter()
        .filter_map(|p| match p {
            Planned::Change(r) => Some(r.new_value.as_str()),
            Planned::Skip(_) => None,
        })
        .collect();
    let existing: HashSet<String> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::rule_id.eq(ch.rule.id))
        .filter(naming_strings::field_id.eq(ch.field.id))
        .filter(naming_strings::value.eq_any(&wanted))
        .select(naming_strings::value)
        .load::<String>(c)?
        .into_iter()
        .collect();
    for p in &mut out {
        let Planned::Change(r) = p else { continue };
        if existing.contains(&r.new_value) {
            *p = Planned::Skip(Failure {
                string_id: r.id,
                value: r.old_value.clone(),
                reason: format!("“{}” already exists for {}", r.new_value, ch.field.name),
            });
        } else if !taken.insert(r.new_value.clone()) {
            *p = Planned::Skip(Failure {
                string_id: r.id,
                value: r.old_value.clone(),
                reason: format!("another string of this batch becomes “{}”", r.new_value),
            });
        }
    }
    Ok(out)
}

/// What the preview shows before a batch is confirmed.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub total: usize,
    pub changes: usize,
    /// The first `PREVIEW_ROWS` changes.
    pub rows: Vec<Recomposed>,
    /// The first `PREVIEW_FAILURES` strings that would be skipped.
    pub skipped: Vec<Failure>,
    pub skipped_total: usize,
}

/// Plans the whole batch without writing anything.
pub fn preview(
    c: &mut DbConn,
    t: TenantId,
    ch: &Change,
    parts: &RuleParts,
    today: NaiveDate,
) -> AppResult<Preview> {
    let ids = affected(c, t, ch)?;
    let composer = Composer::new(parts, ch.field.id, today);
    let mut taken = HashSet::new();
    let mut p = Preview {
        total: ids.len(),
        ..Preview::default()
    };
    for chunk in ids.chunks(CHUNK) {
        for planned in plan_chunk(c, t, ch, &composer, chunk, &mut taken)? {
            match planned {
                Planned::Change(r) => {
                    p.changes += 1;
                    if p.rows.len() < PREVIEW_ROWS {
                        p.rows.push(r);
                    }
                }
                Planned::Skip(f) => {
                    p.skipped_total += 1;
                    if p.skipped.len() < PREVIEW_FAILURES {
                        p.skipped.push(f);
                    }
                }
            }
        }
    }
    Ok(p)
}
