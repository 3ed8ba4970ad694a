//! Propagation: when a string's value changes for dimensions its children
//! inherit, a propagation job carries the new value down, level by level, to
//! `max_depth`. A child is updated when its detail for a changed dimension is
//! inherited and differs from its parent's; a child that changes carries on
//! to its own children. Each updated child gets a PROPAGATION version and an
//! inheritance-update row; each failure (the new name collides, or cannot be
//! composed) a propagation error, and its subtree is skipped.
//!
//! The work is set-based and chunked so that 100,000 descendants take a few
//! seconds and bounded memory: per chunk of [`CHUNK`] strings, a handful of
//! queries read rows and details, Rust recomposes the names, and multi-row
//! inserts plus JSON-driven `UPDATE … FROM` statements write them, in one
//! transaction per chunk (the job's progress moves per chunk). Comparing
//! against the parent's *current* value makes a rerun idempotent.

pub mod jobs;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{sql, DbConn, Id, Json, TenantConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::worker::JobCtx;
use crate::naming::models::*;
use crate::naming::versions::{backend_sql, DetailVal, RuleCtx};
use crate::schema::{
    naming_propagation_errors, naming_propagation_jobs, naming_string_details,
    naming_string_inheritance_updates, naming_string_modifications, naming_strings,
};
use crate::web::extract::RequestMeta;

pub use jobs::*;

/// The background job kind.
pub const KIND: &str = "naming.propagate";

/// Jobs with at most this many inheriting descendants run inside the request
/// (INLINE); bigger ones go to the background worker.
pub const INLINE_MAX: i64 = 200;

/// Strings written per transaction.
const CHUNK: usize = 1000;

/// Parents whose children are listed in one query.
const PARENTS_PER_QUERY: usize = 200;

/// What a job propagates, kept in its `metadata`.
#[derive(Debug, Clone)]
pub struct Spec {
    pub string: StringId,
    pub modification: ModificationId,
    pub dimensions: Vec<DimensionId>,
}

impl Spec {
    fn from_job(job: &PropagationJob) -> AppResult<Spec> {
        let m = &job.metadata.0;
        fn parse<T: std::str::FromStr>(v: &Value) -> Option<T> {
            v.as_str().and_then(|s| s.parse().ok())
        }
        let bad = || AppError::internal(format!("propagation job {} has no spec", job.id));
        Ok(Spec {
            string: parse(&m["string"]).ok_or_else(bad)?,
            modification: parse(&m["modification"]).ok_or_else(bad)?,
            dimensions: m["dimensions"]
                .as_array()
                .map(|a| a.iter().filter_map(parse).collect())
                .unwrap_or_default(),
        })
    }
}

/// The dimensions a version changed (by the names in its `field_updates`).
pub fn changed_dimensions(
    c: &mut DbConn,
    t: TenantId,
    m: &StringModification,
) -> AppResult<Vec<DimensionId>> {
    use crate::schema::naming_dimensions;
    let names: Vec<String> = match &m.field_updates.0 {
        Value::Object(o) => o.keys().cloned().collect(),
        _ => Vec::new(),
    };
    Ok(naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::name.eq_any(names))
        .select(naming_dimensions::id)
        .order(naming_dimensions::id)
        .load(c)?)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = sql::BigInt)]
    n: i64,
}

/// JSON text of an array of one-element arrays, for `{json}` with `->> 0`.
fn json_ids<T: ToString>(ids: &[T]) -> String {
    Value::Array(ids.iter().map(|i| json!([i.to_string()])).collect()).to_string()
}

