//! What the batch pages read: batches with their names, the list, and the
//! strings a batch changed.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::accounts::models::UserId;
use crate::db::{DbConn, Id, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::batch::{BatchMeta, BUSY};
use crate::naming::models::*;
use crate::schema::{
    naming_fields, naming_rules, naming_string_backups, naming_string_modifications,
    naming_string_update_batches, users,
};
use crate::web::{Cursor, Keyset, PageParams, Paginated, Seek};

/// A batch with the names the pages show.
#[derive(Debug, Clone)]
pub struct BatchView {
    pub batch: UpdateBatch,
    pub meta: BatchMeta,
    pub rule: String,
    pub field: String,
    pub by: String,
}

impl BatchView {
    /// Still working: the page keeps polling.
    pub fn busy(&self) -> bool {
        BUSY.contains(&self.batch.status)
    }

    /// Strings the batch changed.
    pub fn updated(&self) -> i32 {
        self.batch.processed_strings - self.batch.failed_strings
    }

    pub fn percent(&self) -> i64 {
        let b = &self.batch;
        match b.status {
            BatchStatus::Completed | BatchStatus::RolledBack => 100,
            BatchStatus::RollingBack => {
                let done = self.meta.rollback.as_ref().map_or(0, |r| {
                    r.restored
                        + r.changed_since.len() as i64
                        + r.changed_since_more
                        + r.failures.len() as i64
                        + r.failures_more
                });
                let total = i64::from(self.updated()).max(1);
                (done * 100 / total).clamp(0, 100)
            }
            _ if b.total_strings > 0 => {
                (i64::from(b.processed_strings) * 100 / i64::from(b.total_strings)).clamp(0, 100)
            }
            _ => 0,
        }
    }

    /// Rollback makes sense once the batch stopped, and until it is rolled back.
    pub fn can_roll_back(&self) -> bool {
        matches!(
            self.batch.status,
            BatchStatus::Completed | BatchStatus::Failed
        ) && self.batch.backup_id.is_some()
    }

    /// The badge class of the status.
    pub fn badge(&self) -> &'static str {
        match self.batch.status {
            BatchStatus::Pending => "queued",
            BatchStatus::Running | BatchStatus::RollingBack => "running",
            BatchStatus::Completed | BatchStatus::RolledBack => "done",
            BatchStatus::Failed => "failed",
        }
    }

    /// Failures past the kept list, with their count.
    pub fn failures_total(&self) -> i64 {
        self.meta.failures.len() as i64 + self.meta.failures_more
    }
}

/// Adds rule, field and initiator names to batches (three queries in all).
fn views(c: &mut DbConn, t: TenantId, batches: Vec<UpdateBatch>) -> AppResult<Vec<BatchView>> {
    let rule_ids: Vec<RuleId> = batches.iter().map(|b| b.rule_id).collect();
    let field_ids: Vec<FieldId> = batches.iter().map(|b| b.field_id).collect();
    let user_ids: Vec<UserId> = batches.iter().map(|b| b.initiated_by).collect();
    let rules: HashMap<RuleId, String> = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq_any(&rule_ids))
        .select((naming_rules::id, naming_rules::name))
        .load(c)?
        .into_iter()
        .collect();
    let fields: HashMap<FieldId, String> = naming_fields::table
        .filter(naming_fields::id.eq_any(&field_ids))
        .select((naming_fields::id, naming_fields::name))
        .load(c)?
        .into_iter()
        .collect();
    let people: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::name))
        .load(c)?
        .into_iter()
        .collect();
    batches
        .into_iter()
        .map(|b| {
            Ok(BatchView {
                meta: BatchMeta::of(&b)?,
                rule: rules.get(&b.rule_id).cloned().unwrap_or_default(),
                field: fields.get(&b.field_id).cloned().unwrap_or_default(),
                by: people.get(&b.initiated_by).cloned().unwrap_or_default(),
                batch: b,
            })
        })
        .collect()
}

