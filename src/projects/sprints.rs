//! Sprints of a project: create and edit (name unique in the project, end
//! after start, never overlapping another sprint of the project), start,
//! complete (unfinished tasks carried to the next sprint or the backlog),
//! cancel, and the burndown chart as server-rendered SVG.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::forms;
use super::models::*;
use super::project;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{projects_sprints, projects_tasks};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// A sprint spans at most this many days (the burndown draws one point a day).
pub const MAX_DAYS: i64 = 366;

/// What the sprint form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SprintForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
}

impl SprintForm {
    pub fn from_sprint(s: &Sprint) -> Self {
        SprintForm {
            name: s.name.clone(),
            goal: s.goal.clone(),
            start_date: s.start_date.to_string(),
            end_date: s.end_date.to_string(),
        }
    }
}

/// A project's sprints, by start date.
pub fn all(c: &mut DbConn, t: TenantId, project: ProjectId) -> AppResult<Vec<Sprint>> {
    Ok(projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::project_id.eq(project))
        .order((
            projects_sprints::start_date.asc(),
            projects_sprints::id.asc(),
        ))
        .limit(500)
        .select(Sprint::as_select())
        .load(c)?)
}

pub fn find(c: &mut DbConn, t: TenantId, project: ProjectId, id: SprintId) -> AppResult<Sprint> {
    Ok(projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::project_id.eq(project))
        .filter(projects_sprints::id.eq(id))
        .select(Sprint::as_select())
        .first(c)?)
}

/// The sprint of the project whose dates overlap `start..=end`, if any
/// (cancelled sprints do not count).
fn overlapping(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    start: NaiveDate,
    end: NaiveDate,
    except: Option<SprintId>,
) -> AppResult<Option<Sprint>> {
    let mut q = projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::project_id.eq(project))
        .filter(projects_sprints::status.ne(SprintStatus::Cancelled))
        .filter(projects_sprints::start_date.le(end))
        .filter(projects_sprints::end_date.ge(start))
        .select(Sprint::as_select())
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(projects_sprints::id.ne(id));
    }
    Ok(q.first(c).optional()?)
}

fn name_taken(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    name: &str,
    except: Option<SprintId>,
) -> AppResult<bool> {
    let mut q = projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::project_id.eq(project))
        .filter(projects_sprints::name.eq(name.to_string()))
        .select(projects_sprints::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(projects_sprints::id.ne(id));
    }
    Ok(q.first::<SprintId>(c).optional()?.is_some())
}

fn check(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    except: Option<SprintId>,
    f: &SprintForm,
) -> AppResult<Result<(String, String, NaiveDate, NaiveDate), FormErrors>> {
    let mut e = FormErrors::default();
    let name = forms::text(&mut e, "name", &f.name, 200, true);
    let goal = forms::text(&mut e, "goal", &f.goal, 5_000, false);
    let start = forms::required_date(&mut e, "start_date", &f.start_date);
    let end = forms::required_date(&mut e, "end_date", &f.end_date);
    if !name.is_empty() && name_taken(c, t, project, &name, except)? {
        e.add("name", "Another sprint of this project has this name.");
    }
    let (Some(start), Some(end)) = (start, end) else {
        return Ok(Err(e));
    };
    if end <= start {
        e.add("end_date", "The sprint ends after it starts.");
    } else if (end - start).num_days() > MAX_DAYS {
        e.add(
            "end_date",
            format!("A sprint lasts at most {MAX_DAYS} days."),
        );
    } else if let Some(other) = overlapping(c, t, project, start, end, except)? {
        e.add(
            "start_date",
            format!(
                "These dates overlap “{}” ({} to {}): sprints of a project may not overlap.",
                other.name, other.start_date, other.end_date
            ),
        );
    }
    if e.is_empty() {
        Ok(Ok((name, goal, start, end)))
    } else {
        Ok(Err(e))
    }
}

/// On PostgreSQL the exclusion constraint catches two writers that both
/// passed the check; their loser gets the same message as the check gives.
fn overlap_refused(err: &diesel::result::Error) -> bool {
    err.to_string().contains("projects_sprints_no_overlap")
}

fn overlap_errors() -> FormErrors {
    let mut e = FormErrors::default();
    e.add(
        "start_date",
        "These dates overlap another sprint of this project: sprints may not overlap.",
    );
    e
}

