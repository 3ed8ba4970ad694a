//! How a request becomes a member of a workspace: slug → workspace, then the
//! user's membership inside that workspace's tenant transaction.

use diesel::prelude::*;

use super::models::{Membership, Role, Workspace};
use crate::accounts::sessions::Lifetimes;
use crate::accounts::CurrentUser;
use crate::accounts::UserId;
use crate::db::{Pool, PooledConn, TenantConn, TenantScope};
use crate::error::AppResult;
use crate::schema::{memberships, tenants};

/// An active workspace by slug.
pub fn active_by_slug(conn: &mut crate::db::DbConn, slug: &str) -> AppResult<Option<Workspace>> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .filter(tenants::status.eq("active"))
        .select(Workspace::as_select())
        .first(conn)
        .optional()?)
}

/// The workspace and the user's role in it, or `None` when the workspace does
/// not exist, is inactive, or the user is not a member.
pub fn membership(
    pool: &Pool,
    slug: &str,
    user_id: UserId,
) -> AppResult<Option<(Workspace, Role)>> {
    membership_on(pool.get()?, slug, user_id)
}

/// The session's user and their membership, on one pooled connection (the
/// hot path of every workspace page). `None` user: not signed in.
pub fn user_and_membership(
    pool: &Pool,
    token: &str,
    lifetimes: Lifetimes,
    slug: &str,
) -> AppResult<(Option<CurrentUser>, Option<(Workspace, Role)>)> {
    let mut pooled = pool.get()?;
    let Some(user) = crate::accounts::sessions::authenticate(&mut pooled, token, lifetimes)? else {
        return Ok((None, None));
    };
    let found = membership_on(pooled, slug, user.user.id)?;
    Ok((Some(user), found))
}

fn membership_on(
    mut pooled: PooledConn,
    slug: &str,
    user_id: UserId,
) -> AppResult<Option<(Workspace, Role)>> {
    let Some(ws) = active_by_slug(&mut pooled, slug)? else {
        return Ok(None);
    };
    // The membership query runs inside the tenant's own transaction, so the
    // row wall applies to it as to everything else.
    let mut conn = TenantConn::from_pooled(pooled, &TenantScope::verified(ws.id));
    let m: Option<Membership> = conn.read(|c, tenant| {
        Ok(memberships::table
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::user_id.eq(user_id))
            .select(Membership::as_select())
            .first(c)
            .optional()?)
    })?;
    Ok(m.map(|m| {
        let role = m.role();
        (ws, role)
    }))
}
