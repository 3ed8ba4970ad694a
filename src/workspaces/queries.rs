//! Workspace model functions: create, list mine, members and roles, settings,
//! deactivation. Each takes a connection and does one job, audit included.

use diesel::prelude::*;

use super::models::*;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantConn, TenantId, TenantScope, UtcTime};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::schema::{memberships, team_members, tenants, users};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// Default plan and seats for a new workspace.
pub const DEFAULT_PLAN: &str = "free";
pub const DEFAULT_SEATS: i32 = 10;

pub fn validate_name(name: &str) -> Option<String> {
    let n = name.trim().chars().count();
    if n == 0 {
        Some("Give the workspace a name.".into())
    } else if n > 80 {
        Some("Keep the name under 80 characters.".into())
    } else {
        None
    }
}

pub fn validate_slug(slug: &str) -> Option<String> {
    if !valid_slug(slug) {
        Some("Use 2–48 lowercase letters, digits and single hyphens (not at the ends).".into())
    } else if RESERVED_SLUGS.contains(&slug) {
        Some("That address is reserved; choose another.".into())
    } else {
        None
    }
}

/// True when a workspace uses `slug`, or used it and still redirects from it.
fn slug_taken(conn: &mut DbConn, slug: &str) -> AppResult<bool> {
    let live: bool = diesel::select(diesel::dsl::exists(
        tenants::table.filter(tenants::slug.eq(slug)),
    ))
    .get_result(conn)?;
    Ok(live || super::profile::redirect_owner(conn, slug)?.is_some())
}

/// Like [`slug_taken`], but a workspace may take its own old address back.
fn slug_taken_by_other(conn: &mut DbConn, slug: &str, tenant: TenantId) -> AppResult<bool> {
    let live: bool = diesel::select(diesel::dsl::exists(
        tenants::table
            .filter(tenants::slug.eq(slug))
            .filter(tenants::id.ne(tenant)),
    ))
    .get_result(conn)?;
    Ok(live || super::profile::redirect_owner(conn, slug)?.is_some_and(|owner| owner != tenant))
}

