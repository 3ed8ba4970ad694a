//! Comments on a task: Markdown, rendered through the sanitiser; authors
//! delete their own (a placeholder stays), admins anyone's.

use diesel::prelude::*;
use serde::Deserialize;

use super::models::*;
use super::project::{name_of, user_names};
use super::tasks;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::projects_task_comments;
use crate::web::FormErrors;

pub const MAX_BODY: usize = 20_000;

/// A task's page shows this many comments, oldest first, then "older".
pub const SHOWN: i64 = 200;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub body: String,
}

/// A comment as the task page shows it.
#[derive(Debug, Clone)]
pub struct CommentRow {
    pub comment: Comment,
    pub author: String,
    /// The body as sanitised HTML (empty when deleted).
    pub html: String,
    pub mine: bool,
}

/// The latest [`SHOWN`] comments of a task, oldest first.
pub fn for_task(
    c: &mut DbConn,
    t: TenantId,
    task: TaskId,
    me: UserId,
) -> AppResult<Vec<CommentRow>> {
    let mut rows: Vec<Comment> = projects_task_comments::table
        .filter(projects_task_comments::tenant_id.eq(t))
        .filter(projects_task_comments::task_id.eq(task))
        .order(projects_task_comments::id.desc())
        .limit(SHOWN)
        .select(Comment::as_select())
        .load(c)?;
    rows.reverse();
    let names = user_names(c, rows.iter().filter_map(|r| r.author_id).collect())?;
    Ok(rows
        .into_iter()
        .map(|comment| CommentRow {
            author: comment
                .author_id
                .map_or_else(|| "a former member".into(), |u| name_of(&names, u)),
            html: if comment.deleted_at.is_some() {
                String::new()
            } else {
                crate::support::markdown::to_safe_html(&comment.body)
            },
            mine: comment.author_id == Some(me),
            comment,
        })
        .collect())
}

/// Adds a comment to a live task.
pub fn add(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    task: TaskId,
    f: &CommentForm,
) -> AppResult<Result<CommentId, FormErrors>> {
    let found = tasks::find(c, t, project, task)?;
    let mut e = FormErrors::default();
    let body = f.body.trim();
    if body.is_empty() {
        e.add("body", "Write something first.");
    } else if body.chars().count() > MAX_BODY {
        e.add(
            "body",
            format!("A comment has at most {MAX_BODY} characters."),
        );
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let now = UtcTime::now();
    let id = CommentId::new();
    diesel::insert_into(projects_task_comments::table)
        .values(Comment {
            tenant_id: t,
            id,
            task_id: task,
            author_id: Some(by),
            body: body.to_string(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
        .execute(c)?;
    tasks::record_activity(c, t, task, Some(by), "comment", "", "added a comment")?;
    super::notify::commented(c, t, by, &found, body)?;
    Ok(Ok(id))
}

/// Deletes a comment: its author, or a workspace admin (`may_moderate`).
/// The row stays as "comment deleted" so the thread keeps its shape.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    may_moderate: bool,
    project: ProjectId,
    task: TaskId,
    id: CommentId,
) -> AppResult<()> {
    tasks::find(c, t, project, task)?;
    let row: Comment = projects_task_comments::table
        .filter(projects_task_comments::tenant_id.eq(t))
        .filter(projects_task_comments::task_id.eq(task))
        .filter(projects_task_comments::id.eq(id))
        .select(Comment::as_select())
        .first(c)?;
    if row.author_id != Some(by) && !may_moderate {
        return Err(AppError::Forbidden(
            "Only its author or a workspace admin can delete a comment.".into(),
        ));
    }
    diesel::update(
        projects_task_comments::table
            .filter(projects_task_comments::tenant_id.eq(t))
            .filter(projects_task_comments::id.eq(id)),
    )
    .set((
        projects_task_comments::deleted_at.eq(Some(UtcTime::now())),
        projects_task_comments::body.eq("(deleted)"),
    ))
    .execute(c)?;
    tasks::record_activity(c, t, task, Some(by), "comment", "", "deleted a comment")
}