/// How many descendants (within `max_depth`) inherit one of `dims` through
/// an unbroken chain of inheriting strings: the strings a job would examine.
pub fn inheriting_count(
    c: &mut DbConn,
    t: TenantId,
    string: StringId,
    dims: &[DimensionId],
    max_depth: i32,
) -> AppResult<i64> {
    if dims.is_empty() {
        return Ok(0);
    }
    let q = backend_sql(
        c,
        "WITH RECURSIVE d(id, dim, depth) AS ( \
           SELECT s.id, sd.dimension_id, 1 FROM naming_strings s \
           JOIN naming_string_details sd ON sd.tenant_id = s.tenant_id AND sd.string_id = s.id \
           WHERE s.tenant_id = ? AND s.parent_id = ? AND sd.is_inherited \
             AND sd.dimension_id IN (SELECT (e.value ->> 0){uuid} FROM {json}) \
           UNION \
           SELECT s.id, sd.dimension_id, d.depth + 1 FROM d \
           JOIN naming_strings s ON s.tenant_id = ? AND s.parent_id = d.id \
           JOIN naming_string_details sd ON sd.tenant_id = s.tenant_id AND sd.string_id = s.id \
             AND sd.dimension_id = d.dim AND sd.is_inherited \
           WHERE d.depth < ?) \
         SELECT COUNT(DISTINCT id) AS n FROM d",
    );
    Ok(diesel::sql_query(q)
        .bind::<sql::Uuid, _>(t)
        .bind::<sql::Uuid, _>(string)
        .bind::<sql::Text, _>(json_ids(dims))
        .bind::<sql::Uuid, _>(t)
        .bind::<sql::Integer, _>(max_depth)
        .get_result::<Count>(c)?
        .n)
}

/// Creates a job for version `m` of `string` (PENDING), audited; queues it
/// for the worker unless it runs inline. Call inside a write transaction.
#[allow(clippy::too_many_arguments)]
pub fn start(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    string: StringId,
    m: ModificationId,
    dims: &[DimensionId],
    max_depth: i32,
    meta: &RequestMeta,
) -> AppResult<PropagationJob> {
    let max_depth = max_depth.clamp(1, 100);
    let total = inheriting_count(c, t, string, dims, max_depth)?;
    let inline = total <= INLINE_MAX;
    let now = UtcTime::now();
    let job = PropagationJob {
        tenant_id: t,
        id: PropagationJobId::new(),
        batch_id: Id::new(),
        triggered_by: Some(user),
        status: "PENDING".into(),
        started_at: None,
        completed_at: None,
        total_strings: i32::try_from(total).unwrap_or(i32::MAX),
        processed_strings: 0,
        failed_strings: 0,
        max_depth,
        processing_method: if inline { "INLINE" } else { "BACKGROUND" }.into(),
        metadata: Json(json!({
            "string": string,
            "modification": m,
            "dimensions": dims,
        })),
        error_message: None,
        created_at: now,
        updated_at: now,
        created_by: Some(user),
    };
    diesel::insert_into(naming_propagation_jobs::table)
        .values(&job)
        .execute(c)?;
    if !inline {
        crate::jobs::enqueue(c, t, KIND, json!({ "job": job.id }), Some(user))?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, "naming.propagation.start")
            .actor(user)
            .resource("naming_propagation_job", job.id)
            .meta(meta)
            .changes(json!({
                "string": string,
                "modification": m,
                "descendants": total,
                "max_depth": max_depth,
                "processing_method": job.processing_method,
            })),
    )?;
    Ok(job)
}

/// The `naming.propagate` job.
pub fn run_job(ctx: &JobCtx) -> Result<(), String> {
    let id: PropagationJobId = ctx.job.payload.0["job"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "payload without a job id".to_string())?;
    let mut tc = ctx.conn().map_err(|e| e.to_string())?;
    run(&mut tc, id).map_err(|e| e.to_string())
}

/// Counts of one run (or retry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub examined: i64,
    pub updated: i64,
    pub failed: i64,
    /// Changed strings at the depth limit whose children were not visited.
    pub below_limit: i64,
}

