//! Files attached to tasks: the rows. The bytes are kept through
//! `web::uploads` under `blobs/<workspace>/projects/<sha256>` (the same file
//! twice is kept once), written whole before the row; removing the last row
//! of a blob lets the handler delete it once the transaction has committed.

use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::models::*;
use super::tasks::record_activity;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::projects_task_files as tf;
use crate::web::uploads::Upload;

/// A task shows at most this many files (more are refused at upload).
pub const MAX_PER_TASK: i64 = 100;

/// The folder of a workspace's task files.
pub fn blob_dir(data: &Path, t: TenantId) -> PathBuf {
    data.join("blobs").join(t.to_string()).join("projects")
}

/// Where one of them lives.
pub fn blob_path(data: &Path, t: TenantId, sha256: &str) -> PathBuf {
    blob_dir(data, t).join(sha256)
}

/// A task's files, oldest first.
pub fn for_task(c: &mut DbConn, t: TenantId, task: TaskId) -> AppResult<Vec<TaskFile>> {
    Ok(tf::table
        .filter(tf::tenant_id.eq(t))
        .filter(tf::task_id.eq(task))
        .order(tf::id.asc())
        .limit(MAX_PER_TASK)
        .select(TaskFile::as_select())
        .load(c)?)
}

/// A file of this task (404 otherwise).
pub fn find(c: &mut DbConn, t: TenantId, task: TaskId, id: TaskFileId) -> AppResult<TaskFile> {
    Ok(tf::table
        .filter(tf::tenant_id.eq(t))
        .filter(tf::task_id.eq(task))
        .filter(tf::id.eq(id))
        .select(TaskFile::as_select())
        .first(c)?)
}

/// Records a kept upload on a task (its bytes already at their address).
/// Refused past [`MAX_PER_TASK`] files.
pub fn insert(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    task: TaskId,
    up: &Upload,
    content_type: &str,
    is_image: bool,
) -> AppResult<Result<TaskFileId, String>> {
    let n: i64 = tf::table
        .filter(tf::tenant_id.eq(t))
        .filter(tf::task_id.eq(task))
        .count()
        .get_result(c)?;
    if n >= MAX_PER_TASK {
        return Ok(Err(format!(
            "A task holds at most {MAX_PER_TASK} files; remove one first."
        )));
    }
    let row = TaskFile {
        tenant_id: t,
        id: TaskFileId::new(),
        task_id: task,
        uploaded_by: Some(by),
        filename: up.filename.clone(),
        content_type: content_type.to_string(),
        size_bytes: up.size,
        sha256: up.sha256.clone(),
        is_image,
        created_at: UtcTime::now(),
    };
    diesel::insert_into(tf::table).values(&row).execute(c)?;
    record_activity(c, t, task, Some(by), "file", "", &row.filename)?;
    Ok(Ok(row.id))
}

/// Removes a file from its task; returns its blob's hash when no other row
/// of the workspace uses it (the blob can go after the commit).
pub fn remove(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    task: TaskId,
    id: TaskFileId,
) -> AppResult<Option<String>> {
    let f = find(c, t, task, id)?;
    diesel::delete(tf::table.filter(tf::tenant_id.eq(t)).filter(tf::id.eq(id))).execute(c)?;
    record_activity(c, t, task, Some(by), "file", &f.filename, "")?;
    Ok((!in_use(c, t, &f.sha256)?).then_some(f.sha256))
}

/// Whether any task file of the workspace keeps this content.
pub fn in_use(c: &mut DbConn, t: TenantId, sha256: &str) -> AppResult<bool> {
    let n: i64 = tf::table
        .filter(tf::tenant_id.eq(t))
        .filter(tf::sha256.eq(sha256))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}
