//! The naming module as the core sees it: its entry in `crate::modules`.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{whole_tables, DemoPeople, ExportTable, Figure, JobKind, Module, Tile};
use crate::web::extract::RequestMeta;

/// Registered in `crate::MODULES` (`lib.rs`).
pub const MODULE: Module = Module {
    key: "naming",
    name: "Naming",
    in_nav: true,
    routes: super::routes,
    admin_routes: Some(super::admin_routes),
    public_routes: None,
    admin_link: Some(("Naming catalogue", "/admin/naming/platforms")),
    tile: Tile {
        blurb: "Naming conventions, rules and generated names",
        figure: Some(Figure {
            rows: "SELECT 1 FROM naming_submissions WHERE tenant_id = ? AND status = 'SUBMITTED'",
            one: "submission awaiting review",
            many: "submissions awaiting review",
        }),
    },
    jobs: &[
        JobKind {
            kind: super::propagation::KIND,
            label: "Propagating a naming change",
            run: super::propagation::run_job,
        },
        JobKind {
            kind: super::batch::KIND,
            label: "Updating names in a batch",
            run: super::batch::job::run_job,
        },
    ],
    exports: &EXPORTS,
    demo,
    tenant_tables: &TENANT_TABLES,
    global_tables: &["naming_platforms", "naming_fields"],
    member_left: None,
    notices: &[],
    retention: &[],
    search: None,
    job_ended: None,
};

/// Every tenant table of the module, parents before children.
const TENANT_TABLES: [&str; 14] = [
    "naming_dimensions",
    "naming_dimension_values",
    "naming_rules",
    "naming_rule_details",
    "naming_submissions",
    "naming_strings",
    "naming_string_details",
    "naming_string_modifications",
    "naming_string_inheritance_updates",
    "naming_string_update_batches",
    "naming_string_backups",
    "naming_propagation_jobs",
    "naming_propagation_errors",
    "naming_propagation_settings",
];

/// All of them go into the export, whole: none holds a credential.
const EXPORTS: [ExportTable; 14] = whole_tables(TENANT_TABLES);

/// The demo conventions (dimensions, values, Meta Ads and UTM rules) and
/// names to click through: approved by the admin, one awaiting review, a draft.
fn demo(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    let demo = super::demo::seed(c, t, people.owner)?;
    super::demo::sample(c, t, people.member, people.admin, &demo, meta)
}
