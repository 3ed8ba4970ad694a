//! Workspace data export: the `workspace.export` background job writes every
//! table of one workspace as CSV files into a ZIP under the data folder — the
//! core's, then each registered module's export tables — and a workspace
//! admin downloads it from the job's page.

pub mod handlers;
pub mod zip;

use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use diesel::prelude::*;

use crate::accounts::UserId;
use crate::audit::{self, queries as audit_queries, AuditFilter, NewEvent};
use crate::db::{dump, DbConn, TenantConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::worker::JobCtx;
use crate::jobs::{self, JobId, JobStatus};
use crate::schema::{
    audit_events, invitations, jobs as job_rows, memberships, team_members, teams, tenants, users,
};
use crate::support::csv;
use crate::web::extract::RequestMeta;
use zip::ZipWriter;

/// The job kind (and the audit action) of an export.
pub const KIND: &str = "workspace.export";

/// Finished exports kept per workspace; older files are deleted.
pub const KEEP: usize = 5;

/// Audit events read per query, so memory stays flat however long the log is.
const AUDIT_CHUNK: i64 = 1000;

/// Rows of a module's table read per query, for the same reason.
const MODULE_CHUNK: i64 = 1000;

/// Queues an export and records who asked, in the caller's write transaction.
/// While an export is already queued or running, that one is returned instead:
/// repeated clicks should not stack up jobs that each copy the whole workspace.
pub fn start(c: &mut DbConn, tenant: TenantId, by: UserId, meta: &RequestMeta) -> AppResult<JobId> {
    let pending: Option<JobId> = job_rows::table
        .filter(job_rows::tenant_id.eq(tenant))
        .filter(job_rows::kind.eq(KIND))
        .filter(job_rows::status.eq_any([JobStatus::Queued, JobStatus::Running]))
        .select(job_rows::id)
        .first(c)
        .optional()?;
    if let Some(id) = pending {
        return Ok(id);
    }
    let id = jobs::enqueue(c, tenant, KIND, serde_json::json!({}), Some(by))?;
    audit::record(
        c,
        NewEvent::tenant(tenant, KIND)
            .actor(by)
            .resource("job", id)
            .meta(meta),
    )?;
    Ok(id)
}

/// `<data_dir>/exports/<tenant_id>/`: one folder per workspace.
pub fn folder(data_dir: &Path, tenant: TenantId) -> PathBuf {
    data_dir.join("exports").join(tenant.to_string())
}

/// Where the export of job `id` is kept once finished.
pub fn file_path(data_dir: &Path, tenant: TenantId, id: JobId) -> PathBuf {
    folder(data_dir, tenant).join(format!("{id}.zip"))
}

/// A finished export, opened for reading.
pub struct Download {
    pub file: File,
    pub len: u64,
    pub finished_at: UtcTime,
}

/// Opens the export of job `id`: not found unless the job is this tenant's
/// finished export and its file is still kept.
pub fn open_download(conn: &mut TenantConn, data_dir: &Path, id: JobId) -> AppResult<Download> {
    let job = conn.read(|c, t| jobs::find(c, t, id))?;
    if job.kind != KIND || job.status != JobStatus::Done {
        return Err(AppError::NotFound);
    }
    let path = file_path(data_dir, job.tenant_id, job.id);
    // A pruned (or never written) file is simply gone: 404, not 500.
    let file = File::open(&path).map_err(|_| AppError::NotFound)?;
    let len = file
        .metadata()
        .map_err(|e| AppError::internal(format!("export {}: {e}", path.display())))?
        .len();
    Ok(Download {
        file,
        len,
        finished_at: job.finished_at.unwrap_or(job.updated_at),
    })
}

/// Reads the next piece of a download (empty at the end).
pub fn read_chunk(file: &mut File, max: usize) -> AppResult<Vec<u8>> {
    let mut buf = vec![0u8; max];
    let n = file
        .read(&mut buf)
        .map_err(|e| AppError::internal(format!("reading an export: {e}")))?;
    buf.truncate(n);
    Ok(buf)
}

/// The `workspace.export` job: writes the ZIP to a `.part` file, renames it
/// into place (so a half-written file is never served), then prunes old ones.
pub fn run(ctx: &JobCtx) -> Result<(), String> {
    export(ctx).map_err(|e| e.to_string())
}

fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> AppError {
    let context = format!("{what} {}", path.display());
    move |e| AppError::internal(format!("{context}: {e}"))
}

fn export(ctx: &JobCtx) -> AppResult<()> {
    let tenant = ctx.job.tenant_id;
    let dir = folder(&ctx.config.data_dir, tenant);
    fs::create_dir_all(&dir).map_err(io_error("creating", &dir))?;
    let path = file_path(&ctx.config.data_dir, tenant, ctx.job.id);
    let part = path.with_extension("zip.part");
    if let Err(e) = write_archive(ctx, &part) {
        // Best effort: a retry rewrites the same `.part` file anyway.
        if let Err(rm) = fs::remove_file(&part) {
            tracing::warn!(path = %part.display(), error = %rm, "could not remove a failed export");
        }
        return Err(e);
    }
    fs::rename(&part, &path).map_err(io_error("renaming", &part))?;
    // The export is done even if pruning fails; retrying would redo it all.
    if let Err(e) = prune(&dir, ctx.job.id) {
        tracing::warn!(folder = %dir.display(), error = %e, "could not prune old exports");
    }
    Ok(())
}

/// Deletes all but the `KEEP` newest exports in `dir`. Job ids are UUIDv7, so
/// names sort by when the export was asked for; `current` is always kept,
/// even when a retried old job finishes after newer ones.
fn prune(dir: &Path, current: JobId) -> AppResult<()> {
    let current_name = format!("{current}.zip");
    let mut others: Vec<String> = fs::read_dir(dir)
        .map_err(io_error("listing", dir))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".zip") && *name != current_name)
        .collect();
    others.sort_unstable_by(|a, b| b.cmp(a));
    for old in others.iter().skip(KEEP - 1) {
        let p = dir.join(old);
        fs::remove_file(&p).map_err(io_error("deleting", &p))?;
    }
    Ok(())
}

