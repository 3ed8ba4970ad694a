//! Tasks of a project: create (subtasks up to three levels), edit with an
//! activity row per changed field, the status state machine, the trash,
//! copying a template's tree, and the counts kept on the project row.
//! Lists, the board and "my work" are in `task_lists`.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::project::{self, member_field};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{
    projects_milestones, projects_projects, projects_sprints, projects_task_activity,
    projects_tasks,
};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// A task tree is at most this many levels deep (a task, its subtask, and
/// the subtask's subtask).
pub const MAX_DEPTH: i32 = 3;

/// Story points the form suggests (any positive whole number is accepted).
pub const FIBONACCI: [i32; 7] = [1, 2, 3, 5, 8, 13, 21];

/// Whether a task may move from `from` to `to`; the refusal says why and
/// which way to go instead. The flow is backlog → todo → in progress → in
/// review → done, one step at a time; a step back is allowed (review sends
/// work back, a started task can be put back to do), done reopens to in
/// progress, anything open can be cancelled, and a cancelled task returns
/// to the backlog.
pub fn check_transition(from: TaskStatus, to: TaskStatus) -> Result<(), String> {
    use TaskStatus::*;
    if from == to {
        return Err(format!("The task is already {}.", to.label()));
    }
    let ok = matches!(
        (from, to),
        (Backlog, Todo)
            | (Todo, Backlog)
            | (Todo, InProgress)
            | (InProgress, Todo)
            | (InProgress, InReview)
            | (InReview, InProgress)
            | (InReview, Done)
            | (Done, InProgress)
            | (Cancelled, Backlog)
    ) || (to == Cancelled && from.is_open());
    if ok {
        return Ok(());
    }
    let hint = match (from, to) {
        (Cancelled, _) => "A cancelled task goes back to the backlog first.".to_string(),
        (Done, _) => "Reopen a done task to In progress first.".to_string(),
        (_, Done) => "A task is done after review: move it to In review first.".to_string(),
        (_, InReview) => "Only a task in progress goes to review.".to_string(),
        (_, InProgress) => "Move the task to To do before starting it.".to_string(),
        _ => "Move it one step at a time.".to_string(),
    };
    Err(format!(
        "A task cannot go from {} to {}. {hint}",
        from.label(),
        to.label()
    ))
}

/// The moves a task in `from` may make (the buttons on its card).
pub fn next_statuses(from: TaskStatus) -> Vec<TaskStatus> {
    TaskStatus::ALL
        .iter()
        .copied()
        .filter(|to| check_transition(from, *to).is_ok())
        .collect()
}

/// What the task form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub assignee_id: String,
    #[serde(default)]
    pub sprint_id: String,
    #[serde(default)]
    pub milestone_id: String,
    #[serde(default)]
    pub story_points: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub tags: String,
    /// Create only: the task this one is a subtask of.
    #[serde(default)]
    pub parent_id: String,
    /// Edit only: the parent's number (`12` or `KEY-12`), blank for the top
    /// level; changing it moves the task with its subtasks.
    #[serde(default)]
    pub parent_number: String,
    /// The custom fields' values (`cf_<field id>`), and whatever else the
    /// form sent (ignored).
    #[serde(flatten)]
    pub custom: std::collections::BTreeMap<String, String>,
}

impl TaskForm {
    pub fn new_task() -> Self {
        TaskForm {
            kind: TaskKind::Task.as_str().into(),
            priority: Priority::Medium.as_str().into(),
            ..Default::default()
        }
    }

    pub fn from_task(t: &Task) -> Self {
        TaskForm {
            title: t.title.clone(),
            description: t.description.clone(),
            kind: t.kind.as_str().into(),
            priority: t.priority.as_str().into(),
            assignee_id: t.assignee_id.map(|u| u.to_string()).unwrap_or_default(),
            sprint_id: t.sprint_id.map(|u| u.to_string()).unwrap_or_default(),
            milestone_id: t.milestone_id.map(|u| u.to_string()).unwrap_or_default(),
            story_points: t.story_points.map(|p| p.to_string()).unwrap_or_default(),
            due_date: t.due_date.map(|d| d.to_string()).unwrap_or_default(),
            tags: forms::tags_text(&t.tags),
            parent_id: t.parent_id.map(|u| u.to_string()).unwrap_or_default(),
            parent_number: String::new(),
            custom: Default::default(),
        }
    }

    /// Whether the form holds `value` for a custom field.
    pub fn custom_is(&self, f: &Field, value: &str) -> bool {
        self.custom_value(f) == value
    }

