//! Workflows: definitions (versioned: an edit that changes the definition
//! writes a new version), their form and list. Runs, their steps and
//! approvals are in `runs` (re-exported here, so callers name
//! `workflows::run` as before).

pub use super::runs::*;

use std::collections::HashSet;

use crate::admin::workspaces::lower;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::workflow_def::{self as def, Definition};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, projects_workflow_versions as wv, projects_workflows as wf};
use crate::web::extract::RequestMeta;
use crate::web::pagination::{Cursor, Keyset, Seek};
use crate::web::FormErrors;

/// The job kind that expires overdue approvals.
pub const EXPIRY_KIND: &str = "projects.workflow_expiry";

/// At most this many runs, steps or versions on one page.
pub const SHOWN: i64 = 200;

/// What the workflow form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkflowForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub trigger_kind: String,
    #[serde(default)]
    pub approval_days: String,
    #[serde(default)]
    pub definition: String,
    /// Event trigger: the task status that starts a run.
    #[serde(default)]
    pub trigger_status: String,
    /// Event trigger: one project's id, or blank for any.
    #[serde(default)]
    pub trigger_project: String,
    /// Scheduled trigger: hours between runs.
    #[serde(default)]
    pub every_hours: String,
}

impl WorkflowForm {
    /// A new workflow's form: one approval by `me`, then done.
    pub fn starter(me: UserId) -> Self {
        let d = json!({
            "start": "review",
            "steps": [
                {"key": "review", "kind": "approval", "approvers": [me.0 .0.to_string()],
                 "next": {"approved": "done", "rejected": "rework"}},
                {"key": "rework", "kind": "task", "next": {"done": "review"}},
                {"key": "done", "kind": "end"}
            ]
        });
        WorkflowForm {
            kind: "approval".into(),
            status: "active".into(),
            trigger_kind: "manual".into(),
            approval_days: "7".into(),
            definition: serde_json::to_string_pretty(&d).unwrap_or_default(),
            ..Default::default()
        }
    }

    pub fn from_workflow(w: &Workflow, d: &Definition) -> Self {
        WorkflowForm {
            name: w.name.clone(),
            description: w.description.clone(),
            kind: w.kind.as_str().into(),
            status: w.status.as_str().into(),
            trigger_kind: w.trigger_kind.as_str().into(),
            approval_days: w.approval_days.to_string(),
            definition: d.to_pretty(),
            trigger_status: w
                .trigger_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            trigger_project: w
                .trigger_project_id
                .map(|p| p.to_string())
                .unwrap_or_default(),
            every_hours: w.every_hours.map(|h| h.to_string()).unwrap_or_default(),
        }
    }
}

/// The checked form.
struct Checked {
    name: String,
    description: String,
    kind: WorkflowKind,
    status: WorkflowStatus,
    trigger: WorkflowTrigger,
    days: i32,
    def: Definition,
    config: super::triggers::Config,
}

/// Which of `ids` are members of the workspace.
fn members_among(
    c: &mut DbConn,
    t: TenantId,
    ids: Vec<uuid::Uuid>,
) -> AppResult<HashSet<uuid::Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let users: Vec<UserId> = ids.into_iter().map(|u| UserId(Id(u))).collect();
    let found: Vec<UserId> = memberships::table
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::user_id.eq_any(users))
        .filter(memberships::revoked_at.is_null())
        .select(memberships::user_id)
        .load(c)?;
    Ok(found.into_iter().map(|u| u.0 .0).collect())
}

