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
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{Backend, DbConn, Id, Json, Pool, TenantConn, TenantId, UtcTime};
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

/// Connections writing one job's chunks at once, at most (PostgreSQL).
pub const MAX_WRITERS: usize = 4;

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
        status: PropagationStatus::Pending,
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
    let mut helpers = helpers(&tc, ctx.pool);
    run_with(&mut tc, &mut helpers, id).map_err(|e| e.to_string())
}

/// Extra connections that write a level's chunks in parallel with `tc`'s:
/// on PostgreSQL, one per core up to [`MAX_WRITERS`] in all (the server
/// spends its time in index and foreign-key upkeep, which parallelises);
/// none on SQLite (one writer at a time).
pub fn helpers(tc: &TenantConn, pool: &Pool) -> Vec<TenantConn> {
    if tc.backend() != Backend::Postgres {
        return Vec::new();
    }
    let writers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_WRITERS);
    (1..writers).map_while(|_| tc.sibling(pool)).collect()
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

/// Runs a PENDING job to its end on one connection.
pub fn run(tc: &mut TenantConn, id: PropagationJobId) -> AppResult<()> {
    run_with(tc, &mut [], id)
}

/// Runs a PENDING job to its end, `helpers` writing chunks alongside `tc`.
/// A database failure marks it FAILED.
pub fn run_with(
    tc: &mut TenantConn,
    helpers: &mut [TenantConn],
    id: PropagationJobId,
) -> AppResult<()> {
    let job = tc.write(|c, t| {
        let job = find(c, t, id)?;
        if job.status != PropagationStatus::Pending {
            return Ok(None);
        }
        let now = UtcTime::now();
        diesel::update(job_row(t, id))
            .set((
                naming_propagation_jobs::status.eq(PropagationStatus::Running),
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
        fresh_statistics(tc)?;
        tc.write(|c, t| {
            diesel::update(job_row(t, id))
                .set(naming_propagation_jobs::total_strings.eq(job.total_strings))
                .execute(c)?;
            Ok(())
        })?;
    }
    let mut counts = Counts::default();
    let outcome = levels(tc, helpers, &job, &spec, vec![spec.string], 1, &mut counts);
    tc.write(|c, t| {
        let now = UtcTime::now();
        let (status, message) = match &outcome {
            Ok(()) if counts.failed == 0 => (PropagationStatus::Completed, None),
            Ok(()) if counts.updated == 0 => (PropagationStatus::Failed, None),
            Ok(()) => (PropagationStatus::Partial, None),
            Err(e) => (PropagationStatus::Failed, Some(e.to_string())),
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

/// Tables a job reads by key; the planner needs their statistics.
const HOT_TABLES: &str = "naming_strings, naming_string_details, naming_string_modifications";

/// Before a big job on PostgreSQL: analyzes the tables it works on when they
/// have never been analyzed or have more than doubled since. Without
/// statistics the planner scans where it should look up (a 100,000-string
/// job took 20 s instead of 9). Autovacuum does this in time on most
/// servers; a job started right after a bulk load would not wait for it. A
/// role that doesn't own the tables gets a warning from the server, and
/// the job runs as it is.
fn fresh_statistics(tc: &mut TenantConn) -> AppResult<()> {
    if tc.backend() != Backend::Postgres {
        return Ok(());
    }
    #[derive(QueryableByName)]
    struct Stale {
        #[diesel(sql_type = crate::db::sql::BigInt)]
        n: i64,
    }
    tc.write(|c, _| {
        let stale: Stale = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stat_user_tables \
             WHERE relname IN ('naming_strings', 'naming_string_details', \
               'naming_string_modifications') \
               AND ((last_analyze IS NULL AND last_autoanalyze IS NULL) \
                 OR n_mod_since_analyze > n_live_tup)",
        )
        .get_result(c)?;
        if stale.n > 0 {
            diesel::sql_query(format!("ANALYZE {HOT_TABLES}")).execute(c)?;
        }
        Ok(())
    })
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
    helpers: &mut [TenantConn],
    job: &PropagationJob,
    spec: &Spec,
    mut frontier: Vec<StringId>,
    mut depth: i32,
    counts: &mut Counts,
) -> AppResult<()> {
    while !frontier.is_empty() {
        if depth > job.max_depth {
            counts.below_limit += frontier.len() as i64;
            break;
        }
        let mut children = Vec::new();
        for parents in frontier.chunks(PARENTS_PER_QUERY) {
            children.extend(tc.read(|c, t| children_of(c, t, parents))?);
        }
        let chunks: Vec<&[StringId]> = children.chunks(CHUNK).collect();
        let level = Level { job, spec, depth };
        frontier = level.write(tc, helpers, &chunks, counts)?;
        depth += 1;
    }
    Ok(())
}

/// One level of a run: its chunks are independent of each other.
struct Level<'a> {
    job: &'a PropagationJob,
    spec: &'a Spec,
    depth: i32,
}

/// What one chunk did, once committed.
#[derive(Default)]
struct Written {
    counts: Counts,
    updated: Vec<StringId>,
}

impl Written {
    fn add(&mut self, other: Written) {
        self.counts.examined += other.counts.examined;
        self.counts.updated += other.counts.updated;
        self.counts.failed += other.counts.failed;
        self.updated.extend(other.updated);
    }
}

impl Level<'_> {
    /// Plans and writes each chunk in its own transaction; returns the ids
    /// updated (the next frontier). With helpers, chunks are shared out
    /// among the connections. A chunk can lose a race for a new name — to
    /// another chunk written at once, or to someone saving a string while
    /// the job runs (the unique key stops it, or a deadlock is broken): a
    /// chunk whose transaction fails is tried once more at the end of the
    /// level, alone, where the collision is planned and recorded as an error.
    fn write(
        &self,
        tc: &mut TenantConn,
        helpers: &mut [TenantConn],
        chunks: &[&[StringId]],
        counts: &mut Counts,
    ) -> AppResult<Vec<StringId>> {
        let mut done = Written::default();
        let mut again = Vec::new();
        if helpers.is_empty() || chunks.len() < 2 {
            let mut rules = HashMap::new();
            for ids in chunks {
                match self.chunk(tc, ids, &mut rules) {
                    Ok(w) => done.add(w),
                    Err(e) => self.later(&mut again, ids, &e),
                }
            }
        } else {
            let next = AtomicUsize::new(0);
            let results = std::thread::scope(|s| {
                let workers: Vec<_> = std::iter::once(tc as &mut TenantConn)
                    .chain(helpers.iter_mut())
                    .map(|conn| {
                        let next = &next;
                        s.spawn(move || {
                            let mut rules = HashMap::new();
                            let mut mine = Written::default();
                            let mut failed = Vec::new();
                            while let Some(ids) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
                                match self.chunk(conn, ids, &mut rules) {
                                    Ok(w) => mine.add(w),
                                    Err(e) => self.later(&mut failed, ids, &e),
                                }
                            }
                            (mine, failed)
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join()).collect::<Vec<_>>()
            });
            for r in results {
                let (mine, failed) =
                    r.map_err(|_| AppError::internal("a propagation writer panicked"))?;
                done.add(mine);
                again.extend(failed);
            }
        }
        let mut rules = HashMap::new();
        for ids in again {
            done.add(self.chunk(tc, ids, &mut rules)?);
        }
        counts.examined += done.counts.examined;
        counts.updated += done.counts.updated;
        counts.failed += done.counts.failed;
        Ok(done.updated)
    }

    /// Sets a chunk whose transaction failed aside for a second, lone try.
    fn later<'c>(&self, again: &mut Vec<&'c [StringId]>, ids: &'c [StringId], e: &AppError) {
        tracing::warn!(job = %self.job.id, error = %e, "propagation chunk failed; trying it again alone");
        again.push(ids);
    }

    /// Plans and writes one chunk in one transaction.
    fn chunk(
        &self,
        tc: &mut TenantConn,
        ids: &[StringId],
        rules: &mut HashMap<RuleId, RuleCtx>,
    ) -> AppResult<Written> {
        tc.write(|c, t| {
            let planned = plan_chunk(c, t, ids, &self.spec.dimensions, &Overlay::new(), rules)?;
            let updated = apply_chunk(c, t, self.job, self.spec, self.depth, &planned)?;
            Ok(Written {
                counts: Counts {
                    examined: planned.len() as i64,
                    updated: updated.len() as i64,
                    failed: planned.iter().filter(|p| p.is_failure()).count() as i64,
                    below_limit: 0,
                },
                updated,
            })
        })
    }
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