/// A free slug based on `base` (appending -2, -3, … when taken).
pub fn unique_slug(conn: &mut DbConn, base: &str) -> AppResult<String> {
    let base = if RESERVED_SLUGS.contains(&base) {
        format!("{base}-ws")
    } else {
        base.to_string()
    };
    if !slug_taken(conn, &base)? {
        return Ok(base);
    }
    for n in 2..1000 {
        let candidate = format!("{base}-{n}");
        if !slug_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", crate::web::random_token(3)))
}

/// Creates a workspace with `owner` as its owner. `slug` empty → generated.
pub fn create(
    pool: &crate::db::Pool,
    owner: UserId,
    name: &str,
    slug: &str,
    meta: &RequestMeta,
) -> Result<Workspace, FormErrors> {
    let mut errors = FormErrors::default();
    if let Some(e) = validate_name(name) {
        errors.add("name", e);
    }
    let slug = slug.trim().to_lowercase();
    if !slug.is_empty() {
        if let Some(e) = validate_slug(&slug) {
            errors.add("slug", e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let internal = |e: AppError| FormErrors::one("", e.to_string());
    let tenant = TenantId::new();
    let mut tc = TenantConn::open(pool, &TenantScope::verified(tenant)).map_err(internal)?;
    let result = tc.write(|c, tenant| {
        let slug = if slug.is_empty() {
            unique_slug(c, &slugify(name))?
        } else {
            slug.clone()
        };
        if slug_taken(c, &slug)? {
            return Ok(Err(FormErrors::one(
                "slug",
                "That address is taken; choose another.".to_string(),
            )));
        }
        let now = UtcTime::now();
        let seats = default_seats(c)?;
        let inserted = crate::db::unless_taken(c, |c| {
            diesel::insert_into(tenants::table)
                .values((
                    tenants::id.eq(tenant),
                    tenants::name.eq(name.trim()),
                    tenants::slug.eq(&slug),
                    tenants::status.eq(super::models::WorkspaceStatus::Active),
                    tenants::plan.eq(DEFAULT_PLAN),
                    tenants::seat_limit.eq(seats),
                    tenants::settings.eq(Json(serde_json::json!({}))),
                    tenants::created_by.eq(Some(owner)),
                    tenants::created_at.eq(now),
                    tenants::updated_at.eq(now),
                ))
                .execute(c)
        })?;
        // `None`: another request took the slug between the check and the insert.
        if inserted.is_none() {
            return Ok(Err(FormErrors::one(
                "slug",
                "That address is taken; choose another.".to_string(),
            )));
        }
        add_member(c, tenant, owner, Role::Owner, Some(owner))?;
        audit::record(
            c,
            NewEvent::tenant(tenant, "workspace.create")
                .actor(owner)
                .resource("workspace", tenant)
                .meta(meta)
                .changes(serde_json::json!({"name": name.trim(), "slug": slug})),
        )?;
        Ok(Ok(tenants::table
            .find(tenant)
            .select(Workspace::as_select())
            .first(c)?))
    });
    result.unwrap_or_else(|e| Err(internal(e)))
}

/// Seats of the default plan in the catalogue (or the built-in default).
fn default_seats(c: &mut DbConn) -> AppResult<i32> {
    Ok(crate::schema::plans::table
        .filter(crate::schema::plans::name.eq(DEFAULT_PLAN))
        .select(crate::schema::plans::seat_limit)
        .first(c)
        .optional()?
        .unwrap_or(DEFAULT_SEATS))
}

/// Makes `user` a member (inside a tenant transaction). A person removed
/// earlier gets their old membership back, reactivated with `role`, so the
/// history that names it stays whole.
pub fn add_member(
    c: &mut DbConn,
    tenant: TenantId,
    user: UserId,
    role: Role,
    by: Option<UserId>,
) -> AppResult<MembershipId> {
    let now = UtcTime::now();
    let earlier: Option<(MembershipId, Option<UtcTime>)> = memberships::table
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::user_id.eq(user))
        .select((memberships::id, memberships::revoked_at))
        .first(c)
        .optional()?;
    let already =
        || AppError::Conflict("That person is already a member of this workspace.".into());
    match earlier {
        Some((_, None)) => return Err(already()),
        Some((id, Some(_))) => {
            diesel::update(
                memberships::table
                    .filter(memberships::tenant_id.eq(tenant))
                    .filter(memberships::id.eq(id)),
            )
            .set((
                memberships::role.eq(role.as_str()),
                memberships::revoked_at.eq(None::<UtcTime>),
                memberships::updated_at.eq(now),
            ))
            .execute(c)?;
            return Ok(id);
        }
        None => {}
    }
    let id = MembershipId::new();
    diesel::insert_into(memberships::table)
        .values((
            memberships::tenant_id.eq(tenant),
            memberships::id.eq(id),
            memberships::user_id.eq(user),
            memberships::role.eq(role.as_str()),
            memberships::created_by.eq(by),
            memberships::created_at.eq(now),
            memberships::updated_at.eq(now),
        ))
        .execute(c)
        .map_err(|e| {
            if is_unique_violation(&e) {
                already()
            } else {
                e.into()
            }
        })?;
    Ok(id)
}

/// The active workspaces a user belongs to, by name.
pub fn mine(conn: &mut DbConn, user: UserId) -> AppResult<Vec<MyWorkspace>> {
    crate::db::user_tx(conn, user, |c| {
        let rows: Vec<(String, String, String)> = memberships::table
            .inner_join(tenants::table)
            .filter(memberships::user_id.eq(user))
            .filter(memberships::revoked_at.is_null())
            .filter(tenants::status.eq(super::models::WorkspaceStatus::Active))
            .order(tenants::name.asc())
            .select((tenants::name, tenants::slug, memberships::role))
            .load(c)?;
        Ok(rows
            .into_iter()
            .map(|(name, slug, role)| MyWorkspace {
                name,
                slug,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
            })
            .collect())
    })
}

/// Members of the tenant, owners first, then by name: `limit` rows from `offset`.
pub fn members(
    c: &mut DbConn,
    tenant: TenantId,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<MemberRow>> {
    let rows: Vec<(MembershipId, UserId, String, String, String, UtcTime)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::revoked_at.is_null())
        .select((
            memberships::id,
            users::id,
            users::name,
            users::email,
            memberships::role,
            memberships::created_at,
        ))
        .order((
            memberships::role.eq("owner").desc(),
            users::name.asc(),
            users::email.asc(),
        ))
        .limit(limit)
        .offset(offset)
        .load(c)?;
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
                removed: None,
            },
        )
        .collect())
}

/// Active members (the removed are history, not seats).
/// The workspace's active members, as rows to count (`db::counters::count_many`).
pub const ACTIVE_MEMBERS: &str =
    "SELECT 1 FROM memberships WHERE tenant_id = ? AND revoked_at IS NULL";

pub fn member_count(c: &mut DbConn, tenant: TenantId) -> AppResult<i64> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::revoked_at.is_null())
        .count()
        .get_result(c)?)
}