fn check(
    c: &mut DbConn,
    t: TenantId,
    except: Option<WorkflowId>,
    f: &WorkflowForm,
) -> AppResult<Result<Checked, FormErrors>> {
    let mut e = FormErrors::default();
    let name = forms::text(&mut e, "name", &f.name, 200, true);
    let description = forms::text(&mut e, "description", &f.description, 5_000, false);
    let kind = forms::choice(&mut e, "kind", &f.kind, WorkflowKind::parse, "type");
    let status = forms::choice(&mut e, "status", &f.status, WorkflowStatus::parse, "status");
    let trigger = forms::choice(
        &mut e,
        "trigger_kind",
        &f.trigger_kind,
        WorkflowTrigger::parse,
        "trigger",
    );
    let days = forms::number(&mut e, "approval_days", &f.approval_days, 1, 365);
    let config = super::triggers::check_config(c, t, trigger, f, &mut e)?;
    if !name.is_empty() && name_taken(c, t, &name, except)? {
        e.add("name", "Another workflow of this workspace has this name.");
    }
    // Parse once without the member check to learn whom to look up.
    let approvers = serde_json::from_str::<Definition>(&f.definition)
        .map(|d| d.approvers())
        .unwrap_or_default();
    let members = members_among(c, t, approvers)?;
    let checked = def::validate(&f.definition, &|u| members.contains(u));
    let d = match checked {
        Ok(d) => Some(d),
        Err(messages) => {
            for m in messages {
                e.add("definition", m);
            }
            None
        }
    };
    match (kind, status, trigger, days, d) {
        (Some(kind), Some(status), Some(trigger), Some(days), Some(def)) if e.is_empty() => {
            Ok(Ok(Checked {
                name,
                description,
                kind,
                status,
                trigger,
                days: days as i32,
                def,
                config,
            }))
        }
        _ => Ok(Err(e)),
    }
}

fn name_taken(
    c: &mut DbConn,
    t: TenantId,
    name: &str,
    except: Option<WorkflowId>,
) -> AppResult<bool> {
    let mut q = wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(lower(wf::name).eq(name.to_lowercase()))
        .select(wf::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(wf::id.ne(id));
    }
    Ok(q.first::<WorkflowId>(c).optional()?.is_some())
}

/// The `after`/`before` cursors of the list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkflowFilter {
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

/// One page of workflows by name (keyset on the lower-cased name and id).
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    f: &WorkflowFilter,
    per_page: i64,
) -> AppResult<Keyset<Workflow>> {
    let seek = Seek::from_query(&f.after, &f.before);
    let q = wf::table.filter(wf::tenant_id.eq(t)).into_boxed();
    let q = match &seek {
        Seek::After(cur) => q
            .filter(
                lower(wf::name).gt(cur.key.clone()).or(lower(wf::name)
                    .eq(cur.key.clone())
                    .and(wf::id.gt(Id(cur.id)))),
            )
            .order((lower(wf::name).asc(), wf::id.asc())),
        Seek::Before(cur) => q
            .filter(
                lower(wf::name).lt(cur.key.clone()).or(lower(wf::name)
                    .eq(cur.key.clone())
                    .and(wf::id.lt(Id(cur.id)))),
            )
            .order((lower(wf::name).desc(), wf::id.desc())),
        Seek::First => q.order((lower(wf::name).asc(), wf::id.asc())),
    };
    let rows: Vec<Workflow> = q
        .limit(Seek::limit(per_page))
        .select(Workflow::as_select())
        .load(c)?;
    let cursor = |w: &Workflow| Cursor::new(w.name.to_lowercase(), w.id.0 .0);
    match Keyset::from_rows(rows, &seek, per_page, cursor) {
        Some(k) => Ok(k),
        None => list(c, t, &WorkflowFilter::default(), per_page),
    }
}

pub fn find(c: &mut DbConn, t: TenantId, id: WorkflowId) -> AppResult<Workflow> {
    Ok(wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(wf::id.eq(id))
        .select(Workflow::as_select())
        .first(c)?)
}

/// A workflow's versions, newest first.
pub fn versions(c: &mut DbConn, t: TenantId, id: WorkflowId) -> AppResult<Vec<WorkflowVersion>> {
    Ok(wv::table
        .filter(wv::tenant_id.eq(t))
        .filter(wv::workflow_id.eq(id))
        .order(wv::version.desc())
        .limit(SHOWN)
        .select(WorkflowVersion::as_select())
        .load(c)?)
}