/// Runs a PENDING job to its end. A database failure marks it FAILED.
pub fn run(tc: &mut TenantConn, id: PropagationJobId) -> AppResult<()> {
    let job = tc.write(|c, t| {
        let job = find(c, t, id)?;
        if job.status != "PENDING" {
            return Ok(None);
        }
        let now = UtcTime::now();
        diesel::update(job_row(t, id))
            .set((
                naming_propagation_jobs::status.eq("RUNNING"),
                naming_propagation_jobs::started_at.eq(now),
                naming_propagation_jobs::updated_at.eq(now),
            ))
            .execute(c)?;
        Ok(Some(job))
    })?;
    let Some(job) = job else { return Ok(()) };
    let spec = Spec::from_job(&job)?;
    let mut counts = Counts::default();
    let outcome = levels(tc, &job, &spec, vec![spec.string], 1, &mut counts);
    tc.write(|c, t| {
        let now = UtcTime::now();
        let (status, message) = match &outcome {
            Ok(()) if counts.failed == 0 => ("COMPLETED", None),
            Ok(()) if counts.updated == 0 => ("FAILED", None),
            Ok(()) => ("PARTIAL", None),
            Err(e) => ("FAILED", Some(e.to_string())),
        };
        let mut metadata = job.metadata.0.clone();
        metadata["counts"] = json!({
            "updated": counts.updated,
            "unchanged": counts.examined - counts.updated - counts.failed,
            "failed": counts.failed,
            "below_limit": counts.below_limit,
        });
        diesel::update(job_row(t, id))
            .set((
                naming_propagation_jobs::status.eq(status),
                naming_propagation_jobs::completed_at.eq(now),
                naming_propagation_jobs::updated_at.eq(now),
                naming_propagation_jobs::error_message.eq(message),
                naming_propagation_jobs::metadata.eq(Json(metadata)),
            ))
            .execute(c)?;
        let mut event = NewEvent::tenant(t, "naming.propagation.finish")
            .resource("naming_propagation_job", id)
            .changes(json!({
                "status": status,
                "updated": counts.updated,
                "failed": counts.failed,
                "examined": counts.examined,
            }));
        if let Some(u) = job.triggered_by {
            event = event.actor(u);
        }
        audit::record(c, event)
    })?;
    outcome
}

