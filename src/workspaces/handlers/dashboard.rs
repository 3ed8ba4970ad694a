//! Home (my workspaces), creating a workspace, and the workspace dashboard.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::CurrentUser;
use crate::audit::AuditRow;
use crate::error::AppResult;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, MaybeUser, Member, PageCtx};
use crate::workspaces::models::{MemberRow, MyWorkspace, WorkspaceLink};
use crate::workspaces::{profile, queries};
use crate::AppState;

#[derive(Template)]
#[template(path = "workspaces/home.html")]
struct HomePage {
    page: PageCtx,
    workspaces: Vec<MyWorkspace>,
}

#[derive(Template)]
#[template(path = "workspaces/new.html")]
struct NewPage {
    page: PageCtx,
    form: NewWorkspaceForm,
    errors: FormErrors,
}

/// A tile on the dashboard: a module or area of the workspace.
pub struct Tile {
    pub title: &'static str,
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "workspaces/dashboard.html")]
struct DashboardPage {
    page: PageCtx,
    slug: String,
    member_count: i64,
    seat_limit: i32,
    members: Vec<MemberRow>,
    activity: Vec<AuditRow>,
    tiles: Vec<Tile>,
    logo_src: Option<String>,
    links: Vec<WorkspaceLink>,
    about: crate::workspaces::about::About,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewWorkspaceForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

pub async fn home(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: MaybeUser,
) -> AppResult<HttpResponse> {
    let Some(user) = user.0 else {
        return Ok(w::redirect("/login"));
    };
    let pool = state.pool.clone();
    let uid = user.user.id;
    let workspaces = web::block(move || queries::mine(&mut *pool.get()?, uid)).await??;
    w::ok(&HomePage {
        page: ctx.user("Your workspaces", &user.user),
        workspaces,
    })
}

pub async fn new_form(ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    w::ok(&NewPage {
        page: ctx.user("New workspace", &user.user),
        form: Default::default(),
        errors: Default::default(),
    })
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    form: web::Form<NewWorkspaceForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let pool = state.pool.clone();
    let (uid, f) = (user.user.id, form.clone());
    let created = web::block(move || queries::create(&pool, uid, &f.name, &f.slug, &meta)).await?;
    match created {
        Ok(ws) => {
            Flash::success(
                &ctx.session,
                format!(
                    "Workspace “{}” created. Invite your team from Members.",
                    ws.name
                ),
            );
            Ok(w::redirect(&format!("/w/{}/", ws.slug)))
        }
        Err(errors) => w::invalid(&NewPage {
            page: ctx.user("New workspace", &user.user),
            form,
            errors,
        }),
    }
}

pub async fn redirect_to_dashboard(member: Member) -> AppResult<HttpResponse> {
    Ok(w::redirect(&format!("/w/{}/", member.workspace.slug)))
}

pub async fn dashboard(ctx: Ctx, member: Member) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (member_count, members, activity, (links, about), figures) = web::block(move || {
        m.conn()?.read(|c, t| {
            // The member count and every module's live figure: one statement.
            let (core, figures) =
                crate::modules::dashboard_counts(c, t, &[queries::ACTIVE_MEMBERS])?;
            Ok((
                core.first().copied().unwrap_or_default(),
                queries::members(c, t, 8, 0)?,
                crate::audit::queries::recent(c, t, 10)?,
                (profile::links(c, t)?, crate::workspaces::about::load(c, t)?),
                figures,
            ))
        })
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let mut tiles = vec![
        Tile {
            title: "Members",
            href: format!("/w/{slug}/members"),
            text: format!("{member_count} of {} seats", member.workspace.seat_limit),
        },
        Tile {
            title: "Teams",
            href: format!("/w/{slug}/teams"),
            text: "Group members into teams".into(),
        },
    ];
    for (module, figure) in crate::modules::all().iter().zip(figures) {
        tiles.push(Tile {
            title: module.name,
            href: format!("/w/{slug}/{}/", module.key),
            text: figure.unwrap_or_else(|| module.tile.blurb.into()),
        });
    }
    if member.role.at_least(crate::workspaces::Role::Admin) {
        tiles.push(Tile {
            title: "Audit log",
            href: format!("/w/{slug}/audit"),
            text: "Who did what, and when".into(),
        });
        tiles.push(Tile {
            title: "Settings",
            href: format!("/w/{slug}/settings"),
            text: "Name, address, profile, logo, links, status".into(),
        });
    }
    let page = ctx.workspace(&member.workspace.name, &member);
    w::ok(&DashboardPage {
        page,
        slug,
        member_count,
        seat_limit: member.workspace.seat_limit,
        members,
        activity,
        tiles,
        logo_src: member.workspace.logo_src(),
        links,
        about,
    })
}
