//! The workspace members list on the admin list machinery: one scoped query
//! (search by name or email, role filter) that the page, the CSV export and
//! bulk actions all start from.

use diesel::prelude::*;

use super::models::{MemberRow, MembershipId, Role};
use crate::accounts::UserId;
use crate::admin::list::{Bulk, ListParams};
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{memberships, users};
use crate::seek_by;
use crate::web::{Count, Cursor, Keyset, Seek, COUNT_CAP};

type MemberSource = diesel::dsl::InnerJoinQuerySource<memberships::table, users::table>;
type MemberFilter = Box<
    dyn BoxableExpression<MemberSource, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>,
>;

/// The one scoped query of the members list: the tenant's memberships, with
/// the list's search (`q`: name or email) and `role` filter. The page, the
/// CSV export and bulk actions all start from it.
fn member_filter(tenant: TenantId, p: &ListParams) -> MemberFilter {
    let mut f: MemberFilter = Box::new(memberships::tenant_id.eq(tenant));
    // Removed members are history: hidden unless the list asks for them.
    f = match p.filter("status") {
        REMOVED => Box::new(f.and(memberships::revoked_at.is_not_null())),
        _ => Box::new(f.and(memberships::revoked_at.is_null())),
    };
    if !p.q.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&p.q.to_lowercase())
        );
        f = Box::new(
            f.and(
                crate::admin::workspaces::lower(users::name)
                    .like(pat.clone())
                    .escape('\\')
                    .or(users::email.like(pat).escape('\\')),
            ),
        );
    }
    if let Some(role) = Role::parse(p.filter("role")) {
        f = Box::new(f.and(memberships::role.eq(role.as_str())));
    }
    f
}

/// The `status` filter's value that lists removed members instead of active ones.
pub const REMOVED: &str = "removed";

/// Sortable columns of the members list; the first is the default.
pub const MEMBER_SORTS: &[&str] = &["name", "email", "role", "joined"];

/// How many members match, counted up to `COUNT_CAP + 1` (reads no more).
pub fn member_search_count(c: &mut DbConn, tenant: TenantId, p: &ListParams) -> AppResult<i64> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(member_filter(tenant, p))
        .select(memberships::id)
        .limit(COUNT_CAP + 1)
        .load::<MembershipId>(c)?
        .len() as i64)
}

/// The list's order: the default (no sort asked; a direction alone does not
/// travel in the pager links, so it is ignored) is owners first, then by name;
/// a sort column pages on that column plus the membership id.
fn order_of(p: &ListParams) -> &'static str {
    if p.sort.is_empty() {
        "default"
    } else {
        p.sort_or(MEMBER_SORTS)
    }
}

/// A member's place in the list's order. The default order's key is `0` (an
/// owner) or `1` (anyone else) followed by the name.
pub fn member_cursor(p: &ListParams, m: &MemberRow) -> Cursor {
    let key = match order_of(p) {
        "email" => m.email.clone(),
        "role" => m.role.as_str().to_string(),
        "joined" => m.joined.to_db_text(),
        "name" => m.name.clone(),
        _ => format!("{}{}", if m.role == Role::Owner { 0 } else { 1 }, m.name),
    };
    Cursor::new(key, m.membership_id.0 .0)
}

/// One keyset page of the members list, with a count that stops early.
pub fn member_page(
    c: &mut DbConn,
    tenant: TenantId,
    p: &ListParams,
    per_page: i64,
) -> AppResult<Keyset<MemberRow>> {
    let seek = p.seek();
    let rows = member_seek(c, tenant, p, &seek, Seek::limit(per_page))?;
    let page =
        rows.and_then(|rows| Keyset::from_rows(rows, &seek, per_page, |m| member_cursor(p, m)));
    let Some(mut page) = page else {
        // A short Previous page or a tampered cursor: the first page.
        return member_page(c, tenant, &p.first_page(), per_page);
    };
    let total = Count::from_capped(member_search_count(c, tenant, p)?);
    page.base_query = p.base_query();
    Ok(page.with_total(total))
}