fn owner_count(c: &mut DbConn, tenant: TenantId) -> AppResult<i64> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::revoked_at.is_null())
        .filter(memberships::role.eq("owner"))
        .count()
        .get_result(c)?)
}

/// An active membership (a removed one is not found: 404).
fn find_membership(c: &mut DbConn, tenant: TenantId, id: MembershipId) -> AppResult<Membership> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::id.eq(id))
        .filter(memberships::revoked_at.is_null())
        .select(Membership::as_select())
        .first(c)?)
}

/// Who is acting, for the rules on roles.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
}

/// Changes a member's role. Only owners grant or take away ownership; admins
/// manage admins, members and viewers; the last owner can't be demoted.
pub fn change_role(
    c: &mut DbConn,
    tenant: TenantId,
    actor: Actor,
    target: MembershipId,
    new_role: Role,
    meta: &RequestMeta,
) -> AppResult<()> {
    let m = find_membership(c, tenant, target)?;
    let old = m.role();
    if old == new_role {
        return Ok(());
    }
    if (old == Role::Owner || new_role == Role::Owner) && actor.role != Role::Owner {
        return Err(AppError::Forbidden(
            "Only an owner can grant or remove ownership.".into(),
        ));
    }
    if old == Role::Owner && owner_count(c, tenant)? <= 1 {
        return Err(AppError::Conflict(
            "A workspace needs at least one owner: make someone else owner first.".into(),
        ));
    }
    diesel::update(
        memberships::table
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::id.eq(target)),
    )
    .set((
        memberships::role.eq(new_role.as_str()),
        memberships::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(tenant, "member.role_change")
            .actor(actor.user)
            .resource("user", m.user_id)
            .meta(meta)
            .changes(serde_json::json!({"role": [old.as_str(), new_role.as_str()]})),
    )
}

/// Removes a member (or, when `target` is the actor's own membership, leaves).
pub fn remove(
    c: &mut DbConn,
    tenant: TenantId,
    actor: Actor,
    target: MembershipId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let m = find_membership(c, tenant, target)?;
    let leaving = m.user_id == actor.user;
    if !leaving {
        if !actor.role.at_least(Role::Admin) {
            return Err(AppError::forbidden());
        }
        if m.role() == Role::Owner && actor.role != Role::Owner {
            return Err(AppError::Forbidden(
                "Only an owner can remove an owner.".into(),
            ));
        }
    }
    if m.role() == Role::Owner && owner_count(c, tenant)? <= 1 {
        return Err(AppError::Conflict(
            "A workspace needs at least one owner: transfer ownership before leaving.".into(),
        ));
    }
    let now = UtcTime::now();
    diesel::update(
        memberships::table
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::id.eq(target)),
    )
    .set((
        memberships::revoked_at.eq(Some(now)),
        memberships::updated_at.eq(now),
    ))
    .execute(c)?;
    // Team places went with the row when it was deleted; they go explicitly now.
    diesel::delete(
        team_members::table
            .filter(team_members::tenant_id.eq(tenant))
            .filter(team_members::user_id.eq(m.user_id)),
    )
    .execute(c)?;
    for module in crate::modules::all() {
        if let Some(let_go) = module.member_left {
            let_go(c, tenant, m.user_id)?;
        }
    }
    let action = if leaving {
        "member.leave"
    } else {
        "member.remove"
    };
    audit::record(
        c,
        NewEvent::tenant(tenant, action)
            .actor(actor.user)
            .resource("user", m.user_id)
            .meta(meta)
            .changes(serde_json::json!({"role": m.role().as_str()})),
    )
}

/// Makes `target` an owner and the acting owner an admin.
pub fn transfer_ownership(
    c: &mut DbConn,
    tenant: TenantId,
    actor: Actor,
    actor_membership: MembershipId,
    target: MembershipId,
    meta: &RequestMeta,
) -> AppResult<()> {
    if actor.role != Role::Owner {
        return Err(AppError::Forbidden(
            "Only an owner can transfer ownership.".into(),
        ));
    }
    if actor_membership == target {
        return Ok(());
    }
    change_role(c, tenant, actor, target, Role::Owner, meta)?;
    change_role(c, tenant, actor, actor_membership, Role::Admin, meta)
}

/// The active membership id of `user` in `tenant`.
pub fn membership_of(c: &mut DbConn, tenant: TenantId, user: UserId) -> AppResult<MembershipId> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::user_id.eq(user))
        .filter(memberships::revoked_at.is_null())
        .select(memberships::id)
        .first(c)?)
}