    /// What the form holds for a custom field.
    pub fn custom_value(&self, f: &Field) -> &str {
        self.custom
            .get(&super::fields::key(f.id))
            .map_or("", String::as_str)
    }
}

struct Checked {
    title: String,
    description: String,
    kind: TaskKind,
    priority: Priority,
    assignee: Option<UserId>,
    sprint: Option<SprintId>,
    milestone: Option<MilestoneId>,
    points: Option<i32>,
    due: Option<NaiveDate>,
    tags: String,
}

fn check(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    f: &TaskForm,
) -> AppResult<Result<Checked, FormErrors>> {
    let mut e = FormErrors::default();
    let title = forms::text(&mut e, "title", &f.title, 500, true);
    let description = forms::text(&mut e, "description", &f.description, 50_000, false);
    let kind = forms::choice(&mut e, "kind", &f.kind, TaskKind::parse, "type");
    let priority = forms::choice(&mut e, "priority", &f.priority, Priority::parse, "priority");
    let assignee = member_field(c, t, &mut e, "assignee_id", &f.assignee_id)?;
    let sprint = match f.sprint_id.trim() {
        "" => None,
        raw => {
            let found = match raw.parse::<SprintId>() {
                Ok(id) => projects_sprints::table
                    .filter(projects_sprints::tenant_id.eq(t))
                    .filter(projects_sprints::project_id.eq(project))
                    .filter(projects_sprints::id.eq(id))
                    .select(projects_sprints::id)
                    .first::<SprintId>(c)
                    .optional()?,
                Err(_) => None,
            };
            if found.is_none() {
                e.add("sprint_id", "Choose a sprint of this project.");
            }
            found
        }
    };
    let milestone = match f.milestone_id.trim() {
        "" => None,
        raw => {
            let found = match raw.parse::<MilestoneId>() {
                Ok(id) => projects_milestones::table
                    .filter(projects_milestones::tenant_id.eq(t))
                    .filter(projects_milestones::project_id.eq(project))
                    .filter(projects_milestones::id.eq(id))
                    .select(projects_milestones::id)
                    .first::<MilestoneId>(c)
                    .optional()?,
                Err(_) => None,
            };
            if found.is_none() {
                e.add("milestone_id", "Choose a milestone of this project.");
            }
            found
        }
    };
    let points = match f.story_points.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(n) if (1..=1_000).contains(&n) => Some(n),
            _ => {
                e.add(
                    "story_points",
                    "Story points are a positive whole number (1, 2, 3, 5, 8, 13…).",
                );
                None
            }
        },
    };
    let due = forms::date(&mut e, "due_date", &f.due_date);
    let tags = forms::tags(&mut e, "tags", &f.tags);
    match (kind, priority) {
        (Some(kind), Some(priority)) if e.is_empty() => Ok(Ok(Checked {
            title,
            description,
            kind,
            priority,
            assignee,
            sprint,
            milestone,
            points,
            due,
            tags,
        })),
        _ => Ok(Err(e)),
    }
}

/// A live task of the project (404 when unknown, trashed, or another
/// project's or workspace's).
pub fn find(c: &mut DbConn, t: TenantId, project: ProjectId, id: TaskId) -> AppResult<Task> {
    Ok(projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(project))
        .filter(projects_tasks::id.eq(id))
        .filter(projects_tasks::deleted_at.is_null())
        .select(Task::as_select())
        .first(c)?)
}

/// Takes the project's next task number. The update locks the project row
/// until the transaction ends, so two writers never get the same number.
fn next_number(c: &mut DbConn, t: TenantId, project: ProjectId) -> AppResult<i64> {
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(project)),
    )
    .set(projects_projects::next_task_number.eq(projects_projects::next_task_number + 1))
    .execute(c)?;
    let next: i64 = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::id.eq(project))
        .select(projects_projects::next_task_number)
        .first(c)?;
    Ok(next - 1)
}

/// Moves the project's kept counts by a task leaving `from` for `to`
/// (`None`: the task is new, or leaves the live tasks).
fn move_counts(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    from: Option<TaskStatus>,
    to: Option<TaskStatus>,
) -> AppResult<()> {
    let weight = |s: Option<TaskStatus>| match s {
        Some(s) if s.is_open() => (1i64, 0i64),
        Some(TaskStatus::Done) => (0, 1),
        _ => (0, 0),
    };
    let (o1, d1) = weight(from);
    let (o2, d2) = weight(to);
    let (open, done) = (o2 - o1, d2 - d1);
    if open == 0 && done == 0 {
        return Ok(());
    }
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(project)),
    )
    .set((
        projects_projects::open_tasks.eq(projects_projects::open_tasks + open),
        projects_projects::done_tasks.eq(projects_projects::done_tasks + done),
    ))
    .execute(c)?;
    Ok(())
}

