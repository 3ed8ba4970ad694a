//! The projects module as the core sees it: its entry in `crate::modules`.

use diesel::prelude::*;

use super::models::ProjectId;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{
    capped_count_text, whole_tables, DemoPeople, ExportTable, JobKind, Module, Tile,
};
use crate::schema::projects_projects;
use crate::web::extract::RequestMeta;

/// Registered in `crate::MODULES` (`lib.rs`).
pub const MODULE: Module = Module {
    key: "projects",
    name: "Projects",
    in_nav: true,
    routes: super::routes,
    admin_routes: None,
    admin_link: None,
    tile: Tile {
        blurb: "Projects, tasks, boards, sprints, time tracking and approval workflows",
        figure: active_projects,
    },
    jobs: &[JobKind {
        kind: super::workflows::EXPIRY_KIND,
        label: "Expiring overdue workflow approvals",
        run: super::workflows::run_expiry_job,
    }],
    exports: &EXPORTS,
    demo,
    tenant_tables: &TENANT_TABLES,
    global_tables: &[],
    member_left: Some(super::project::member_left),
    notices: &super::notify::KINDS,
    retention: &[],
    search: None,
};

/// Every tenant table of the module, parents before children.
const TENANT_TABLES: [&str; 13] = [
    "projects_projects",
    "projects_members",
    "projects_sprints",
    "projects_milestones",
    "projects_tasks",
    "projects_task_comments",
    "projects_task_activity",
    "projects_time_entries",
    "projects_workflows",
    "projects_workflow_versions",
    "projects_workflow_executions",
    "projects_workflow_steps",
    "projects_workflow_approvals",
];

/// All of them go into the export, whole: none holds a credential.
const EXPORTS: [ExportTable; 13] = whole_tables(TENANT_TABLES);

const TILE_CAP: i64 = 100;

/// "4 active projects", counted over at most `TILE_CAP` + 1 rows.
fn active_projects(c: &mut DbConn, t: TenantId) -> AppResult<Option<String>> {
    let ids: Vec<ProjectId> = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::deleted_at.is_null())
        .filter(projects_projects::is_template.eq(false))
        .filter(projects_projects::status.eq(super::models::ProjectStatus::Active))
        .select(projects_projects::id)
        .limit(TILE_CAP + 1)
        .load(c)?;
    Ok(Some(capped_count_text(
        ids.len() as i64,
        TILE_CAP,
        "active project",
        "active projects",
    )))
}

fn demo(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    super::demo::seed(c, t, people, meta)
}
