//! Reading the audit log: filters, pages, CSV.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::UserId;
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{audit_events, tenants, users};
use crate::web::{Cursor, Keyset, Seek};

/// One stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: Id,
    pub tenant_id: Option<TenantId>,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub changes: crate::db::Json,
    pub severity: String,
    pub created_at: UtcTime,
}

/// One event as lists show it, with the actor's email.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub event: AuditEvent,
    pub actor_email: Option<String>,
}

impl AuditRow {
    pub fn actor_label(&self) -> &str {
        self.actor_email.as_deref().unwrap_or("system")
    }

    pub fn when(&self) -> String {
        self.event
            .created_at
            .0
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string()
    }

    /// The changes as compact JSON, empty when there are none.
    pub fn detail(&self) -> String {
        match &self.event.changes.0 {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            v => v.to_string(),
        }
    }
}

/// Filters from the query string (`actor`, `action`, `from`, `to`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// Actor email (substring).
    #[serde(default)]
    pub actor: String,
    /// Action prefix, e.g. `member.` or `auth.login`.
    #[serde(default)]
    pub action: String,
    /// First day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    pub to: String,
    /// `info`, `warning` or `critical` (admin log).
    #[serde(default)]
    pub severity: String,
    /// A workspace's slug (admin log).
    #[serde(default)]
    pub workspace: String,
    /// `security`: only `auth.*` and `security.*` events (admin log).
    #[serde(default)]
    pub preset: String,
    /// Keyset cursors of the pager (`after` = Next, `before` = Previous).
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

impl AuditFilter {
    fn day(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
    }

    /// Messages for filter values that can't be used (shown above the list).
    pub fn errors(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if !self.from.trim().is_empty() && Self::day(&self.from).is_none() {
            errs.push("“From” must be a date like 2026-01-31.".into());
        }
        if !self.to.trim().is_empty() && Self::day(&self.to).is_none() {
            errs.push("“To” must be a date like 2026-01-31.".into());
        }
        errs
    }

    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }
}

type Boxed<'a> = audit_events::BoxedQuery<'a, crate::db::MultiBackend>;

/// The one scoped query every audit list, page and export starts from.
fn scoped(tenant: Option<TenantId>, f: &AuditFilter) -> Boxed<'static> {
    let mut q = audit_events::table.into_boxed();
    if let Some(t) = tenant {
        q = q.filter(audit_events::tenant_id.eq(t));
    }
    if !f.action.trim().is_empty() {
        q = q.filter(
            audit_events::action
                .like(format!("{}%", escape_like(f.action.trim())))
                .escape('\\'),
        );
    }
    if !f.actor.trim().is_empty() {
        let pattern = format!("%{}%", escape_like(&f.actor.trim().to_lowercase()));
        let ids = users::table
            .filter(users::email.like(pattern).escape('\\'))
            .select(users::id.nullable());
        q = q.filter(audit_events::actor_id.eq_any(ids));
    }
    if matches!(f.severity.as_str(), "info" | "warning" | "critical") {
        q = q.filter(audit_events::severity.eq(f.severity.clone()));
    }
    if f.preset == "security" {
        q = q.filter(
            audit_events::action
                .like("auth.%")
                .or(audit_events::action.like("security.%")),
        );
    }
    if !f.workspace.trim().is_empty() {
        let ids = tenants::table
            .filter(tenants::slug.eq(f.workspace.trim().to_lowercase()))
            .select(tenants::id.nullable());
        q = q.filter(audit_events::tenant_id.eq_any(ids));
    }
    if let Some(d) = AuditFilter::day(&f.from) {
        q = q.filter(
            audit_events::created_at.ge(UtcTime(d.and_time(chrono::NaiveTime::MIN).and_utc())),
        );
    }
    if let Some(d) = AuditFilter::day(&f.to) {
        let next = d.succ_opt().unwrap_or(d);
        q = q.filter(
            audit_events::created_at.lt(UtcTime(next.and_time(chrono::NaiveTime::MIN).and_utc())),
        );
    }
    q
}

pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Loads `q` and the actors' emails (one extra query, not one per row).
fn load_with_actors(conn: &mut DbConn, q: Boxed<'static>) -> AppResult<Vec<AuditRow>> {
    let events: Vec<AuditEvent> = q
        .order((audit_events::created_at.desc(), audit_events::id.desc()))
        .select(AuditEvent::as_select())
        .load(conn)?;
    attach_actors(conn, events)
}

fn attach_actors(conn: &mut DbConn, events: Vec<AuditEvent>) -> AppResult<Vec<AuditRow>> {
    let mut actor_ids: Vec<UserId> = events.iter().filter_map(|e| e.actor_id).collect();
    actor_ids.sort();
    actor_ids.dedup();
    let emails: HashMap<UserId, String> = if actor_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(actor_ids))
            .select((users::id, users::email))
            .load::<(UserId, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(events
        .into_iter()
        .map(|event| {
            let actor_email = event.actor_id.and_then(|a| emails.get(&a).cloned());
            AuditRow { event, actor_email }
        })
        .collect())
}

