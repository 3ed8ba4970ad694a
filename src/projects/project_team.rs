//! A project's team: who is on it and in which role (lead, member,
//! observer); the manager is always a lead. When someone leaves the
//! workspace they leave every team.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::project::{find_live, member_field, MAX_CHOICES};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{projects_members, projects_tasks, users};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// A person on the project's team.
#[derive(Debug, Clone)]
pub struct TeamRow {
    pub member: ProjectMember,
    pub name: String,
    pub email: String,
}

/// The project's team, leads first.
pub fn team(c: &mut DbConn, t: TenantId, id: ProjectId) -> AppResult<Vec<TeamRow>> {
    let rows: Vec<(ProjectMember, String, String)> = projects_members::table
        .inner_join(users::table.on(users::id.eq(projects_members::user_id)))
        .filter(projects_members::tenant_id.eq(t))
        .filter(projects_members::project_id.eq(id))
        .order((projects_members::role.asc(), users::name.asc()))
        .limit(MAX_CHOICES)
        .select((ProjectMember::as_select(), users::name, users::email))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(member, name, email)| TeamRow {
            member,
            name,
            email,
        })
        .collect())
}

pub(super) fn member_role(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    user: UserId,
) -> AppResult<Option<ProjectRole>> {
    Ok(projects_members::table
        .filter(projects_members::tenant_id.eq(t))
        .filter(projects_members::project_id.eq(project))
        .filter(projects_members::user_id.eq(user))
        .select(projects_members::role)
        .first(c)
        .optional()?)
}

pub(super) fn add_member_row(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    user: UserId,
    role: ProjectRole,
) -> AppResult<()> {
    diesel::insert_into(projects_members::table)
        .values(ProjectMember {
            tenant_id: t,
            id: ProjectMemberId::new(),
            project_id: project,
            user_id: user,
            role,
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    Ok(())
}

/// What the team form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub role: String,
}

/// Adds a workspace member to the team, or changes their role there.
pub fn set_member(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    f: &TeamForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    find_live(c, t, project)?;
    let mut e = FormErrors::default();
    let user = member_field(c, t, &mut e, "user_id", &f.user_id)?;
    let role = forms::choice(&mut e, "role", &f.role, ProjectRole::parse, "role");
    let (Some(user), Some(role)) = (user, role) else {
        if e.is_empty() {
            e.add("user_id", "Choose a member of this workspace.");
        }
        return Ok(Err(e));
    };
    match member_role(c, t, project, user)? {
        Some(_) => {
            diesel::update(
                projects_members::table
                    .filter(projects_members::tenant_id.eq(t))
                    .filter(projects_members::project_id.eq(project))
                    .filter(projects_members::user_id.eq(user)),
            )
            .set(projects_members::role.eq(role))
            .execute(c)?;
        }
        None => add_member_row(c, t, project, user, role)?,
    }
    audit::record(
        c,
        NewEvent::tenant(t, "project.member_set")
            .actor(by)
            .resource("project", project)
            .meta(meta)
            .changes(json!({"user": user.to_string(), "role": role.as_str()})),
    )?;
    Ok(Ok(()))
}

/// Takes someone off the team (the manager stays).
pub fn remove_member(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    member: ProjectMemberId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let p = find_live(c, t, project)?;
    let row: ProjectMember = projects_members::table
        .filter(projects_members::tenant_id.eq(t))
        .filter(projects_members::project_id.eq(project))
        .filter(projects_members::id.eq(member))
        .select(ProjectMember::as_select())
        .first(c)?;
    if row.user_id == p.manager_id {
        return Err(AppError::Conflict(
            "The manager stays on the team: choose another manager first.".into(),
        ));
    }
    diesel::delete(
        projects_members::table
            .filter(projects_members::tenant_id.eq(t))
            .filter(projects_members::id.eq(member)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "project.member_remove")
            .actor(by)
            .resource("project", project)
            .meta(meta)
            .changes(json!({"user": row.user_id.to_string()})),
    )
}

/// When someone leaves the workspace: their tasks lose their assignee and
/// they leave every team (projects they manage keep them as manager until
/// an admin chooses another, shown as "a former member").
pub fn member_left(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<()> {
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::assignee_id.eq(user)),
    )
    .set(projects_tasks::assignee_id.eq(None::<UserId>))
    .execute(c)?;
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::reporter_id.eq(user)),
    )
    .set(projects_tasks::reporter_id.eq(None::<UserId>))
    .execute(c)?;
    diesel::delete(
        projects_members::table
            .filter(projects_members::tenant_id.eq(t))
            .filter(projects_members::user_id.eq(user)),
    )
    .execute(c)?;
    super::workflows::approver_left(c, t, user)
}
