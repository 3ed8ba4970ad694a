//! What starts a workflow besides its Run button:
//!
//! - **event**: a task entering a status (in one project, or any) starts a
//!   run linked to that task, in the transaction of the move;
//! - **scheduled**: a run every N hours, through the job queue (each job
//!   carries the time it is for; a job whose time is no longer the
//!   workflow's next run does nothing, so an edit never runs twice);
//! - **webhook**: a `POST /hooks/projects/{workspace}/workflows/{id}` signed
//!   with the workflow's secret (HMAC-SHA256 of `timestamp.body`, sent as
//!   `X-Atrium-Signature: sha256=<hex>` with `X-Atrium-Timestamp`, at most
//!   five minutes old), optionally naming a task to link.
//!
//! Runs started here have no person as starter except the mover of the task.

use chrono::Duration;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::models::*;
use super::workflows::{self, WorkflowForm};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, worker::JobCtx};
use crate::schema::{
    projects_projects, projects_tasks, projects_workflow_executions as we, projects_workflows as wf,
};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// The job kind that starts scheduled runs.
pub const SCHEDULE_KIND: &str = "projects.workflow_schedule";
/// At most this many workflows start on one task move.
pub const MAX_PER_EVENT: i64 = 20;
/// A webhook body is at most this many bytes.
pub const MAX_HOOK_BODY: usize = 64 * 1024;
/// A signed webhook call is accepted this long after its timestamp.
pub const HOOK_WINDOW_SECS: i64 = 300;

/// A workflow's trigger settings as checked from its form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub status: Option<TaskStatus>,
    pub project: Option<ProjectId>,
    pub every_hours: Option<i32>,
}

/// Checks the form's trigger settings for `trigger`; the ones another
/// trigger would use are cleared.
pub fn check_config(
    c: &mut DbConn,
    t: TenantId,
    trigger: Option<WorkflowTrigger>,
    f: &WorkflowForm,
    e: &mut FormErrors,
) -> AppResult<Config> {
    let mut out = Config::default();
    match trigger {
        Some(WorkflowTrigger::Event) => {
            out.status = TaskStatus::parse(&f.trigger_status);
            if out.status.is_none() {
                e.add(
                    "trigger_status",
                    "Choose the status a task enters to start this workflow.",
                );
            }
            if let Ok(p) = f.trigger_project.trim().parse::<ProjectId>() {
                let live: Option<ProjectId> = projects_projects::table
                    .filter(projects_projects::tenant_id.eq(t))
                    .filter(projects_projects::id.eq(p))
                    .filter(projects_projects::deleted_at.is_null())
                    .select(projects_projects::id)
                    .first(c)
                    .optional()?;
                match live {
                    Some(p) => out.project = Some(p),
                    None => e.add("trigger_project", "Choose a project of this workspace."),
                }
            } else if !f.trigger_project.trim().is_empty() {
                e.add("trigger_project", "Choose a project of this workspace.");
            }
        }
        Some(WorkflowTrigger::Scheduled) => {
            out.every_hours =
                super::forms::number(e, "every_hours", &f.every_hours, 1, 8_760).map(|n| n as i32);
            if f.every_hours.trim().is_empty() {
                e.add(
                    "every_hours",
                    "Enter how many hours apart the runs are (1 to 8760).",
                );
            }
        }
        _ => {}
    }
    Ok(out)
}

/// The live projects an event trigger can watch, by name.
pub fn project_choices(c: &mut DbConn, t: TenantId) -> AppResult<Vec<(ProjectId, String)>> {
    Ok(projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::deleted_at.is_null())
        .filter(projects_projects::is_template.eq(false))
        .order(projects_projects::name.asc())
        .limit(500)
        .select((projects_projects::id, projects_projects::name))
        .load(c)?)
}

/// Writes the trigger settings after a create or an edit: a new webhook
/// secret when the workflow first becomes a webhook, and the next
/// scheduled run (queued) when the schedule is new or changed.
pub fn apply_config(
    c: &mut DbConn,
    t: TenantId,
    before: Option<&Workflow>,
    id: WorkflowId,
) -> AppResult<()> {
    let w = workflows::find(c, t, id)?;
    let secret = match w.trigger_kind {
        WorkflowTrigger::Webhook if w.hook_secret.is_empty() => crate::support::random_token(32),
        WorkflowTrigger::Webhook => w.hook_secret.clone(),
        _ => String::new(),
    };
    let was = before.and_then(|b| {
        (b.trigger_kind == WorkflowTrigger::Scheduled && b.status == WorkflowStatus::Active)
            .then_some(b.every_hours)
            .flatten()
    });
    let now_on = (w.trigger_kind == WorkflowTrigger::Scheduled
        && w.status == WorkflowStatus::Active)
        .then_some(w.every_hours)
        .flatten();
    let next = match now_on {
        Some(h) if was != Some(h) || w.next_run_at.is_none() => {
            let at = whole_second(UtcTime::now().0 + Duration::hours(i64::from(h)));
            queue(c, t, id, at)?;
            Some(at)
        }
        Some(_) => w.next_run_at,
        None => None,
    };
    diesel::update(wf::table.filter(wf::tenant_id.eq(t)).filter(wf::id.eq(id)))
        .set((wf::hook_secret.eq(secret), wf::next_run_at.eq(next)))
        .execute(c)?;
    Ok(())
}

