//! Superadmin pages.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::{AdminConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, tenants};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, PageCtx, Superadmin};
use crate::workspaces::Workspace;
use crate::AppState;

/// A workspace row on the admin overview.
pub struct WorkspaceRow {
    pub ws: Workspace,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    page: PageCtx,
    backend: &'static str,
    db_size_kb: i64,
    users: i64,
    sessions: i64,
    failed_logins: i64,
    uptime: String,
    version: &'static str,
    signup_open: bool,
    workspaces: Vec<WorkspaceRow>,
}

pub async fn overview(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
) -> AppResult<HttpResponse> {
    let pool = state.pool.clone();
    let user = admin.0.clone();
    let page = web::block(move || -> AppResult<_> {
        let mut conn = AdminConn::open(&pool, &user, "overview")?;
        conn.read(|c| {
            let workspaces: Vec<Workspace> = tenants::table
                .order(tenants::created_at.desc())
                .limit(200)
                .select(Workspace::as_select())
                .load(c)?;
            let counts: Vec<(TenantId, i64)> = memberships::table
                .group_by(memberships::tenant_id)
                .select((memberships::tenant_id, diesel::dsl::count_star()))
                .load(c)?;
            let rows = workspaces
                .into_iter()
                .map(|ws| {
                    let members = counts
                        .iter()
                        .find(|(t, _)| *t == ws.id)
                        .map_or(0, |(_, n)| *n);
                    WorkspaceRow { ws, members }
                })
                .collect();
            Ok((
                rows,
                crate::accounts::models::count(c)?,
                crate::accounts::sessions::count_active(c)?,
                crate::accounts::throttle::recent_failures(c)?,
                crate::db::database_size(c)?,
                settings_signup(c)?,
            ))
        })
    })
    .await??;
    let (workspaces, users, sessions, failed_logins, size, signup_open) = page;
    let secs = state.started.elapsed().as_secs();
    w::ok(&OverviewPage {
        page: ctx.user("Admin", &admin.user),
        backend: state.backend.name(),
        db_size_kb: size / 1024,
        users,
        sessions,
        failed_logins,
        uptime: format!("{}h {}m", secs / 3600, (secs % 3600) / 60),
        version: env!("CARGO_PKG_VERSION"),
        signup_open,
        workspaces,
    })
}

fn settings_signup(c: &mut crate::db::DbConn) -> AppResult<bool> {
    super::settings::signup_open(c)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    signup_mode: String,
}

pub async fn update_settings(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let mode = match form.signup_mode.as_str() {
        "open" | "invite_only" => form.signup_mode.clone(),
        _ => return Err(AppError::BadRequest("Unknown sign-up mode.".into())),
    };
    let pool = state.pool.clone();
    let uid = admin.user.id;
    web::block(move || -> AppResult<()> {
        crate::db::write_tx(&mut *pool.get()?, |c| {
            super::settings::set(c, super::settings::SIGNUP_MODE, serde_json::json!(mode))?;
            crate::audit::record(
                c,
                crate::audit::NewEvent::global("admin.settings_update")
                    .actor(uid)
                    .resource("setting", super::settings::SIGNUP_MODE)
                    .meta(&meta)
                    .changes(serde_json::json!({"signup_mode": mode})),
            )
        })
    })
    .await??;
    Flash::success(&ctx.session, "Settings saved.");
    Ok(w::redirect("/admin"))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn set_workspace_status(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<TenantId>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let active = match form.status.as_str() {
        "active" => true,
        "inactive" => false,
        _ => return Err(AppError::BadRequest("Unknown status.".into())),
    };
    let tenant = path.into_inner();
    let pool = state.pool.clone();
    let user = admin.0.clone();
    web::block(move || -> AppResult<()> {
        let mut conn = AdminConn::open(&pool, &user, "workspace.status")?;
        conn.write(|c| {
            crate::workspaces::queries::set_status(c, tenant, user.user.id, active, &meta)
        })
    })
    .await??;
    Flash::success(
        &ctx.session,
        if active {
            "Workspace reactivated."
        } else {
            "Workspace deactivated."
        },
    );
    Ok(w::redirect("/admin"))
}
