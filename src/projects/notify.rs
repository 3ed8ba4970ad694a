//! What the projects module tells people through the notification centre:
//! a task assigned to them, an approval waiting for them, how a run they
//! started ended, and comments on tasks they are assigned to or reported.

use diesel::prelude::*;

use super::models::{Execution, ExecutionStatus, Task};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{Delivery, NoticeKind};
use crate::notifications::{notify, Notice};
use crate::schema::{projects_projects, projects_workflows, users};

pub const ASSIGNED: NoticeKind = NoticeKind {
    key: "projects.assigned",
    label: "A task is assigned to you",
    in_app: true,
    email: Delivery::Digest,
};
pub const APPROVAL: NoticeKind = NoticeKind {
    key: "projects.approval",
    label: "A workflow run waits for your approval",
    in_app: true,
    email: Delivery::Immediate,
};
pub const RUN_ENDED: NoticeKind = NoticeKind {
    key: "projects.run_ended",
    label: "A workflow run you started ends",
    in_app: true,
    email: Delivery::Off,
};
pub const COMMENT: NoticeKind = NoticeKind {
    key: "projects.comment",
    label: "Someone comments on a task you are assigned to or reported",
    in_app: true,
    email: Delivery::Off,
};

/// The module's kinds, on the preferences page in this order.
pub const KINDS: [NoticeKind; 4] = [ASSIGNED, APPROVAL, RUN_ENDED, COMMENT];

fn name_of(c: &mut DbConn, user: Option<UserId>) -> AppResult<String> {
    Ok(match user {
        Some(u) => users::table
            .filter(users::id.eq(u))
            .select(users::name)
            .first(c)
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    })
}

fn project_name(c: &mut DbConn, t: TenantId, task: &Task) -> AppResult<String> {
    Ok(projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::id.eq(task.project_id))
        .select(projects_projects::name)
        .first(c)?)
}

fn task_link(task: &Task) -> String {
    format!("projects/{}/tasks/{}", task.project_id, task.id)
}

/// `task` was just assigned to `to` by `by`.
pub fn assigned(c: &mut DbConn, t: TenantId, by: UserId, task: &Task, to: UserId) -> AppResult<()> {
    let (who, project) = (name_of(c, Some(by))?, project_name(c, t, task)?);
    notify(
        c,
        t,
        &Notice {
            kind: &KINDS[0],
            to,
            actor: Some(by),
            title: format!("{who} assigned you #{} {}", task.number, task.title),
            body: format!("In {project}."),
            link: task_link(task),
        },
    )?;
    Ok(())
}

/// `by` commented on `task`: its assignee and reporter hear of it.
pub fn commented(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    task: &Task,
    excerpt: &str,
) -> AppResult<()> {
    let who = name_of(c, Some(by))?;
    let mut told = Vec::new();
    for to in [task.assignee_id, task.reporter_id].into_iter().flatten() {
        if told.contains(&to) {
            continue;
        }
        told.push(to);
        notify(
            c,
            t,
            &Notice {
                kind: &KINDS[3],
                to,
                actor: Some(by),
                title: format!("{who} commented on #{} {}", task.number, task.title),
                body: excerpt.to_string(),
                link: task_link(task),
            },
        )?;
    }
    Ok(())
}

fn workflow_name(c: &mut DbConn, t: TenantId, e: &Execution) -> AppResult<String> {
    Ok(projects_workflows::table
        .filter(projects_workflows::tenant_id.eq(t))
        .filter(projects_workflows::id.eq(e.workflow_id))
        .select(projects_workflows::name)
        .first(c)?)
}

fn run_link(e: &Execution) -> String {
    format!("projects/workflows/{}/runs/{}", e.workflow_id, e.id)
}

/// The run `e` entered approval step `step`: each approver is asked.
pub fn approval_requested(
    c: &mut DbConn,
    t: TenantId,
    e: &Execution,
    step: &str,
    approvers: &[UserId],
    by: Option<UserId>,
) -> AppResult<()> {
    let name = workflow_name(c, t, e)?;
    for to in approvers {
        notify(
            c,
            t,
            &Notice {
                kind: &KINDS[1],
                to: *to,
                actor: by,
                title: format!("Your approval is needed: {name}"),
                body: format!("Step “{step}” of a run of “{name}” waits for your decision."),
                link: run_link(e),
            },
        )?;
    }
    Ok(())
}

/// The run `e` ended with `status`: whoever started it hears how.
pub fn run_ended(
    c: &mut DbConn,
    t: TenantId,
    e: &Execution,
    status: ExecutionStatus,
    by: Option<UserId>,
) -> AppResult<()> {
    let Some(to) = e.started_by else {
        return Ok(());
    };
    let name = workflow_name(c, t, e)?;
    notify(
        c,
        t,
        &Notice {
            kind: &KINDS[2],
            to,
            actor: by,
            title: format!("Your run of “{name}” is {}", status.label().to_lowercase()),
            body: String::new(),
            link: run_link(e),
        },
    )?;
    Ok(())
}
