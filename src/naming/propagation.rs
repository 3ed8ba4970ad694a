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
pub mod plan;
pub mod write;

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, Json, TenantConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::worker::JobCtx;
use crate::naming::models::*;
use crate::naming::versions::RuleCtx;
use crate::schema::{naming_propagation_jobs, naming_strings};
use crate::web::extract::RequestMeta;

pub use jobs::*;
pub use plan::*;
pub(crate) use write::apply_chunk;

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

/// How many descendants (within `max_depth`) inherit one of `dims` through
/// a chain of inheriting strings: the strings a job would examine. Counting
/// stops past `cap` (a request only needs to know "small or not"). Level by
/// level with two single-table index queries per chunk, so its cost doesn't
/// hang on the planner's statistics (a recursive CTE did, on PostgreSQL).
pub fn inheriting_count(
    c: &mut DbConn,
    t: TenantId,
    string: StringId,
    dims: &[DimensionId],
    max_depth: i32,
    cap: Option<i64>,
) -> AppResult<i64> {
    use crate::schema::naming_string_details;
    if dims.is_empty() {
        return Ok(0);
    }
    let mut n = 0i64;
    let mut frontier = vec![string];
    let mut depth = 1;
    while !frontier.is_empty() && depth <= max_depth {
        let mut next = Vec::new();
        for parents in frontier.chunks(PARENTS_PER_QUERY) {
            let children = children_of(c, t, parents)?;
            for ids in children.chunks(CHUNK) {
                let mut found: Vec<StringId> = naming_string_details::table
                    .filter(naming_string_details::tenant_id.eq(t))
                    .filter(naming_string_details::string_id.eq_any(ids))
                    .filter(naming_string_details::dimension_id.eq_any(dims))
                    .filter(naming_string_details::is_inherited.eq(true))
                    .select(naming_string_details::string_id)
                    .load(c)?;
                found.sort();
                found.dedup();
                n += found.len() as i64;
                if cap.is_some_and(|cap| n > cap) {
                    return Ok(n);
                }
                next.extend(found);
            }
        }
        frontier = next;
        depth += 1;
    }
    Ok(n)
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
    // Counted exactly by the job itself when it starts (when big).
    let total = inheriting_count(c, t, string, dims, max_depth, Some(INLINE_MAX))?;
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
    let Some(mut job) = job else { return Ok(()) };
    let spec = Spec::from_job(&job)?;
    if i64::from(job.total_strings) > INLINE_MAX {
        // The request only counted up to the inline limit: the progress
        // bar's real total.
        let total = tc.read(|c, t| {
            inheriting_count(c, t, spec.string, &spec.dimensions, job.max_depth, None)
        })?;
        job.total_strings = i32::try_from(total).unwrap_or(i32::MAX);
        tc.write(|c, t| {
            diesel::update(job_row(t, id))
                .set(naming_propagation_jobs::total_strings.eq(job.total_strings))
                .execute(c)?;
            Ok(())
        })?;
    }
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
    diesel::dsl::Filter<
        naming_propagation_jobs::table,
        diesel::dsl::Eq<naming_propagation_jobs::tenant_id, TenantId>,
    >,
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
