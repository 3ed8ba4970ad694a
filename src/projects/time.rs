//! Time tracking on tasks: a running timer per person (starting one stops
//! the other), manual entries, totals kept on the task and the project, and
//! the project's entries as CSV.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use super::forms;
use super::models::*;
use super::project::{self, name_of, user_names};
use super::tasks;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{projects_projects, projects_tasks, projects_time_entries};
use crate::web::FormErrors;

/// One entry is at most a week of work (in minutes).
pub const MAX_MINUTES: i64 = 7 * 24 * 60;

/// The form for a manual entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntryForm {
    /// The day worked, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// `90`, `1:30`, `1h30` or `1.5h`.
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub note: String,
}

/// Minutes from `90`, `1:30`, `1h30`, `1h 30m`, `1.5h`, `45m`.
pub fn parse_duration(raw: &str) -> Option<i64> {
    let s = raw.trim().to_lowercase().replace(' ', "");
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    if let Some((h, m)) = s.split_once(':') {
        let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
        return (m < 60).then_some(h * 60 + m);
    }
    if let Some((h, rest)) = s.split_once('h') {
        let m = rest.trim_end_matches('m');
        let mins = if m.is_empty() {
            0
        } else {
            m.parse::<i64>().ok()?
        };
        if h.contains('.') {
            let hours: f64 = h.parse().ok()?;
            return (hours.is_finite() && rest.is_empty() && hours >= 0.0)
                .then(|| (hours * 60.0).round() as i64);
        }
        return Some(h.parse::<i64>().ok()? * 60 + mins);
    }
    s.trim_end_matches('m').parse::<i64>().ok()
}

fn add_minutes(c: &mut DbConn, t: TenantId, task: &Task, minutes: i64) -> AppResult<()> {
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq(task.id)),
    )
    .set(projects_tasks::logged_minutes.eq(projects_tasks::logged_minutes + minutes))
    .execute(c)?;
    diesel::update(
        projects_projects::table
            .filter(projects_projects::tenant_id.eq(t))
            .filter(projects_projects::id.eq(task.project_id)),
    )
    .set(projects_projects::logged_minutes.eq(projects_projects::logged_minutes + minutes))
    .execute(c)?;
    Ok(())
}

/// My running timer in this workspace, if any.
pub fn running(c: &mut DbConn, t: TenantId, me: UserId) -> AppResult<Option<TimeEntry>> {
    Ok(projects_time_entries::table
        .filter(projects_time_entries::tenant_id.eq(t))
        .filter(projects_time_entries::user_id.eq(me))
        .filter(projects_time_entries::ended_at.is_null())
        .select(TimeEntry::as_select())
        .first(c)
        .optional()?)
}

/// Stops my running timer (if any); returns the minutes it logged.
pub fn stop(c: &mut DbConn, t: TenantId, me: UserId) -> AppResult<Option<i64>> {
    let Some(entry) = running(c, t, me)? else {
        return Ok(None);
    };
    let now = UtcTime::now();
    let minutes = ((now.0 - entry.started_at.0).num_seconds().max(0) / 60).min(MAX_MINUTES);
    diesel::update(
        projects_time_entries::table
            .filter(projects_time_entries::tenant_id.eq(t))
            .filter(projects_time_entries::id.eq(entry.id)),
    )
    .set((
        projects_time_entries::ended_at.eq(Some(now)),
        projects_time_entries::minutes.eq(Some(minutes as i32)),
    ))
    .execute(c)?;
    let task: Task = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::id.eq(entry.task_id))
        .select(Task::as_select())
        .first(c)?;
    add_minutes(c, t, &task, minutes)?;
    Ok(Some(minutes))
}

/// Stops my running timer from a task's page (404 for a task that is not
/// this project's).
pub fn stop_on(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    project: ProjectId,
    task: TaskId,
) -> AppResult<Option<i64>> {
    tasks::find(c, t, project, task)?;
    stop(c, t, me)
}

/// Starts my timer on a task, stopping one running elsewhere.
pub fn start(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    project: ProjectId,
    task: TaskId,
) -> AppResult<()> {
    project::find_live(c, t, project)?;
    tasks::find(c, t, project, task)?;
    stop(c, t, me)?;
    let now = UtcTime::now();
    // One running timer per person is a key: a start from another tab at the
    // same moment wins, and this one says so instead of failing.
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(projects_time_entries::table)
            .values(TimeEntry {
                tenant_id: t,
                id: TimeEntryId::new(),
                task_id: task,
                user_id: me,
                started_at: now,
                ended_at: None,
                minutes: None,
                note: String::new(),
                created_at: now,
            })
            .execute(c)
    })?;
    if inserted.is_none() {
        return Err(AppError::Conflict(
            "A timer of yours was started at the same moment (in another tab?): stop it first."
                .into(),
        ));
    }
    Ok(())
}

