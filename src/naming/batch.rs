//! Batch updates: replace one value of a LIST dimension by another across
//! every string of a rule and field ("fb" → "meta"). A workspace admin
//! previews the change (how many strings, old → new, which would collide),
//! confirms, and a `naming.batch` background job backs the strings up and
//! rewrites them in chunks (see `job`). A whole batch can be rolled
//! back from its backup, again as a job.
//!
//! This file holds the form's validation and the batch's creation; `plan`
//! the recomposition shared by the preview and the job, `job` the job,
//! `rollback` the rollback and `views` the queries the pages read.

pub mod job;
pub mod plan;
pub mod rollback;
pub mod views;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::models::*;
use crate::naming::parts::{usable, RuleParts};
use crate::schema::{
    naming_dimension_values, naming_dimensions, naming_rules, naming_string_details,
    naming_string_update_batches, naming_strings,
};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// The job kind that applies and rolls back batches.
pub const KIND: &str = "naming.batch";
/// Strings per chunk (one transaction, one progress step).
pub const CHUNK: usize = 500;
/// Failures kept in a batch's metadata; the rest are only counted.
pub const MAX_FAILURES: usize = 1000;
/// Rows the preview shows as old → new.
pub const PREVIEW_ROWS: usize = 50;
/// Collisions the preview lists (all are counted).
pub const PREVIEW_FAILURES: usize = 200;

/// Statuses during which a batch's job still has work to do.
pub const BUSY: [BatchStatus; 3] = BatchStatus::BUSY;

/// What the form sends (ids as text, so that bad input can be shown again).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub dimension: String,
    #[serde(default)]
    pub old_value: String,
    #[serde(default)]
    pub new_value: String,
}

/// A validated batch: which value of which dimension becomes which, where.
#[derive(Debug, Clone)]
pub struct Change {
    pub rule: Rule,
    pub field: Field,
    pub dimension: Dimension,
    pub old: DimensionValue,
    pub new: DimensionValue,
}

/// A string the batch could not change, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub string_id: StringId,
    pub value: String,
    pub reason: String,
}

/// A string rolled back over, or skipped by, a rollback.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RollbackMeta {
    pub by: Option<UserId>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last string handled (strings go in id order), to resume after a crash.
    pub cursor: Option<StringId>,
    pub restored: i64,
    /// Strings changed again after the batch: left as they are.
    pub changed_since: Vec<Failure>,
    pub changed_since_more: i64,
    /// Strings whose old value now belongs to another string.
    pub failures: Vec<Failure>,
    pub failures_more: i64,
}

impl RollbackMeta {
    /// Strings changed since the batch, listed or only counted.
    pub fn changed_total(&self) -> i64 {
        self.changed_since.len() as i64 + self.changed_since_more
    }

    pub fn failures_total(&self) -> i64 {
        self.failures.len() as i64 + self.failures_more
    }
}

/// What a batch keeps in its `metadata` column.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchMeta {
    pub dimension_id: DimensionId,
    pub dimension: String,
    pub old_value_id: DimensionValueId,
    pub old_value: String,
    pub new_value_id: DimensionValueId,
    pub new_value: String,
    /// The last string handled by the apply job (strings go in id order).
    pub cursor: Option<StringId>,
    pub failures: Vec<Failure>,
    /// Failures past `MAX_FAILURES`, counted only.
    pub failures_more: i64,
    /// The unexpected error that stopped the job, if any.
    pub error: Option<String>,
    pub rollback: Option<RollbackMeta>,
}

impl BatchMeta {
    pub fn of(batch: &UpdateBatch) -> AppResult<BatchMeta> {
        serde_json::from_value(batch.metadata.0.clone())
            .map_err(|e| AppError::internal(format!("batch {} metadata: {e}", batch.id)))
    }

    pub fn to_json(&self) -> AppResult<Json> {
        serde_json::to_value(self)
            .map(Json)
            .map_err(|e| AppError::internal(format!("batch metadata: {e}")))
    }

    /// Records a failure, keeping at most `MAX_FAILURES`.
    pub fn fail(&mut self, f: Failure) {
        if self.failures.len() < MAX_FAILURES {
            self.failures.push(f);
        } else {
            self.failures_more += 1;
        }
    }
}

/// A value offered in the form's lists.
#[derive(Debug, Clone)]
pub struct ValueChoice {
    pub id: DimensionValueId,
    pub value: String,
    pub label: String,
    pub usable: bool,
}

/// What the form can offer, given what is chosen so far.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub rules: Vec<Rule>,
    pub fields: Vec<Field>,
    pub dimensions: Vec<Dimension>,
    pub values: Vec<ValueChoice>,
}

