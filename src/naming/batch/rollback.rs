//! Rolling a batch back: a workspace admin starts it (ROLLING_BACK), and the
//! `naming.batch` job restores each string the batch changed from the
//! backup, as a new version (BATCH_ROLLBACK). A string changed again since
//! the batch is left alone and reported, and so is one whose old value
//! belongs to another string by now.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::worker::JobCtx;
use crate::naming::batch::job::{load, save, set_values, Step};
use crate::naming::batch::{find, Failure, RollbackMeta, CHUNK, KIND, MAX_FAILURES};
use crate::naming::models::*;
use crate::schema::{
    naming_string_backups, naming_string_details, naming_string_modifications,
    naming_string_update_batches, naming_strings,
};
use crate::web::extract::RequestMeta;

/// Starts rolling a batch back (ROLLING_BACK) and queues the job.
/// `Ok(Err(message))` when the batch can't be rolled back now.
pub fn start_rollback(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    id: UpdateBatchId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let view = find(c, t, id)?;
    if !view.can_roll_back() {
        return Ok(Err(match view.batch.status {
            BatchStatus::RolledBack => "This batch has already been rolled back.".to_string(),
            BatchStatus::RollingBack => "This batch is being rolled back.".to_string(),
            _ => "This batch can be rolled back once it has finished.".to_string(),
        }));
    }
    let mut bm = view.meta;
    // A rollback that failed half-way resumes where it stopped.
    let rb = bm.rollback.get_or_insert_with(RollbackMeta::default);
    rb.by = Some(user);
    rb.at = Some(chrono::Utc::now());
    bm.error = None;
    diesel::update(
        naming_string_update_batches::table
            .filter(naming_string_update_batches::tenant_id.eq(t))
            .filter(naming_string_update_batches::id.eq(id)),
    )
    .set((
        naming_string_update_batches::status.eq(BatchStatus::RollingBack),
        naming_string_update_batches::metadata.eq(bm.to_json()?),
        naming_string_update_batches::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    let job = crate::jobs::enqueue(
        c,
        t,
        KIND,
        json!({"batch": id, "action": "rollback"}),
        Some(user),
    )?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.batch.rollback")
            .actor(user)
            .resource("naming_string_update_batch", id)
            .meta(meta)
            .changes(json!({
                "rule": view.rule,
                "field": view.field,
                "dimension": bm.dimension,
                "from": bm.new_value,
                "to": bm.old_value,
                "strings": view.batch.processed_strings - view.batch.failed_strings,
                "job": job,
            })),
    )?;
    Ok(Ok(()))
}

pub(crate) fn roll_back(ctx: &JobCtx, id: UpdateBatchId) -> AppResult<()> {
    loop {
        match ctx.conn()?.write(|c, t| rollback_chunk(c, t, id))? {
            Step::Progress(done, total) => ctx.progress(done, total)?,
            Step::Done => return Ok(()),
        }
    }
}

/// What a backup row says a string's batch dimension was.
fn backed_detail(
    details: &Value,
    dim: DimensionId,
) -> Option<(Option<DimensionValueId>, Option<String>)> {
    let want = dim.to_string();
    let d = details
        .get("details")?
        .as_array()?
        .iter()
        .find(|d| d.get("dimension_id").and_then(Value::as_str) == Some(want.as_str()))?;
    let value = d
        .get("dimension_value_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let text = d
        .get("dimension_value_freetext")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((value, text))
}

/// Restores the next chunk of the batch's strings from the backup.
fn rollback_chunk(c: &mut DbConn, t: TenantId, id: UpdateBatchId) -> AppResult<Step> {
    let (mut b, mut bm) = load(c, t, id)?;
    let resumable = b.status == BatchStatus::RollingBack
        || (b.status == BatchStatus::Failed && bm.rollback.is_some());
    let (Some(backup), true) = (b.backup_id, resumable) else {
        return Ok(Step::Done);
    };
    let mut rb = bm.rollback.take().unwrap_or_default();
    let now = UtcTime::now();
    let mut q = naming_string_modifications::table
        .filter(naming_string_modifications::tenant_id.eq(t))
        .filter(naming_string_modifications::batch_id.eq(id.0))
        .filter(naming_string_modifications::change_type.eq("BATCH"))
        .into_boxed();
    if let Some(cursor) = rb.cursor {
        q = q.filter(naming_string_modifications::string_id.gt(cursor));
    }
    let mods: Vec<(StringId, i32, ModificationId, Json)> = q
        .order(naming_string_modifications::string_id)
        .limit(CHUNK as i64)
        .select((
            naming_string_modifications::string_id,
            naming_string_modifications::version,
            naming_string_modifications::id,
            naming_string_modifications::field_updates,
        ))
        .load(c)?;
    if mods.is_empty() {
        b.status = BatchStatus::RolledBack;
        b.completed_at = Some(now);
        let actor = rb.by.unwrap_or(b.initiated_by);
        let summary = json!({
            "restored": rb.restored,
            "changed_since": rb.changed_since.len() as i64 + rb.changed_since_more,
            "failed": rb.failures.len() as i64 + rb.failures_more,
        });
        bm.rollback = Some(rb);
        save(c, t, &b, &bm)?;
        audit::record(
            c,
            NewEvent::tenant(t, "naming.batch.rollback_finish")
                .actor(actor)
                .resource("naming_string_update_batch", id)
                .changes(summary),
        )?;
        return Ok(Step::Done);
    }
    let ids: Vec<StringId> = mods.iter().map(|m| m.0).collect();
    let current: HashMap<StringId, (String, i32)> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq_any(&ids))
        .select((
            naming_strings::id,
            naming_strings::value,
            naming_strings::version,
        ))
        .load::<(StringId, String, i32)>(c)?
        .into_iter()
        .map(|(s, v, n)| (s, (v, n)))
        .collect();
    let backups: HashMap<StringId, StringBackup> = naming_string_backups::table
        .filter(naming_string_backups::tenant_id.eq(t))
        .filter(naming_string_backups::backup_id.eq(backup))
        .filter(naming_string_backups::string_id.eq_any(&ids))
        .select(StringBackup::as_select())
        .load(c)?
        .into_iter()
        .map(|r| (r.string_id, r))
        .collect();
    let push = |list: &mut Vec<Failure>, more: &mut i64, f: Failure| {
        if list.len() < MAX_FAILURES {
            list.push(f)
        } else {
            *more += 1
        }
    };
    // Strings still as the batch left them can be restored.
    let mut restorable = Vec::new();
    for (sid, version, mod_id, after) in mods {
        match (current.get(&sid), backups.get(&sid)) {
            (Some((value, now_version)), Some(backup)) if *now_version == version => {
                restorable.push((sid, version, mod_id, after, value.clone(), backup))
            }
            (Some((value, now_version)), _) => push(
                &mut rb.changed_since,
                &mut rb.changed_since_more,
                Failure {
                    string_id: sid,
                    value: value.clone(),
                    reason: format!(
                        "now at version {now_version}; the batch made version {version}"
                    ),
                },
            ),
            (None, _) => push(
                &mut rb.changed_since,
                &mut rb.changed_since_more,
                Failure {
                    string_id: sid,
                    value: String::new(),
                    reason: "deleted since the batch".into(),
                },
            ),
        }
    }
    // A restored value must not belong to another string by now.
    let wanted: Vec<&str> = restorable.iter().map(|r| r.5.value.as_str()).collect();
    let taken: HashSet<String> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::rule_id.eq(b.rule_id))
        .filter(naming_strings::field_id.eq(b.field_id))
        .filter(naming_strings::value.eq_any(&wanted))
        .select(naming_strings::value)
        .load::<String>(c)?
        .into_iter()
        .collect();
    let (blocked, restorable): (Vec<_>, Vec<_>) = restorable
        .into_iter()
        .partition(|r| taken.contains(&r.5.value));
    for r in blocked {
        push(
            &mut rb.failures,
            &mut rb.failures_more,
            Failure {
                string_id: r.0,
                value: r.4,
                reason: format!("“{}” belongs to another string by now", r.5.value),
            },
        );
    }
    if !restorable.is_empty() {
        // The batch changed one detail per string: put it back as it was.
        let mut groups: HashMap<(Option<DimensionValueId>, Option<String>), Vec<StringId>> =
            HashMap::new();
        for r in &restorable {
            let was = backed_detail(&r.5.details.0, bm.dimension_id).ok_or_else(|| {
                AppError::internal(format!("backup of string {} lacks {}", r.0, bm.dimension))
            })?;
            groups.entry(was).or_default().push(r.0);
        }
        for ((value, text), sids) in groups {
            diesel::update(
                naming_string_details::table
                    .filter(naming_string_details::tenant_id.eq(t))
                    .filter(naming_string_details::dimension_id.eq(bm.dimension_id))
                    .filter(naming_string_details::string_id.eq_any(&sids)),
            )
            .set((
                naming_string_details::dimension_value_id.eq(value),
                naming_string_details::dimension_value_freetext.eq(text),
                naming_string_details::updated_at.eq(now),
            ))
            .execute(c)?;
        }
        let values: Vec<(StringId, String)> = restorable
            .iter()
            .map(|r| (r.0, r.5.value.clone()))
            .collect();
        set_values(c, t, &values, now)?;
        let actor = rb.by.unwrap_or(b.initiated_by);
        let rows: Vec<StringModification> = restorable
            .iter()
            .map(
                |(sid, version, mod_id, after, value, backup)| StringModification {
                    tenant_id: t,
                    id: ModificationId::new(),
                    string_id: *sid,
                    version: version + 1,
                    field_updates: Json(
                        backup.details.0.get("values").cloned().unwrap_or(json!({})),
                    ),
                    string_value: backup.value.clone(),
                    original_values: after.clone(),
                    modified_by: actor,
                    modified_at: now,
                    change_type: "BATCH_ROLLBACK".into(),
                    batch_id: Some(id.0),
                    parent_version_id: Some(*mod_id),
                    metadata: Json(json!({
                        "batch": id,
                        "restores_version": backup.version,
                        "previous_value": value,
                    })),
                    created_at: now,
                    updated_at: now,
                    created_by: Some(actor),
                },
            )
            .collect();
        crate::insert_many!(c, naming_string_modifications::table, rows, 500);
        rb.restored += restorable.len() as i64;
    }
    rb.cursor = ids.last().copied();
    let done = rb.restored
        + rb.changed_since.len() as i64
        + rb.changed_since_more
        + rb.failures.len() as i64
        + rb.failures_more;
    bm.rollback = Some(rb);
    save(c, t, &b, &bm)?;
    let total = i64::from(b.processed_strings - b.failed_strings).max(done);
    Ok(Step::Progress(done, total))
}

/// What a rollback would do now: strings it can restore, and strings
/// changed again since the batch (left alone).
pub fn rollback_outlook(c: &mut DbConn, t: TenantId, id: UpdateBatchId) -> AppResult<(i64, i64)> {
    let of_batch = || {
        naming_string_modifications::table
            .inner_join(
                naming_strings::table.on(naming_strings::tenant_id
                    .eq(naming_string_modifications::tenant_id)
                    .and(naming_strings::id.eq(naming_string_modifications::string_id))),
            )
            .filter(naming_string_modifications::tenant_id.eq(t))
            .filter(naming_string_modifications::batch_id.eq(id.0))
            .filter(naming_string_modifications::change_type.eq("BATCH"))
    };
    let same: i64 = of_batch()
        .filter(naming_strings::version.eq(naming_string_modifications::version))
        .count()
        .get_result(c)?;
    let changed: i64 = of_batch()
        .filter(naming_strings::version.ne(naming_string_modifications::version))
        .count()
        .get_result(c)?;
    Ok((same, changed))
}