/// Writes one activity row: who changed which field from what to what.
pub fn record_activity(
    c: &mut DbConn,
    t: TenantId,
    task: TaskId,
    by: Option<UserId>,
    field: &str,
    old: &str,
    new: &str,
) -> AppResult<()> {
    diesel::insert_into(projects_task_activity::table)
        .values(Activity {
            tenant_id: t,
            id: ActivityId::new(),
            task_id: task,
            actor_id: by,
            field: field.into(),
            old_value: old.chars().take(500).collect(),
            new_value: new.chars().take(500).collect(),
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    Ok(())
}

/// Creates a task (a subtask when the form names a parent) in the backlog.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    f: &TaskForm,
    meta: &RequestMeta,
) -> AppResult<Result<TaskId, FormErrors>> {
    let p = project::find_live(c, t, project)?;
    let (v, custom) = match (
        check(c, t, project, f)?,
        super::fields::check(c, t, project, &f.custom)?,
    ) {
        (Ok(v), Ok(custom)) => (v, custom),
        (a, b) => return Ok(Err(merge(a.err(), b.err()))),
    };
    let (parent, depth) = match f.parent_id.trim() {
        "" => (None, 1),
        raw => {
            let parent = match raw.parse::<TaskId>() {
                Ok(id) => find(c, t, project, id).ok(),
                Err(_) => None,
            };
            let mut e = FormErrors::default();
            match parent {
                None => {
                    e.add("parent_id", "Choose a task of this project.");
                    return Ok(Err(e));
                }
                Some(pt) if pt.depth >= MAX_DEPTH => {
                    e.add(
                        "parent_id",
                        format!(
                            "Subtasks go {MAX_DEPTH} levels deep at most: {}-{} is already at level {}.",
                            p.key, pt.number, pt.depth
                        ),
                    );
                    return Ok(Err(e));
                }
                Some(pt) => (Some(pt.id), pt.depth + 1),
            }
        }
    };
    let number = next_number(c, t, project)?;
    let now = UtcTime::now();
    let id = TaskId::new();
    let task = Task {
        tenant_id: t,
        id,
        project_id: project,
        number,
        parent_id: parent,
        depth,
        title: v.title,
        description: v.description,
        kind: v.kind,
        status: TaskStatus::Backlog,
        priority: v.priority,
        assignee_id: v.assignee,
        reporter_id: Some(by),
        sprint_id: v.sprint,
        milestone_id: v.milestone,
        story_points: v.points,
        due_date: v.due,
        started_at: None,
        completed_at: None,
        tags: v.tags,
        logged_minutes: 0,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    diesel::insert_into(projects_tasks::table)
        .values(&task)
        .execute(c)?;
    move_counts(c, t, project, None, Some(task.status))?;
    record_activity(c, t, id, Some(by), "created", "", &task.title)?;
    super::fields::save(c, t, by, id, custom)?;
    if let Some(to) = task.assignee_id {
        super::notify::assigned(c, t, by, &task, to)?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, "task.create")
            .actor(by)
            .resource("task", id)
            .meta(meta)
            .changes(json!({"project": p.key, "number": number, "title": task.title})),
    )?;
    Ok(Ok(id))
}

/// Every refusal of the form, the core fields' first.
fn merge(a: Option<FormErrors>, b: Option<FormErrors>) -> FormErrors {
    let mut e = a.unwrap_or_default();
    e.0.extend(b.unwrap_or_default().0);
    e
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

/// A person's name for the activity trail ("" for nobody).
fn person(c: &mut DbConn, u: Option<UserId>) -> AppResult<String> {
    let Some(u) = u else {
        return Ok(String::new());
    };
    let names = project::user_names(c, vec![u])?;
    Ok(project::name_of(&names, u))
}

fn sprint_name(c: &mut DbConn, t: TenantId, s: Option<SprintId>) -> AppResult<String> {
    let Some(s) = s else {
        return Ok(String::new());
    };
    Ok(projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::id.eq(s))
        .select(projects_sprints::name)
        .first(c)
        .optional()?
        .unwrap_or_default())
}

fn milestone_name(c: &mut DbConn, t: TenantId, m: Option<MilestoneId>) -> AppResult<String> {
    let Some(m) = m else {
        return Ok(String::new());
    };
    Ok(projects_milestones::table
        .filter(projects_milestones::tenant_id.eq(t))
        .filter(projects_milestones::id.eq(m))
        .select(projects_milestones::title)
        .first(c)
        .optional()?
        .unwrap_or_default())
}

/// Saves the task form; one activity row per field that changed.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: TaskId,
    f: &TaskForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let p = project::find_live(c, t, project)?;
    let old = find(c, t, project, id)?;
    let moved = super::tree::check_move(c, t, &p, &old, &f.parent_number)?;
    let (v, custom, moved) = match (
        check(c, t, project, f)?,
        super::fields::check(c, t, project, &f.custom)?,
        moved,
    ) {
        (Ok(v), Ok(custom), Ok(moved)) => (v, custom, moved),
        (a, b, m) => {
            let mut e = merge(a.err(), b.err());
            if let Err(why) = m {
                e.add("parent_number", why);
            }
            return Ok(Err(e));
        }
    };
    let reparented = moved.is_some();
    if let Some((parent, depth)) = moved {
        super::tree::apply_move(c, t, by, &p, &old, parent.as_ref(), depth)?;
    }
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq(id)),
    )
    .set((
        projects_tasks::title.eq(&v.title),
        projects_tasks::description.eq(&v.description),
        projects_tasks::kind.eq(v.kind),
        projects_tasks::priority.eq(v.priority),
        projects_tasks::assignee_id.eq(v.assignee),
        projects_tasks::sprint_id.eq(v.sprint),
        projects_tasks::milestone_id.eq(v.milestone),
        projects_tasks::story_points.eq(v.points),
        projects_tasks::due_date.eq(v.due),
        projects_tasks::tags.eq(&v.tags),
        projects_tasks::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    let changes: [(&str, String, String); 10] = [
        ("title", old.title.clone(), v.title.clone()),
        (
            "description",
            old.description.clone(),
            v.description.clone(),
        ),
        ("type", old.kind.label().into(), v.kind.label().into()),
        (
            "priority",
            old.priority.label().into(),
            v.priority.label().into(),
        ),
        (
            "assignee",
            person(c, old.assignee_id)?,
            person(c, v.assignee)?,
        ),
        (
            "sprint",
            sprint_name(c, t, old.sprint_id)?,
            sprint_name(c, t, v.sprint)?,
        ),
        (
            "milestone",
            milestone_name(c, t, old.milestone_id)?,
            milestone_name(c, t, v.milestone)?,
        ),
        ("story points", opt(&old.story_points), opt(&v.points)),
        ("due date", opt(&old.due_date), opt(&v.due)),
        (
            "tags",
            forms::tags_text(&old.tags),
            forms::tags_text(&v.tags),
        ),
    ];
    let mut changed: Vec<String> = super::fields::save(c, t, by, id, custom)?;
    for (field, before, after) in changes.iter() {
        if before != after {
            record_activity(c, t, id, Some(by), field, before, after)?;
            changed.push(field.to_string());
        }
    }
    if reparented {
        changed.push("parent".into());
    }
    if let Some(to) = v.assignee.filter(|to| old.assignee_id != Some(*to)) {
        let task = find(c, t, project, id)?;
        super::notify::assigned(c, t, by, &task, to)?;
    }
    if !changed.is_empty() {
        audit::record(
            c,
            NewEvent::tenant(t, "task.update")
                .actor(by)
                .resource("task", id)
                .meta(meta)
                .changes(json!({"fields": changed})),
        )?;
    }
    Ok(Ok(()))
}

/// Moves a task to `to` if the state machine allows it; sets when work
/// started (first time in progress) and when it was completed (done;
/// cleared when reopened).
pub fn transition(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: TaskId,
    to: TaskStatus,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    project::find_live(c, t, project)?;
    let old = find(c, t, project, id)?;
    if let Err(why) = check_transition(old.status, to) {
        return Ok(Err(why));
    }
    let now = UtcTime::now();
    let started = match (old.started_at, to) {
        (None, TaskStatus::InProgress) => Some(now),
        (s, _) => s,
    };
    let completed = (to == TaskStatus::Done).then_some(now);
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq(id)),
    )
    .set((
        projects_tasks::status.eq(to),
        projects_tasks::started_at.eq(started),
        projects_tasks::completed_at.eq(completed),
        projects_tasks::updated_at.eq(now),
    ))
    .execute(c)?;
    move_counts(c, t, project, Some(old.status), Some(to))?;
    record_activity(c, t, id, Some(by), "status", old.status.label(), to.label())?;
    super::triggers::task_entered(c, t, by, &old, to, meta)?;
    audit::record(
        c,
        NewEvent::tenant(t, "task.status")
            .actor(by)
            .resource("task", id)
            .meta(meta)
            .changes(json!({"status": [old.status.as_str(), to.as_str()]})),
    )?;
    Ok(Ok(()))
}

