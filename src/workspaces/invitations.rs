//! Invitations: an admin invites an email with a role; the link carries a token
//! (its hash is stored) that expires in 7 days; accepting adds a membership.

use chrono::Duration;
use diesel::prelude::*;

use super::models::Role;
use super::queries::{add_member, lock_workspace, seats_used};
use crate::accounts::{CurrentUser, UserId};
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, Pool, TenantConn, TenantId, TenantScope, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{invitations, memberships, tenants, users};
use crate::web::extract::RequestMeta;
use crate::web::{random_token, sha256_hex};

pub const VALID_DAYS: i64 = 7;

crate::typed_id!(
    /// `invitations.id`.
    InvitationId
);

/// A pending invitation as the members page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PendingInvitation {
    pub id: InvitationId,
    pub email: String,
    pub role: String,
    pub expires_at: UtcTime,
    pub invited_by_email: String,
}

impl PendingInvitation {
    pub fn expires_day(&self) -> String {
        self.expires_at.0.format("%Y-%m-%d").to_string()
    }
    pub fn is_expired(&self) -> bool {
        self.expires_at < UtcTime::now()
    }
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub tenant: TenantId,
    pub id: InvitationId,
    pub workspace_name: String,
    pub workspace_slug: String,
    pub email: String,
    pub role: Role,
    pub expired: bool,
    pub used: bool,
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.contains(char::is_whitespace)
}

/// Creates an invitation; returns the token for the link (shown once).
pub fn create(
    c: &mut DbConn,
    tenant: TenantId,
    invited_by: UserId,
    email: &str,
    role: Role,
    meta: &RequestMeta,
) -> AppResult<Result<(InvitationId, String), String>> {
    let email = crate::accounts::models::normalize_email(email);
    if !valid_email(&email) {
        return Ok(Err("Enter a valid email address.".into()));
    }
    if role == Role::Owner {
        return Ok(Err("Invite as admin, then transfer ownership.".into()));
    }
    let already_member: bool = diesel::select(diesel::dsl::exists(
        memberships::table
            .inner_join(users::table)
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::revoked_at.is_null())
            .filter(users::email.eq(&email)),
    ))
    .get_result(c)?;
    if already_member {
        return Ok(Err(format!(
            "{email} is already a member of this workspace."
        )));
    }
    let seat_limit = lock_workspace(c, tenant)?;
    // A new invitation for the same email replaces the old one (not a second seat).
    let replaced = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::email.eq(&email))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(UtcTime::now()))
    .execute(c)?;
    if seats_used(c, tenant)? >= i64::from(seat_limit) {
        return Ok(Err(format!(
            "This workspace's plan has {seat_limit} seats and all are taken (members and pending invitations). Remove someone or revoke an invitation first."
        )));
    }
    let token = format!("{}{}", tenant.0 .0.simple(), random_token(24));
    let id = InvitationId::new();
    let now = UtcTime::now();
    diesel::insert_into(invitations::table)
        .values((
            invitations::tenant_id.eq(tenant),
            invitations::id.eq(id),
            invitations::email.eq(&email),
            invitations::role.eq(role.as_str()),
            invitations::token_hash.eq(sha256_hex(&token)),
            invitations::invited_by.eq(invited_by),
            invitations::expires_at.eq(now + Duration::days(VALID_DAYS)),
            invitations::created_at.eq(now),
        ))
        .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(tenant, "member.invite")
            .actor(invited_by)
            .resource("invitation", id)
            .meta(meta)
            .changes(
                serde_json::json!({"email": email, "role": role.as_str(), "replaced": replaced}),
            ),
    )?;
    Ok(Ok((id, token)))
}

/// One page of pending (not accepted, not revoked) invitations, newest
/// first, whose email contains `q` (case-insensitive; `%` and `_` literal),
/// and how many match in all.
pub fn pending(
    c: &mut DbConn,
    tenant: TenantId,
    q: &str,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<PendingInvitation>, i64)> {
    let pat = format!(
        "%{}%",
        crate::audit::queries::escape_like(&q.trim().to_lowercase())
    );
    let matching = || {
        invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(
                crate::admin::workspaces::lower(invitations::email)
                    .like(pat.clone())
                    .escape('\\'),
            )
    };
    let total = matching().count().get_result(c)?;
    let rows = matching()
        .inner_join(users::table.on(users::id.eq(invitations::invited_by)))
        .order((invitations::created_at.desc(), invitations::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((
            invitations::id,
            invitations::email,
            invitations::role,
            invitations::expires_at,
            users::email,
        ))
        .load(c)?;
    Ok((rows, total))
}

/// Pending, unexpired invitations (they hold a seat).
pub fn pending_count(c: &mut DbConn, tenant: TenantId) -> AppResult<i64> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(tenant))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(UtcTime::now()))
        .count()
        .get_result(c)?)
}

