//! Working out a chunk of a propagation without writing: each child's
//! inherited details against its parent's current values (or the dry run's
//! overlay), the recomposed name, and collisions, in a few queries per chunk.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{json, Value};

use super::CHUNK;
use crate::db::dialect::backend_sql;
use crate::db::{sql, DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::naming::versions::{DetailVal, RuleCtx};
use crate::schema::{naming_string_details, naming_strings};

/// New values of strings not written (the dry run), by string and dimension.
pub type Overlay = HashMap<StringId, HashMap<DimensionId, DetailVal>>;

/// A child as a chunk reads it.
#[derive(Debug, Clone, Queryable)]
pub struct Child {
    pub id: StringId,
    pub parent_id: Option<StringId>,
    pub rule_id: RuleId,
    pub field_id: FieldId,
    pub value: String,
}

/// One inherited detail that changes.
#[derive(Debug, Clone)]
pub struct DetailChange {
    pub detail: StringDetailId,
    pub dimension: DimensionId,
    pub dimension_name: String,
    pub from: DetailVal,
    pub to: DetailVal,
    pub from_shown: String,
    pub to_shown: String,
}

/// What happens to one child.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Nothing it inherits differs from its parent.
    Unchanged,
    Update {
        value: String,
        changes: Vec<DetailChange>,
    },
    Fail {
        error_type: &'static str,
        code: &'static str,
        message: String,
        detail: Option<StringDetailId>,
        new_value: Option<String>,
        existing: Option<StringId>,
        changes: Vec<DetailChange>,
    },
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub child: Child,
    pub outcome: Outcome,
}

impl Planned {
    pub fn is_failure(&self) -> bool {
        matches!(self.outcome, Outcome::Fail { .. })
    }
}

/// Works out what happens to each of `ids` (reads only): their inherited
/// details of `dims` take their parent's current value (or the overlay's).
pub fn plan_chunk(
    c: &mut DbConn,
    t: TenantId,
    ids: &[StringId],
    dims: &[DimensionId],
    overlay: &Overlay,
    rules: &mut HashMap<RuleId, RuleCtx>,
) -> AppResult<Vec<Planned>> {
    let children: Vec<Child> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq_any(ids))
        .order(naming_strings::id)
        .select((
            naming_strings::id,
            naming_strings::parent_id,
            naming_strings::rule_id,
            naming_strings::field_id,
            naming_strings::value,
        ))
        .load(c)?;
    let mut details: HashMap<StringId, Vec<StringDetail>> = HashMap::with_capacity(ids.len());
    for d in naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq_any(ids))
        .select(StringDetail::as_select())
        .load(c)?
    {
        details.entry(d.string_id).or_default().push(d);
    }
    let mut parents: Vec<StringId> = children.iter().filter_map(|ch| ch.parent_id).collect();
    parents.sort();
    parents.dedup();
    let mut parent_vals: HashMap<(StringId, DimensionId), DetailVal> = HashMap::new();
    for (s, d, v, text) in naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq_any(&parents))
        .filter(naming_string_details::dimension_id.eq_any(dims))
        .select((
            naming_string_details::string_id,
            naming_string_details::dimension_id,
            naming_string_details::dimension_value_id,
            naming_string_details::dimension_value_freetext,
        ))
        .load::<(
            StringId,
            DimensionId,
            Option<DimensionValueId>,
            Option<String>,
        )>(c)?
    {
        parent_vals.insert((s, d), DetailVal { value: v, text });
    }
    for p in &parents {
        if let Some(o) = overlay.get(p) {
            for (d, v) in o {
                parent_vals.insert((*p, *d), v.clone());
            }
        }
    }
    for ch in &children {
        if let std::collections::hash_map::Entry::Vacant(e) = rules.entry(ch.rule_id) {
            e.insert(RuleCtx::load(c, t, ch.rule_id)?);
        }
    }

    let mut planned = Vec::with_capacity(children.len());
    for ch in children {
        let Some(rc) = rules.get(&ch.rule_id) else {
            continue;
        };
        let own = details.remove(&ch.id).unwrap_or_default();
        let outcome = plan_one(&ch, &own, dims, &parent_vals, overlay, rc);
        planned.push(Planned { child: ch, outcome });
    }
    collisions(c, t, &mut planned)?;
    Ok(planned)
}