/// Renames a workspace or changes its address. The old address then
/// redirects to the new one (see `profile::record_slug_change`).
pub fn update_settings(
    c: &mut DbConn,
    ws: &Workspace,
    actor: UserId,
    name: &str,
    slug: &str,
    meta: &RequestMeta,
) -> AppResult<Result<Workspace, FormErrors>> {
    let mut errors = FormErrors::default();
    if let Some(e) = validate_name(name) {
        errors.add("name", e);
    }
    let slug = slug.trim().to_lowercase();
    if let Some(e) = validate_slug(&slug) {
        errors.add("slug", e);
    } else if slug != ws.slug && slug_taken_by_other(c, &slug, ws.id)? {
        errors.add("slug", "That address is taken; choose another.");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let updated = crate::db::unless_taken(c, |c| {
        diesel::update(tenants::table.find(ws.id))
            .set((
                tenants::name.eq(name.trim()),
                tenants::slug.eq(&slug),
                tenants::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)
    })?;
    // `None`: another workspace took the slug between the check and the update.
    if updated.is_none() {
        return Ok(Err(FormErrors::one(
            "slug",
            "That address is taken; choose another.".to_string(),
        )));
    }
    if slug != ws.slug {
        super::profile::record_slug_change(c, ws.id, &ws.slug, &slug)?;
    }
    audit::record(
        c,
        NewEvent::tenant(ws.id, "workspace.update")
            .actor(actor)
            .resource("workspace", ws.id)
            .meta(meta)
            .changes(serde_json::json!({"name": [ws.name, name.trim()], "slug": [ws.slug, slug]})),
    )?;
    Ok(Ok(tenants::table
        .find(ws.id)
        .select(Workspace::as_select())
        .first(c)?))
}

/// Makes two-factor sign-in required (or not) for the workspace's members.
/// An admin can turn it on only with two-factor on for themselves, so the
/// change never sends its own author away to enrol. `Err(message)` then.
pub fn set_two_factor_requirement(
    c: &mut DbConn,
    ws: &Workspace,
    actor: UserId,
    required: bool,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    if required && !crate::accounts::two_factor::is_enabled(c, actor)? {
        return Ok(Err(
            "Turn on two-factor sign-in for your own account first (Your account → Two-factor sign-in)."
                .into(),
        ));
    }
    // Read the settings inside this transaction, so a concurrent change to
    // another key is kept.
    let current: Json = tenants::table
        .find(ws.id)
        .select(tenants::settings)
        .first(c)?;
    let before = current
        .0
        .get(super::models::REQUIRE_TWO_FACTOR)
        .and_then(|v| v.as_bool())
        == Some(true);
    let mut settings = match current.0 {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    settings.insert(
        super::models::REQUIRE_TWO_FACTOR.to_string(),
        serde_json::Value::Bool(required),
    );
    diesel::update(tenants::table.find(ws.id))
        .set(tenants::settings.eq(Json(serde_json::Value::Object(settings))))
        .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(ws.id, "workspace.require_2fa")
            .actor(actor)
            .resource("workspace", ws.id)
            .meta(meta)
            .changes(serde_json::json!({"require_two_factor": [before, required]}))
            .warning(),
    )?;
    Ok(Ok(()))
}

/// Sets a workspace active or inactive (soft): inactive ones vanish for members.
pub fn set_status(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    active: bool,
    meta: &RequestMeta,
) -> AppResult<()> {
    let status = if active {
        super::models::WorkspaceStatus::Active
    } else {
        super::models::WorkspaceStatus::Inactive
    };
    let n = diesel::update(tenants::table.find(tenant))
        .set((
            tenants::status.eq(status),
            tenants::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let action = if active {
        "workspace.reactivate"
    } else {
        "workspace.deactivate"
    };
    let event = NewEvent::tenant(tenant, action)
        .actor(actor)
        .resource("workspace", tenant)
        .meta(meta);
    audit::record(c, if active { event } else { event.warning() })
}

/// Locks the workspace row until the transaction ends, so that concurrent
/// invitations and acceptances count seats one after another (Postgres; a
/// SQLite write transaction already holds the database's write lock).
pub fn lock_workspace(c: &mut DbConn, tenant: TenantId) -> AppResult<i32> {
    if c.backend() == crate::db::Backend::Postgres {
        diesel::sql_query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE")
            .bind::<crate::db::sql::Uuid, _>(tenant)
            .execute(c)?;
    }
    Ok(tenants::table
        .find(tenant)
        .select(tenants::seat_limit)
        .first(c)?)
}

/// Seats in use: members plus pending invitations.
pub fn seats_used(c: &mut DbConn, tenant: TenantId) -> AppResult<i64> {
    Ok(member_count(c, tenant)? + super::invitations::pending_count(c, tenant)?)
}