pub(super) fn version_row(
    c: &mut DbConn,
    t: TenantId,
    id: WorkflowId,
    version: i32,
) -> AppResult<WorkflowVersion> {
    Ok(wv::table
        .filter(wv::tenant_id.eq(t))
        .filter(wv::workflow_id.eq(id))
        .filter(wv::version.eq(version))
        .select(WorkflowVersion::as_select())
        .first(c)?)
}

/// A stored definition (validated when written).
pub fn parse_stored(v: &WorkflowVersion) -> AppResult<Definition> {
    serde_json::from_value(v.definition.0.clone())
        .map_err(|e| AppError::Internal(format!("stored workflow definition {}: {e}", v.id)))
}

/// The workflow and its current definition.
pub fn current(c: &mut DbConn, t: TenantId, id: WorkflowId) -> AppResult<(Workflow, Definition)> {
    let w = find(c, t, id)?;
    let v = version_row(c, t, id, w.current_version)?;
    Ok((w, parse_stored(&v)?))
}

fn insert_version(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: WorkflowId,
    version: i32,
    d: &Definition,
) -> AppResult<()> {
    let value = serde_json::to_value(d).map_err(|e| AppError::Internal(e.to_string()))?;
    diesel::insert_into(wv::table)
        .values(WorkflowVersion {
            tenant_id: t,
            id: WorkflowVersionId::new(),
            workflow_id: id,
            version,
            definition: Json(value),
            created_by: Some(by),
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    Ok(())
}

/// Creates a workflow and its version 1.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    f: &WorkflowForm,
    meta: &RequestMeta,
) -> AppResult<Result<WorkflowId, FormErrors>> {
    let k = match check(c, t, None, f)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let now = UtcTime::now();
    let id = WorkflowId::new();
    diesel::insert_into(wf::table)
        .values(Workflow {
            tenant_id: t,
            id,
            name: k.name.clone(),
            description: k.description,
            kind: k.kind,
            status: k.status,
            trigger_kind: k.trigger,
            approval_days: k.days,
            current_version: 1,
            created_by: Some(by),
            created_at: now,
            updated_at: now,
            trigger_status: k.config.status,
            trigger_project_id: k.config.project,
            every_hours: k.config.every_hours,
            next_run_at: None,
            hook_secret: String::new(),
        })
        .execute(c)?;
    insert_version(c, t, by, id, 1, &k.def)?;
    super::triggers::apply_config(c, t, None, id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "workflow.create")
            .actor(by)
            .resource("workflow", id)
            .meta(meta)
            .changes(json!({"name": k.name, "version": 1})),
    )?;
    Ok(Ok(id))
}

/// Edits a workflow; a changed definition becomes a new version (runs keep
/// the version they started on).
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: WorkflowId,
    f: &WorkflowForm,
    meta: &RequestMeta,
) -> AppResult<Result<i32, FormErrors>> {
    let (old, old_def) = current(c, t, id)?;
    let k = match check(c, t, Some(id), f)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let version = if k.def == old_def {
        old.current_version
    } else {
        insert_version(c, t, by, id, old.current_version + 1, &k.def)?;
        old.current_version + 1
    };
    diesel::update(wf::table.filter(wf::tenant_id.eq(t)).filter(wf::id.eq(id)))
        .set((
            wf::name.eq(&k.name),
            wf::description.eq(&k.description),
            wf::kind.eq(k.kind),
            wf::status.eq(k.status),
            wf::trigger_kind.eq(k.trigger),
            wf::approval_days.eq(k.days),
            wf::current_version.eq(version),
            wf::updated_at.eq(UtcTime::now()),
            wf::trigger_status.eq(k.config.status),
            wf::trigger_project_id.eq(k.config.project),
            wf::every_hours.eq(k.config.every_hours),
        ))
        .execute(c)?;
    super::triggers::apply_config(c, t, Some(&old), id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "workflow.update")
            .actor(by)
            .resource("workflow", id)
            .meta(meta)
            .changes(json!({
                "name": [old.name, k.name],
                "status": [old.status.as_str(), k.status.as_str()],
                "version": [old.current_version, version],
            })),
    )?;
    Ok(Ok(version))
}
