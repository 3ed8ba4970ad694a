//! Projects of a workspace: the list (keyset by name), create (optionally
//! from a template, copying its task tree), edit, move to the trash and
//! restore, and the project's team.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::project_team::{add_member_row, member_role};
pub use super::project_team::{member_left, remove_member, set_member, team, TeamForm, TeamRow};
use crate::accounts::UserId;
use crate::admin::workspaces::lower;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, Json, MultiBackend, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, projects_projects, users};
use crate::web::extract::RequestMeta;
use crate::web::pagination::{Cursor, Keyset, Seek};
use crate::web::FormErrors;

/// A template's task tree is copied in one transaction: past this many
/// tasks, the copy is refused rather than holding the write lock long.
pub const MAX_TEMPLATE_TASKS: i64 = 2_000;

/// Which projects the list shows.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    /// `""` live projects, `"templates"`, or `"trash"`.
    #[serde(default)]
    pub show: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

/// A project on the list, with its manager's name.
#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub project: Project,
    pub manager: String,
}

impl ProjectRow {
    /// Done tasks as a share of the tasks that count (open and done).
    pub fn percent_done(&self) -> i64 {
        let all = self.project.open_tasks + self.project.done_tasks;
        if all == 0 {
            0
        } else {
            self.project.done_tasks * 100 / all
        }
    }
}

type Boxed = projects_projects::BoxedQuery<'static, MultiBackend>;

fn scoped(t: TenantId, f: &ProjectFilter) -> Boxed {
    let mut q = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .into_boxed();
    q = match f.show.as_str() {
        "trash" => q.filter(projects_projects::deleted_at.is_not_null()),
        "templates" => q
            .filter(projects_projects::deleted_at.is_null())
            .filter(projects_projects::is_template.eq(true)),
        _ => q
            .filter(projects_projects::deleted_at.is_null())
            .filter(projects_projects::is_template.eq(false)),
    };
    let text = f.q.trim();
    if !text.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&text.to_lowercase())
        );
        q = q.filter(lower(projects_projects::name).like(pat).escape('\\'));
    }
    if let Some(s) = ProjectStatus::parse(&f.status) {
        q = q.filter(projects_projects::status.eq(s));
    }
    q
}

/// One page of projects by name (keyset on the lower-cased name and id).
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    f: &ProjectFilter,
    per_page: i64,
) -> AppResult<Keyset<ProjectRow>> {
    let seek = Seek::from_query(&f.after, &f.before);
    let q = scoped(t, f);
    let q = match &seek {
        Seek::After(cur) => q
            .filter(
                lower(projects_projects::name).gt(cur.key.clone()).or(lower(
                    projects_projects::name,
                )
                .eq(cur.key.clone())
                .and(projects_projects::id.gt(Id(cur.id)))),
            )
            .order((
                lower(projects_projects::name).asc(),
                projects_projects::id.asc(),
            )),
        Seek::Before(cur) => q
            .filter(
                lower(projects_projects::name).lt(cur.key.clone()).or(lower(
                    projects_projects::name,
                )
                .eq(cur.key.clone())
                .and(projects_projects::id.lt(Id(cur.id)))),
            )
            .order((
                lower(projects_projects::name).desc(),
                projects_projects::id.desc(),
            )),
        Seek::First => q.order((
            lower(projects_projects::name).asc(),
            projects_projects::id.asc(),
        )),
    };
    let rows: Vec<Project> = q
        .limit(Seek::limit(per_page))
        .select(Project::as_select())
        .load(c)?;
    let cursor = |p: &Project| Cursor::new(p.name.to_lowercase(), p.id.0 .0);
    let Some(page) = Keyset::from_rows(rows, &seek, per_page, cursor) else {
        let first = ProjectFilter {
            after: String::new(),
            before: String::new(),
            ..f.clone()
        };
        return list(c, t, &first, per_page);
    };
    let names = user_names(c, page.items.iter().map(|p| p.manager_id).collect())?;
    let items = page
        .items
        .into_iter()
        .map(|p| ProjectRow {
            manager: name_of(&names, p.manager_id),
            project: p,
        })
        .collect();
    Ok(Keyset {
        items,
        next: page.next,
        prev: page.prev,
        base_query: String::new(),
        total: None,
    }
    .with_query(&[("q", f.q.trim()), ("status", &f.status), ("show", &f.show)]))
}