pub fn revoke(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    id: InvitationId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(UtcTime::now()))
    .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        c,
        NewEvent::tenant(tenant, "member.invite_revoke")
            .actor(actor)
            .resource("invitation", id)
            .meta(meta),
    )
}

/// The tenant an invitation token belongs to: its first 32 hex digits.
fn token_tenant(token: &str) -> Option<TenantId> {
    if token.len() != 80 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    uuid::Uuid::parse_str(&token[..32])
        .ok()
        .map(|u| TenantId(Id(u)))
}

/// Opens the tenant of a token. A token is a capability: knowing it is what
/// verifies the tenant, and the lookup below still has to find its hash.
fn token_conn(pool: &Pool, token: &str) -> AppResult<TenantConn> {
    let tenant = token_tenant(token).ok_or(AppError::NotFound)?;
    TenantConn::open(pool, &TenantScope::verified(tenant))
}

fn load_view(c: &mut DbConn, tenant: TenantId, token: &str) -> AppResult<InvitationView> {
    let row: (
        InvitationId,
        String,
        String,
        UtcTime,
        Option<UtcTime>,
        Option<UtcTime>,
        String,
        String,
        super::models::WorkspaceStatus,
    ) = invitations::table
        .inner_join(tenants::table)
        .filter(invitations::tenant_id.eq(tenant))
        .filter(invitations::token_hash.eq(sha256_hex(token)))
        .select((
            invitations::id,
            invitations::email,
            invitations::role,
            invitations::expires_at,
            invitations::accepted_at,
            invitations::revoked_at,
            tenants::name,
            tenants::slug,
            tenants::status,
        ))
        .first(c)?;
    let (
        id,
        email,
        role,
        expires_at,
        accepted_at,
        revoked_at,
        workspace_name,
        workspace_slug,
        status,
    ) = row;
    Ok(InvitationView {
        tenant,
        id,
        workspace_name,
        workspace_slug,
        email,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        expired: expires_at < UtcTime::now(),
        used: accepted_at.is_some()
            || revoked_at.is_some()
            || status != super::models::WorkspaceStatus::Active,
    })
}

/// The invitation behind a link; 404 for unknown tokens.
pub fn view(pool: &Pool, token: &str) -> AppResult<InvitationView> {
    token_conn(pool, token)?.read(|c, tenant| load_view(c, tenant, token))
}

/// Accepts an invitation as `user`; returns the workspace slug.
pub fn accept(
    pool: &Pool,
    token: &str,
    user: &CurrentUser,
    meta: &RequestMeta,
) -> AppResult<String> {
    token_conn(pool, token)?.write(|c, tenant| {
        // Lock first, read after: two accepts of one link (or an accept and a
        // withdrawal) that both read "unused" before either wrote would both
        // succeed and overshoot the seat limit. The workspace row comes first,
        // the order every seat change takes (see `create`), then this row.
        let seat_limit = lock_workspace(c, tenant)?;
        let id: InvitationId = invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::token_hash.eq(sha256_hex(token)))
            .select(invitations::id)
            .first(c)?;
        crate::db::lock_tenant_row(c, "invitations", tenant, id.0)?;
        let inv = load_view(c, tenant, token)?;
        if inv.used {
            return Err(AppError::Conflict("This invitation has already been used or was withdrawn.".into()));
        }
        if inv.expired {
            return Err(AppError::Conflict("This invitation has expired. Ask for a new one.".into()));
        }
        // This invitation's own seat is counted among the pending ones.
        if seats_used(c, tenant)? > i64::from(seat_limit) {
            return Err(AppError::Conflict(format!(
                "“{}” has used all {seat_limit} seats of its plan. Ask an admin to free a seat.",
                inv.workspace_name
            )));
        }
        let inviter: UserId = invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::id.eq(inv.id))
            .select(invitations::invited_by)
            .first(c)?;
        add_member(c, tenant, user.user.id, inv.role, Some(inviter))?;
        let marked = diesel::update(
            invitations::table
                .filter(invitations::tenant_id.eq(tenant))
                .filter(invitations::id.eq(inv.id))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null()),
        )
        .set((invitations::accepted_at.eq(UtcTime::now()), invitations::accepted_by.eq(user.user.id)))
        .execute(c)?;
        if marked != 1 {
            // Unreachable under the lock; never let a used link add a member.
            return Err(AppError::Conflict("This invitation has already been used or was withdrawn.".into()));
        }
        audit::record(
            c,
            NewEvent::tenant(tenant, "member.accept")
                .actor(user.user.id)
                .resource("invitation", inv.id)
                .meta(meta)
                .changes(serde_json::json!({"email": user.user.email, "invited_email": inv.email, "role": inv.role.as_str()})),
        )?;
        Ok(inv.workspace_slug)
    })
}