fn plan_one(
    ch: &Child,
    own: &[StringDetail],
    dims: &[DimensionId],
    parent_vals: &HashMap<(StringId, DimensionId), DetailVal>,
    overlay: &Overlay,
    rc: &RuleCtx,
) -> Outcome {
    let Some(parent) = ch.parent_id else {
        return Outcome::Unchanged;
    };
    let mut values: HashMap<DimensionId, DetailVal> = own
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
    if let Some(o) = overlay.get(&ch.id) {
        values.extend(o.iter().map(|(k, v)| (*k, v.clone())));
    }
    let mut changes = Vec::new();
    for d in own
        .iter()
        .filter(|d| d.is_inherited && dims.contains(&d.dimension_id))
    {
        let name = rc
            .dim_names
            .get(&d.dimension_id)
            .cloned()
            .unwrap_or_default();
        let Some(to) = parent_vals.get(&(parent, d.dimension_id)) else {
            return Outcome::Fail {
                error_type: "MISSING_VALUE",
                code: "parent_has_no_value",
                message: format!("The parent has no value for {name} to inherit."),
                detail: Some(d.id),
                new_value: None,
                existing: None,
                changes,
            };
        };
        let from = values.get(&d.dimension_id).cloned().unwrap_or(DetailVal {
            value: None,
            text: None,
        });
        if from == *to {
            continue;
        }
        changes.push(DetailChange {
            detail: d.id,
            dimension: d.dimension_id,
            dimension_name: name,
            from_shown: rc.shown(&from).unwrap_or_default(),
            to_shown: rc.shown(to).unwrap_or_default(),
            from,
            to: to.clone(),
        });
        values.insert(d.dimension_id, to.clone());
    }
    if changes.is_empty() {
        return Outcome::Unchanged;
    }
    match rc.compose(ch.field_id, &values) {
        Ok(v) if v.chars().count() <= 255 => Outcome::Update { value: v, changes },
        Ok(v) => Outcome::Fail {
            error_type: "INVALID_VALUE",
            code: "too_long",
            message: format!("“{v}” would be longer than 255 characters."),
            detail: changes.first().map(|c| c.detail),
            new_value: Some(v),
            existing: None,
            changes,
        },
        Err(e) => Outcome::Fail {
            error_type: match e {
                crate::naming::core::ComposeError::Missing { .. } => "MISSING_VALUE",
                _ => "INVALID_VALUE",
            },
            code: "compose",
            message: format!("The name cannot be composed: {e}."),
            detail: changes.first().map(|c| c.detail),
            new_value: None,
            existing: None,
            changes,
        },
    }
}

/// Turns updates whose new name is taken (by another string of the same rule
/// and field, or by an earlier update of the chunk) into COLLISION failures.
/// One query per rule and field in the chunk (usually one).
fn collisions(c: &mut DbConn, t: TenantId, planned: &mut [Planned]) -> AppResult<()> {
    let mut groups: HashMap<(RuleId, FieldId), Vec<String>> = HashMap::new();
    for p in planned.iter() {
        if let Outcome::Update { value, .. } = &p.outcome {
            groups
                .entry((p.child.rule_id, p.child.field_id))
                .or_default()
                .push(value.clone());
        }
    }
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = sql::Uuid)]
        id: StringId,
        #[diesel(sql_type = sql::Text)]
        value: String,
    }
    let mut taken: HashMap<(RuleId, FieldId, String), StringId> = HashMap::new();
    for ((rule, field), values) in groups {
        for part in values.chunks(CHUNK) {
            // One unique-key lookup per name. (`value = ANY(…)` let
            // PostgreSQL, without statistics, scan every string of the rule
            // and field against the whole list: seconds per chunk.)
            let names = Value::Array(part.iter().map(|v| json!([v])).collect());
            for row in diesel::sql_query(backend_sql(
                c,
                "WITH v AS MATERIALIZED (SELECT e.value ->> 0 AS value FROM {json}) \
                 SELECT s.id, s.value FROM v JOIN naming_strings s \
                   ON s.tenant_id = ? AND s.rule_id = ? AND s.field_id = ? AND s.value = v.value",
            ))
            .bind::<sql::Text, _>(names.to_string())
            .bind::<sql::Uuid, _>(t)
            .bind::<sql::Uuid, _>(rule)
            .bind::<sql::Uuid, _>(field)
            .load::<Taken>(c)?
            {
                taken.insert((rule, field, row.value), row.id);
            }
        }
    }
    let mut claimed: HashSet<(RuleId, FieldId, String)> = HashSet::new();
    for p in planned.iter_mut() {
        let Outcome::Update { value, changes } = &p.outcome else {
            continue;
        };
        let key = (p.child.rule_id, p.child.field_id, value.clone());
        let existing = taken.get(&key).copied().filter(|id| *id != p.child.id);
        if existing.is_some() || !claimed.insert(key) {
            p.outcome = Outcome::Fail {
                error_type: "COLLISION",
                code: "name_taken",
                message: format!("“{value}” already exists for this rule and field."),
                detail: changes.first().map(|c| c.detail),
                new_value: Some(value.clone()),
                existing,
                changes: changes.clone(),
            };
        }
    }
    Ok(())
}
