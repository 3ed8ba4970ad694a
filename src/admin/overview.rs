//! What the superadmin overview counts, and the audit log across workspaces
//! with the slugs of the workspaces on a page.

use diesel::prelude::*;

use crate::audit::queries::{self as audit_q, AuditFilter, AuditRow};
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{audit_events, tenants};
use crate::web::Keyset;

/// The overview's figures.
pub struct Overview {
    pub workspaces: i64,
    pub users: i64,
    pub sessions: i64,
    /// Audit events since midnight UTC.
    pub events_today: i64,
    pub failed_logins: i64,
    /// The database's size in bytes.
    pub db_size: i64,
}

/// Counts workspaces, users, active sessions, today's audit events and
/// recent failed sign-ins, and sizes the database (through an `AdminConn`).
pub fn overview(c: &mut DbConn) -> AppResult<Overview> {
    let midnight = UtcTime(
        chrono::Utc::now()
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc(),
    );
    Ok(Overview {
        workspaces: tenants::table.count().get_result::<i64>(c)?,
        users: crate::accounts::models::count(c)?,
        sessions: crate::accounts::sessions::count_active(c)?,
        events_today: audit_events::table
            .filter(audit_events::created_at.ge(midnight))
            .count()
            .get_result::<i64>(c)?,
        failed_logins: crate::accounts::throttle::recent_failures(c)?,
        db_size: crate::db::database_size(c)?,
    })
}

/// A page of the audit log across workspaces.
pub struct AuditPage {
    pub events: Keyset<AuditRow>,
    /// The slugs of the workspaces the page's events belong to.
    pub workspace_names: Vec<(Id, String)>,
}

/// A page of the audit log across workspaces, with its workspaces' slugs.
pub fn audit_page(c: &mut DbConn, f: &AuditFilter, per_page: i64) -> AppResult<AuditPage> {
    let events = audit_q::page(c, None, f, per_page)?;
    let workspace_names = workspace_slugs(c, &events.items)?;
    Ok(AuditPage {
        events,
        workspace_names,
    })
}

/// Slugs of the workspaces on a page of events (one query, not one per row).
fn workspace_slugs(c: &mut DbConn, rows: &[AuditRow]) -> AppResult<Vec<(Id, String)>> {
    let mut ids: Vec<TenantId> = rows.iter().filter_map(|r| r.event.tenant_id).collect();
    ids.sort();
    ids.dedup();
    let found: Vec<(TenantId, String)> = tenants::table
        .filter(tenants::id.eq_any(ids))
        .select((tenants::id, tenants::slug))
        .load(c)?;
    Ok(found.into_iter().map(|(t, s)| (t.0, s)).collect())
}
