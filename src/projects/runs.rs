//! Workflow runs ("executions") that keep the version they started on, the
//! steps they took, and approvals that expire through the
//! `projects.workflow_expiry` job; starting a run, whatever its trigger.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use super::models::*;
use super::workflow_def::{Definition, StepKind};
use super::workflows::{find, parse_stored, version_row, EXPIRY_KIND, SHOWN};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, worker::JobCtx};
use crate::schema::{
    projects_workflow_approvals as wa, projects_workflow_executions as we,
    projects_workflow_steps as ws, projects_workflow_versions as wv, projects_workflows as wf,
};
use crate::web::extract::RequestMeta;

/// A workflow's runs, newest first.
pub fn executions(c: &mut DbConn, t: TenantId, id: WorkflowId) -> AppResult<Vec<Execution>> {
    Ok(we::table
        .filter(we::tenant_id.eq(t))
        .filter(we::workflow_id.eq(id))
        .order(we::id.desc())
        .limit(SHOWN)
        .select(Execution::as_select())
        .load(c)?)
}

/// A run of the workflow (a run of another workflow, or workspace: 404).
pub fn find_execution(
    c: &mut DbConn,
    t: TenantId,
    w: WorkflowId,
    id: ExecutionId,
) -> AppResult<Execution> {
    Ok(we::table
        .filter(we::tenant_id.eq(t))
        .filter(we::workflow_id.eq(w))
        .filter(we::id.eq(id))
        .select(Execution::as_select())
        .first(c)?)
}

/// Everything the run's page shows.
pub struct ExecutionView {
    pub workflow: Workflow,
    pub execution: Execution,
    pub def: Definition,
    pub steps: Vec<ExecutionStep>,
    pub approvals: Vec<Approval>,
    /// The current approver's pending approval, if the user is one.
    pub mine: Option<Approval>,
    /// The task the run is about: its project, id and `KEY-12` label.
    pub task: Option<(ProjectId, TaskId, String)>,
}

pub fn execution_view(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    w: WorkflowId,
    id: ExecutionId,
) -> AppResult<ExecutionView> {
    let workflow = find(c, t, w)?;
    let execution = find_execution(c, t, w, id)?;
    let def = definition_of(c, t, &execution)?;
    let steps = ws::table
        .filter(ws::tenant_id.eq(t))
        .filter(ws::execution_id.eq(id))
        .order(ws::id.asc())
        .limit(SHOWN)
        .select(ExecutionStep::as_select())
        .load(c)?;
    let approvals: Vec<Approval> = wa::table
        .filter(wa::tenant_id.eq(t))
        .filter(wa::execution_id.eq(id))
        .order(wa::id.asc())
        .limit(SHOWN)
        .select(Approval::as_select())
        .load(c)?;
    let mine = approvals
        .iter()
        .find(|a| {
            a.approver_id == me
                && a.status == ApprovalStatus::Pending
                && a.step_key == execution.current_step
                && execution.status == ExecutionStatus::Running
        })
        .cloned();
    let task = match execution.task_id {
        Some(id) => task_label(c, t, id)?,
        None => None,
    };
    Ok(ExecutionView {
        workflow,
        execution,
        def,
        steps,
        approvals,
        mine,
        task,
    })
}

fn definition_of(c: &mut DbConn, t: TenantId, e: &Execution) -> AppResult<Definition> {
    let v: WorkflowVersion = wv::table
        .filter(wv::tenant_id.eq(t))
        .filter(wv::id.eq(e.version_id))
        .select(WorkflowVersion::as_select())
        .first(c)?;
    parse_stored(&v)
}

