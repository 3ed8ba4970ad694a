//! The `naming.batch` job: applies a batch (backup first, then chunks of
//! strings, each chunk one transaction) or rolls it back from its backup.
//! Strings go in id order and the batch keeps a cursor, so a job that dies
//! half-way is retried and resumes where it stopped; an error marks the
//! batch FAILED with its message until a retry picks it up again.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::audit::{self, NewEvent};
use crate::db::{sql, DbConn, Id, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::worker::JobCtx;
use crate::naming::batch::{
    affected, plan_chunk, BatchMeta, Change, Composer, Failure, Planned, CHUNK,
};
use crate::naming::catalogue;
use crate::naming::models::*;
use crate::naming::parts::{today, RuleParts};
use crate::schema::{
    naming_dimension_values, naming_dimensions, naming_rules, naming_string_backups,
    naming_string_details, naming_string_modifications, naming_string_update_batches,
    naming_strings,
};

/// The job's entry point (see `jobs::worker`): payload `{"batch": id,
/// "action": "apply" | "rollback"}`.
pub fn run_job(ctx: &JobCtx) -> Result<(), String> {
    let payload = &ctx.job.payload.0;
    let id: UpdateBatchId = payload
        .get("batch")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "a naming.batch job without a batch id".to_string())?;
    let rollback = payload.get("action").and_then(Value::as_str) == Some("rollback");
    let result = if rollback {
        crate::naming::batch::rollback::roll_back(ctx, id)
    } else {
        apply(ctx, id)
    };
    if let Err(e) = &result {
        if let Err(e2) = ctx
            .conn()
            .and_then(|mut tc| tc.write(|c, t| mark_failed(c, t, id, &e.to_string())))
        {
            tracing::error!(batch = %id, error = %e2, "could not mark a batch as failed");
        }
    }
    result.map_err(|e| e.to_string())
}

/// What one chunk's transaction did.
pub(crate) enum Step {
    /// Handled so many of so many; more to do.
    Progress(i64, i64),
    /// Finished (or nothing to do: another job or person moved the batch on).
    Done,
}

pub(crate) fn load(
    c: &mut DbConn,
    t: TenantId,
    id: UpdateBatchId,
) -> AppResult<(UpdateBatch, BatchMeta)> {
    let b: UpdateBatch = naming_string_update_batches::table
        .filter(naming_string_update_batches::tenant_id.eq(t))
        .filter(naming_string_update_batches::id.eq(id))
        .select(UpdateBatch::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let meta = BatchMeta::of(&b)?;
    Ok((b, meta))
}

pub(crate) fn save(c: &mut DbConn, t: TenantId, b: &UpdateBatch, bm: &BatchMeta) -> AppResult<()> {
    diesel::update(
        naming_string_update_batches::table
            .filter(naming_string_update_batches::tenant_id.eq(t))
            .filter(naming_string_update_batches::id.eq(b.id)),
    )
    .set((
        naming_string_update_batches::status.eq(&b.status),
        naming_string_update_batches::total_strings.eq(b.total_strings),
        naming_string_update_batches::processed_strings.eq(b.processed_strings),
        naming_string_update_batches::failed_strings.eq(b.failed_strings),
        naming_string_update_batches::backup_id.eq(b.backup_id),
        naming_string_update_batches::completed_at.eq(b.completed_at),
        naming_string_update_batches::metadata.eq(bm.to_json()?),
        naming_string_update_batches::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    Ok(())
}

/// The batch's change, from the ids it keeps.
fn change_of(c: &mut DbConn, t: TenantId, b: &UpdateBatch, bm: &BatchMeta) -> AppResult<Change> {
    let rule: Rule = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(b.rule_id))
        .select(Rule::as_select())
        .first(c)?;
    let field = catalogue::field(c, b.field_id)?;
    let dimension: Dimension = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::id.eq(bm.dimension_id))
        .select(Dimension::as_select())
        .first(c)?;
    let mut values: Vec<DimensionValue> = naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::id.eq_any([bm.old_value_id, bm.new_value_id]))
        .select(DimensionValue::as_select())
        .load(c)?;
    let mut take = |id: DimensionValueId| {
        values
            .iter()
            .position(|v| v.id == id)
            .map(|i| values.swap_remove(i))
            .ok_or_else(|| AppError::internal(format!("batch {}: value {id} is gone", b.id)))
    };
    let old = take(bm.old_value_id)?;
    let new = take(bm.new_value_id)?;
    Ok(Change {
        rule,
        field,
        dimension,
        old,
        new,
    })
}