/// Plans a sprint. On SQLite the write transaction holds the database's
/// write lock from its start, so the overlap check cannot race; on
/// PostgreSQL the exclusion constraint settles a race.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    f: &SprintForm,
    meta: &RequestMeta,
) -> AppResult<Result<SprintId, FormErrors>> {
    project::find_live(c, t, project)?;
    let (name, goal, start, end) = match check(c, t, project, None, f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let now = UtcTime::now();
    let id = SprintId::new();
    let inserted = diesel::insert_into(projects_sprints::table)
        .values(Sprint {
            tenant_id: t,
            id,
            project_id: project,
            name: name.clone(),
            goal,
            status: SprintStatus::Planned,
            start_date: start,
            end_date: end,
            completed_at: None,
            created_at: now,
            updated_at: now,
        })
        .execute(c);
    match inserted {
        Ok(_) => {}
        Err(err) if overlap_refused(&err) => return Ok(Err(overlap_errors())),
        Err(err) => return Err(err.into()),
    }
    audit::record(
        c,
        NewEvent::tenant(t, "sprint.create")
            .actor(by)
            .resource("sprint", id)
            .meta(meta)
            .changes(json!({"name": name, "start": start.to_string(), "end": end.to_string()})),
    )?;
    Ok(Ok(id))
}

/// Edits a planned or active sprint's name, goal and dates.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: SprintId,
    f: &SprintForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let old = find(c, t, project, id)?;
    if matches!(
        old.status,
        SprintStatus::Completed | SprintStatus::Cancelled
    ) {
        let mut e = FormErrors::default();
        e.add("name", "A completed or cancelled sprint is kept as it was.");
        return Ok(Err(e));
    }
    let (name, goal, start, end) = match check(c, t, project, Some(id), f)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let updated = diesel::update(
        projects_sprints::table
            .filter(projects_sprints::tenant_id.eq(t))
            .filter(projects_sprints::id.eq(id)),
    )
    .set((
        projects_sprints::name.eq(&name),
        projects_sprints::goal.eq(&goal),
        projects_sprints::start_date.eq(start),
        projects_sprints::end_date.eq(end),
        projects_sprints::updated_at.eq(UtcTime::now()),
    ))
    .execute(c);
    match updated {
        Ok(_) => {}
        Err(err) if overlap_refused(&err) => return Ok(Err(overlap_errors())),
        Err(err) => return Err(err.into()),
    }
    audit::record(
        c,
        NewEvent::tenant(t, "sprint.update")
            .actor(by)
            .resource("sprint", id)
            .meta(meta)
            .changes(json!({"name": [old.name, name]})),
    )?;
    Ok(Ok(()))
}

/// Starts a planned sprint; a project runs one sprint at a time.
pub fn start(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: SprintId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let s = find(c, t, project, id)?;
    if s.status != SprintStatus::Planned {
        return Err(AppError::Conflict(format!(
            "Only a planned sprint can start; “{}” is {}.",
            s.name,
            s.status.label().to_lowercase()
        )));
    }
    let running: Option<String> = projects_sprints::table
        .filter(projects_sprints::tenant_id.eq(t))
        .filter(projects_sprints::project_id.eq(project))
        .filter(projects_sprints::status.eq(SprintStatus::Active))
        .select(projects_sprints::name)
        .first(c)
        .optional()?;
    if let Some(name) = running {
        return Err(AppError::Conflict(format!(
            "“{name}” is still running: complete it before starting another sprint."
        )));
    }
    // Only from planned: a second click racing the first updates no row. The
    // one-active-sprint key turns a race between two sprints into a message.
    let started = crate::db::unless_taken(c, |c| {
        diesel::update(
            projects_sprints::table
                .filter(projects_sprints::tenant_id.eq(t))
                .filter(projects_sprints::id.eq(id))
                .filter(projects_sprints::status.eq(SprintStatus::Planned)),
        )
        .set((
            projects_sprints::status.eq(SprintStatus::Active),
            projects_sprints::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)
    })?;
    match started {
        Some(1) => {}
        Some(_) => {
            return Err(AppError::Conflict(format!(
                "“{}” was started a moment ago by someone else.",
                s.name
            )))
        }
        None => {
            return Err(AppError::Conflict(
                "Another sprint of this project was started at the same moment: complete it before starting this one.".into(),
            ))
        }
    }
    audit::record(
        c,
        NewEvent::tenant(t, "sprint.start")
            .actor(by)
            .resource("sprint", id)
            .meta(meta),
    )
}

fn set_status(
    c: &mut DbConn,
    t: TenantId,
    id: SprintId,
    status: SprintStatus,
    completed: Option<UtcTime>,
) -> AppResult<()> {
    diesel::update(
        projects_sprints::table
            .filter(projects_sprints::tenant_id.eq(t))
            .filter(projects_sprints::id.eq(id)),
    )
    .set((
        projects_sprints::status.eq(status),
        projects_sprints::completed_at.eq(completed),
        projects_sprints::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    Ok(())
}

/// How a sprint ends, and where its unfinished tasks go: a planned sprint
/// of the project, or no sprint.
#[derive(Debug, Clone, Copy)]
pub struct Ending {
    pub cancel: bool,
    pub carry_to: Option<SprintId>,
}

/// Completes (or cancels) a sprint, moving its unfinished tasks as `end`
/// says. Returns how many tasks moved.
pub fn finish(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: SprintId,
    end: Ending,
    meta: &RequestMeta,
) -> AppResult<i64> {
    let Ending { cancel, carry_to } = end;
    let s = find(c, t, project, id)?;
    if matches!(s.status, SprintStatus::Completed | SprintStatus::Cancelled) {
        return Err(AppError::Conflict(format!(
            "“{}” is already {}.",
            s.name,
            s.status.label().to_lowercase()
        )));
    }
    if !cancel && s.status != SprintStatus::Active {
        return Err(AppError::Conflict(
            "Only a running sprint can be completed; start it first, or cancel it.".into(),
        ));
    }
    if let Some(next) = carry_to {
        let n = find(c, t, project, next)?;
        if n.status != SprintStatus::Planned || n.id == id {
            return Err(AppError::Conflict(
                "Unfinished tasks move to a planned sprint of this project.".into(),
            ));
        }
    }
    let moved = diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::sprint_id.eq(id))
            .filter(projects_tasks::deleted_at.is_null())
            .filter(projects_tasks::status.ne_all([TaskStatus::Done, TaskStatus::Cancelled])),
    )
    .set(projects_tasks::sprint_id.eq(carry_to))
    .execute(c)? as i64;
    let (status, action) = if cancel {
        (SprintStatus::Cancelled, "sprint.cancel")
    } else {
        (SprintStatus::Completed, "sprint.complete")
    };
    set_status(c, t, id, status, Some(UtcTime::now()))?;
    audit::record(
        c,
        NewEvent::tenant(t, action)
            .actor(by)
            .resource("sprint", id)
            .meta(meta)
            .changes(json!({"carried_over": moved})),
    )?;
    Ok(moved)
}

/// Story points of a sprint's tasks, and when each was completed.
pub fn points(c: &mut DbConn, t: TenantId, id: SprintId) -> AppResult<Vec<(i32, Option<UtcTime>)>> {
    let rows: Vec<(Option<i32>, Option<UtcTime>)> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::sprint_id.eq(id))
        .filter(projects_tasks::deleted_at.is_null())
        .filter(projects_tasks::status.ne(TaskStatus::Cancelled))
        .select((projects_tasks::story_points, projects_tasks::completed_at))
        .limit(10_000)
        .load(c)?;
    // A task without points counts as one, so a sprint of unestimated
    // tasks still burns down.
    Ok(rows
        .into_iter()
        .map(|(p, done)| (p.unwrap_or(1), done))
        .collect())
}

