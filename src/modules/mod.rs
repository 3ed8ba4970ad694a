//! The module seam: what a workspace module contributes, described once, and
//! the one registry of modules that the core iterates without naming any.
//!
//! Adding a module means one folder (`src/<key>/`, with a `pub const MODULE:
//! Module` in it) and one line in `MODULES` in `lib.rs`. `docs/ARCHITECTURE.md` ("Adding a
//! module") walks through it.

use actix_web::web::ServiceConfig;

use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::jobs::worker::JobCtx;
use crate::web::extract::RequestMeta;

/// The registered modules: the list the composition root (`lib.rs`,
/// `MODULES`) keeps, so that the seam names no module.
pub fn all() -> &'static [Module] {
    crate::MODULES
}

/// What one module brings to the core.
pub struct Module {
    /// The URL segment and identifier: pages live under `/w/{slug}/<key>/`.
    pub key: &'static str,
    /// The name in the navigation and on the dashboard tile.
    pub name: &'static str,
    /// Whether the top navigation links to it (the notification centre has
    /// its own badge instead).
    pub in_nav: bool,
    /// Its workspace pages, mounted inside the `/w/{slug}/<key>` scope (so
    /// its own paths start at `""` and `"/"`), behind the same workspace
    /// scope as the core's pages.
    pub routes: fn(&mut ServiceConfig),
    /// Superadmin pages under `/admin/<key>/…`, if it has any.
    pub admin_routes: Option<fn(&mut ServiceConfig)>,
    /// Routes outside any session, under `/hooks/<key>/…` (signed webhooks):
    /// no CSRF token, no sign-in; each checks its own credential.
    pub public_routes: Option<fn(&mut ServiceConfig)>,
    /// The admin navigation's link to them: (label, path).
    pub admin_link: Option<(&'static str, &'static str)>,
    /// Its tile on the workspace dashboard.
    pub tile: Tile,
    /// The background job kinds it runs.
    pub jobs: &'static [JobKind],
    /// Its tables in the workspace export, in this order.
    pub exports: &'static [ExportTable],
    /// Demo data for `seed-demo`, written in the demo workspace's transaction.
    pub demo: fn(&mut DbConn, TenantId, &DemoPeople, &RequestMeta) -> AppResult<()>,
    /// Its tenant tables (each with `tenant_id`, the composite keys and the
    /// row-level security policy): the schema guard test checks them.
    pub tenant_tables: &'static [&'static str],
    /// Its global tables (a catalogue shared by every workspace), if any.
    pub global_tables: &'static [&'static str],
    /// Called in the transaction that removes a member from the workspace
    /// (or in which they leave), to let go of what pointed at them: their
    /// assignments, their places on teams.
    pub member_left: Option<MemberLeftHook>,
    /// The kinds of notice it sends through the notification centre: each
    /// gets a line on a person's notification preferences.
    pub notices: &'static [NoticeKind],
    /// What the workspace stops keeping: housekeeping runs each hook hourly
    /// for every workspace (`jobs::housekeeping`).
    pub retention: &'static [RetentionHook],
    /// Workspace search over its content (none yet).
    pub search: Option<SearchHook>,
    /// Called when any background job of a workspace ends for good (done,
    /// or failed after its last attempt), in a transaction of its own just
    /// after the end is recorded: the notification centre tells whoever
    /// started it.
    pub job_ended: Option<JobEndedHook>,
}

/// A kind of notice a module sends (`projects.assigned`), with what a person
/// gets until they choose otherwise.
#[derive(Debug)]
pub struct NoticeKind {
    /// Namespaced by the module, like job kinds.
    pub key: &'static str,
    /// What the preferences page calls it ("A task is assigned to you").
    pub label: &'static str,
    /// Shown in the notification centre unless the person turns it off.
    pub in_app: bool,
    /// Email, unless the person chooses otherwise.
    pub email: Delivery,
}

crate::text_enum!(
    /// How a notice reaches a person by email.
    Delivery {
        Off = "off" / "No email",
        Immediate = "immediate" / "Email at once",
        Digest = "digest" / "Hourly digest",
    }
);

/// Every kind of notice of every module, in registry order.
pub fn notice_kinds() -> impl Iterator<Item = &'static NoticeKind> {
    all().iter().flat_map(|m| m.notices.iter())
}

/// A kind of notice by key.
pub fn notice_kind(key: &str) -> Option<&'static NoticeKind> {
    notice_kinds().find(|k| k.key == key)
}

/// A dashboard tile: a blurb, and a live figure that replaces it when there is one.
pub struct Tile {
    /// Shown when there is no figure ("Naming conventions, rules …").
    pub blurb: &'static str,
    /// A live figure such as "12 open tickets". Every module's figure is
    /// counted in the same statement (see [`dashboard_counts`]), so the
    /// dashboard's round trips do not grow with the number of modules.
    pub figure: Option<Figure>,
}