/// Progress as rows written of rows counted at the start.
struct Progress<'a> {
    ctx: &'a JobCtx<'a>,
    done: i64,
    total: i64,
}

impl Progress<'_> {
    fn add(&mut self, rows: usize) -> AppResult<()> {
        self.done += rows as i64;
        // Events recorded after the count are exported too; keep the bar ≤ 100%.
        self.total = self.total.max(self.done);
        self.ctx.progress(self.done, self.total)
    }
}

/// One CSV file of the archive: its name, header and all its lines.
type Table = (
    &'static str,
    &'static [&'static str],
    fn(&mut DbConn, TenantId) -> AppResult<Vec<String>>,
);

/// Every file but `audit_events.csv`, which is read in chunks instead. These
/// tables are bounded by seats and teams, so one query each is fine.
const TABLES: [Table; 7] = [
    (
        "workspace.csv",
        &["name", "slug", "plan", "seat_limit", "status", "created_at"],
        workspace_lines,
    ),
    (
        "members.csv",
        &["email", "name", "role", "joined", "removed"],
        member_lines,
    ),
    (
        "invitations.csv",
        &[
            "email",
            "role",
            "invited_by",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "created_at",
        ],
        invitation_lines,
    ),
    (
        "teams.csv",
        &["name", "description", "created_at"],
        team_lines,
    ),
    ("team_members.csv", &["team", "email"], team_member_lines),
    (
        "workspace_profile.csv",
        &[
            "description",
            "type",
            "industry",
            "company_size",
            "location",
            "contact_email",
            "contact_phone",
            "website",
        ],
        about_lines,
    ),
    (
        "workspace_links.csv",
        &["platform", "url", "created_at"],
        link_lines,
    ),
];

