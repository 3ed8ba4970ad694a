//! The notification centre as the core sees it: a module without a
//! navigation link (the top bar's badge leads to it) whose jobs send email.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{DemoPeople, ExportTable, JobKind, Module, Tile};
use crate::web::extract::RequestMeta;

/// Registered in `crate::MODULES` (`lib.rs`).
pub const MODULE: Module = Module {
    key: "notifications",
    name: "Notifications",
    in_nav: false,
    routes: super::handlers::routes,
    admin_routes: None,
    public_routes: None,
    admin_link: None,
    tile: Tile {
        blurb: "Assignments, approvals and replies that need you, with email at once or as an hourly digest",
        figure: None,
    },
    jobs: &[
        JobKind {
            kind: super::mail::EMAIL_KIND,
            label: "Emailing a notification",
            run: super::mail::run_email,
        },
        JobKind {
            kind: super::mail::DIGEST_KIND,
            label: "Emailing a notification digest",
            run: super::mail::run_digest,
        },
    ],
    // Every member's notices (each person's own preferences are account
    // data, not the workspace's).
    exports: &[ExportTable {
        table: "notifications",
        skip: &[],
    }],
    demo,
    tenant_tables: &["notifications"],
    global_tables: &["notification_preferences"],
    member_left: None,
    notices: &super::jobs::KINDS,
    retention: &[super::retention::prune],
    search: None,
    job_ended: Some(super::jobs::job_ended),
};

/// The other modules' demos send their notices through `notify` as they
/// seed; nothing is left to add here.
fn demo(_: &mut DbConn, _: TenantId, _: &DemoPeople, _: &RequestMeta) -> AppResult<()> {
    Ok(())
}