/// The form's lists: every rule; the fields the chosen rule names; the LIST
/// dimensions of that rule and field; the chosen dimension's values.
pub fn choices(c: &mut DbConn, t: TenantId, f: &BatchForm, today: NaiveDate) -> AppResult<Choices> {
    let rules: Vec<Rule> = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .order(naming_rules::name)
        .select(Rule::as_select())
        .load(c)?;
    let mut out = Choices::default();
    let rule = f
        .rule
        .parse::<RuleId>()
        .ok()
        .and_then(|id| rules.iter().find(|r| r.id == id).cloned());
    out.rules = rules;
    let Some(rule) = rule else { return Ok(out) };
    let parts = RuleParts::load(c, t, rule.id)?;
    out.fields = catalogue::fields(c, rule.platform_id)?
        .into_iter()
        .filter(|fl| !parts.field(fl.id).is_empty())
        .collect();
    let Some(field) = f.field.parse::<FieldId>().ok() else {
        return Ok(out);
    };
    out.dimensions = parts
        .field(field)
        .iter()
        .filter(|p| p.dimension.kind == DimensionKind::List)
        .map(|p| p.dimension.clone())
        .collect();
    let dim = f.dimension.parse::<DimensionId>().ok();
    if let Some(dim) = dim.filter(|d| out.dimensions.iter().any(|x| x.id == *d)) {
        out.values = parts
            .values(dim)
            .iter()
            .map(|v| ValueChoice {
                id: v.id,
                value: v.value.clone(),
                label: v.label.clone(),
                usable: usable(v, today),
            })
            .collect();
    }
    Ok(out)
}

/// Checks the form; every problem is said next to its control.
pub fn validate(
    c: &mut DbConn,
    t: TenantId,
    f: &BatchForm,
    today: NaiveDate,
) -> AppResult<Result<(Change, RuleParts), FormErrors>> {
    let mut errors = FormErrors::default();
    let rule: Option<Rule> = match f.rule.parse::<RuleId>() {
        Ok(id) => naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id))
            .select(Rule::as_select())
            .first(c)
            .optional()?,
        Err(_) => None,
    };
    let Some(rule) = rule else {
        errors.add("rule", "Choose a rule.");
        return Ok(Err(errors));
    };
    let parts = RuleParts::load(c, t, rule.id)?;
    let field = match f.field.parse::<FieldId>() {
        Ok(id) if !parts.field(id).is_empty() => Some(catalogue::field(c, id)?),
        _ => None,
    };
    let Some(field) = field else {
        errors.add(
            "field",
            format!("Choose a field that “{}” names.", rule.name),
        );
        return Ok(Err(errors));
    };
    let part = f
        .dimension
        .parse::<DimensionId>()
        .ok()
        .and_then(|id| parts.field(field.id).iter().find(|p| p.dimension.id == id));
    let dimension = match part {
        Some(p) if p.dimension.kind == DimensionKind::List => p.dimension.clone(),
        Some(p) => {
            errors.add(
                "dimension",
                format!(
                    "{} is free text: batch updates replace values of list dimensions.",
                    p.dimension.name
                ),
            );
            return Ok(Err(errors));
        }
        None => {
            errors.add(
                "dimension",
                format!(
                    "Choose a list dimension of “{}” for {}.",
                    rule.name, field.name
                ),
            );
            return Ok(Err(errors));
        }
    };
    let old = value_of(c, t, &dimension, &f.old_value, "old_value", &mut errors)?;
    let new = value_of(c, t, &dimension, &f.new_value, "new_value", &mut errors)?;
    if let (Some(o), Some(n)) = (&old, &new) {
        if o.id == n.id {
            errors.add(
                "new_value",
                format!(
                    "Choose a different value: “{}” would replace itself.",
                    o.value
                ),
            );
        } else if !usable(n, today) {
            errors.add(
                "new_value",
                format!("“{}” is inactive or outside its validity window.", n.value),
            );
        }
    }
    let busy: i64 = naming_string_update_batches::table
        .filter(naming_string_update_batches::tenant_id.eq(t))
        .filter(naming_string_update_batches::rule_id.eq(rule.id))
        .filter(naming_string_update_batches::field_id.eq(field.id))
        .filter(naming_string_update_batches::status.eq_any(BUSY))
        .count()
        .get_result(c)?;
    if busy > 0 {
        errors.add(
            "",
            format!(
                "A batch update of “{}” for {} is still running: wait for it to finish.",
                rule.name, field.name
            ),
        );
    }
    match (old, new) {
        (Some(old), Some(new)) if errors.is_empty() => Ok(Ok((
            Change {
                rule,
                field,
                dimension,
                old,
                new,
            },
            parts,
        ))),
        _ => Ok(Err(errors)),
    }
}

