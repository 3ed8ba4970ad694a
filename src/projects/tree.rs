//! The subtask tree: where a task may hang (never under itself or its own
//! subtasks, never deeper than [`MAX_DEPTH`] with its whole subtree), and
//! moving it there with its subtasks.

use diesel::prelude::*;

use super::models::*;
use super::tasks::{find, record_activity, MAX_DEPTH};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::projects_tasks;

/// A task's live subtasks at every level below it: (id, depth).
pub fn descendants(c: &mut DbConn, t: TenantId, root: TaskId) -> AppResult<Vec<(TaskId, i32)>> {
    let mut out = Vec::new();
    let mut frontier = vec![root];
    // Depth is at most MAX_DEPTH, so this walks at most MAX_DEPTH levels.
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let level: Vec<(TaskId, i32)> = projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::parent_id.eq_any(&frontier))
            .filter(projects_tasks::deleted_at.is_null())
            .select((projects_tasks::id, projects_tasks::depth))
            .load(c)?;
        frontier = level.iter().map(|(id, _)| *id).collect();
        out.extend(level);
    }
    Ok(out)
}

/// Where a task goes: its new parent (none: the top level) and depth.
pub type Move = (Option<Task>, i32);

/// `12`, `REL-12` or `#12` → 12.
fn number_of(raw: &str) -> Option<i64> {
    let raw = raw.trim().trim_start_matches('#');
    let digits = raw.rsplit('-').next().unwrap_or(raw);
    digits.parse().ok().filter(|n| *n > 0)
}

/// Where `task` may move given the form's parent (a task number of the
/// project, blank for the top level): the new parent and depth, or why not.
/// `None`: it stays where it is.
pub fn check_move(
    c: &mut DbConn,
    t: TenantId,
    p: &Project,
    task: &Task,
    raw: &str,
) -> AppResult<Result<Option<Move>, String>> {
    let parent = if raw.trim().is_empty() {
        None
    } else {
        let Some(n) = number_of(raw) else {
            return Ok(Err(format!(
                "Enter the parent's number, such as {}-12, or leave it blank for a top-level task.",
                p.key
            )));
        };
        let found: Option<Task> = projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::project_id.eq(p.id))
            .filter(projects_tasks::number.eq(n))
            .filter(projects_tasks::deleted_at.is_null())
            .select(Task::as_select())
            .first(c)
            .optional()?;
        let Some(found) = found else {
            return Ok(Err(format!("{}-{n} is not a task of this project.", p.key)));
        };
        Some(found)
    };
    if parent.as_ref().map(|x| x.id) == task.parent_id {
        return Ok(Ok(None));
    }
    let below = descendants(c, t, task.id)?;
    if let Some(pt) = &parent {
        if pt.id == task.id || below.iter().any(|(id, _)| *id == pt.id) {
            return Ok(Err(format!(
                "{}-{} cannot go under itself or one of its own subtasks.",
                p.key, task.number
            )));
        }
    }
    let depth = parent.as_ref().map_or(1, |pt| pt.depth + 1);
    let height = below.iter().map(|(_, d)| d - task.depth).max().unwrap_or(0);
    if depth + height > MAX_DEPTH {
        return Ok(Err(format!(
            "Subtasks go {MAX_DEPTH} levels deep at most: under {} this task{} would reach level {}.",
            parent
                .as_ref()
                .map_or_else(|| "the top".to_string(), |pt| format!("{}-{}", p.key, pt.number)),
            if height > 0 { " and its subtasks" } else { "" },
            depth + height
        )));
    }
    Ok(Ok(Some((parent, depth))))
}

/// Moves `task` (and its subtasks, whose depth follows) under `parent`, or
/// to the top level; one activity row.
pub fn apply_move(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    p: &Project,
    task: &Task,
    parent: Option<&Task>,
    depth: i32,
) -> AppResult<()> {
    let shift = depth - task.depth;
    let below = descendants(c, t, task.id)?;
    diesel::update(
        projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq(task.id)),
    )
    .set((
        projects_tasks::parent_id.eq(parent.map(|x| x.id)),
        projects_tasks::depth.eq(depth),
        projects_tasks::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    if shift != 0 && !below.is_empty() {
        let ids: Vec<TaskId> = below.iter().map(|(id, _)| *id).collect();
        diesel::update(
            projects_tasks::table
                .filter(projects_tasks::tenant_id.eq(t))
                .filter(projects_tasks::id.eq_any(ids)),
        )
        .set(projects_tasks::depth.eq(projects_tasks::depth + shift))
        .execute(c)?;
    }
    let old = match task.parent_id {
        Some(id) => find(c, t, p.id, id)
            .map(|x| format!("{}-{}", p.key, x.number))
            .unwrap_or_default(),
        None => String::new(),
    };
    let new = parent.map_or_else(String::new, |x| format!("{}-{}", p.key, x.number));
    record_activity(c, t, task.id, Some(by), "parent", &old, &new)
}

#[cfg(test)]
mod tests {
    use super::number_of;

    #[test]
    fn parents_are_named_by_number() {
        assert_eq!(number_of("12"), Some(12));
        assert_eq!(number_of("REL-12"), Some(12));
        assert_eq!(number_of(" #7 "), Some(7));
        assert_eq!(number_of("REL"), None);
        assert_eq!(number_of("REL-0"), None);
    }
}