/// Every member matching the list's filter, in its order, read a chunk at a
/// time along the keyset (CSV export).
pub fn member_all(c: &mut DbConn, tenant: TenantId, p: &ListParams) -> AppResult<Vec<MemberRow>> {
    const CHUNK: i64 = 1000;
    let p = p.first_page();
    let mut all: Vec<MemberRow> = Vec::new();
    let mut seek = Seek::First;
    loop {
        let rows = member_seek(c, tenant, &p, &seek, CHUNK)?.unwrap_or_default();
        let full = rows.len() as i64 == CHUNK;
        all.extend(rows);
        match all.last() {
            Some(last) if full => seek = Seek::After(member_cursor(&p, last)),
            _ => return Ok(all),
        }
    }
}

/// Up to `limit` members from `seek` in the list's order (reversed when
/// walking backwards); `None` when the cursor does not fit the order.
fn member_seek(
    c: &mut DbConn,
    tenant: TenantId,
    p: &ListParams,
    seek: &Seek,
    limit: i64,
) -> AppResult<Option<Vec<MemberRow>>> {
    let q = memberships::table
        .inner_join(users::table)
        .filter(member_filter(tenant, p))
        .select((
            memberships::id,
            users::id,
            users::name,
            users::email,
            memberships::role,
            memberships::created_at,
            memberships::revoked_at,
        ))
        .into_boxed();
    let id_of = |c: &Cursor| MembershipId(Id(c.id));
    let text_at = seek.cursor().map(|c| (c.key.clone(), id_of(c)));
    let (role, id) = (memberships::role, memberships::id);
    let q = match order_of(p) {
        "email" => seek_by!(q, seek, p.desc, users::email, id, text_at),
        "name" => seek_by!(q, seek, p.desc, users::name, id, text_at),
        "role" => seek_by!(q, seek, p.desc, role, id, text_at),
        "joined" => {
            let at = match seek.cursor() {
                None => None,
                Some(cur) => match cur.time() {
                    Some(t) => Some((t, id_of(cur))),
                    None => return Ok(None),
                },
            };
            seek_by!(q, seek, p.desc, memberships::created_at, id, at)
        }
        _ => {
            // Owners first, then by name: the owner flag is a third key.
            let backwards = seek.backwards();
            let is_owner = || role.eq("owner");
            let q = match seek.cursor() {
                None => q,
                Some(cur) => {
                    let owner = match cur.key.chars().next() {
                        Some('0') => true,
                        Some('1') => false,
                        _ => return Ok(None),
                    };
                    let (n, i) = (cur.key[1..].to_string(), id_of(cur));
                    let name = users::name;
                    let past = name.gt(n.clone()).or(name.eq(n.clone()).and(id.gt(i)));
                    let before = name.lt(n.clone()).or(name.eq(n).and(id.lt(i)));
                    match (owner, backwards) {
                        (true, false) => q.filter(is_owner().and(past).or(role.ne("owner"))),
                        (false, false) => q.filter(role.ne("owner").and(past)),
                        (true, true) => q.filter(is_owner().and(before)),
                        (false, true) => q.filter(is_owner().or(role.ne("owner").and(before))),
                    }
                }
            };
            if backwards {
                q.order((is_owner().asc(), users::name.desc(), id.desc()))
            } else {
                q.order((is_owner().desc(), users::name.asc(), id.asc()))
            }
        }
    };
    type Row = (
        MembershipId,
        UserId,
        String,
        String,
        String,
        UtcTime,
        Option<UtcTime>,
    );
    let rows: Vec<Row> = q.limit(limit).load(c)?;
    Ok(Some(
        rows.into_iter()
            .map(
                |(membership_id, user_id, name, email, role, joined, removed)| MemberRow {
                    membership_id,
                    user_id,
                    name,
                    email,
                    role: Role::parse(&role).unwrap_or(Role::Viewer),
                    joined,
                    removed,
                },
            )
            .collect(),
    ))
}

/// Memberships a bulk action targets: every one matching the list's filter,
/// or the selected ids that exist in this workspace.
pub fn member_targets(
    c: &mut DbConn,
    tenant: TenantId,
    bulk: &Bulk,
) -> AppResult<Vec<MembershipId>> {
    // Bulk actions reach active members only, whatever the list shows.
    let base = memberships::table
        .inner_join(users::table)
        .filter(memberships::revoked_at.is_null())
        .select(memberships::id);
    if bulk.all_matching {
        return Ok(base.filter(member_filter(tenant, &bulk.params)).load(c)?);
    }
    let ids: Vec<MembershipId> = bulk.ids.iter().map(|i| MembershipId(*i)).collect();
    Ok(base
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::id.eq_any(ids))
        .load(c)?)
}