pub(crate) fn job_row(
    t: TenantId,
    id: PropagationJobId,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<naming_propagation_jobs::table, diesel::dsl::Eq<naming_propagation_jobs::tenant_id, TenantId>>,
    diesel::dsl::Eq<naming_propagation_jobs::id, PropagationJobId>,
> {
    naming_propagation_jobs::table
        .filter(naming_propagation_jobs::tenant_id.eq(t))
        .filter(naming_propagation_jobs::id.eq(id))
}

/// Walks down from `frontier` (strings already changed), level by level,
/// from `depth` (the children's depth below the job's string) to the limit.
pub(crate) fn levels(
    tc: &mut TenantConn,
    job: &PropagationJob,
    spec: &Spec,
    mut frontier: Vec<StringId>,
    mut depth: i32,
    counts: &mut Counts,
) -> AppResult<()> {
    let mut rules: HashMap<RuleId, RuleCtx> = HashMap::new();
    let overlay = Overlay::new();
    while !frontier.is_empty() {
        if depth > job.max_depth {
            counts.below_limit += frontier.len() as i64;
            break;
        }
        let mut next = Vec::new();
        for parents in frontier.chunks(PARENTS_PER_QUERY) {
            let children: Vec<StringId> = tc.read(|c, t| children_of(c, t, parents))?;
            for ids in children.chunks(CHUNK) {
                let updated = tc.write(|c, t| {
                    let planned = plan_chunk(c, t, ids, &spec.dimensions, &overlay, &mut rules)?;
                    let written = apply_chunk(c, t, job, spec, depth, &planned)?;
                    counts.examined += planned.len() as i64;
                    counts.updated += written.len() as i64;
                    counts.failed += planned.iter().filter(|p| p.is_failure()).count() as i64;
                    Ok(written)
                })?;
                next.extend(updated);
            }
        }
        frontier = next;
        depth += 1;
    }
    Ok(())
}

/// Ids of the children of `parents`.
fn children_of(c: &mut DbConn, t: TenantId, parents: &[StringId]) -> AppResult<Vec<StringId>> {
    Ok(naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::parent_id.eq_any(parents))
        .select(naming_strings::id)
        .load(c)?)
}

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
        .load::<(StringId, DimensionId, Option<DimensionValueId>, Option<String>)>(c)?
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
        if !rules.contains_key(&ch.rule_id) {
            let rc = RuleCtx::load(c, t, ch.rule_id)?;
            rules.insert(ch.rule_id, rc);
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
    for d in own.iter().filter(|d| d.is_inherited && dims.contains(&d.dimension_id)) {
        let name = rc.dim_names.get(&d.dimension_id).cloned().unwrap_or_default();
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
    let mut taken: HashMap<(RuleId, FieldId, String), StringId> = HashMap::new();
    for ((rule, field), values) in groups {
        for part in values.chunks(CHUNK) {
            for (id, v) in naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::rule_id.eq(rule))
                .filter(naming_strings::field_id.eq(field))
                .filter(naming_strings::value.eq_any(part))
                .select((naming_strings::id, naming_strings::value))
                .load::<(StringId, String)>(c)?
            {
                taken.insert((rule, field, v), id);
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

/// Writes a planned chunk: values, details, versions, inheritance updates,
/// errors and the job's counters. Returns the ids of the updated strings.
pub(crate) fn apply_chunk(
    c: &mut DbConn,
    t: TenantId,
    job: &PropagationJob,
    spec: &Spec,
    depth: i32,
    planned: &[Planned],
) -> AppResult<Vec<StringId>> {
    let user = job
        .triggered_by
        .ok_or_else(|| AppError::internal("propagation job without a user"))?;
    let now = UtcTime::now();
    let updated: Vec<(&Child, &String, &Vec<DetailChange>)> = planned
        .iter()
        .filter_map(|p| match &p.outcome {
            Outcome::Update { value, changes } => Some((&p.child, value, changes)),
            _ => None,
        })
        .collect();
    let ids: Vec<StringId> = updated.iter().map(|(ch, _, _)| ch.id).collect();
    if !ids.is_empty() {
        // Each string's latest version, before this one.
        let latest: HashMap<StringId, (ModificationId, i32)> = naming_string_modifications::table
            .inner_join(
                naming_strings::table.on(naming_strings::tenant_id
                    .eq(naming_string_modifications::tenant_id)
                    .and(naming_strings::id.eq(naming_string_modifications::string_id))
                    .and(naming_strings::version.eq(naming_string_modifications::version))),
            )
            .filter(naming_string_modifications::tenant_id.eq(t))
            .filter(naming_string_modifications::string_id.eq_any(&ids))
            .select((
                naming_string_modifications::string_id,
                naming_string_modifications::id,
                naming_string_modifications::version,
            ))
            .load::<(StringId, ModificationId, i32)>(c)?
            .into_iter()
            .map(|(s, m, v)| (s, (m, v)))
            .collect();

        let values = Value::Array(
            updated
                .iter()
                .map(|(ch, v, _)| json!([ch.id.to_string(), v]))
                .collect(),
        );
        diesel::sql_query(backend_sql(
            c,
            "UPDATE naming_strings SET value = e.value ->> 1, \
               version = naming_strings.version + 1, updated_at = ? \
             FROM {json} \
             WHERE naming_strings.tenant_id = ? AND naming_strings.id = (e.value ->> 0){uuid}",
        ))
        .bind::<sql::Timestamptz, _>(now)
        .bind::<sql::Text, _>(values.to_string())
        .bind::<sql::Uuid, _>(t)
        .execute(c)?;
        let details = Value::Array(
            updated
                .iter()
                .flat_map(|(_, _, changes)| changes.iter())
                .map(|d| json!([d.detail.to_string(), d.to.value.map(|v| v.to_string()), d.to.text]))
                .collect(),
        );
        diesel::sql_query(backend_sql(
            c,
            "UPDATE naming_string_details SET dimension_value_id = (e.value ->> 1){uuid}, \
               dimension_value_freetext = e.value ->> 2, updated_at = ? \
             FROM {json} \
             WHERE naming_string_details.tenant_id = ? \
               AND naming_string_details.id = (e.value ->> 0){uuid}",
        ))
        .bind::<sql::Timestamptz, _>(now)
        .bind::<sql::Text, _>(details.to_string())
        .bind::<sql::Uuid, _>(t)
        .execute(c)?;

        let mut mods = Vec::with_capacity(updated.len());
        let mut inheritance = Vec::with_capacity(updated.len());
        for (ch, value, changes) in &updated {
            let (previous, version) = match latest.get(&ch.id) {
                Some((m, v)) => (Some(*m), *v),
                None => (None, 0),
            };
            let mut fields = serde_json::Map::new();
            let mut originals = serde_json::Map::new();
            let mut inherited = serde_json::Map::new();
            for d in changes.iter() {
                fields.insert(d.dimension_name.clone(), json!(d.to_shown));
                originals.insert(d.dimension_name.clone(), json!(d.from_shown));
                inherited.insert(
                    d.dimension_name.clone(),
                    json!({"from": d.from_shown, "to": d.to_shown}),
                );
            }
            mods.push(StringModification {
                tenant_id: t,
                id: ModificationId::new(),
                string_id: ch.id,
                version: version + 1,
                field_updates: Json(Value::Object(fields)),
                string_value: (*value).clone(),
                original_values: Json(Value::Object(originals)),
                modified_by: user,
                modified_at: now,
                change_type: "PROPAGATION".into(),
                batch_id: Some(job.batch_id),
                parent_version_id: previous,
                metadata: Json(json!({
                    "job": job.id,
                    "from_string": spec.string,
                    "value_before": ch.value,
                    "depth": depth,
                })),
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            });
            inheritance.push(InheritanceUpdate {
                tenant_id: t,
                id: InheritanceUpdateId::new(),
                parent_modification_id: spec.modification,
                child_string_id: ch.id,
                inherited_fields: Json(Value::Object(inherited)),
                applied_at: now,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            });
        }
        crate::insert_many!(c, naming_string_modifications::table, mods, CHUNK);
        crate::insert_many!(
            c,
            naming_string_inheritance_updates::table,
            inheritance,
            CHUNK
        );
    }

    let errors: Vec<PropagationError> = planned
        .iter()
        .filter_map(|p| error_row(t, job, user, now, depth, p))
        .collect();
    crate::insert_many!(c, naming_propagation_errors::table, errors, CHUNK);
    diesel::update(job_row(t, job.id))
        .set((
            naming_propagation_jobs::processed_strings
                .eq(naming_propagation_jobs::processed_strings + planned.len() as i32),
            naming_propagation_jobs::failed_strings
                .eq(naming_propagation_jobs::failed_strings + errors.len() as i32),
            naming_propagation_jobs::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(ids)
}

fn error_row(
    t: TenantId,
    job: &PropagationJob,
    user: UserId,
    now: UtcTime,
    depth: i32,
    p: &Planned,
) -> Option<PropagationError> {
    let Outcome::Fail {
        error_type,
        code,
        message,
        detail,
        new_value,
        existing,
        changes,
    } = &p.outcome
    else {
        return None;
    };
    let inherited: serde_json::Map<String, Value> = changes
        .iter()
        .map(|d| {
            (
                d.dimension_name.clone(),
                json!({"from": d.from_shown, "to": d.to_shown}),
            )
        })
        .collect();
    Some(PropagationError {
        tenant_id: t,
        id: PropagationErrorId::new(),
        job_id: job.id,
        string_id: Some(p.child.id),
        string_detail_id: *detail,
        error_type: (*error_type).into(),
        error_message: message.clone(),
        error_code: Some((*code).into()),
        stack_trace: None,
        context_data: Json(json!({
            "value": p.child.value,
            "new_value": new_value,
            "existing": existing,
            "parent": p.child.parent_id,
            "depth": depth,
            "inherited": inherited,
        })),
        retry_count: 0,
        is_retryable: *error_type == "COLLISION" || *error_type == "INVALID_VALUE",
        resolved: false,
        resolved_at: None,
        resolved_by: None,
        created_at: now,
        updated_at: now,
        created_by: Some(user),
    })
}

/// A job of this workspace (404 otherwise).
pub fn find(c: &mut DbConn, t: TenantId, id: PropagationJobId) -> AppResult<PropagationJob> {
    job_row(t, id)
        .select(PropagationJob::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Strings a finished job updated (kept in its metadata).
pub fn updated(job: &PropagationJob) -> i64 {
    job.metadata.0["counts"]["updated"].as_i64().unwrap_or(0)
}