/// Whether a task is already the subject of an unfinished run of `w`.
fn running_on(c: &mut DbConn, t: TenantId, w: WorkflowId, task: TaskId) -> AppResult<bool> {
    let open = [
        ExecutionStatus::Pending,
        ExecutionStatus::Running,
        ExecutionStatus::Paused,
    ];
    Ok(we::table
        .filter(we::tenant_id.eq(t))
        .filter(we::task_id.eq(task))
        .filter(we::workflow_id.eq(w))
        .filter(we::status.eq_any(open))
        .select(we::id)
        .first::<ExecutionId>(c)
        .optional()?
        .is_some())
}

/// Called in the transaction that moves `task` to `to`: starts every active
/// event workflow waiting for that status (in the task's project or any),
/// linked to the task, unless a run of it on this task is still open.
/// Returns how many started.
pub fn task_entered(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    task: &Task,
    to: TaskStatus,
    meta: &RequestMeta,
) -> AppResult<usize> {
    let waiting: Vec<Workflow> = wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(wf::trigger_kind.eq(WorkflowTrigger::Event))
        .filter(wf::status.eq(WorkflowStatus::Active))
        .filter(wf::trigger_status.eq(to))
        .filter(
            wf::trigger_project_id
                .is_null()
                .or(wf::trigger_project_id.eq(task.project_id)),
        )
        .order(wf::id.asc())
        .limit(MAX_PER_EVENT)
        .select(Workflow::as_select())
        .load(c)?;
    let mut started = 0;
    for w in waiting {
        if running_on(c, t, w.id, task.id)? {
            continue;
        }
        workflows::start(c, t, Some(by), &w, Some(task.id), "event", Some(meta))?;
        started += 1;
    }
    Ok(started)
}