pub(super) fn record_step(
    c: &mut DbConn,
    t: TenantId,
    e: ExecutionId,
    key: &str,
    outcome: &str,
    actor: Option<UserId>,
    comment: &str,
) -> AppResult<()> {
    diesel::insert_into(ws::table)
        .values(ExecutionStep {
            tenant_id: t,
            id: ExecutionStepId::new(),
            execution_id: e,
            step_key: key.to_string(),
            outcome: outcome.to_string(),
            actor_id: actor,
            comment: comment.to_string(),
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    Ok(())
}

pub(super) fn set_status(
    c: &mut DbConn,
    t: TenantId,
    e: ExecutionId,
    status: ExecutionStatus,
) -> AppResult<()> {
    let finished = status.is_finished().then(UtcTime::now);
    diesel::update(we::table.filter(we::tenant_id.eq(t)).filter(we::id.eq(e)))
        .set((we::status.eq(status), we::finished_at.eq(finished)))
        .execute(c)?;
    Ok(())
}

/// Moves the run into `key` (a step of its version): an end step completes
/// it; an approval step asks its approvers and queues the expiry job.
fn enter(
    c: &mut DbConn,
    t: TenantId,
    e: &Execution,
    d: &Definition,
    days: i32,
    key: &str,
    by: Option<UserId>,
) -> AppResult<()> {
    let step = d
        .step(key)
        .ok_or_else(|| AppError::Internal(format!("run {} names no step {key}", e.id)))?;
    diesel::update(
        we::table
            .filter(we::tenant_id.eq(t))
            .filter(we::id.eq(e.id)),
    )
    .set(we::current_step.eq(key))
    .execute(c)?;
    match step.kind {
        StepKind::End => {
            record_step(c, t, e.id, key, "completed", by, "")?;
            set_status(c, t, e.id, ExecutionStatus::Completed)?;
            super::notify::run_ended(c, t, e, ExecutionStatus::Completed, by)?;
            audit::record(
                c,
                NewEvent::tenant(t, "workflow.complete")
                    .resource("workflow_execution", e.id)
                    .changes(json!({"step": key})),
            )?;
        }
        StepKind::Approval => {
            let now = UtcTime::now();
            let expires = now + Duration::days(i64::from(days));
            for a in &step.approvers {
                diesel::insert_into(wa::table)
                    .values(Approval {
                        tenant_id: t,
                        id: ApprovalId::new(),
                        execution_id: e.id,
                        step_key: key.to_string(),
                        approver_id: UserId(Id(*a)),
                        status: ApprovalStatus::Pending,
                        expires_at: expires,
                        decided_at: None,
                        comment: String::new(),
                        created_at: now,
                    })
                    .execute(c)?;
            }
            jobs::enqueue_at(c, t, EXPIRY_KIND, json!({"execution": e.id}), by, expires)?;
            let approvers: Vec<UserId> = step.approvers.iter().map(|a| UserId(Id(*a))).collect();
            super::notify::approval_requested(c, t, e, key, &approvers, by)?;
        }
        StepKind::Task => {}
    }
    Ok(())
}

/// Follows `outcome` out of the run's current step: to its `next` target, or,
/// with none given, the run fails.
fn follow(
    c: &mut DbConn,
    t: TenantId,
    e: &Execution,
    d: &Definition,
    days: i32,
    outcome: &str,
    by: Option<UserId>,
) -> AppResult<()> {
    let next = d
        .step(&e.current_step)
        .and_then(|s| s.next.get(outcome))
        .cloned();
    match next {
        Some(k) => enter(c, t, e, d, days, &k, by),
        None => {
            set_status(c, t, e.id, ExecutionStatus::Failed)?;
            super::notify::run_ended(c, t, e, ExecutionStatus::Failed, by)?;
            audit::record(
                c,
                NewEvent::tenant(t, "workflow.fail")
                    .resource("workflow_execution", e.id)
                    .changes(json!({"step": e.current_step, "outcome": outcome})),
            )
        }
    }
}

/// Closes the pending approvals of the step being left.
fn close_pending(c: &mut DbConn, t: TenantId, e: &Execution, comment: &str) -> AppResult<()> {
    diesel::update(
        wa::table
            .filter(wa::tenant_id.eq(t))
            .filter(wa::execution_id.eq(e.id))
            .filter(wa::step_key.eq(&e.current_step))
            .filter(wa::status.eq(ApprovalStatus::Pending)),
    )
    .set((
        wa::status.eq(ApprovalStatus::Expired),
        wa::decided_at.eq(Some(UtcTime::now())),
        wa::comment.eq(comment),
    ))
    .execute(c)?;
    Ok(())
}

/// Starts a run of an active, manually triggered workflow on its current
/// version, linked to `task` when given. A refusal is a message for the
/// page.
pub fn run(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: WorkflowId,
    task: Option<TaskId>,
    meta: &RequestMeta,
) -> AppResult<Result<ExecutionId, String>> {
    let w = find(c, t, id)?;
    if w.status != WorkflowStatus::Active {
        return Ok(Err(format!(
            "Only an active workflow can run; this one is {}.",
            w.status.label().to_lowercase()
        )));
    }
    if w.trigger_kind != WorkflowTrigger::Manual {
        return Ok(Err(
            "Only a manually triggered workflow has a Run button.".into()
        ));
    }
    if let Some(task) = task {
        live_task(c, t, task)?;
    }
    start(c, t, Some(by), &w, task, "manual", Some(meta)).map(Ok)
}

/// A task's project, id and `KEY-12` label, while both are live.
fn task_label(
    c: &mut DbConn,
    t: TenantId,
    id: TaskId,
) -> AppResult<Option<(ProjectId, TaskId, String)>> {
    use crate::schema::{projects_projects as pp, projects_tasks as pt};
    let found: Option<(ProjectId, String, i64, String)> = pt::table
        .inner_join(
            pp::table.on(pp::tenant_id
                .eq(pt::tenant_id)
                .and(pp::id.eq(pt::project_id))),
        )
        .filter(pt::tenant_id.eq(t))
        .filter(pt::id.eq(id))
        .filter(pt::deleted_at.is_null())
        .filter(pp::deleted_at.is_null())
        .select((pp::id, pp::key, pt::number, pt::title))
        .first(c)
        .optional()?;
    Ok(found.map(|(p, key, n, title)| (p, id, format!("{key}-{n} {title}"))))
}

/// The runs about a task, newest first, with their workflow's name.
pub fn for_task(c: &mut DbConn, t: TenantId, task: TaskId) -> AppResult<Vec<(Execution, String)>> {
    Ok(we::table
        .inner_join(
            wf::table.on(wf::tenant_id
                .eq(we::tenant_id)
                .and(wf::id.eq(we::workflow_id))),
        )
        .filter(we::tenant_id.eq(t))
        .filter(we::task_id.eq(task))
        .order(we::id.desc())
        .limit(20)
        .select((Execution::as_select(), wf::name))
        .load(c)?)
}

/// The workflows a member can start by hand (active, manual), by name.
pub fn startable(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Workflow>> {
    Ok(wf::table
        .filter(wf::tenant_id.eq(t))
        .filter(wf::status.eq(WorkflowStatus::Active))
        .filter(wf::trigger_kind.eq(WorkflowTrigger::Manual))
        .order(wf::name.asc())
        .limit(50)
        .select(Workflow::as_select())
        .load(c)?)
}

/// A live task of a live project of the workspace (404 otherwise).
fn live_task(c: &mut DbConn, t: TenantId, id: TaskId) -> AppResult<()> {
    use crate::schema::{projects_projects as pp, projects_tasks as pt};
    pt::table
        .inner_join(
            pp::table.on(pp::tenant_id
                .eq(pt::tenant_id)
                .and(pp::id.eq(pt::project_id))),
        )
        .filter(pt::tenant_id.eq(t))
        .filter(pt::id.eq(id))
        .filter(pt::deleted_at.is_null())
        .filter(pp::deleted_at.is_null())
        .select(pt::id)
        .first::<TaskId>(c)?;
    Ok(())
}

/// Starts a run of `w` on its current version, whatever started it
/// (`cause`: manual, event, scheduled, webhook); the caller checked that it
/// may. The run enters its first step at once.
pub fn start(
    c: &mut DbConn,
    t: TenantId,
    by: Option<UserId>,
    w: &Workflow,
    task: Option<TaskId>,
    cause: &str,
    meta: Option<&RequestMeta>,
) -> AppResult<ExecutionId> {
    let v = version_row(c, t, w.id, w.current_version)?;
    let d = parse_stored(&v)?;
    let e = Execution {
        tenant_id: t,
        id: ExecutionId::new(),
        workflow_id: w.id,
        version_id: v.id,
        version: v.version,
        status: ExecutionStatus::Running,
        current_step: d.start.clone(),
        started_by: by,
        task_id: task,
        started_at: UtcTime::now(),
        finished_at: None,
    };
    diesel::insert_into(we::table).values(&e).execute(c)?;
    let note = match cause {
        "manual" => String::new(),
        other => format!("Started by its {other} trigger."),
    };
    record_step(c, t, e.id, &d.start, "started", by, &note)?;
    let mut event = NewEvent::tenant(t, "workflow.run")
        .resource("workflow_execution", e.id)
        .changes(json!({"workflow": w.id, "version": v.version, "cause": cause, "task": task}));
    if let Some(by) = by {
        event = event.actor(by);
    }
    if let Some(meta) = meta {
        event = event.meta(meta);
    }
    audit::record(c, event)?;
    enter(c, t, &e, &d, w.approval_days, &d.start, by)?;
    Ok(e.id)
}

/// An approver's answer to the run's current approval step. Not an approver
/// of that step: 403. Every approver must approve; one rejection decides.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    w: WorkflowId,
    id: ExecutionId,
    approve: bool,
    comment: &str,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let workflow = find(c, t, w)?;
    let e = find_execution(c, t, w, id)?;
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Ok(Err("A comment is at most 2000 characters.".into()));
    }
    let mine: Option<Approval> = wa::table
        .filter(wa::tenant_id.eq(t))
        .filter(wa::execution_id.eq(id))
        .filter(wa::step_key.eq(&e.current_step))
        .filter(wa::approver_id.eq(by))
        .filter(wa::status.eq(ApprovalStatus::Pending))
        .select(Approval::as_select())
        .first(c)
        .optional()?;
    let Some(mine) = mine.filter(|_| e.status == ExecutionStatus::Running) else {
        return Err(AppError::Forbidden(
            "You have no pending approval on this run.".into(),
        ));
    };
    let status = if approve {
        ApprovalStatus::Approved
    } else {
        ApprovalStatus::Rejected
    };
    diesel::update(
        wa::table
            .filter(wa::tenant_id.eq(t))
            .filter(wa::id.eq(mine.id)),
    )
    .set((
        wa::status.eq(status),
        wa::decided_at.eq(Some(UtcTime::now())),
        wa::comment.eq(comment),
    ))
    .execute(c)?;
    record_step(
        c,
        t,
        id,
        &e.current_step,
        status.as_str(),
        Some(by),
        comment,
    )?;
    audit::record(
        c,
        NewEvent::tenant(
            t,
            if approve {
                "workflow.approve"
            } else {
                "workflow.reject"
            },
        )
        .actor(by)
        .resource("workflow_execution", id)
        .meta(meta)
        .changes(json!({"step": e.current_step, "comment": comment})),
    )?;
    let d = definition_of(c, t, &e)?;
    if approve {
        let waiting: Option<ApprovalId> = wa::table
            .filter(wa::tenant_id.eq(t))
            .filter(wa::execution_id.eq(id))
            .filter(wa::step_key.eq(&e.current_step))
            .filter(wa::status.eq(ApprovalStatus::Pending))
            .select(wa::id)
            .first(c)
            .optional()?;
        if waiting.is_none() {
            follow(c, t, &e, &d, workflow.approval_days, "approved", Some(by))?;
        }
    } else {
        close_pending(c, t, &e, "Not needed: the step was rejected.")?;
        follow(c, t, &e, &d, workflow.approval_days, "rejected", Some(by))?;
    }
    Ok(Ok(()))
}

/// Marks the run's current task step done and moves on.
pub fn task_done(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    w: WorkflowId,
    id: ExecutionId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let workflow = find(c, t, w)?;
    let e = find_execution(c, t, w, id)?;
    let d = definition_of(c, t, &e)?;
    let is_task = d.step(&e.current_step).map(|s| s.kind) == Some(StepKind::Task);
    if e.status != ExecutionStatus::Running || !is_task {
        return Ok(Err("The run is not waiting on a task step.".into()));
    }
    record_step(c, t, id, &e.current_step, "done", Some(by), "")?;
    audit::record(
        c,
        NewEvent::tenant(t, "workflow.task_done")
            .actor(by)
            .resource("workflow_execution", id)
            .meta(meta)
            .changes(json!({"step": e.current_step})),
    )?;
    follow(c, t, &e, &d, workflow.approval_days, "done", Some(by))?;
    Ok(Ok(()))
}

/// Cancels a run that has not finished (its starter or an admin).
pub fn cancel(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    is_admin: bool,
    w: WorkflowId,
    id: ExecutionId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let e = find_execution(c, t, w, id)?;
    if !is_admin && e.started_by != Some(by) {
        return Err(AppError::Forbidden(
            "Only whoever started the run, or an admin, can cancel it.".into(),
        ));
    }
    if e.status.is_finished() {
        return Ok(Err("The run has already finished.".into()));
    }
    close_pending(c, t, &e, "Not needed: the run was cancelled.")?;
    record_step(c, t, id, &e.current_step, "cancelled", Some(by), "")?;
    set_status(c, t, id, ExecutionStatus::Cancelled)?;
    super::notify::run_ended(c, t, &e, ExecutionStatus::Cancelled, Some(by))?;
    audit::record(
        c,
        NewEvent::tenant(t, "workflow.cancel")
            .actor(by)
            .resource("workflow_execution", id)
            .meta(meta)
            .changes(json!({"step": e.current_step})),
    )?;
    Ok(Ok(()))
}

/// Expires every overdue pending approval of the tenant whose run still
/// waits on that step: the run follows `expired`, or fails. Returns how many
/// runs moved.
pub fn expire_due(c: &mut DbConn, t: TenantId, now: UtcTime) -> AppResult<usize> {
    let due: Vec<(ExecutionId, String)> = wa::table
        .inner_join(
            we::table.on(we::tenant_id
                .eq(wa::tenant_id)
                .and(we::id.eq(wa::execution_id))
                .and(we::current_step.eq(wa::step_key))),
        )
        .filter(wa::tenant_id.eq(t))
        .filter(wa::status.eq(ApprovalStatus::Pending))
        .filter(wa::expires_at.le(now))
        .filter(we::status.eq(ExecutionStatus::Running))
        .select((wa::execution_id, wa::step_key))
        .distinct()
        .limit(1_000)
        .load(c)?;
    let mut moved = 0;
    for (id, _) in due {
        let e: Execution = we::table
            .filter(we::tenant_id.eq(t))
            .filter(we::id.eq(id))
            .select(Execution::as_select())
            .first(c)?;
        let w = find(c, t, e.workflow_id)?;
        let d = definition_of(c, t, &e)?;
        close_pending(c, t, &e, "Expired: no answer in time.")?;
        record_step(c, t, id, &e.current_step, "expired", None, "")?;
        audit::record(
            c,
            NewEvent::tenant(t, "workflow.expire")
                .resource("workflow_execution", id)
                .changes(json!({"step": e.current_step})),
        )?;
        follow(c, t, &e, &d, w.approval_days, "expired", None)?;
        moved += 1;
    }
    Ok(moved)
}

/// A member left the workspace: their pending approvals can never be given,
/// so each one closes now ("approver left") instead of holding the run until
/// it expires. When that was the step's last pending approval, the run moves
/// on: "approved" if the other approvers approved, else "expired" (as if
/// nobody had answered in time).
pub fn approver_left(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<()> {
    const LEFT: &str = "Closed: the approver left the workspace.";
    let pending: Vec<(ApprovalId, ExecutionId)> = wa::table
        .inner_join(
            we::table.on(we::tenant_id
                .eq(wa::tenant_id)
                .and(we::id.eq(wa::execution_id))
                .and(we::current_step.eq(wa::step_key))),
        )
        .filter(wa::tenant_id.eq(t))
        .filter(wa::approver_id.eq(user))
        .filter(wa::status.eq(ApprovalStatus::Pending))
        .filter(we::status.eq(ExecutionStatus::Running))
        .select((wa::id, wa::execution_id))
        .load(c)?;
    for (approval, id) in pending {
        diesel::update(
            wa::table
                .filter(wa::tenant_id.eq(t))
                .filter(wa::id.eq(approval)),
        )
        .set((
            wa::status.eq(ApprovalStatus::Expired),
            wa::decided_at.eq(Some(UtcTime::now())),
            wa::comment.eq(LEFT),
        ))
        .execute(c)?;
        let e: Execution = we::table
            .filter(we::tenant_id.eq(t))
            .filter(we::id.eq(id))
            .select(Execution::as_select())
            .first(c)?;
        record_step(c, t, id, &e.current_step, "expired", Some(user), LEFT)?;
        audit::record(
            c,
            NewEvent::tenant(t, "workflow.approver_left")
                .resource("workflow_execution", id)
                .changes(json!({"step": e.current_step, "approver": user})),
        )?;
        let answers: Vec<ApprovalStatus> = wa::table
            .filter(wa::tenant_id.eq(t))
            .filter(wa::execution_id.eq(id))
            .filter(wa::step_key.eq(&e.current_step))
            .select(wa::status)
            .load(c)?;
        if answers.contains(&ApprovalStatus::Pending) {
            continue;
        }
        let outcome = if answers.contains(&ApprovalStatus::Approved) {
            "approved"
        } else {
            "expired"
        };
        let w = find(c, t, e.workflow_id)?;
        let d = definition_of(c, t, &e)?;
        follow(c, t, &e, &d, w.approval_days, outcome, None)?;
    }
    Ok(())
}

/// The `projects.workflow_expiry` job: expires everything past due in its
/// tenant (so one late job catches up on others).
pub fn run_expiry_job(ctx: &JobCtx) -> Result<(), String> {
    let mut tc = ctx.conn().map_err(|e| e.to_string())?;
    tc.write(|c, t| expire_due(c, t, UtcTime::now()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Names of the users on a run's page.
pub fn names(c: &mut DbConn, v: &ExecutionView) -> AppResult<Vec<(UserId, String)>> {
    let mut ids: Vec<UserId> = v.approvals.iter().map(|a| a.approver_id).collect();
    ids.extend(v.steps.iter().filter_map(|s| s.actor_id));
    ids.extend(v.execution.started_by);
    super::project::user_names(c, ids)
}