/// What a tile counts: `rows` is `SELECT 1 FROM <table> WHERE tenant_id = ?
/// AND …` over the module's own table (`?` is the workspace; plain SQL both
/// backends read: `= 'active'`, `IS NULL`, `= false`). It is counted up to
/// [`FIGURE_CAP`] + 1 rows, so it stays cheap however big the table grows.
pub struct Figure {
    pub rows: &'static str,
    /// "submission awaiting review"
    pub one: &'static str,
    /// "submissions awaiting review"
    pub many: &'static str,
}

/// Past this many a tile shows "100+".
pub const FIGURE_CAP: i64 = 100;

/// The dashboard's counts in one round trip: each of `core`'s parts counted
/// exactly (sets the workspace's own limits keep small, such as members),
/// then every module's figure text (`None` for a module without one), in
/// [`all`]'s order.
pub fn dashboard_counts(
    c: &mut DbConn,
    t: TenantId,
    core: &[&str],
) -> AppResult<(Vec<i64>, Vec<Option<String>>)> {
    let mut parts: Vec<(&str, Option<i64>)> = core.iter().map(|rows| (*rows, None)).collect();
    parts.extend(
        all()
            .iter()
            .filter_map(|m| m.tile.figure.as_ref())
            .map(|f| (f.rows, Some(FIGURE_CAP))),
    );
    let mut counts = crate::db::counters::count_many(c, t, &parts)?.into_iter();
    let core_counts = counts.by_ref().take(core.len()).collect();
    let figures = all()
        .iter()
        .map(|m| {
            let f = m.tile.figure.as_ref()?;
            let n = counts.next()?;
            Some(capped_count_text(n, FIGURE_CAP, f.one, f.many))
        })
        .collect();
    Ok((core_counts, figures))
}

/// One background job kind.
pub struct JobKind {
    /// The `jobs.kind` value, namespaced by the module (`naming.batch`).
    pub kind: &'static str,
    /// What the job page calls it ("Updating names in a batch").
    pub label: &'static str,
    /// Runs one job; an error message is kept on the job and it is retried.
    pub run: fn(&JobCtx) -> Result<(), String>,
}

/// One table of the workspace export: written as `<table>.csv`, every column
/// but `skip`, only the workspace's rows, streamed in keyset chunks by `id`.
#[derive(Debug, Clone, Copy)]
pub struct ExportTable {
    pub table: &'static str,
    /// Columns left out (credentials such as token hashes are not data).
    pub skip: &'static [&'static str],
}

/// Every table exported whole (no column left out), in the given order: the
/// `exports` of a module whose tables hold no credential.
pub const fn whole_tables<const N: usize>(tables: [&'static str; N]) -> [ExportTable; N] {
    let mut out = [ExportTable {
        table: "",
        skip: &[],
    }; N];
    let mut i = 0;
    while i < N {
        out[i] = ExportTable {
            table: tables[i],
            skip: &[],
        };
        i += 1;
    }
    out
}

/// The demo workspace's people, one per role.
pub struct DemoPeople {
    pub owner: UserId,
    pub admin: UserId,
    pub member: UserId,
    pub viewer: UserId,
    /// The data folder, for demo files (message attachments).
    pub data_dir: std::path::PathBuf,
}

/// Lets go of what points at a member who left the workspace.
pub type MemberLeftHook = fn(&mut DbConn, TenantId, UserId) -> AppResult<()>;

/// Deletes, as of the time given (now), what a workspace no longer keeps: a
/// bounded batch per call (the rest goes next hour), in the workspace's own
/// write transaction; returns how many rows went.
pub type RetentionHook = fn(&mut DbConn, TenantId, UtcTime) -> AppResult<u64>;

/// Reacts to a job that ended (`ok`: done; otherwise failed for good).
pub type JobEndedHook = fn(&mut DbConn, TenantId, &crate::jobs::Job, bool) -> AppResult<()>;

/// Finds up to `limit` hits for a query in one workspace.
pub type SearchHook = fn(&mut DbConn, TenantId, &str, i64) -> AppResult<Vec<SearchHit>>;

/// One search result: what it is and where it lives.
pub struct SearchHit {
    pub title: String,
    pub href: String,
    pub snippet: String,
}

/// The module a job kind belongs to, with the kind's description.
pub fn job_kind(kind: &str) -> Option<&'static JobKind> {
    all()
        .iter()
        .flat_map(|m| m.jobs.iter())
        .find(|k| k.kind == kind)
}

/// "12 open tickets" from at most `cap` + 1 rows counted: "1000+ open
/// tickets" past the cap, so a tile never counts a whole large table.
pub fn capped_count_text(n: i64, cap: i64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n if n > cap => format!("{cap}+ {many}"),
        n => format!("{n} {many}"),
    }
}
