//! Around the propagation engine: per-user settings, the jobs list, a job's
//! errors with retry and resolve, and the dry-run preview.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    apply_chunk, find, job_row, levels, plan_chunk, Counts, Outcome, Overlay, Spec, CHUNK,
};
use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::naming::models::*;
use crate::naming::versions::{self, RuleCtx};
use crate::schema::{
    naming_propagation_errors, naming_propagation_jobs, naming_propagation_settings, naming_strings,
};
use crate::web::extract::RequestMeta;
use crate::web::{Cursor, Keyset, PageParams, Paginated, Seek};

/// A user's propagation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// "auto": propagate at once after an edit; "ask": show a preview first.
    pub mode: String,
    pub max_depth: i32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: "auto".into(),
            max_depth: 10,
        }
    }
}

impl Settings {
    pub fn auto(&self) -> bool {
        self.mode != "ask"
    }
}

/// The user's settings (the defaults when never saved).
pub fn settings(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<Settings> {
    let row: Option<Json> = naming_propagation_settings::table
        .filter(naming_propagation_settings::tenant_id.eq(t))
        .filter(naming_propagation_settings::user_id.eq(user))
        .select(naming_propagation_settings::settings)
        .first(c)
        .optional()?;
    let d = Settings::default();
    Ok(match row {
        None => d,
        Some(Json(v)) => Settings {
            mode: match v["mode"].as_str() {
                Some("ask") => "ask".into(),
                _ => "auto".into(),
            },
            max_depth: v["max_depth"]
                .as_i64()
                .map(|n| n.clamp(1, 100) as i32)
                .unwrap_or(d.max_depth),
        },
    })
}

/// Validates and saves the user's settings (messages by field otherwise).
pub fn save_settings(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    mode: &str,
    max_depth: &str,
    meta: &RequestMeta,
) -> AppResult<Result<Settings, Vec<(String, String)>>> {
    let mut errors = Vec::new();
    if mode != "auto" && mode != "ask" {
        errors.push((
            "mode".into(),
            "Choose “automatically” or “ask first”.".into(),
        ));
    }
    let depth = match max_depth.trim().parse::<i32>() {
        Ok(n) if (1..=100).contains(&n) => n,
        _ => {
            errors.push(("max_depth".into(), "A depth from 1 to 100 levels.".into()));
            0
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let new = Settings {
        mode: mode.into(),
        max_depth: depth,
    };
    let old = settings(c, t, user)?;
    let now = UtcTime::now();
    let value = Json(json!({"mode": new.mode, "max_depth": new.max_depth}));
    let n = diesel::update(
        naming_propagation_settings::table
            .filter(naming_propagation_settings::tenant_id.eq(t))
            .filter(naming_propagation_settings::user_id.eq(user)),
    )
    .set((
        naming_propagation_settings::settings.eq(&value),
        naming_propagation_settings::updated_at.eq(now),
    ))
    .execute(c)?;
    if n == 0 {
        diesel::insert_into(naming_propagation_settings::table)
            .values(PropagationSettings {
                tenant_id: t,
                id: PropagationSettingsId::new(),
                user_id: user,
                settings: value,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, "naming.propagation_settings.update")
            .actor(user)
            .resource("naming_propagation_settings", user)
            .meta(meta)
            .changes(json!({"from": old, "to": new})),
    )?;
    Ok(Ok(new))
}

/// The statuses the list can be filtered by.
pub const STATUSES: &[PropagationStatus] = PropagationStatus::ALL;

/// A job as the list shows it.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub job: PropagationJob,
    pub string_value: String,
    pub string_id: Option<StringId>,
}

/// Jobs newest first, optionally of one status, a keyset page on
/// (created_at, id) from `seek` (no count: the list can grow without bound).
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    status: &str,
    seek: Seek,
    per_page: i64,
) -> AppResult<Keyset<JobRow>> {
    let base = || {
        let mut q = naming_propagation_jobs::table
            .filter(naming_propagation_jobs::tenant_id.eq(t))
            .into_boxed();
        if let Some(s) = PropagationStatus::parse(status) {
            q = q.filter(naming_propagation_jobs::status.eq(s));
        }
        q
    };
    let at = seek.cursor().and_then(|k| {
        k.time()
            .map(|at| (at, PropagationJobId(crate::db::Id(k.id))))
    });
    if seek != Seek::First && at.is_none() {
        // A tampered cursor: the first page.
        return list(c, t, status, Seek::First, per_page);
    }
    let jobs: Vec<PropagationJob> = crate::seek_by!(
        base(),
        seek,
        true,
        naming_propagation_jobs::created_at,
        naming_propagation_jobs::id,
        at
    )
    .limit(Seek::limit(per_page))
    .select(PropagationJob::as_select())
    .load(c)?;
    let cursor = |j: &PropagationJob| Cursor::new(j.created_at.to_db_text(), j.id.0 .0);
    let Some(page) = Keyset::from_rows(jobs, &seek, per_page, cursor) else {
        return list(c, t, status, Seek::First, per_page);
    };
    let (next, prev) = (page.next, page.prev);
    let jobs = page.items;
    let ids: Vec<StringId> = jobs
        .iter()
        .filter_map(|j| Spec::from_job(j).ok().map(|s| s.string))
        .collect();
    let values: HashMap<StringId, String> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq_any(&ids))
        .select((naming_strings::id, naming_strings::value))
        .load::<(StringId, String)>(c)?
        .into_iter()
        .collect();
    let items = jobs
        .into_iter()
        .map(|job| {
            let string_id = Spec::from_job(&job).ok().map(|s| s.string);
            JobRow {
                string_value: string_id
                    .and_then(|s| values.get(&s).cloned())
                    .unwrap_or_default(),
                string_id,
                job,
            }
        })
        .collect();
    Ok(Keyset {
        items,
        next,
        prev,
        base_query: String::new(),
        total: None,
    }
    .with_query(&[("status", status)]))
}

/// A job's errors, unresolved first.
pub fn errors(
    c: &mut DbConn,
    t: TenantId,
    job: PropagationJobId,
    params: PageParams,
    per_page: i64,
) -> AppResult<Paginated<PropagationError>> {
    let base = naming_propagation_errors::table
        .filter(naming_propagation_errors::tenant_id.eq(t))
        .filter(naming_propagation_errors::job_id.eq(job));
    let total: i64 = base.count().get_result(c)?;
    let items = base
        .order((
            naming_propagation_errors::resolved.asc(),
            naming_propagation_errors::created_at.asc(),
            naming_propagation_errors::id.asc(),
        ))
        .limit(per_page)
        .offset(params.offset(per_page))
        .select(PropagationError::as_select())
        .load(c)?;
    Ok(Paginated::new(items, params, per_page, total))
}

fn find_error(
    c: &mut DbConn,
    t: TenantId,
    job: PropagationJobId,
    id: PropagationErrorId,
) -> AppResult<PropagationError> {
    naming_propagation_errors::table
        .filter(naming_propagation_errors::tenant_id.eq(t))
        .filter(naming_propagation_errors::job_id.eq(job))
        .filter(naming_propagation_errors::id.eq(id))
        .select(PropagationError::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// After a retry or resolve: the unresolved errors decide the status.
fn settle(c: &mut DbConn, t: TenantId, job: &PropagationJob) -> AppResult<()> {
    let open: i64 = naming_propagation_errors::table
        .filter(naming_propagation_errors::tenant_id.eq(t))
        .filter(naming_propagation_errors::job_id.eq(job.id))
        .filter(naming_propagation_errors::resolved.eq(false))
        .count()
        .get_result(c)?;
    let status = if open == 0 {
        PropagationStatus::Completed
    } else if job.status == PropagationStatus::Failed {
        PropagationStatus::Failed
    } else {
        PropagationStatus::Partial
    };
    diesel::update(job_row(t, job.id))
        .set((
            naming_propagation_jobs::status.eq(status),
            naming_propagation_jobs::failed_strings.eq(open as i32),
            naming_propagation_jobs::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
    Ok(())
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq)]
pub enum Retried {
    /// The child now has its parent's value (and its subtree followed).
    Fixed { descendants: i64 },
    /// It still fails, for this reason.
    Failed(String),
}

/// Re-attempts an error's string with its parent's current value. On
/// success the error is resolved and the string's own children follow.
pub fn retry(
    tc: &mut TenantConn,
    user: UserId,
    job_id: PropagationJobId,
    id: PropagationErrorId,
    meta: &RequestMeta,
) -> AppResult<Retried> {
    let (job, spec, fixed, depth) = tc.write(|c, t| {
        let job = find(c, t, job_id)?;
        let e = find_error(c, t, job_id, id)?;
        if e.resolved || job.status.is_busy() {
            return Err(AppError::Conflict(
                "This error is resolved, or its job is still running.".into(),
            ));
        }
        let string = e.string_id.ok_or(AppError::NotFound)?;
        let spec = Spec::from_job(&job)?;
        let depth = e.context_data.0["depth"].as_i64().unwrap_or(1) as i32;
        let mut rules = HashMap::new();
        let planned = plan_chunk(
            c,
            t,
            &[string],
            &spec.dimensions,
            &Overlay::new(),
            &mut rules,
        )?;
        let now = UtcTime::now();
        let outcome = planned.first().map(|p| p.outcome.clone());
        let fixed = match &outcome {
            Some(Outcome::Fail { message, .. }) => {
                diesel::update(
                    naming_propagation_errors::table
                        .filter(naming_propagation_errors::tenant_id.eq(t))
                        .filter(naming_propagation_errors::id.eq(id)),
                )
                .set((
                    naming_propagation_errors::retry_count.eq(e.retry_count + 1),
                    naming_propagation_errors::error_message.eq(message),
                    naming_propagation_errors::updated_at.eq(now),
                ))
                .execute(c)?;
                Err(message.clone())
            }
            other => {
                let updated = match other {
                    Some(Outcome::Update { .. }) => {
                        // No new error row can come of it: the plan succeeded.
                        apply_chunk(c, t, &job, &spec, depth, &planned)?
                    }
                    _ => Vec::new(),
                };
                diesel::update(
                    naming_propagation_errors::table
                        .filter(naming_propagation_errors::tenant_id.eq(t))
                        .filter(naming_propagation_errors::id.eq(id)),
                )
                .set((
                    naming_propagation_errors::retry_count.eq(e.retry_count + 1),
                    naming_propagation_errors::resolved.eq(true),
                    naming_propagation_errors::resolved_at.eq(Some(now)),
                    naming_propagation_errors::resolved_by.eq(Some(user)),
                    naming_propagation_errors::updated_at.eq(now),
                ))
                .execute(c)?;
                Ok(updated)
            }
        };
        audit::record(
            c,
            NewEvent::tenant(t, "naming.propagation_error.retry")
                .actor(user)
                .resource("naming_propagation_error", id)
                .meta(meta)
                .changes(json!({
                    "job": job_id,
                    "string": string,
                    "fixed": fixed.is_ok(),
                })),
        )?;
        Ok((job, spec, fixed, depth))
    })?;
    let result = match fixed {
        Err(message) => Retried::Failed(message),
        Ok(updated) => {
            let mut counts = Counts::default();
            levels(tc, &mut [], &job, &spec, updated, depth + 1, &mut counts)?;
            Retried::Fixed {
                descendants: counts.updated,
            }
        }
    };
    tc.write(|c, t| {
        let job = find(c, t, job_id)?;
        settle(c, t, &job)
    })?;
    Ok(result)
}

/// Marks an error resolved by the user (the string is left as it is).
pub fn resolve(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    job_id: PropagationJobId,
    id: PropagationErrorId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let job = find(c, t, job_id)?;
    let e = find_error(c, t, job_id, id)?;
    if e.resolved {
        return Ok(());
    }
    let now = UtcTime::now();
    diesel::update(
        naming_propagation_errors::table
            .filter(naming_propagation_errors::tenant_id.eq(t))
            .filter(naming_propagation_errors::id.eq(id)),
    )
    .set((
        naming_propagation_errors::resolved.eq(true),
        naming_propagation_errors::resolved_at.eq(Some(now)),
        naming_propagation_errors::resolved_by.eq(Some(user)),
        naming_propagation_errors::updated_at.eq(now),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.propagation_error.resolve")
            .actor(user)
            .resource("naming_propagation_error", id)
            .meta(meta)
            .changes(json!({"job": job_id, "string": e.string_id})),
    )?;
    if !job.status.is_busy() {
        settle(c, t, &job)?;
    }
    Ok(())
}

/// One descendant the dry run would change.
#[derive(Debug, Clone)]
pub struct PreviewRow {
    pub string: StringId,
    pub depth: i32,
    pub from: String,
    pub to: String,
    /// Why it would fail (a collision names the string it collides with).
    pub problem: Option<String>,
    pub existing: Option<StringId>,
}

#[derive(Debug, Clone)]
pub struct Preview {
    pub modification: StringModification,
    pub dimensions: Vec<DimensionId>,
    pub max_depth: i32,
    pub rows: Vec<PreviewRow>,
    /// More would change than the preview lists.
    pub truncated: bool,
    /// Descendants that inherit a changed dimension (what a job examines).
    pub inheriting: i64,
}

/// Most rows the dry run works out and lists.
pub const PREVIEW_MAX: usize = 500;

/// What propagating version `modification` (default: the latest) of
/// `string` would change now, down to `max_depth`, without writing.
pub fn preview(
    c: &mut DbConn,
    t: TenantId,
    string: StringId,
    modification: Option<ModificationId>,
    max_depth: i32,
) -> AppResult<Preview> {
    let s = versions::find(c, t, string)?;
    let mods = versions::modifications(c, t, s.id)?;
    let m = match modification {
        Some(id) => mods.into_iter().find(|m| m.id == id),
        None => mods.into_iter().last(),
    }
    .ok_or(AppError::NotFound)?;
    let dims = super::changed_dimensions(c, t, &m)?;
    let max_depth = max_depth.clamp(1, 100);
    let inheriting = super::inheriting_count(c, t, s.id, &dims, max_depth, None)?;
    let mut rules: HashMap<RuleId, RuleCtx> = HashMap::new();
    let mut overlay = Overlay::new();
    let mut rows = Vec::new();
    let mut frontier = vec![s.id];
    let mut depth = 1;
    let mut truncated = false;
    'levels: while !frontier.is_empty() && depth <= max_depth {
        let mut next = Vec::new();
        for parents in frontier.chunks(200) {
            let children: Vec<StringId> = naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::parent_id.eq_any(parents))
                .order(naming_strings::id)
                .select(naming_strings::id)
                .load(c)?;
            for ids in children.chunks(CHUNK) {
                for p in plan_chunk(c, t, ids, &dims, &overlay, &mut rules)? {
                    if rows.len() >= PREVIEW_MAX {
                        truncated = true;
                        break 'levels;
                    }
                    match p.outcome {
                        Outcome::Unchanged => {}
                        Outcome::Update { value, changes } => {
                            overlay.insert(
                                p.child.id,
                                changes
                                    .iter()
                                    .map(|d| (d.dimension, d.to.clone()))
                                    .collect(),
                            );
                            next.push(p.child.id);
                            rows.push(PreviewRow {
                                string: p.child.id,
                                depth,
                                from: p.child.value,
                                to: value,
                                problem: None,
                                existing: None,
                            });
                        }
                        Outcome::Fail {
                            message,
                            new_value,
                            existing,
                            ..
                        } => rows.push(PreviewRow {
                            string: p.child.id,
                            depth,
                            from: p.child.value,
                            to: new_value.unwrap_or_default(),
                            problem: Some(message),
                            existing,
                        }),
                    }
                }
            }
        }
        frontier = next;
        depth += 1;
    }
    Ok(Preview {
        modification: m,
        dimensions: dims,
        max_depth,
        rows,
        truncated,
        inheriting,
    })
}

/// What happens after a string's own values changed.
#[derive(Debug, Clone)]
pub enum FollowUp {
    /// No descendant inherits a changed dimension.
    Nothing,
    /// A job was started ("auto" setting).
    Started(Box<PropagationJob>),
    /// "Ask first": this many descendants would be examined.
    Ask {
        modification: ModificationId,
        descendants: i64,
    },
}

/// Starts propagation of a new version, or says how many descendants wait
/// for it, per the user's settings. Call in the edit's transaction.
pub fn follow_up(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    string: StringId,
    saved: &versions::Saved,
    meta: &RequestMeta,
) -> AppResult<FollowUp> {
    let s = settings(c, t, user)?;
    let n = super::inheriting_count(c, t, string, &saved.changed, s.max_depth, None)?;
    if n == 0 {
        return Ok(FollowUp::Nothing);
    }
    if !s.auto() {
        return Ok(FollowUp::Ask {
            modification: saved.modification,
            descendants: n,
        });
    }
    let job = super::start(
        c,
        t,
        user,
        string,
        saved.modification,
        &saved.changed,
        s.max_depth,
        meta,
    )?;
    Ok(FollowUp::Started(Box::new(job)))
}
