//! Teams inside a workspace: a name and a set of members (used by projects
//! and messages later).

use diesel::prelude::*;

use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, team_members, teams, users};
use crate::web::extract::RequestMeta;
use crate::web::{PageParams, Paginated};

crate::typed_id!(
    /// `teams.id`.
    TeamId
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct Team {
    pub tenant_id: TenantId,
    pub id: TeamId,
    pub name: String,
    pub description: String,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// A team with its member count (list page).
#[derive(Debug, Clone)]
pub struct TeamRow {
    pub team: Team,
    pub members: i64,
}

/// A team member (team page).
#[derive(Debug, Clone, Queryable)]
pub struct TeamMemberRow {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

/// One page of the tenant's teams, by name, with member counts.
pub fn list(
    c: &mut DbConn,
    tenant: TenantId,
    params: PageParams,
    per_page: i64,
) -> AppResult<Paginated<TeamRow>> {
    let total: i64 = teams::table
        .filter(teams::tenant_id.eq(tenant))
        .count()
        .get_result(c)?;
    let page: Vec<Team> = teams::table
        .filter(teams::tenant_id.eq(tenant))
        .order(teams::name.asc())
        .limit(per_page)
        .offset(params.offset(per_page))
        .select(Team::as_select())
        .load(c)?;
    let ids: Vec<TeamId> = page.iter().map(|t| t.id).collect();
    let counts: Vec<(TeamId, i64)> = team_members::table
        .filter(team_members::tenant_id.eq(tenant))
        .filter(team_members::team_id.eq_any(ids))
        .group_by(team_members::team_id)
        .select((team_members::team_id, diesel::dsl::count_star()))
        .load(c)?;
    let items = page
        .into_iter()
        .map(|team| {
            let members = counts
                .iter()
                .find(|(id, _)| *id == team.id)
                .map_or(0, |(_, n)| *n);
            TeamRow { team, members }
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total))
}

pub fn find(c: &mut DbConn, tenant: TenantId, id: TeamId) -> AppResult<Team> {
    Ok(teams::table
        .filter(teams::tenant_id.eq(tenant))
        .filter(teams::id.eq(id))
        .select(Team::as_select())
        .first(c)?)
}

pub fn members(c: &mut DbConn, tenant: TenantId, id: TeamId) -> AppResult<Vec<TeamMemberRow>> {
    Ok(team_members::table
        .inner_join(users::table.on(users::id.eq(team_members::user_id)))
        .filter(team_members::tenant_id.eq(tenant))
        .filter(team_members::team_id.eq(id))
        .order(users::name.asc())
        .select((users::id, users::name, users::email))
        .load(c)?)
}

pub fn validate_name(name: &str) -> Option<String> {
    let n = name.trim().chars().count();
    if n == 0 {
        Some("Give the team a name.".into())
    } else if n > 80 {
        Some("Keep the name under 80 characters.".into())
    } else {
        None
    }
}

/// Creates a team; `Err(message)` for a name problem.
pub fn create(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    name: &str,
    description: &str,
    meta: &RequestMeta,
) -> AppResult<Result<TeamId, String>> {
    if let Some(e) = validate_name(name) {
        return Ok(Err(e));
    }
    let id = TeamId::new();
    let now = UtcTime::now();
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(teams::table)
            .values((
                teams::tenant_id.eq(tenant),
                teams::id.eq(id),
                teams::name.eq(name.trim()),
                teams::description.eq(description.trim()),
                teams::created_by.eq(Some(actor)),
                teams::created_at.eq(now),
                teams::updated_at.eq(now),
            ))
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err("A team with that name already exists.".into()));
    }
    audit::record(
        c,
        NewEvent::tenant(tenant, "team.create")
            .actor(actor)
            .resource("team", id)
            .meta(meta)
            .changes(serde_json::json!({"name": name.trim()})),
    )?;
    Ok(Ok(id))
}

pub fn delete(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    id: TeamId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let team = find(c, tenant, id)?;
    diesel::delete(
        teams::table
            .filter(teams::tenant_id.eq(tenant))
            .filter(teams::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(tenant, "team.delete")
            .actor(actor)
            .resource("team", id)
            .meta(meta)
            .changes(serde_json::json!({"name": team.name})),
    )
}

/// Adds a workspace member (by email) to a team.
pub fn add_member(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    team: TeamId,
    email: &str,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    find(c, tenant, team)?;
    let email = crate::accounts::models::normalize_email(email);
    let user: Option<UserId> = memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(tenant))
        .filter(memberships::revoked_at.is_null())
        .filter(users::email.eq(&email))
        .select(users::id)
        .first(c)
        .optional()?;
    let Some(user) = user else {
        return Ok(Err(format!("{email} is not a member of this workspace.")));
    };
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(team_members::table)
            .values((
                team_members::tenant_id.eq(tenant),
                team_members::id.eq(Id::new()),
                team_members::team_id.eq(team),
                team_members::user_id.eq(user),
                team_members::created_at.eq(UtcTime::now()),
            ))
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(format!("{email} is already in this team.")));
    }
    audit::record(
        c,
        NewEvent::tenant(tenant, "team.member_add")
            .actor(actor)
            .resource("team", team)
            .meta(meta)
            .changes(serde_json::json!({"user": user, "email": email})),
    )?;
    Ok(Ok(()))
}

pub fn remove_member(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    team: TeamId,
    user: UserId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let n = diesel::delete(
        team_members::table
            .filter(team_members::tenant_id.eq(tenant))
            .filter(team_members::team_id.eq(team))
            .filter(team_members::user_id.eq(user)),
    )
    .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        c,
        NewEvent::tenant(tenant, "team.member_remove")
            .actor(actor)
            .resource("team", team)
            .meta(meta)
            .changes(serde_json::json!({"user": user})),
    )
}
