//! How a request becomes a member of a workspace: slug → workspace, then the
//! user's membership inside that workspace's tenant transaction. An old slug
//! of a renamed workspace resolves too, but only for that workspace's members.

use diesel::prelude::*;

use super::models::{Membership, Role, Workspace};
use crate::accounts::models::SessionId;
use crate::accounts::sessions::Lifetimes;
use crate::accounts::CurrentUser;
use crate::accounts::{User, UserId};
use crate::db::{Pool, PooledConn, TenantConn, TenantScope, UtcTime};
use crate::error::AppResult;
use crate::schema::{memberships, tenants, user_sessions, users};
use crate::web::sha256_hex;

/// What a slug in the path means to a signed-in user.
#[derive(Debug, Clone)]
pub enum Access {
    /// The user is a member of the active workspace with this slug, with
    /// their unread notifications (the top bar's badge).
    Member(Workspace, Role, i32),
    /// The slug is an old address of an active workspace the user belongs to;
    /// this is its current slug.
    Moved(String),
    /// No such workspace, inactive, or not a member: the user learns nothing.
    Denied,
}

/// An active workspace by slug.
pub fn active_by_slug(conn: &mut crate::db::DbConn, slug: &str) -> AppResult<Option<Workspace>> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .filter(tenants::status.eq(super::models::WorkspaceStatus::Active))
        .select(Workspace::as_select())
        .first(conn)
        .optional()?)
}

/// A member's connection with the tenant transaction of the membership check
/// still open, for the page's own reads (see [`TenantConn::read_and_keep`]).
pub type Kept = Option<TenantConn>;

/// What `slug` means to `user_id` (see [`Access`]); with `keep`, a member's
/// connection comes back with the check's transaction open.
pub fn membership(
    pool: &Pool,
    slug: &str,
    user_id: UserId,
    keep: bool,
) -> AppResult<(Access, Kept)> {
    membership_on(pool.get()?, slug, user_id, keep)
}

/// The session's user and what the slug means to them, on one pooled
/// connection (the hot path of every workspace page): the session, its user
/// and the active workspace of that slug in one statement, then the
/// membership. `None` user: not signed in.
pub fn user_and_membership(
    pool: &Pool,
    token: &str,
    lifetimes: Lifetimes,
    slug: &str,
    keep: bool,
) -> AppResult<(Option<CurrentUser>, Access, Kept)> {
    let mut pooled = pool.get()?;
    let now = UtcTime::now();
    let found: Option<(SessionId, UtcTime, User, Option<Workspace>)> = user_sessions::table
        .inner_join(users::table)
        .left_join(
            tenants::table.on(tenants::slug
                .eq(slug)
                .and(tenants::status.eq(super::models::WorkspaceStatus::Active))),
        )
        .filter(user_sessions::token_hash.eq(sha256_hex(token)))
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::expires_at.gt(now))
        .filter(user_sessions::last_seen_at.gt(now - lifetimes.idle))
        .filter(users::is_active.eq(true))
        .select((
            user_sessions::id,
            user_sessions::last_seen_at,
            User::as_select(),
            tenants::all_columns.nullable(),
        ))
        .first(&mut pooled)
        .optional()?;
    let Some((session_id, last_seen, user, ws)) = found else {
        return Ok((None, Access::Denied, None));
    };
    crate::accounts::sessions::touch(&mut pooled, session_id, last_seen, now)?;
    let user = CurrentUser { user, session_id };
    let (found, kept) = match ws {
        Some(ws) => member_of(pooled, ws, user.user.id, keep)?,
        None => (moved_for(pooled, slug, user.user.id)?, None),
    };
    Ok((Some(user), found, kept))
}

fn membership_on(
    mut pooled: PooledConn,
    slug: &str,
    user_id: UserId,
    keep: bool,
) -> AppResult<(Access, Kept)> {
    if let Some(ws) = active_by_slug(&mut pooled, slug)? {
        return member_of(pooled, ws, user_id, keep);
    }
    Ok((moved_for(pooled, slug, user_id)?, None))
}

/// The user's access to the live workspace `ws`, and with `keep` the
/// connection whose tenant transaction is still open (members only).
fn member_of(
    pooled: PooledConn,
    ws: Workspace,
    user_id: UserId,
    keep: bool,
) -> AppResult<(Access, Kept)> {
    let (role, conn) = role_in(pooled, &ws, user_id, keep)?;
    Ok(match role {
        Some((role, unread)) => (Access::Member(ws, role, unread), conn),
        None => (Access::Denied, None),
    })
}

/// A slug that names no live workspace: an old address of one the user
/// belongs to, or nothing. Only such a slug costs this second lookup, so the
/// hot path stays one query plus the membership.
fn moved_for(mut pooled: PooledConn, slug: &str, user_id: UserId) -> AppResult<Access> {
    let Some(ws) = super::profile::redirected(&mut pooled, slug)? else {
        return Ok(Access::Denied);
    };
    // The new address is told only to the workspace's own members: to anyone
    // else an old slug is as unknown as one that never existed.
    Ok(match role_in(pooled, &ws, user_id, false)?.0 {
        Some(_) => Access::Moved(ws.slug),
        None => Access::Denied,
    })
}

/// The user's role in `ws` and unread count, read inside the tenant's own transaction so that
/// the row wall applies to it as to everything else. With `keep`, a member's
/// connection comes back with that transaction still open.
fn role_in(
    pooled: PooledConn,
    ws: &Workspace,
    user_id: UserId,
    keep: bool,
) -> AppResult<(Option<(Role, i32)>, Kept)> {
    let mut conn = TenantConn::from_pooled(pooled, &TenantScope::verified(ws.id));
    let query = |c: &mut crate::db::DbConn, tenant| -> AppResult<Option<Membership>> {
        Ok(memberships::table
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::revoked_at.is_null())
            .select(Membership::as_select())
            .first(c)
            .optional()?)
    };
    if !keep {
        return Ok((
            conn.read(query)?
                .map(|m| (m.role(), m.unread_notifications)),
            None,
        ));
    }
    let role = conn
        .read_and_keep(query)?
        .map(|m| (m.role(), m.unread_notifications));
    // A non-member's connection goes back (its transaction rolled back on drop).
    Ok(match role {
        Some(_) => (role, Some(conn)),
        None => (None, None),
    })
}
