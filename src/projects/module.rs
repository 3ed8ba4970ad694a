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
    public_routes: Some(super::handlers::hooks::routes),
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
    jobs: &[
        JobKind {
            kind: super::workflows::EXPIRY_KIND,
            label: "Expiring overdue workflow approvals",
            run: super::workflows::run_expiry_job,
        },
        JobKind {
            kind: super::triggers::SCHEDULE_KIND,
            label: "Starting a scheduled workflow run",
            run: super::triggers::run_schedule_job,
        },
    ],
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
const TENANT_TABLES: [&str; 17] = [
    "projects_projects",
    "projects_members",
    "projects_sprints",
    "projects_milestones",
    "projects_tasks",
    "projects_task_comments",
    "projects_task_activity",
    "projects_time_entries",
    "projects_fields",
    "projects_field_values",
    "projects_views",
    "projects_task_files",
    "projects_workflows",
    "projects_workflow_versions",
    "projects_workflow_executions",
    "projects_workflow_steps",
    "projects_workflow_approvals",
];

/// All of them go into the export, whole, but for the workflows' webhook
/// secrets (a credential, not data). Task files go as rows; their bytes
/// stay in the data folder.
const EXPORTS: [ExportTable; 17] = {
    let mut e = whole_tables(TENANT_TABLES);
    e[12].skip = &["hook_secret"];
    e
};

fn demo(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    super::demo::seed(c, t, people, meta)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_webhook_secret_stays_out_of_the_export() {
        let w = super::EXPORTS
            .iter()
            .find(|e| e.table == "projects_workflows");
        assert_eq!(w.map(|e| e.skip), Some(&["hook_secret"][..]));
    }
}
