//! The messages module as the core sees it: its entry in `crate::modules`.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{whole_tables, DemoPeople, ExportTable, Module, Tile};
use crate::web::extract::RequestMeta;

/// Registered in `crate::MODULES` (`lib.rs`).
pub const MODULE: Module = Module {
    key: "messages",
    name: "Messages",
    in_nav: true,
    routes: super::routes,
    admin_routes: None,
    public_routes: None,
    admin_link: None,
    tile: Tile {
        blurb: "Team conversations: direct, group, per team and per project, with threads, mentions and live updates",
        // Unread counts are each person's own; the tile does not count them
        // for the whole workspace.
        figure: None,
    },
    jobs: &[],
    exports: &EXPORTS,
    demo,
    tenant_tables: &TENANT_TABLES,
    global_tables: &[],
    member_left: Some(super::conversations::member_left),
    notices: &super::notify::KINDS,
    retention: &[],
    search: None,
    job_ended: None,
};

/// Every tenant table of the module, parents before children.
const TENANT_TABLES: [&str; 5] = [
    "messages_conversations",
    "messages_participants",
    "messages_messages",
    "messages_edits",
    "messages_attachments",
];

/// All of them go into the export, whole: none holds a credential.
const EXPORTS: [ExportTable; 5] = whole_tables(TENANT_TABLES);

fn demo(c: &mut DbConn, t: TenantId, people: &DemoPeople, _: &RequestMeta) -> AppResult<()> {
    super::demo::seed(c, t, people)
}