/// The burndown: per day of the sprint, the points still open at its end
/// (days after `today` are not drawn), against the ideal straight line.
#[derive(Debug, Clone)]
pub struct Burndown {
    pub total: i64,
    pub remaining: Vec<(NaiveDate, i64)>,
    pub days: i64,
}

pub fn burndown(s: &Sprint, points: &[(i32, Option<UtcTime>)], today: NaiveDate) -> Burndown {
    let total: i64 = points.iter().map(|(p, _)| *p as i64).sum();
    let days = (s.end_date - s.start_date).num_days().clamp(1, MAX_DAYS);
    let last = today.min(s.end_date);
    let mut remaining = Vec::new();
    let mut day = s.start_date;
    while day <= last {
        let done: i64 = points
            .iter()
            .filter(|(_, at)| at.is_some_and(|a| a.0.date_naive() <= day))
            .map(|(p, _)| *p as i64)
            .sum();
        remaining.push((day, total - done));
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    Burndown {
        total,
        remaining,
        days,
    }
}

impl Burndown {
    /// The chart as SVG markup: axes, the ideal line, the actual line.
    /// Only numbers and fixed text go in, so it is safe to print unescaped.
    pub fn svg(&self) -> String {
        let (w, h, pad) = (600.0_f64, 240.0_f64, 30.0_f64);
        let total = self.total.max(1) as f64;
        let x = |i: i64| pad + (w - 2.0 * pad) * i as f64 / self.days as f64;
        let y = |v: i64| pad + (h - 2.0 * pad) * (1.0 - v as f64 / total);
        let actual: Vec<String> = self
            .remaining
            .iter()
            .enumerate()
            .map(|(i, (_, v))| format!("{:.1},{:.1}", x(i as i64), y(*v)))
            .collect();
        format!(
            concat!(
                r#"<svg class="burndown" viewBox="0 0 {w} {h}" role="img" aria-label="Burndown: {rem} of {total} points remaining">"#,
                r#"<line class="axis" x1="{p}" y1="{b}" x2="{r}" y2="{b}"/>"#,
                r#"<line class="axis" x1="{p}" y1="{p}" x2="{p}" y2="{b}"/>"#,
                r#"<line class="ideal" x1="{p}" y1="{p}" x2="{r}" y2="{b}"/>"#,
                r#"<polyline class="actual" points="{pts}"/>"#,
                r#"<text x="{p}" y="{ty}">{total} pts</text>"#,
                r#"<text x="{r}" y="{ty2}" text-anchor="end">{days} days</text>"#,
                "</svg>"
            ),
            w = w,
            h = h,
            p = pad,
            b = h - pad,
            r = w - pad,
            pts = actual.join(" "),
            total = self.total,
            rem = self.remaining.last().map_or(self.total, |(_, v)| *v),
            ty = pad - 8.0,
            ty2 = h - 8.0,
            days = self.days,
        )
    }
}