/// One batch of this workspace, or not found.
pub fn find(c: &mut DbConn, t: TenantId, id: UpdateBatchId) -> AppResult<BatchView> {
    let b: UpdateBatch = naming_string_update_batches::table
        .filter(naming_string_update_batches::tenant_id.eq(t))
        .filter(naming_string_update_batches::id.eq(id))
        .select(UpdateBatch::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    views(c, t, vec![b])?.pop().ok_or(AppError::NotFound)
}

/// The statuses a list can be filtered by.
pub const STATUSES: &[BatchStatus] = BatchStatus::ALL;

/// Batches, newest first, optionally of one status, a keyset page on
/// (initiated_at, id) from `seek` (no count: the list can grow without bound).
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    status: &str,
    seek: Seek,
    per_page: i64,
) -> AppResult<Keyset<BatchView>> {
    let filtered = || {
        let mut q = naming_string_update_batches::table
            .filter(naming_string_update_batches::tenant_id.eq(t))
            .into_boxed();
        if let Some(s) = BatchStatus::parse(status) {
            q = q.filter(naming_string_update_batches::status.eq(s));
        }
        q
    };
    let at = seek
        .cursor()
        .and_then(|k| k.time().map(|at| (at, UpdateBatchId(crate::db::Id(k.id)))));
    if seek != Seek::First && at.is_none() {
        // A tampered cursor: the first page.
        return list(c, t, status, Seek::First, per_page);
    }
    let rows: Vec<UpdateBatch> = crate::seek_by!(
        filtered(),
        seek,
        true,
        naming_string_update_batches::initiated_at,
        naming_string_update_batches::id,
        at
    )
    .limit(Seek::limit(per_page))
    .select(UpdateBatch::as_select())
    .load(c)?;
    let cursor = |b: &UpdateBatch| Cursor::new(b.initiated_at.to_db_text(), b.id.0 .0);
    let Some(page) = Keyset::from_rows(rows, &seek, per_page, cursor) else {
        return list(c, t, status, Seek::First, per_page);
    };
    Ok(Keyset {
        items: views(c, t, page.items)?,
        next: page.next,
        prev: page.prev,
        base_query: String::new(),
        total: None,
    }
    .with_query(&[("status", status)]))
}

/// A string the batch changed: its value before and after, and now.
#[derive(Debug, Clone)]
pub struct AffectedRow {
    pub string_id: StringId,
    pub old_value: String,
    pub new_value: String,
    pub version: i32,
    pub rolled_back: bool,
}

/// The strings a batch changed (its BATCH versions), a page at a time.
pub fn changed_strings(
    c: &mut DbConn,
    t: TenantId,
    b: &UpdateBatch,
    params: PageParams,
    per_page: i64,
) -> AppResult<Paginated<AffectedRow>> {
    let batch_id: Id = b.id.0;
    let of_batch = || {
        naming_string_modifications::table
            .filter(naming_string_modifications::tenant_id.eq(t))
            .filter(naming_string_modifications::batch_id.eq(batch_id))
            .filter(naming_string_modifications::change_type.eq("BATCH"))
    };
    let total: i64 = of_batch().count().get_result(c)?;
    let rows: Vec<(StringId, String, i32)> = of_batch()
        .order(naming_string_modifications::string_id)
        .limit(per_page)
        .offset(params.offset(per_page))
        .select((
            naming_string_modifications::string_id,
            naming_string_modifications::string_value,
            naming_string_modifications::version,
        ))
        .load(c)?;
    let ids: Vec<StringId> = rows.iter().map(|r| r.0).collect();
    let old: HashMap<StringId, String> = match b.backup_id {
        Some(backup) => naming_string_backups::table
            .filter(naming_string_backups::tenant_id.eq(t))
            .filter(naming_string_backups::backup_id.eq(backup))
            .filter(naming_string_backups::string_id.eq_any(&ids))
            .select((
                naming_string_backups::string_id,
                naming_string_backups::value,
            ))
            .load(c)?
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let undone: HashSet<StringId> = naming_string_modifications::table
        .filter(naming_string_modifications::tenant_id.eq(t))
        .filter(naming_string_modifications::batch_id.eq(batch_id))
        .filter(naming_string_modifications::change_type.eq("BATCH_ROLLBACK"))
        .filter(naming_string_modifications::string_id.eq_any(&ids))
        .select(naming_string_modifications::string_id)
        .load::<StringId>(c)?
        .into_iter()
        .collect();
    let items = rows
        .into_iter()
        .map(|(id, new_value, version)| AffectedRow {
            string_id: id,
            old_value: old.get(&id).cloned().unwrap_or_default(),
            new_value,
            version,
            rolled_back: undone.contains(&id),
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total))
}