/// Names of the given users, for showing who is who.
pub fn user_names(c: &mut DbConn, mut ids: Vec<UserId>) -> AppResult<Vec<(UserId, String)>> {
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(c)?)
}

/// The name for `id` from [`user_names`], or "a former member".
pub fn name_of(names: &[(UserId, String)], id: UserId) -> String {
    names
        .iter()
        .find(|(u, _)| *u == id)
        .map_or_else(|| "a former member".to_string(), |(_, n)| n.clone())
}

/// A project of the workspace, live or in the trash (404 when unknown or
/// another workspace's).
pub fn find(c: &mut DbConn, t: TenantId, id: ProjectId) -> AppResult<Project> {
    Ok(projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::id.eq(id))
        .select(Project::as_select())
        .first(c)?)
}

/// A live project (one in the trash is not found for work).
pub fn find_live(c: &mut DbConn, t: TenantId, id: ProjectId) -> AppResult<Project> {
    let p = find(c, t, id)?;
    if p.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The workspace's members as choices (manager, assignee, team), by name.
pub const MAX_CHOICES: i64 = 1_000;

/// A person who can be chosen: a member of the workspace.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// Up to [`MAX_CHOICES`] members of the workspace, by name.
pub fn people(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Person>> {
    let rows: Vec<(UserId, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::revoked_at.is_null())
        .order((users::name.asc(), users::id.asc()))
        .limit(MAX_CHOICES)
        .select((users::id, users::name, users::email))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| Person { id, name, email })
        .collect())
}

/// Whether `user` is a member of the workspace.
pub fn is_member(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<bool> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::user_id.eq(user))
        .filter(memberships::revoked_at.is_null())
        .select(memberships::id)
        .first::<crate::workspaces::models::MembershipId>(c)
        .optional()?
        .is_some())
}

/// A member's id from a form field: blank is `None`; anything that is not a
/// member of this workspace is refused.
pub fn member_field(
    c: &mut DbConn,
    t: TenantId,
    errors: &mut FormErrors,
    field: &str,
    raw: &str,
) -> AppResult<Option<UserId>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<UserId>() {
        Ok(u) if is_member(c, t, u)? => Ok(Some(u)),
        _ => {
            errors.add(field, "Choose a member of this workspace.");
            Ok(None)
        }
    }
}

/// What the project form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub manager_id: String,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub estimated_hours: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub tags: String,
    /// "on" makes the project a template.
    #[serde(default)]
    pub is_template: String,
    /// A template to copy tasks from (create only).
    #[serde(default)]
    pub template_id: String,
    /// WIP limits of the board's In progress and In review columns.
    #[serde(default)]
    pub wip_in_progress: String,
    #[serde(default)]
    pub wip_in_review: String,
}

impl ProjectForm {
    /// A new project's form: planning, medium, managed by `manager`.
    pub fn new_for(manager: UserId) -> Self {
        ProjectForm {
            status: ProjectStatus::Planning.as_str().into(),
            priority: Priority::Medium.as_str().into(),
            manager_id: manager.to_string(),
            ..Default::default()
        }
    }