fn write_archive(ctx: &JobCtx, part: &Path) -> AppResult<()> {
    let total = ctx.conn()?.read(count_rows)?;
    let mut progress = Progress {
        ctx,
        done: 0,
        total,
    };
    ctx.progress(0, total)?;
    let file = File::create(part).map_err(io_error("creating", part))?;
    let mut zip = ZipWriter::new(
        BufWriter::with_capacity(64 * 1024, file),
        chrono::Utc::now(),
    );
    // One short read transaction per file, and none held while writing.
    for (name, header, lines) in TABLES {
        let rows = ctx.conn()?.read(lines)?;
        write_lines(&mut zip, name, header, &rows).map_err(io_error("writing", part))?;
        progress.add(rows.len())?;
    }
    zip.start_file("audit_events.csv")
        .and_then(|()| zip.write(csv::line(audit_queries::CSV_HEADER).as_bytes()))
        .map_err(io_error("writing", part))?;
    let filter = AuditFilter::default();
    let mut cursor = None;
    loop {
        let rows = ctx
            .conn()?
            .read(|c, t| audit_queries::chunk(c, Some(t), &filter, cursor, AUDIT_CHUNK))?;
        for r in &rows {
            zip.write(audit_queries::csv_row(r).as_bytes())
                .map_err(io_error("writing", part))?;
        }
        progress.add(rows.len())?;
        match rows.last() {
            Some(last) if rows.len() as i64 == AUDIT_CHUNK => {
                cursor = Some((last.event.created_at, last.event.id));
            }
            _ => break,
        }
    }
    write_module_tables(ctx, &mut zip, &mut progress).map_err(|e| match e {
        ExportError::Io(io) => io_error("writing", part)(io),
        ExportError::App(app) => app,
    })?;
    let file = zip
        .finish()
        .map_err(io_error("writing", part))?
        .into_inner()
        .map_err(|e| io_error("writing", part)(e.into_error()))?;
    // On disk before the rename makes it visible.
    file.sync_all().map_err(io_error("syncing", part))
}

enum ExportError {
    Io(std::io::Error),
    App(AppError),
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Io(e)
    }
}

impl From<AppError> for ExportError {
    fn from(e: AppError) -> Self {
        ExportError::App(e)
    }
}

/// Each module's export tables as `<table>.csv`: every column but the ones
/// it skips, this workspace's rows only, read in chunks by `id`.
fn write_module_tables<W: std::io::Write>(
    ctx: &JobCtx,
    zip: &mut ZipWriter<W>,
    progress: &mut Progress,
) -> Result<(), ExportError> {
    for export in crate::modules::all().iter().flat_map(|m| m.exports) {
        let columns: Vec<String> = ctx
            .conn()?
            .read(|c, _| dump::columns(c, export.table))?
            .into_iter()
            .filter(|col| !export.skip.contains(&col.as_str()))
            .collect();
        zip.start_file(&format!("{}.csv", export.table))?;
        let header: Vec<&str> = columns.iter().map(String::as_str).collect();
        zip.write(csv::line(&header).as_bytes())?;
        let mut after = None;
        loop {
            let rows = ctx
                .conn()?
                .read(|c, t| dump::rows(c, export.table, &columns, t, after, MODULE_CHUNK))?;
            for (_, cells) in &rows {
                let cells: Vec<&str> = cells.iter().map(|c| c.as_deref().unwrap_or("")).collect();
                zip.write(csv::line(&cells).as_bytes())?;
            }
            progress.add(rows.len())?;
            match rows.last() {
                Some((id, _)) if rows.len() as i64 == MODULE_CHUNK => after = Some(*id),
                _ => break,
            }
        }
    }
    Ok(())
}

fn write_lines<W: std::io::Write>(
    zip: &mut ZipWriter<W>,
    name: &str,
    header: &[&str],
    lines: &[String],
) -> std::io::Result<()> {
    zip.start_file(name)?;
    zip.write(csv::line(header).as_bytes())?;
    for line in lines {
        zip.write(line.as_bytes())?;
    }
    Ok(())
}

/// Rows in every exported file, for the progress bar's total.
fn count_rows(c: &mut DbConn, t: TenantId) -> AppResult<i64> {
    let members: i64 = memberships::table
        .filter(memberships::tenant_id.eq(t))
        .count()
        .get_result(c)?;
    let invitations: i64 = invitations::table
        .filter(invitations::tenant_id.eq(t))
        .count()
        .get_result(c)?;
    let teams: i64 = teams::table
        .filter(teams::tenant_id.eq(t))
        .count()
        .get_result(c)?;
    let team_members: i64 = team_members::table
        .filter(team_members::tenant_id.eq(t))
        .count()
        .get_result(c)?;
    let events: i64 = audit_events::table
        .filter(audit_events::tenant_id.eq(t))
        .count()
        .get_result(c)?;
    let mut module_rows = 0;
    for export in crate::modules::all().iter().flat_map(|m| m.exports) {
        module_rows += dump::count(c, export.table, t)?;
    }
    // The workspace itself is one row.
    Ok(1 + members + invitations + teams + team_members + events + module_rows)
}