fn apply(ctx: &JobCtx, id: UpdateBatchId) -> AppResult<()> {
    let (rule, field) = ctx.conn()?.read(|c, t| {
        let (b, _) = load(c, t, id)?;
        Ok((b.rule_id, b.field_id))
    })?;
    let parts = ctx.conn()?.read(|c, t| RuleParts::load(c, t, rule))?;
    let composer = Composer::new(&parts, field, today());
    if !ctx.conn()?.write(|c, t| begin_apply(c, t, id, &composer))? {
        return Ok(());
    }
    loop {
        match ctx.conn()?.write(|c, t| apply_chunk(c, t, id, &composer))? {
            Step::Progress(done, total) => ctx.progress(done, total)?,
            Step::Done => return Ok(()),
        }
    }
}

/// Marks the batch RUNNING and, the first time, takes the backup of every
/// string it will touch. False when there is nothing (left) to apply.
fn begin_apply(
    c: &mut DbConn,
    t: TenantId,
    id: UpdateBatchId,
    composer: &Composer,
) -> AppResult<bool> {
    let (mut b, mut bm) = load(c, t, id)?;
    let resumable = matches!(b.status, BatchStatus::Pending | BatchStatus::Running)
        || (b.status == BatchStatus::Failed && bm.rollback.is_none());
    if !resumable {
        return Ok(false);
    }
    if b.backup_id.is_none() {
        let ch = change_of(c, t, &b, &bm)?;
        let ids = affected(c, t, &ch)?;
        let backup = Id::new();
        let now = UtcTime::now();
        for chunk in ids.chunks(CHUNK) {
            let strings: Vec<(StringId, String, i32)> = naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::id.eq_any(chunk))
                .select((
                    naming_strings::id,
                    naming_strings::value,
                    naming_strings::version,
                ))
                .load(c)?;
            let details = details_by_string(c, t, chunk)?;
            let rows: Vec<StringBackup> = strings
                .into_iter()
                .map(|(sid, value, version)| {
                    let ds = details.get(&sid).map(Vec::as_slice).unwrap_or(&[]);
                    StringBackup {
                        tenant_id: t,
                        id: BackupRowId::new(),
                        backup_id: backup,
                        string_id: sid,
                        details: Json(json!({
                            "values": composer.snapshot(&ds.iter().collect::<Vec<_>>()),
                            "details": ds.iter().map(|d| json!({
                                "id": d.id,
                                "dimension_id": d.dimension_id,
                                "dimension_value_id": d.dimension_value_id,
                                "dimension_value_freetext": d.dimension_value_freetext,
                                "is_inherited": d.is_inherited,
                            })).collect::<Vec<_>>(),
                        })),
                        value,
                        version,
                        created_at: now,
                    }
                })
                .collect();
            crate::insert_many!(c, naming_string_backups::table, rows, 1000);
        }
        b.backup_id = Some(backup);
        b.total_strings = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    }
    b.status = BatchStatus::Running;
    bm.error = None;
    save(c, t, &b, &bm)?;
    Ok(true)
}

fn details_by_string(
    c: &mut DbConn,
    t: TenantId,
    ids: &[StringId],
) -> AppResult<HashMap<StringId, Vec<StringDetail>>> {
    let mut out: HashMap<StringId, Vec<StringDetail>> = HashMap::new();
    for d in naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq_any(ids))
        .order(naming_string_details::dimension_id)
        .select(StringDetail::as_select())
        .load(c)?
    {
        out.entry(d.string_id).or_default().push(d);
    }
    Ok(out)
}