    pub fn from_project(p: &Project) -> Self {
        let wip = |s: TaskStatus| wip_limit(p, s).map(|n| n.to_string()).unwrap_or_default();
        ProjectForm {
            name: p.name.clone(),
            key: p.key.clone(),
            description: p.description.clone(),
            status: p.status.as_str().into(),
            priority: p.priority.as_str().into(),
            manager_id: p.manager_id.to_string(),
            client: p.client.clone(),
            budget: p
                .budget_cents
                .map(|c| format!("{}.{:02}", c / 100, c % 100))
                .unwrap_or_default(),
            estimated_hours: p.estimated_hours.map(|h| h.to_string()).unwrap_or_default(),
            start_date: p.start_date.map(|d| d.to_string()).unwrap_or_default(),
            due_date: p.due_date.map(|d| d.to_string()).unwrap_or_default(),
            tags: forms::tags_text(&p.tags),
            is_template: if p.is_template {
                "on".into()
            } else {
                String::new()
            },
            template_id: String::new(),
            wip_in_progress: wip(TaskStatus::InProgress),
            wip_in_review: wip(TaskStatus::InReview),
        }
    }
}

/// The board's WIP limit for a column, if the project sets one.
pub fn wip_limit(p: &Project, s: TaskStatus) -> Option<i64> {
    p.wip_limits.0.get(s.as_str()).and_then(|v| v.as_i64())
}

/// The checked values of a project form.
struct Checked {
    name: String,
    key: String,
    description: String,
    status: ProjectStatus,
    priority: Priority,
    manager: UserId,
    client: String,
    budget: Option<i64>,
    hours: Option<i32>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    tags: String,
    is_template: bool,
    wip: serde_json::Value,
}

fn check(
    c: &mut DbConn,
    t: TenantId,
    editing: Option<ProjectId>,
    f: &ProjectForm,
) -> AppResult<Result<Checked, FormErrors>> {
    let mut e = FormErrors::default();
    let name = forms::text(&mut e, "name", &f.name, 200, true);
    let description = forms::text(&mut e, "description", &f.description, 20_000, false);
    let client = forms::text(&mut e, "client", &f.client, 200, false);
    let status = forms::choice(&mut e, "status", &f.status, ProjectStatus::parse, "status");
    let priority = forms::choice(&mut e, "priority", &f.priority, Priority::parse, "priority");
    let manager = member_field(c, t, &mut e, "manager_id", &f.manager_id)?;
    if manager.is_none() && e.get("manager_id").is_none() {
        e.add("manager_id", "Choose the project's manager.");
    }
    let budget = forms::money(&mut e, "budget", &f.budget);
    let hours = forms::number(&mut e, "estimated_hours", &f.estimated_hours, 0, 1_000_000);
    let start = forms::date(&mut e, "start_date", &f.start_date);
    let due = forms::date(&mut e, "due_date", &f.due_date);
    if let (Some(s), Some(d)) = (start, due) {
        if d < s {
            e.add("due_date", "The due date is before the start date.");
        }
    }
    let tags = forms::tags(&mut e, "tags", &f.tags);
    let mut wip = serde_json::Map::new();
    for (field, raw, s) in [
        (
            "wip_in_progress",
            &f.wip_in_progress,
            TaskStatus::InProgress,
        ),
        ("wip_in_review", &f.wip_in_review, TaskStatus::InReview),
    ] {
        if let Some(n) = forms::number(&mut e, field, raw, 1, 1_000) {
            wip.insert(s.as_str().into(), json!(n));
        }
    }
    let key = if f.key.trim().is_empty() {
        free_key(c, t, &name)?
    } else {
        let k = f.key.trim().to_uppercase();
        if !(2..=10).contains(&k.len()) || !k.bytes().all(|b| b.is_ascii_alphanumeric()) {
            e.add("key", "2 to 10 letters or digits, such as WEB.");
        } else if key_taken(c, t, &k, editing)? {
            e.add("key", "Another project uses this key.");
        }
        k
    };
    if !name.is_empty() && name_taken(c, t, &name, editing)? {
        e.add("name", "Another project has this name.");
    }
    match (status, priority, manager) {
        (Some(status), Some(priority), Some(manager)) if e.is_empty() => Ok(Ok(Checked {
            name,
            key,
            description,
            status,
            priority,
            manager,
            client,
            budget,
            hours: hours.map(|h| h as i32),
            start,
            due,
            tags,
            is_template: f.is_template == "on",
            wip: serde_json::Value::Object(wip),
        })),
        _ => Ok(Err(e)),
    }
}