/// The value `raw` names, if it is one of `dimension`'s; else a message on `control`.
fn value_of(
    c: &mut DbConn,
    t: TenantId,
    dimension: &Dimension,
    raw: &str,
    control: &str,
    errors: &mut FormErrors,
) -> AppResult<Option<DimensionValue>> {
    let found: Option<(DimensionValue, String)> = match raw.parse::<DimensionValueId>() {
        Ok(id) => naming_dimension_values::table
            .inner_join(
                naming_dimensions::table.on(naming_dimensions::tenant_id
                    .eq(naming_dimension_values::tenant_id)
                    .and(naming_dimensions::id.eq(naming_dimension_values::dimension_id))),
            )
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::id.eq(id))
            .select((DimensionValue::as_select(), naming_dimensions::name))
            .first(c)
            .optional()?,
        Err(_) => None,
    };
    match found {
        Some((v, _)) if v.dimension_id == dimension.id => Ok(Some(v)),
        Some((v, other)) => {
            errors.add(
                control,
                format!(
                    "“{}” is a value of {other}, not of {}.",
                    v.value, dimension.name
                ),
            );
            Ok(None)
        }
        None => {
            let what = if control == "old_value" {
                "the value to replace"
            } else {
                "the replacement value"
            };
            errors.add(
                control,
                format!("Choose {what} from the list of {}.", dimension.name),
            );
            Ok(None)
        }
    }
}

/// The strings of the change's rule and field that use its old value, by id.
pub fn affected(c: &mut DbConn, t: TenantId, ch: &Change) -> AppResult<Vec<StringId>> {
    Ok(naming_strings::table
        .inner_join(
            naming_string_details::table.on(naming_string_details::tenant_id
                .eq(naming_strings::tenant_id)
                .and(naming_string_details::string_id.eq(naming_strings::id))),
        )
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::rule_id.eq(ch.rule.id))
        .filter(naming_strings::field_id.eq(ch.field.id))
        .filter(naming_string_details::dimension_id.eq(ch.dimension.id))
        .filter(naming_string_details::dimension_value_id.eq(ch.old.id))
        .order(naming_strings::id)
        .select(naming_strings::id)
        .load(c)?)
}

/// Creates a batch (PENDING) for `total` strings and queues its job. Call
/// inside a write transaction, after `validate`.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    ch: &Change,
    total: usize,
    meta: &RequestMeta,
) -> AppResult<UpdateBatchId> {
    let now = UtcTime::now();
    let id = UpdateBatchId::new();
    let bm = BatchMeta {
        dimension_id: ch.dimension.id,
        dimension: ch.dimension.name.clone(),
        old_value_id: ch.old.id,
        old_value: ch.old.value.clone(),
        new_value_id: ch.new.id,
        new_value: ch.new.value.clone(),
        ..BatchMeta::default()
    };
    diesel::insert_into(naming_string_update_batches::table)
        .values(UpdateBatch {
            tenant_id: t,
            id,
            rule_id: ch.rule.id,
            field_id: ch.field.id,
            initiated_by: user,
            initiated_at: now,
            completed_at: None,
            status: BatchStatus::Pending,
            total_strings: i32::try_from(total).unwrap_or(i32::MAX),
            processed_strings: 0,
            failed_strings: 0,
            backup_id: None,
            metadata: bm.to_json()?,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let job = crate::jobs::enqueue(
        c,
        t,
        KIND,
        json!({"batch": id, "action": "apply"}),
        Some(user),
    )?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.batch.start")
            .actor(user)
            .resource("naming_string_update_batch", id)
            .meta(meta)
            .changes(json!({
                "rule": ch.rule.name,
                "field": ch.field.name,
                "dimension": ch.dimension.name,
                "from": ch.old.value,
                "to": ch.new.value,
                "strings": total,
                "job": job,
            })),
    )?;
    Ok(id)
}

pub use plan::{plan_chunk, preview, Composer, Planned, Preview, Recomposed};
pub use rollback::rollback_outlook;
/// Rollback: see `rollback`.
pub use rollback::start_rollback;
pub use views::{changed_strings, find, list, AffectedRow, BatchView, STATUSES};

/// The preview of a form: the change and what it would do, or the form's
/// problems (including "nothing to change").
pub fn check(
    c: &mut DbConn,
    t: TenantId,
    f: &BatchForm,
    today: NaiveDate,
) -> AppResult<Result<(Change, Preview), FormErrors>> {
    let (ch, parts) = match validate(c, t, f, today)? {
        Ok(ok) => ok,
        Err(errors) => return Ok(Err(errors)),
    };
    let p = preview(c, t, &ch, &parts, today)?;
    if p.total == 0 {
        return Ok(Err(nothing_to_change(&ch)));
    }
    Ok(Ok((ch, p)))
}

/// Validates the confirmed form again and starts the batch.
pub fn start(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    f: &BatchForm,
    today: NaiveDate,
    meta: &RequestMeta,
) -> AppResult<Result<UpdateBatchId, FormErrors>> {
    let (ch, _) = match validate(c, t, f, today)? {
        Ok(ok) => ok,
        Err(errors) => return Ok(Err(errors)),
    };
    let total = affected(c, t, &ch)?.len();
    if total == 0 {
        return Ok(Err(nothing_to_change(&ch)));
    }
    create(c, t, user, &ch, total, meta).map(Ok)
}

fn nothing_to_change(ch: &Change) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(
        "old_value",
        format!(
            "No string of “{}” for {} uses “{}”: there is nothing to change.",
            ch.rule.name, ch.field.name, ch.old.value
        ),
    );
    errors
}
