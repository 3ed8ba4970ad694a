//! What a task's page shows beyond the task itself: its custom fields, its
//! files, the workflow runs about it, and the workflows that can be started
//! on it.

use super::fields::{self, Shown};
use super::models::*;
use super::{task_files, workflows};
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;

#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub fields: Vec<Shown>,
    pub files: Vec<TaskFile>,
    /// The runs about the task, newest first, with their workflow's name.
    pub runs: Vec<(Execution, String)>,
    /// Active manual workflows, to start one on the task.
    pub startable: Vec<Workflow>,
}

pub fn load(c: &mut DbConn, t: TenantId, project: ProjectId, task: TaskId) -> AppResult<Extras> {
    Ok(Extras {
        fields: fields::shown(c, t, project, task)?,
        files: task_files::for_task(c, t, task)?,
        runs: workflows::for_task(c, t, task)?,
        startable: workflows::startable(c, t)?,
    })
}

impl TaskFile {
    /// "1.2 MB", "340 KB".
    pub fn size(&self) -> String {
        crate::web::uploads::size_text(self.size_bytes)
    }
}