fn name_taken(
    c: &mut DbConn,
    t: TenantId,
    name: &str,
    except: Option<ProjectId>,
) -> AppResult<bool> {
    let mut q = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::deleted_at.is_null())
        .filter(lower(projects_projects::name).eq(name.to_lowercase()))
        .select(projects_projects::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(projects_projects::id.ne(id));
    }
    Ok(q.first::<ProjectId>(c).optional()?.is_some())
}

fn key_taken(c: &mut DbConn, t: TenantId, key: &str, except: Option<ProjectId>) -> AppResult<bool> {
    let mut q = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::key.eq(key.to_string()))
        .select(projects_projects::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(projects_projects::id.ne(id));
    }
    Ok(q.first::<ProjectId>(c).optional()?.is_some())
}

/// "Website relaunch" → `WR`, then `WR2`, `WR3`… while taken.
fn free_key(c: &mut DbConn, t: TenantId, name: &str) -> AppResult<String> {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|ch| ch.is_ascii_alphanumeric()))
        .map(|ch| ch.to_ascii_uppercase())
        .take(4)
        .collect();
    let mut base = if initials.len() >= 2 {
        initials
    } else {
        name.chars()
            .filter(|ch| ch.is_ascii_alphanumeric())
            .map(|ch| ch.to_ascii_uppercase())
            .take(3)
            .collect()
    };
    while base.len() < 2 {
        base.push('P');
    }
    if !key_taken(c, t, &base, None)? {
        return Ok(base);
    }
    for n in 2..1_000 {
        let k = format!("{base}{n}");
        if !key_taken(c, t, &k, None)? {
            return Ok(k);
        }
    }
    Ok(format!("P{}", &crate::support::random_token(4)[..6]).to_uppercase())
}