/// One page of events, newest first, by keyset on (time, id): the same cost
/// at any depth, and no count of the whole log.
pub fn page(
    conn: &mut DbConn,
    tenant: Option<TenantId>,
    filter: &AuditFilter,
    per_page: i64,
) -> AppResult<Keyset<AuditRow>> {
    let mut seek = Seek::from_query(&filter.after, &filter.before);
    let at = seek.cursor().and_then(|c| c.time().map(|t| (t, Id(c.id))));
    if seek != Seek::First && at.is_none() {
        seek = Seek::First;
    }
    let q = scoped(tenant, filter);
    let events: Vec<AuditEvent> = match (&seek, at) {
        (Seek::Before(_), Some((t, id))) => q
            .filter(
                audit_events::created_at
                    .gt(t)
                    .or(audit_events::created_at.eq(t).and(audit_events::id.gt(id))),
            )
            .order((audit_events::created_at.asc(), audit_events::id.asc())),
        (Seek::After(_), Some((t, id))) => q
            .filter(
                audit_events::created_at
                    .lt(t)
                    .or(audit_events::created_at.eq(t).and(audit_events::id.lt(id))),
            )
            .order((audit_events::created_at.desc(), audit_events::id.desc())),
        _ => q.order((audit_events::created_at.desc(), audit_events::id.desc())),
    }
    .limit(Seek::limit(per_page))
    .select(AuditEvent::as_select())
    .load(conn)?;
    let cursor = |e: &AuditEvent| Cursor::new(e.created_at.to_db_text(), e.id.0);
    let Some(page) = Keyset::from_rows(events, &seek, per_page, cursor) else {
        let first = AuditFilter {
            after: String::new(),
            before: String::new(),
            ..filter.clone()
        };
        return page(conn, tenant, &first, per_page);
    };
    let rows = attach_actors(conn, page.items)?;
    Ok(Keyset {
        items: rows,
        next: page.next,
        prev: page.prev,
        base_query: String::new(),
        total: None,
    }
    .with_query(&filter.query_pairs()))
}

/// The most recent events of a workspace (dashboard).
pub fn recent(conn: &mut DbConn, tenant: TenantId, n: i64) -> AppResult<Vec<AuditRow>> {
    // Not the boxed filter query: this one runs on every dashboard view, and a
    // fixed query keeps its prepared statement cached.
    let events = audit_events::table
        .filter(audit_events::tenant_id.eq(tenant))
        .order((audit_events::created_at.desc(), audit_events::id.desc()))
        .limit(n)
        .select(AuditEvent::as_select())
        .load(conn)?;
    attach_actors(conn, events)
}

/// The most recent events by or about a user, across workspaces (admin pages).
pub fn for_user(conn: &mut DbConn, user: UserId, n: i64) -> AppResult<Vec<AuditRow>> {
    let q = audit_events::table
        .filter(
            audit_events::actor_id
                .eq(user)
                .or(audit_events::resource_type
                    .eq("user")
                    .and(audit_events::resource_id.eq(user.to_string()))),
        )
        .into_boxed();
    load_with_actors(conn, q.limit(n))
}

/// Events after `after` (exclusive), oldest cursor first page at a time, for streaming exports.
pub fn chunk(
    conn: &mut DbConn,
    tenant: Option<TenantId>,
    filter: &AuditFilter,
    before: Option<(UtcTime, Id)>,
    n: i64,
) -> AppResult<Vec<AuditRow>> {
    let mut q = scoped(tenant, filter);
    if let Some((t, id)) = before {
        q = q.filter(
            audit_events::created_at
                .lt(t)
                .or(audit_events::created_at.eq(t).and(audit_events::id.lt(id))),
        );
    }
    load_with_actors(conn, q.limit(n))
}

pub const CSV_HEADER: &[&str] = &[
    "time",
    "actor",
    "action",
    "resource_type",
    "resource_id",
    "ip",
    "severity",
    "changes",
];

pub fn csv_row(r: &AuditRow) -> String {
    let e = &r.event;
    crate::support::csv::line(&[
        &e.created_at.to_db_text(),
        r.actor_label(),
        &e.action,
        &e.resource_type,
        &e.resource_id,
        e.ip.as_deref().unwrap_or(""),
        &e.severity,
        &r.detail(),
    ])
}

/// Rows per page of a streamed CSV export.
pub const CSV_PAGE: i64 = 1000;

/// One page of the CSV export (`CSV_PAGE` events, newest first, after the
/// keyset cursor `before`) encoded, and the cursor of the next page (`None`
/// when this was the last).
pub fn csv_page(
    conn: &mut DbConn,
    tenant: Option<TenantId>,
    filter: &AuditFilter,
    before: Option<(UtcTime, Id)>,
) -> AppResult<(String, Option<(UtcTime, Id)>)> {
    let rows = chunk(conn, tenant, filter, before, CSV_PAGE)?;
    let next = if (rows.len() as i64) < CSV_PAGE {
        None
    } else {
        rows.last().map(|r| (r.event.created_at, r.event.id))
    };
    Ok((rows.iter().map(csv_row).collect(), next))
}