/// Changes the next chunk of backed-up strings.
fn apply_chunk(
    c: &mut DbConn,
    t: TenantId,
    id: UpdateBatchId,
    composer: &Composer,
) -> AppResult<Step> {
    let (mut b, mut bm) = load(c, t, id)?;
    if b.status != BatchStatus::Running {
        return Ok(Step::Done);
    }
    let backup = b
        .backup_id
        .ok_or_else(|| AppError::internal(format!("batch {id} runs without a backup")))?;
    let mut q = naming_string_backups::table
        .filter(naming_string_backups::tenant_id.eq(t))
        .filter(naming_string_backups::backup_id.eq(backup))
        .into_boxed();
    if let Some(cursor) = bm.cursor {
        q = q.filter(naming_string_backups::string_id.gt(cursor));
    }
    let backed: Vec<(StringId, i32)> = q
        .order(naming_string_backups::string_id)
        .limit(CHUNK as i64)
        .select((
            naming_string_backups::string_id,
            naming_string_backups::version,
        ))
        .load(c)?;
    let now = UtcTime::now();
    if backed.is_empty() {
        b.status = BatchStatus::Completed;
        b.completed_at = Some(now);
        save(c, t, &b, &bm)?;
        audit::record(
            c,
            NewEvent::tenant(t, "naming.batch.finish")
                .actor(b.initiated_by)
                .resource("naming_string_update_batch", id)
                .changes(json!({
                    "status": BatchStatus::Completed,
                    "total": b.total_strings,
                    "updated": b.processed_strings - b.failed_strings,
                    "failed": b.failed_strings,
                })),
        )?;
        return Ok(Step::Done);
    }
    let ids: Vec<StringId> = backed.iter().map(|r| r.0).collect();
    let versions: HashMap<StringId, i32> = backed.iter().copied().collect();
    let ch = change_of(c, t, &b, &bm)?;
    let mut planned = plan_chunk(c, t, &ch, composer, &ids, &mut HashSet::new())?;
    let seen: HashSet<StringId> = planned
        .iter()
        .map(|p| match p {
            Planned::Change(r) => r.id,
            Planned::Skip(f) => f.string_id,
        })
        .collect();
    for sid in ids.iter().filter(|s| !seen.contains(s)) {
        planned.push(Planned::Skip(Failure {
            string_id: *sid,
            value: String::new(),
            reason: "deleted since the backup".into(),
        }));
    }
    let mut changes = Vec::new();
    for p in planned {
        match p {
            Planned::Change(r) if versions.get(&r.id) == Some(&r.version) => changes.push(r),
            Planned::Change(r) => {
                bm.fail(Failure {
                    string_id: r.id,
                    value: r.old_value,
                    reason: "changed since the backup".into(),
                });
                b.failed_strings += 1;
            }
            Planned::Skip(f) => {
                bm.fail(f);
                b.failed_strings += 1;
            }
        }
    }
    if !changes.is_empty() {
        let changed: Vec<StringId> = changes.iter().map(|r| r.id).collect();
        diesel::update(
            naming_string_details::table
                .filter(naming_string_details::tenant_id.eq(t))
                .filter(naming_string_details::dimension_id.eq(ch.dimension.id))
                .filter(naming_string_details::string_id.eq_any(&changed)),
        )
        .set((
            naming_string_details::dimension_value_id.eq(Some(ch.new.id)),
            naming_string_details::dimension_value_freetext.eq(None::<String>),
            naming_string_details::updated_at.eq(now),
        ))
        .execute(c)?;
        let values: Vec<(StringId, String)> = changes
            .iter()
            .map(|r| (r.id, r.new_value.clone()))
            .collect();
        set_values(c, t, &values, now)?;
        let parents = current_versions(c, t, &changed)?;
        let rows: Vec<StringModification> = changes
            .into_iter()
            .map(|r| StringModification {
                tenant_id: t,
                id: ModificationId::new(),
                string_id: r.id,
                version: r.version + 1,
                parent_version_id: parents.get(&(r.id, r.version)).copied(),
                field_updates: Json(Value::Object(r.after)),
                string_value: r.new_value,
                original_values: Json(Value::Object(r.before)),
                modified_by: b.initiated_by,
                modified_at: now,
                change_type: "BATCH".into(),
                batch_id: Some(id.0),
                metadata: Json(json!({
                    "batch": id,
                    "dimension": ch.dimension.name,
                    "from": ch.old.value,
                    "to": ch.new.value,
                    "previous_value": r.old_value,
                })),
                created_at: now,
                updated_at: now,
                created_by: Some(b.initiated_by),
            })
            .collect();
        crate::insert_many!(c, naming_string_modifications::table, rows, 500);
    }
    b.processed_strings += i32::try_from(ids.len()).unwrap_or(i32::MAX);
    bm.cursor = ids.last().copied();
    save(c, t, &b, &bm)?;
    Ok(Step::Progress(
        i64::from(b.processed_strings),
        i64::from(b.total_strings.max(b.processed_strings)),
    ))
}