/// Moves a task and its subtasks to the trash (they leave the counts).
pub fn trash(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: TaskId,
    meta: &RequestMeta,
) -> AppResult<i64> {
    project::find_live(c, t, project)?;
    let root = find(c, t, project, id)?;
    let mut ids = vec![root.id];
    ids.extend(
        super::tree::descendants(c, t, root.id)?
            .into_iter()
            .map(|(id, _)| id),
    );
    let statuses: Vec<TaskStatus> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::id.eq_any(&ids))
        .select(projects_tasks::status)
        .load(c)?;
    let now = UtcTime::now();
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq_any(&ids)),
    )
    .set((
        projects_tasks::deleted_at.eq(Some(now)),
        projects_tasks::updated_at.eq(now),
    ))
    .execute(c)?;
    for s in &statuses {
        move_counts(c, t, project, Some(*s), None)?;
    }
    audit::record(
        c,
        NewEvent::tenant(t, "task.delete")
            .actor(by)
            .resource("task", id)
            .meta(meta)
            .changes(json!({"title": root.title, "with_subtasks": ids.len() - 1})),
    )?;
    Ok(ids.len() as i64)
}

/// Live tasks of a project, counted up to `cap` + 1.
pub fn live_count_capped(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    cap: i64,
) -> AppResult<i64> {
    let ids: Vec<TaskId> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(project))
        .filter(projects_tasks::deleted_at.is_null())
        .select(projects_tasks::id)
        .limit(cap + 1)
        .load(c)?;
    Ok(ids.len() as i64)
}

