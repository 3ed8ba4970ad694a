//! Writing a planned chunk set-based: JSON-driven `UPDATE … FROM` for values
//! and details, multi-row inserts for versions, inheritance updates and
//! errors, and the job's counters, in the caller's transaction.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use super::{job_row, Child, DetailChange, Outcome, Planned, Spec, CHUNK};
use crate::accounts::models::UserId;
use crate::db::dialect::backend_sql;
use crate::db::{sql, DbConn, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::naming::models::*;
use crate::schema::{
    naming_propagation_errors, naming_propagation_jobs, naming_string_inheritance_updates,
    naming_string_modifications,
};

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
        // One index query on the versions alone (a join with the strings
        // got quadratic plans from PostgreSQL without statistics).
        let mut latest: HashMap<StringId, (ModificationId, i32)> = HashMap::new();
        for (s, m, v) in naming_string_modifications::table
            .filter(naming_string_modifications::tenant_id.eq(t))
            .filter(naming_string_modifications::string_id.eq_any(&ids))
            .select((
                naming_string_modifications::string_id,
                naming_string_modifications::id,
                naming_string_modifications::version,
            ))
            .load::<(StringId, ModificationId, i32)>(c)?
        {
            let e = latest.entry(s).or_insert((m, v));
            if v > e.1 {
                *e = (m, v);
            }
        }

        let values = Value::Array(
            updated
                .iter()
                .map(|(ch, v, _)| json!([ch.id.to_string(), v]))
                .collect(),
        );
        // A materialized CTE makes SQLite loop over the chunk and find each
        // row by primary key (over `json_each` directly it scans the tenant).
        diesel::sql_query(backend_sql(
            c,
            "WITH v AS MATERIALIZED ( \
               SELECT (e.value ->> 0){uuid} AS id, e.value ->> 1 AS value FROM {json}) \
             UPDATE naming_strings SET value = v.value, \
               version = naming_strings.version + 1, updated_at = ? \
             FROM v WHERE naming_strings.tenant_id = ? AND naming_strings.id = v.id",
        ))
        .bind::<sql::Text, _>(values.to_string())
        .bind::<sql::Timestamptz, _>(now)
        .bind::<sql::Uuid, _>(t)
        .execute(c)?;
        let details = Value::Array(
            updated
                .iter()
                .flat_map(|(_, _, changes)| changes.iter())
                .map(|d| {
                    json!([
                        d.detail.to_string(),
                        d.to.value.map(|v| v.to_string()),
                        d.to.text
                    ])
                })
                .collect(),
        );
        diesel::sql_query(backend_sql(
            c,
            "WITH v AS MATERIALIZED ( \
               SELECT (e.value ->> 0){uuid} AS id, (e.value ->> 1){uuid} AS vid, \
                 e.value ->> 2 AS txt FROM {json}) \
             UPDATE naming_string_details SET dimension_value_id = v.vid, \
               dimension_value_freetext = v.txt, updated_at = ? \
             FROM v WHERE naming_string_details.tenant_id = ? \
               AND naming_string_details.id = v.id",
        ))
        .bind::<sql::Text, _>(details.to_string())
        .bind::<sql::Timestamptz, _>(now)
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
