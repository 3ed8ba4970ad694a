//! The workspace members list on the admin list machinery: one scoped query
//! (search by name or email, role filter) that the page, the CSV export and
//! bulk actions all start from.

use diesel::prelude::*;

use super::models::{MemberRow, MembershipId, Role};
use crate::accounts::UserId;
use crate::admin::list::{Bulk, ListParams};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{memberships, users};

type MemberSource = diesel::dsl::InnerJoinQuerySource<memberships::table, users::table>;
type MemberFilter = Box<
    dyn BoxableExpression<MemberSource, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>,
>;

/// The one scoped query of the members list: the tenant's memberships, with
/// the list's search (`q`: name or email) and `role` filter. The page, the
/// CSV export and bulk actions all start from it.
fn member_filter(tenant: TenantId, p: &ListParams) -> MemberFilter {
    let mut f: MemberFilter = Box::new(memberships::tenant_id.eq(tenant));
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

/// Sortable columns of the members list; the first is the default.
pub const MEMBER_SORTS: &[&str] = &["name", "email", "role", "joined"];

pub fn member_search_count(c: &mut DbConn, tenant: TenantId, p: &ListParams) -> AppResult<i64> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(member_filter(tenant, p))
        .count()
        .get_result(c)?)
}

/// One page of the members list, in the list's order.
pub fn member_search(
    c: &mut DbConn,
    tenant: TenantId,
    p: &ListParams,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<MemberRow>> {
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
        ))
        .into_boxed();
    let q = match (p.sort_or(MEMBER_SORTS), p.desc) {
        ("email", false) => q.order(users::email.asc()),
        ("email", true) => q.order(users::email.desc()),
        ("role", false) => q.order((memberships::role.asc(), users::email.asc())),
        ("role", true) => q.order((memberships::role.desc(), users::email.asc())),
        ("joined", false) => q.order((memberships::created_at.asc(), users::email.asc())),
        ("joined", true) => q.order((memberships::created_at.desc(), users::email.asc())),
        // Default: owners first, then by name.
        (_, desc) if p.sort.is_empty() || !desc => q.order((
            memberships::role.eq("owner").desc(),
            users::name.asc(),
            users::email.asc(),
        )),
        _ => q.order((users::name.desc(), users::email.desc())),
    };
    let rows: Vec<(MembershipId, UserId, String, String, String, UtcTime)> =
        q.limit(limit).offset(offset).load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(membership_id, user_id, name, email, role, joined)| MemberRow {
                membership_id,
                user_id,
                name,
                email,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                joined,
            },
        )
        .collect())
}

/// Memberships a bulk action targets: every one matching the list's filter,
/// or the selected ids that exist in this workspace.
pub fn member_targets(
    c: &mut DbConn,
    tenant: TenantId,
    bulk: &Bulk,
) -> AppResult<Vec<MembershipId>> {
    let base = memberships::table
        .inner_join(users::table)
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