/// Creates a project (and, from a template, its task tree); the manager
/// joins its team as lead.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    f: &ProjectForm,
    meta: &RequestMeta,
) -> AppResult<Result<ProjectId, FormErrors>> {
    let v = match check(c, t, None, f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let template = match f.template_id.trim() {
        "" => None,
        raw => {
            let found = match raw.parse::<ProjectId>() {
                Ok(id) => find_live(c, t, id).ok().filter(|p| p.is_template),
                Err(_) => None,
            };
            match found {
                Some(p)
                    if super::tasks::live_count_capped(c, t, p.id, MAX_TEMPLATE_TASKS)?
                        > MAX_TEMPLATE_TASKS =>
                {
                    let mut e = FormErrors::default();
                    e.add(
                        "template_id",
                        format!("This template has more than {MAX_TEMPLATE_TASKS} tasks: too many to copy at once."),
                    );
                    return Ok(Err(e));
                }
                Some(p) => Some(p),
                None => {
                    let mut e = FormErrors::default();
                    e.add("template_id", "Choose one of the workspace's templates.");
                    return Ok(Err(e));
                }
            }
        }
    };
    let now = UtcTime::now();
    let id = ProjectId::new();
    let project = Project {
        tenant_id: t,
        id,
        name: v.name,
        key: v.key,
        description: v.description,
        status: v.status,
        priority: v.priority,
        manager_id: v.manager,
        client: v.client,
        budget_cents: v.budget,
        estimated_hours: v.hours,
        start_date: v.start,
        due_date: v.due,
        completed_at: None,
        tags: v.tags,
        is_template: v.is_template,
        template_id: template.as_ref().map(|p| p.id),
        wip_limits: Json(v.wip),
        next_task_number: 1,
        open_tasks: 0,
        done_tasks: 0,
        logged_minutes: 0,
        created_at: now,
        updated_at: now,
        created_by: Some(by),
        deleted_at: None,
    };
    // Two people creating the same name (or key) at once: the loser's insert
    // meets the unique index after both passed the check.
    if let Err(e) = diesel::insert_into(projects_projects::table)
        .values(&project)
        .execute(c)
    {
        if crate::error::is_unique_violation(&e) {
            let mut errors = FormErrors::default();
            errors.add("name", "Another project has this name or key.");
            return Ok(Err(errors));
        }
        return Err(e.into());
    }
    add_member_row(c, t, id, project.manager_id, ProjectRole::Lead)?;
    let copied = match &template {
        Some(tpl) => super::tasks::copy_tree(c, t, tpl.id, id, by)?,
        None => 0,
    };
    audit::record(
        c,
        NewEvent::tenant(t, "project.create")
            .actor(by)
            .resource("project", id)
            .meta(meta)
            .changes(json!({"name": project.name, "key": project.key, "from_template": template.map(|p| p.name), "tasks_copied": copied})),
    )?;
    Ok(Ok(id))
}

/// Saves the project form over a live project.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: ProjectId,
    f: &ProjectForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let old = find_live(c, t, id)?;
    let v = match check(c, t, Some(id), f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let completed_at = match (old.status, v.status) {
        (ProjectStatus::Completed, ProjectStatus::Completed) => old.completed_at,
        (_, ProjectStatus::Completed) => Some(UtcTime::now()),
        _ => None,
    };
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(id)),
    )
    .set((
        projects_projects::name.eq(&v.name),
        projects_projects::key.eq(&v.key),
        projects_projects::description.eq(&v.description),
        projects_projects::status.eq(v.status),
        projects_projects::priority.eq(v.priority),
        projects_projects::manager_id.eq(v.manager),
        projects_projects::client.eq(&v.client),
        projects_projects::budget_cents.eq(v.budget),
        projects_projects::estimated_hours.eq(v.hours),
        projects_projects::start_date.eq(v.start),
        projects_projects::due_date.eq(v.due),
        projects_projects::completed_at.eq(completed_at),
        projects_projects::tags.eq(&v.tags),
        projects_projects::is_template.eq(v.is_template),
        projects_projects::wip_limits.eq(Json(v.wip)),
        projects_projects::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    if old.manager_id != v.manager && member_role(c, t, id, v.manager)?.is_none() {
        add_member_row(c, t, id, v.manager, ProjectRole::Lead)?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, "project.update")
            .actor(by)
            .resource("project", id)
            .meta(meta)
            .changes(json!({
                "name": [old.name, v.name],
                "status": [old.status.as_str(), v.status.as_str()],
            })),
    )?;
    Ok(Ok(()))
}

/// Moves a project to the trash (its name is free again) or restores it
/// (refused while a live project has taken its name).
pub fn set_trashed(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: ProjectId,
    trashed: bool,
    meta: &RequestMeta,
) -> AppResult<()> {
    let p = find(c, t, id)?;
    if trashed == p.deleted_at.is_some() {
        return Ok(());
    }
    if !trashed && name_taken(c, t, &p.name, Some(id))? {
        return Err(AppError::Conflict(format!(
            "Another project is now called “{}”: rename it before restoring this one.",
            p.name
        )));
    }
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(id)),
    )
    .set((
        projects_projects::deleted_at.eq(trashed.then(UtcTime::now)),
        projects_projects::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    let action = if trashed {
        "project.delete"
    } else {
        "project.restore"
    };
    audit::record(
        c,
        NewEvent::tenant(t, action)
            .actor(by)
            .resource("project", id)
            .meta(meta)
            .changes(json!({"name": p.name})),
    )
}

/// Templates to start a project from.
pub fn templates(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Project>> {
    Ok(projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::deleted_at.is_null())
        .filter(projects_projects::is_template.eq(true))
        .order(lower(projects_projects::name).asc())
        .limit(200)
        .select(Project::as_select())
        .load(c)?)
}

// ---- the team ----
