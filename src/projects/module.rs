//! The projects module as the core sees it: its entry in `crate::modules`.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{whole_tables, DemoPeople, ExportTable, Figure, JobKind, Module, Tile};
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
        figure: Some(Figure {
            rows: "SELECT 1 FROM projects_projects WHERE tenant_id = ? AND deleted_at IS NULL \
                   AND is_template = false AND status = 'active'",
            one: "active project",
            many: "active projects",
        }),
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
    job_ended: None,
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

fn demo(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    super::demo::seed(c, t, people, meta)
}
