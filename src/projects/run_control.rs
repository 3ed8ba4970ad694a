//! Pausing and resuming a workflow run (its starter or an admin). A paused
//! run takes no answers and no "done", and its approvals do not expire; on
//! resuming, the expiry job is queued at once, so approvals that fell due
//! meanwhile expire then.

use serde_json::json;

use super::models::*;
use super::workflows::{find_execution, record_step, set_status, EXPIRY_KIND};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::jobs;
use crate::web::extract::RequestMeta;

/// Pauses a running run, or resumes a paused one (`pause` false). A
/// refusal is a message for the page.
#[allow(clippy::too_many_arguments)]
pub fn set_paused(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    is_admin: bool,
    w: WorkflowId,
    id: ExecutionId,
    pause: bool,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let e = find_execution(c, t, w, id)?;
    if !is_admin && e.started_by != Some(by) {
        return Err(AppError::Forbidden(
            "Only whoever started the run, or an admin, can pause or resume it.".into(),
        ));
    }
    let (from, to, outcome, action) = if pause {
        (
            ExecutionStatus::Running,
            ExecutionStatus::Paused,
            "paused",
            "workflow.pause",
        )
    } else {
        (
            ExecutionStatus::Paused,
            ExecutionStatus::Running,
            "resumed",
            "workflow.resume",
        )
    };
    if e.status != from {
        return Ok(Err(format!(
            "Only a {} run can be {outcome}; this one is {}.",
            from.label().to_lowercase(),
            e.status.label().to_lowercase()
        )));
    }
    set_status(c, t, id, to)?;
    record_step(c, t, id, &e.current_step, outcome, Some(by), "")?;
    if !pause {
        jobs::enqueue(c, t, EXPIRY_KIND, json!({"execution": id}), Some(by))?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, action)
            .actor(by)
            .resource("workflow_execution", id)
            .meta(meta)
            .changes(json!({"step": e.current_step})),
    )?;
    Ok(Ok(()))
}