/// The `projects.workflow_schedule` job: starts the run it is for when that
/// is still the workflow's next run, and queues the one after.
pub fn run_schedule_job(ctx: &JobCtx) -> Result<(), String> {
    let p = &ctx.job.payload.0;
    let id = p
        .get("workflow")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse::<WorkflowId>().ok())
        .ok_or("the job names no workflow")?;
    let at = p
        .get("at")
        .and_then(|v| v.as_str())
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|d| UtcTime(d.with_timezone(&chrono::Utc)));
    let mut tc = ctx.conn().map_err(|e| e.to_string())?;
    tc.write(|c, t| scheduled_run(c, t, id, at, UtcTime::now()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Starts the scheduled run due `at` (when it is still the workflow's next
/// one) and queues the following; returns the run started, if any.
pub fn scheduled_run(
    c: &mut DbConn,
    t: TenantId,
    id: WorkflowId,
    at: Option<UtcTime>,
    now: UtcTime,
) -> AppResult<Option<ExecutionId>> {
    crate::db::lock_tenant_row(c, "projects_workflows", t, id.0)?;
    let Some(w) = wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(wf::id.eq(id))
        .select(Workflow::as_select())
        .first::<Workflow>(c)
        .optional()?
    else {
        return Ok(None);
    };
    let due = match (w.next_run_at, at, w.every_hours) {
        (Some(next), Some(at), Some(h))
            if next == at
                && w.status == WorkflowStatus::Active
                && w.trigger_kind == WorkflowTrigger::Scheduled =>
        {
            Some((next, h))
        }
        _ => None,
    };
    let Some((next, hours)) = due else {
        return Ok(None);
    };
    let run = workflows::start(c, t, None, &w, None, "schedule", None)?;
    // The next run after `next` that is still ahead (a worker that was down
    // for a day does not start a day's worth of runs).
    let step = Duration::hours(i64::from(hours));
    let mut following = next.0 + step;
    while following <= now.0 {
        following += step;
    }
    let following = whole_second(following);
    diesel::update(wf::table.filter(wf::tenant_id.eq(t)).filter(wf::id.eq(id)))
        .set(wf::next_run_at.eq(Some(following)))
        .execute(c)?;
    queue(c, t, id, following)?;
    Ok(Some(run))
}

/// A time to whole seconds, so that it reads back equal from either
/// database and from the job's JSON.
fn whole_second(at: chrono::DateTime<chrono::Utc>) -> UtcTime {
    use chrono::SubsecRound;
    UtcTime(at.trunc_subsecs(0))
}

/// Queues the job for the scheduled run due `at`.
fn queue(c: &mut DbConn, t: TenantId, id: WorkflowId, at: UtcTime) -> AppResult<()> {
    jobs::enqueue_at(
        c,
        t,
        SCHEDULE_KIND,
        json!({"workflow": id, "at": at.0.to_rfc3339()}),
        None,
        at,
    )?;
    Ok(())
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of
/// `timestamp.body` under `secret`, in constant time.
pub fn signature_ok(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sent) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sent).is_ok()
}

/// The signature a caller sends (for the workflow page's example and tests).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Why a webhook call was refused: the status and a message for the caller.
#[derive(Debug, PartialEq)]
pub enum HookRefusal {
    /// 401: no valid signature, or too old.
    Unsigned(&'static str),
    /// 409: the workflow is not an active webhook workflow.
    NotNow(String),
    /// 422: the body named a task that does not exist.
    BadTask(String),
}

/// A verified webhook call's body: `{"task": "KEY-12"}` or `{}`.
#[derive(Debug, Default, serde::Deserialize)]
struct HookBody {
    #[serde(default)]
    task: Option<String>,
}

/// Checks and answers a webhook call: the signature over the timestamp and
/// body, its age, the workflow's state, and the task the body may name;
/// then starts a run. 404 (as an error) for an unknown workflow.
pub fn webhook(
    c: &mut DbConn,
    t: TenantId,
    id: WorkflowId,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: UtcTime,
) -> AppResult<Result<ExecutionId, HookRefusal>> {
    // A deactivated workspace takes no calls: as unknown as a wrong id.
    let active: Option<crate::workspaces::WorkspaceStatus> = crate::schema::tenants::table
        .find(t)
        .select(crate::schema::tenants::status)
        .first(c)
        .optional()?;
    if active != Some(crate::workspaces::WorkspaceStatus::Active) {
        return Err(AppError::NotFound);
    }
    let w: Workflow = wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(wf::id.eq(id))
        .select(Workflow::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if w.hook_secret.is_empty() || !signature_ok(&w.hook_secret, timestamp, body, signature) {
        return Ok(Err(HookRefusal::Unsigned(
            "The signature does not match this workflow's secret.",
        )));
    }
    let fresh = timestamp
        .trim()
        .parse::<i64>()
        .is_ok_and(|ts| (now.0.timestamp() - ts).abs() <= HOOK_WINDOW_SECS);
    if !fresh {
        return Ok(Err(HookRefusal::Unsigned(
            "The timestamp is missing or more than five minutes away from now.",
        )));
    }
    if w.status != WorkflowStatus::Active || w.trigger_kind != WorkflowTrigger::Webhook {
        return Ok(Err(HookRefusal::NotNow(format!(
            "The workflow “{}” is not an active webhook workflow.",
            w.name
        ))));
    }
    let parsed: HookBody = if body.iter().all(u8::is_ascii_whitespace) {
        HookBody::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(b) => b,
            Err(_) => {
                return Ok(Err(HookRefusal::BadTask(
                    "The body is not JSON of the form {\"task\": \"KEY-12\"}.".into(),
                )))
            }
        }
    };
    let task = match parsed.task.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match find_by_key(c, t, raw)? {
            Some(task) => Some(task),
            None => {
                return Ok(Err(HookRefusal::BadTask(format!(
                    "There is no live task {raw} in this workspace."
                ))))
            }
        },
    };
    workflows::start(c, t, None, &w, task, "webhook", None).map(Ok)
}

/// A live task by its key and number (`REL-12`).
pub fn find_by_key(c: &mut DbConn, t: TenantId, raw: &str) -> AppResult<Option<TaskId>> {
    let Some((key, number)) = raw.rsplit_once('-') else {
        return Ok(None);
    };
    let Ok(number) = number.parse::<i64>() else {
        return Ok(None);
    };
    Ok(projects_tasks::table
        .inner_join(
            projects_projects::table.on(projects_projects::tenant_id
                .eq(projects_tasks::tenant_id)
                .and(projects_projects::id.eq(projects_tasks::project_id))),
        )
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_projects::key.eq(key.to_uppercase()))
        .filter(projects_projects::deleted_at.is_null())
        .filter(projects_tasks::number.eq(number))
        .filter(projects_tasks::deleted_at.is_null())
        .select(projects_tasks::id)
        .first(c)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::{sign, signature_ok};

    #[test]
    fn a_signature_covers_the_timestamp_and_the_body() {
        let s = sign("k3y", "1700000000", b"{\"task\":\"REL-1\"}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert!(signature_ok(
            "k3y",
            "1700000000",
            b"{\"task\":\"REL-1\"}",
            &s
        ));
        assert!(!signature_ok(
            "k3y",
            "1700000001",
            b"{\"task\":\"REL-1\"}",
            &s
        ));
        assert!(!signature_ok(
            "k3y",
            "1700000000",
            b"{\"task\":\"REL-2\"}",
            &s
        ));
        assert!(!signature_ok(
            "other",
            "1700000000",
            b"{\"task\":\"REL-1\"}",
            &s
        ));
        assert!(!signature_ok("k3y", "1700000000", b"{}", "md5=00"));
    }
}