/// Logs time worked on a day by hand.
pub fn add_entry(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    project: ProjectId,
    task: TaskId,
    f: &EntryForm,
) -> AppResult<Result<i64, FormErrors>> {
    project::find_live(c, t, project)?;
    let task = tasks::find(c, t, project, task)?;
    let mut e = FormErrors::default();
    let day = forms::required_date(&mut e, "date", &f.date);
    let minutes = match parse_duration(&f.duration) {
        Some(m) if (1..=MAX_MINUTES).contains(&m) => Some(m),
        Some(_) => {
            e.add("duration", "Log from 1 minute to a week at a time.");
            None
        }
        None => {
            e.add("duration", "Enter a duration such as 45, 1:30 or 1h30.");
            None
        }
    };
    let note = forms::text(&mut e, "note", &f.note, 500, false);
    let (Some(day), Some(minutes)) = (day, minutes) else {
        return Ok(Err(e));
    };
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let started = UtcTime(day.and_time(chrono::NaiveTime::MIN).and_utc());
    let ended = UtcTime(started.0 + chrono::Duration::minutes(minutes));
    diesel::insert_into(projects_time_entries::table)
        .values(TimeEntry {
            tenant_id: t,
            id: TimeEntryId::new(),
            task_id: task.id,
            user_id: me,
            started_at: started,
            ended_at: Some(ended),
            minutes: Some(minutes as i32),
            note,
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    add_minutes(c, t, &task, minutes)?;
    Ok(Ok(minutes))
}

/// Deletes one of my finished entries; the totals go down with it.
pub fn delete_entry(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    project: ProjectId,
    task: TaskId,
    id: TimeEntryId,
) -> AppResult<()> {
    let task = tasks::find(c, t, project, task)?;
    let entry: TimeEntry = projects_time_entries::table
        .filter(projects_time_entries::tenant_id.eq(t))
        .filter(projects_time_entries::task_id.eq(task.id))
        .filter(projects_time_entries::id.eq(id))
        .select(TimeEntry::as_select())
        .first(c)?;
    if entry.user_id != me {
        return Err(AppError::Forbidden(
            "You can delete only your own time entries.".into(),
        ));
    }
    diesel::delete(
        projects_time_entries::table
            .filter(projects_time_entries::tenant_id.eq(t))
            .filter(projects_time_entries::id.eq(id)),
    )
    .execute(c)?;
    if let Some(m) = entry.minutes {
        add_minutes(c, t, &task, -(m as i64))?;
    }
    Ok(())
}

/// An entry with the person's name.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub entry: TimeEntry,
    pub who: String,
    pub mine: bool,
}

/// A task's latest 100 entries, newest first.
pub fn for_task(c: &mut DbConn, t: TenantId, task: TaskId, me: UserId) -> AppResult<Vec<EntryRow>> {
    let rows: Vec<TimeEntry> = projects_time_entries::table
        .filter(projects_time_entries::tenant_id.eq(t))
        .filter(projects_time_entries::task_id.eq(task))
        .order(projects_time_entries::started_at.desc())
        .limit(100)
        .select(TimeEntry::as_select())
        .load(c)?;
    let names = user_names(c, rows.iter().map(|r| r.user_id).collect())?;
    Ok(rows
        .into_iter()
        .map(|entry| EntryRow {
            who: name_of(&names, entry.user_id),
            mine: entry.user_id == me,
            entry,
        })
        .collect())
}

/// One chunk of a project's finished entries for the CSV export, in id
/// order after `after`: (entry, task number, task title, person).
pub fn export_chunk(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    after: Option<TimeEntryId>,
    n: i64,
) -> AppResult<Vec<(TimeEntry, i64, String, String)>> {
    let mut q = projects_time_entries::table
        .inner_join(
            projects_tasks::table.on(projects_tasks::tenant_id
                .eq(projects_time_entries::tenant_id)
                .and(projects_tasks::id.eq(projects_time_entries::task_id))),
        )
        .filter(projects_time_entries::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(project))
        .filter(projects_time_entries::ended_at.is_not_null())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(projects_time_entries::id.gt(a));
    }
    let rows: Vec<(TimeEntry, i64, String)> = q
        .order(projects_time_entries::id.asc())
        .limit(n)
        .select((
            TimeEntry::as_select(),
            projects_tasks::number,
            projects_tasks::title,
        ))
        .load(c)?;
    let names = user_names(c, rows.iter().map(|r| r.0.user_id).collect())?;
    Ok(rows
        .into_iter()
        .map(|(e, num, title)| {
            let who = name_of(&names, e.user_id);
            (e, num, title, who)
        })
        .collect())
}

/// The day an entry counts for.
pub fn day_of(e: &TimeEntry) -> NaiveDate {
    e.started_at.0.date_naive()
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_the_ways_people_write_them() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("1:30"), Some(90));
        assert_eq!(parse_duration("1h30"), Some(90));
        assert_eq!(parse_duration("1h 30m"), Some(90));
        assert_eq!(parse_duration("1.5h"), Some(90));
        assert_eq!(parse_duration("45m"), Some(45));
        assert_eq!(parse_duration("2h"), Some(120));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("1:75"), None);
    }
}