/// `(string, version)` → the id of that version, for the strings given.
fn current_versions(
    c: &mut DbConn,
    t: TenantId,
    ids: &[StringId],
) -> AppResult<HashMap<(StringId, i32), ModificationId>> {
    Ok(naming_string_modifications::table
        .filter(naming_string_modifications::tenant_id.eq(t))
        .filter(naming_string_modifications::string_id.eq_any(ids))
        .select((
            naming_string_modifications::string_id,
            naming_string_modifications::version,
            naming_string_modifications::id,
        ))
        .load::<(StringId, i32, ModificationId)>(c)?
        .into_iter()
        .map(|(s, v, m)| ((s, v), m))
        .collect())
}

/// Sets each string's value and bumps its version, in one statement per
/// chunk (`UPDATE … FROM (VALUES …)`, which both backends speak).
pub(crate) fn set_values(
    c: &mut DbConn,
    t: TenantId,
    rows: &[(StringId, String)],
    now: UtcTime,
) -> AppResult<()> {
    for part in rows.chunks(CHUNK) {
        let sql_text = |mark: &str| {
            let mut s = format!(
                "UPDATE naming_strings SET value = v.column2, version = naming_strings.version + 1, \
                 updated_at = {mark}1 FROM (VALUES "
            );
            for i in 0..part.len() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(s, "{sep}({mark}{}, {mark}{})", 3 + 2 * i, 4 + 2 * i);
            }
            let _ = write!(
                s,
                ") AS v WHERE naming_strings.tenant_id = {mark}2 AND naming_strings.id = v.column1"
            );
            s
        };
        match c {
            DbConn::Pg(pg) => {
                let mut q = diesel::sql_query(sql_text("$"))
                    .into_boxed::<diesel::pg::Pg>()
                    .bind::<sql::Timestamptz, _>(now)
                    .bind::<sql::Uuid, _>(t);
                for (id, value) in part {
                    q = q
                        .bind::<sql::Uuid, _>(*id)
                        .bind::<diesel::sql_types::Text, _>(value.clone());
                }
                q.execute(pg)?;
            }
            DbConn::Sqlite(s) => {
                let mut q = diesel::sql_query(sql_text("?"))
                    .into_boxed::<diesel::sqlite::Sqlite>()
                    .bind::<sql::Timestamptz, _>(now)
                    .bind::<sql::Uuid, _>(t);
                for (id, value) in part {
                    q = q
                        .bind::<sql::Uuid, _>(*id)
                        .bind::<diesel::sql_types::Text, _>(value.clone());
                }
                q.execute(s)?;
            }
        }
    }
    Ok(())
}

/// Records an unexpected error on the batch (the job is retried and resumes).
fn mark_failed(c: &mut DbConn, t: TenantId, id: UpdateBatchId, error: &str) -> AppResult<()> {
    let (mut b, mut bm) = load(c, t, id)?;
    if !BatchStatus::BUSY.contains(&b.status) {
        return Ok(());
    }
    let phase = if b.status == BatchStatus::RollingBack {
        "rollback"
    } else {
        "apply"
    };
    b.status = BatchStatus::Failed;
    bm.error = Some(error.chars().take(1000).collect());
    save(c, t, &b, &bm)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.batch.finish")
            .actor(b.initiated_by)
            .resource("naming_string_update_batch", id)
            .changes(json!({"status": BatchStatus::Failed, "phase": phase, "error": bm.error})),
    )
}