fn time(t: &UtcTime) -> String {
    t.to_db_text()
}

fn maybe_time(t: &Option<UtcTime>) -> String {
    t.as_ref().map(time).unwrap_or_default()
}

fn workspace_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    let rows: Vec<(String, String, String, i32, String, UtcTime)> = tenants::table
        .filter(tenants::id.eq(t))
        .select((
            tenants::name,
            tenants::slug,
            tenants::plan,
            tenants::seat_limit,
            tenants::status,
            tenants::created_at,
        ))
        .load(c)?;
    Ok(rows
        .iter()
        .map(|(name, slug, plan, seats, status, created)| {
            csv::line(&[name, slug, plan, &seats.to_string(), status, &time(created)])
        })
        .collect())
}

/// One line once an admin has saved the profile fields, none before.
fn about_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    let a = crate::workspaces::about::load(c, t)?;
    if a.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![csv::line(&[
        &a.description,
        &a.kind,
        &a.industry,
        &a.company_size,
        &a.location,
        &a.contact_email,
        &a.contact_phone,
        &a.website,
    ])])
}

fn link_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    Ok(crate::workspaces::profile::links(c, t)?
        .iter()
        .map(|l| csv::line(&[&l.platform, &l.url, &time(&l.created_at)]))
        .collect())
}

fn member_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    // Removed members too: "all data" keeps who they were, and when they left.
    let rows: Vec<(String, String, String, UtcTime, Option<UtcTime>)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(t))
        .order((memberships::created_at.asc(), memberships::id.asc()))
        .select((
            users::email,
            users::name,
            memberships::role,
            memberships::created_at,
            memberships::revoked_at,
        ))
        .load(c)?;
    Ok(rows
        .iter()
        .map(|(email, name, role, joined, removed)| {
            csv::line(&[email, name, role, &time(joined), &maybe_time(removed)])
        })
        .collect())
}

type InvitationRow = (
    String,
    String,
    String,
    UtcTime,
    Option<UtcTime>,
    Option<UtcTime>,
    UtcTime,
);

fn invitation_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    // Token hashes stay out of the export: they are credentials, not data.
    let rows: Vec<InvitationRow> = invitations::table
        .inner_join(users::table.on(users::id.eq(invitations::invited_by)))
        .filter(invitations::tenant_id.eq(t))
        .order((invitations::created_at.asc(), invitations::id.asc()))
        .select((
            invitations::email,
            invitations::role,
            users::email,
            invitations::expires_at,
            invitations::accepted_at,
            invitations::revoked_at,
            invitations::created_at,
        ))
        .load(c)?;
    Ok(rows
        .iter()
        .map(|(email, role, by, expires, accepted, revoked, created)| {
            csv::line(&[
                email,
                role,
                by,
                &time(expires),
                &maybe_time(accepted),
                &maybe_time(revoked),
                &time(created),
            ])
        })
        .collect())
}

fn team_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    let rows: Vec<(String, String, UtcTime)> = teams::table
        .filter(teams::tenant_id.eq(t))
        .order((teams::name.asc(), teams::id.asc()))
        .select((teams::name, teams::description, teams::created_at))
        .load(c)?;
    Ok(rows
        .iter()
        .map(|(name, description, created)| csv::line(&[name, description, &time(created)]))
        .collect())
}

fn team_member_lines(c: &mut DbConn, t: TenantId) -> AppResult<Vec<String>> {
    let rows: Vec<(String, String)> = team_members::table
        .inner_join(
            teams::table.on(teams::tenant_id
                .eq(team_members::tenant_id)
                .and(teams::id.eq(team_members::team_id))),
        )
        .inner_join(users::table.on(users::id.eq(team_members::user_id)))
        .filter(team_members::tenant_id.eq(t))
        .order((teams::name.asc(), users::email.asc()))
        .select((teams::name, users::email))
        .load(c)?;
    Ok(rows
        .iter()
        .map(|(team, email)| csv::line(&[team, email]))
        .collect())
}