/// Copies a template's live task tree into a new project: same titles,
/// descriptions, types, priorities, points and tags, in the backlog,
/// unassigned, numbered afresh. Returns how many tasks were copied.
pub fn copy_tree(
    c: &mut DbConn,
    t: TenantId,
    from: ProjectId,
    to: ProjectId,
    by: UserId,
) -> AppResult<i64> {
    let source: Vec<Task> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(from))
        .filter(projects_tasks::deleted_at.is_null())
        .order((projects_tasks::depth.asc(), projects_tasks::number.asc()))
        .limit(project::MAX_TEMPLATE_TASKS)
        .select(Task::as_select())
        .load(c)?;
    let mut map: std::collections::HashMap<TaskId, TaskId> = std::collections::HashMap::new();
    let now = UtcTime::now();
    let mut rows = Vec::with_capacity(source.len());
    for (i, s) in source.iter().enumerate() {
        // Parents come first (ordered by depth); a parent that was trashed
        // makes its live subtask a top-level task.
        let parent = s.parent_id.and_then(|p| map.get(&p).copied());
        let depth = match parent {
            Some(p) => rows
                .iter()
                .find(|r: &&Task| r.id == p)
                .map_or(1, |r| r.depth + 1),
            None => 1,
        };
        let id = TaskId::new();
        map.insert(s.id, id);
        rows.push(Task {
            tenant_id: t,
            id,
            project_id: to,
            number: i as i64 + 1,
            parent_id: parent,
            depth,
            title: s.title.clone(),
            description: s.description.clone(),
            kind: s.kind,
            status: TaskStatus::Backlog,
            priority: s.priority,
            assignee_id: None,
            reporter_id: Some(by),
            sprint_id: None,
            milestone_id: None,
            story_points: s.story_points,
            due_date: None,
            started_at: None,
            completed_at: None,
            tags: s.tags.clone(),
            logged_minutes: 0,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        });
    }
    let n = rows.len() as i64;
    crate::insert_many!(c, projects_tasks::table, &rows, 200);
    super::fields::copy_project(c, t, from, to, &map)?;
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(to)),
    )
    .set((
        projects_projects::next_task_number.eq(n + 1),
        projects_projects::open_tasks.eq(n),
    ))
    .execute(c)?;
    Ok(n)
}

/// Reassignment check used by the board's "assign to me".
pub fn assign(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: TaskId,
    to: Option<UserId>,
) -> AppResult<()> {
    let old = find(c, t, project, id)?;
    if let Some(u) = to {
        if !project::is_member(c, t, u)? {
            return Err(AppError::BadRequest(
                "Choose a member of this workspace.".into(),
            ));
        }
    }
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq(id)),
    )
    .set((
        projects_tasks::assignee_id.eq(to),
        projects_tasks::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    let (before, after) = (person(c, old.assignee_id)?, person(c, to)?);
    record_activity(c, t, id, Some(by), "assignee", &before, &after)?;
    if let Some(to) = to.filter(|to| old.assignee_id != Some(*to)) {
        let task = find(c, t, project, id)?;
        super::notify::assigned(c, t, by, &task, to)?;
    }
    Ok(())
}
