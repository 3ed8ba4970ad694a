//! Milestones of a project: create, edit, and their progress computed from
//! their tasks (done of those not cancelled).

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::project;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{projects_milestones, projects_tasks};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub due_date: String,
}

impl MilestoneForm {
    pub fn new_milestone() -> Self {
        MilestoneForm {
            status: MilestoneStatus::Open.as_str().into(),
            ..Default::default()
        }
    }

    pub fn from_milestone(m: &Milestone) -> Self {
        MilestoneForm {
            title: m.title.clone(),
            description: m.description.clone(),
            status: m.status.as_str().into(),
            due_date: m.due_date.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// A milestone with its progress.
#[derive(Debug, Clone)]
pub struct MilestoneRow {
    pub milestone: Milestone,
    pub done: i64,
    pub total: i64,
}

impl MilestoneRow {
    pub fn percent(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.done * 100 / self.total
        }
    }
}

/// A project's milestones by due date, with progress (one grouped query).
pub fn all(c: &mut DbConn, t: TenantId, project: ProjectId) -> AppResult<Vec<MilestoneRow>> {
    let ms: Vec<Milestone> = projects_milestones::table
        .filter(projects_milestones::tenant_id.eq(t))
        .filter(projects_milestones::project_id.eq(project))
        .order((
            projects_milestones::due_date.asc(),
            projects_milestones::title.asc(),
        ))
        .limit(500)
        .select(Milestone::as_select())
        .load(c)?;
    let ids: Vec<MilestoneId> = ms.iter().map(|m| m.id).collect();
    let counts: Vec<(Option<MilestoneId>, TaskStatus, i64)> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::milestone_id.eq_any(ids))
        .filter(projects_tasks::deleted_at.is_null())
        .group_by((projects_tasks::milestone_id, projects_tasks::status))
        .select((
            projects_tasks::milestone_id,
            projects_tasks::status,
            diesel::dsl::count_star(),
        ))
        .load(c)?;
    Ok(ms
        .into_iter()
        .map(|m| {
            let mine = counts.iter().filter(|(id, _, _)| *id == Some(m.id));
            let (mut done, mut total) = (0, 0);
            for (_, s, n) in mine {
                if *s != TaskStatus::Cancelled {
                    total += n;
                }
                if *s == TaskStatus::Done {
                    done += n;
                }
            }
            MilestoneRow {
                milestone: m,
                done,
                total,
            }
        })
        .collect())
}

pub fn find(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    id: MilestoneId,
) -> AppResult<Milestone> {
    Ok(projects_milestones::table
        .filter(projects_milestones::tenant_id.eq(t))
        .filter(projects_milestones::project_id.eq(project))
        .filter(projects_milestones::id.eq(id))
        .select(Milestone::as_select())
        .first(c)?)
}

/// A milestone form's checked title, description, status and due date.
type Checked = (String, String, MilestoneStatus, Option<chrono::NaiveDate>);

fn check(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    except: Option<MilestoneId>,
    f: &MilestoneForm,
) -> AppResult<Result<Checked, FormErrors>> {
    let mut e = FormErrors::default();
    let title = forms::text(&mut e, "title", &f.title, 200, true);
    let description = forms::text(&mut e, "description", &f.description, 5_000, false);
    let status = forms::choice(
        &mut e,
        "status",
        &f.status,
        MilestoneStatus::parse,
        "status",
    );
    let due = forms::date(&mut e, "due_date", &f.due_date);
    if !title.is_empty() {
        let mut q = projects_milestones::table
            .filter(projects_milestones::tenant_id.eq(t))
            .filter(projects_milestones::project_id.eq(project))
            .filter(projects_milestones::title.eq(title.clone()))
            .select(projects_milestones::id)
            .into_boxed();
        if let Some(id) = except {
            q = q.filter(projects_milestones::id.ne(id));
        }
        if q.first::<MilestoneId>(c).optional()?.is_some() {
            e.add("title", "Another milestone of this project has this title.");
        }
    }
    match status {
        Some(s) if e.is_empty() => Ok(Ok((title, description, s, due))),
        _ => Ok(Err(e)),
    }
}

pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    f: &MilestoneForm,
    meta: &RequestMeta,
) -> AppResult<Result<MilestoneId, FormErrors>> {
    project::find_live(c, t, project)?;
    let (title, description, status, due) = match check(c, t, project, None, f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let now = UtcTime::now();
    let id = MilestoneId::new();
    diesel::insert_into(projects_milestones::table)
        .values(Milestone {
            tenant_id: t,
            id,
            project_id: project,
            title: title.clone(),
            description,
            status,
            due_date: due,
            completed_at: (status == MilestoneStatus::Completed).then_some(now),
            created_at: now,
            updated_at: now,
        })
        .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "milestone.create")
            .actor(by)
            .resource("milestone", id)
            .meta(meta)
            .changes(json!({"title": title})),
    )?;
    Ok(Ok(id))
}

pub fn update(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: MilestoneId,
    f: &MilestoneForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    project::find_live(c, t, project)?;
    let old = find(c, t, project, id)?;
    let (title, description, status, due) = match check(c, t, project, Some(id), f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let completed = match (old.status, status) {
        (MilestoneStatus::Completed, MilestoneStatus::Completed) => old.completed_at,
        (_, MilestoneStatus::Completed) => Some(UtcTime::now()),
        _ => None,
    };
    diesel::update(
        projects_milestones::table
            .filter(projects_milestones::tenant_id.eq(t))
            .filter(projects_milestones::id.eq(id)),
    )
    .set((
        projects_milestones::title.eq(&title),
        projects_milestones::description.eq(&description),
        projects_milestones::status.eq(status),
        projects_milestones::due_date.eq(due),
        projects_milestones::completed_at.eq(completed),
        projects_milestones::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "milestone.update")
            .actor(by)
            .resource("milestone", id)
            .meta(meta)
            .changes(json!({"title": [old.title, title], "status": [old.status.as_str(), status.as_str()]})),
    )?;
    Ok(Ok(()))
}
