//! The plan catalogue (seat, storage and upload limits): the list with how
//! many workspaces use each plan, and creating or changing a plan (renaming
//! one moves its workspaces along), audited.

use diesel::prelude::*;

use crate::accounts::models::UserId;
use crate::audit::NewEvent;
use crate::db::{DbConn, Id, UtcTime};
use crate::error::AppResult;
use crate::schema::{plans, tenants};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// A plan of the catalogue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct Plan {
    pub id: Id,
    pub name: String,
    pub seat_limit: i32,
    pub storage_limit_mb: i32,
    pub max_upload_mb: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// A plan with how many workspaces use it.
pub struct PlanRow {
    pub plan: Plan,
    pub workspaces: i64,
    /// This row's form is the one being re-shown with errors.
    pub editing: bool,
}

/// A plan's name and limits, validated.
pub struct PlanValues {
    pub name: String,
    pub seat_limit: i32,
    pub storage_limit_mb: i32,
    pub max_upload_mb: i32,
}

/// Every plan, fewest seats first, with how many workspaces use it.
pub fn list(c: &mut DbConn) -> AppResult<Vec<PlanRow>> {
    let all: Vec<Plan> = plans::table
        .order(plans::seat_limit.asc())
        .select(Plan::as_select())
        .load(c)?;
    let counts: Vec<(String, i64)> = tenants::table
        .group_by(tenants::plan)
        .select((tenants::plan, diesel::dsl::count_star()))
        .load(c)?;
    Ok(all
        .into_iter()
        .map(|plan| {
            let workspaces = counts
                .iter()
                .find(|(n, _)| *n == plan.name)
                .map_or(0, |(_, n)| *n);
            PlanRow {
                plan,
                workspaces,
                editing: false,
            }
        })
        .collect())
}

/// Creates (no id) or updates a plan inside the caller's write transaction;
/// renaming a plan moves its workspaces along. `Ok(Err(errors))` when
/// another plan has the name.
pub fn save(
    c: &mut DbConn,
    uid: UserId,
    id: Option<Id>,
    v: &PlanValues,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let (n, seats, storage, upload) = (&v.name, v.seat_limit, v.storage_limit_mb, v.max_upload_mb);
    let clash: Option<Id> = plans::table
        .filter(plans::name.eq(n))
        .select(plans::id)
        .first(c)
        .optional()?;
    if clash.is_some() && clash != id {
        return Ok(Err(FormErrors::one(
            "name",
            "A plan with that name exists.",
        )));
    }
    let now = UtcTime::now();
    let (action, before) = match id {
        None => {
            diesel::insert_into(plans::table)
                .values((
                    plans::id.eq(Id::new()),
                    plans::name.eq(n),
                    plans::seat_limit.eq(seats),
                    plans::storage_limit_mb.eq(storage),
                    plans::max_upload_mb.eq(upload),
                    plans::created_at.eq(now),
                    plans::updated_at.eq(now),
                ))
                .execute(c)?;
            ("admin.plan_create", serde_json::Value::Null)
        }
        Some(id) => {
            let old: Plan = plans::table.find(id).select(Plan::as_select()).first(c)?;
            diesel::update(plans::table.find(id))
                .set((
                    plans::name.eq(n),
                    plans::seat_limit.eq(seats),
                    plans::storage_limit_mb.eq(storage),
                    plans::max_upload_mb.eq(upload),
                    plans::updated_at.eq(now),
                ))
                .execute(c)?;
            if old.name != *n {
                diesel::update(tenants::table.filter(tenants::plan.eq(&old.name)))
                    .set(tenants::plan.eq(n))
                    .execute(c)?;
            }
            (
                "admin.plan_update",
                serde_json::json!([
                    old.name,
                    old.seat_limit,
                    old.storage_limit_mb,
                    old.max_upload_mb
                ]),
            )
        }
    };
    crate::audit::record(
        c,
        NewEvent::global(action)
            .actor(uid)
            .resource("plan", n)
            .meta(meta)
            .changes(serde_json::json!({"before": before, "after": [n, seats, storage, upload]})),
    )?;
    Ok(Ok(()))
}

/// The plan catalogue for other modules (limits enforced where they apply).
pub fn by_name(c: &mut DbConn, name: &str) -> AppResult<Option<Plan>> {
    Ok(plans::table
        .filter(plans::name.eq(name))
        .select(Plan::as_select())
        .first(c)
        .optional()?)
}
