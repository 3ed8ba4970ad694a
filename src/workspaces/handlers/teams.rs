//! Teams pages.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::UserId;
use crate::error::AppResult;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, Member, PageCtx, PageParams, Paginated, WorkspaceAdmin,
};
use crate::workspaces::teams::{self, Team, TeamId, TeamMemberRow, TeamRow};
use crate::workspaces::Role;

#[derive(Template)]
#[template(path = "workspaces/teams.html")]
struct TeamsPage {
    page: PageCtx,
    slug: String,
    teams: Paginated<TeamRow>,
    can_edit: bool,
    form: TeamForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "workspaces/team.html")]
struct TeamPage {
    page: PageCtx,
    slug: String,
    team: Team,
    members: Vec<TeamMemberRow>,
    can_edit: bool,
    can_delete: bool,
    email: String,
    error: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddMemberForm {
    #[serde(default)]
    pub email: String,
}

const PER_PAGE: i64 = 50;

async fn render_list(
    ctx: &Ctx,
    member: &Member,
    params: PageParams,
    form: TeamForm,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let teams =
        web::block(move || m.conn()?.read(|c, t| teams::list(c, t, params, PER_PAGE))).await??;
    let page = TeamsPage {
        page: ctx.workspace("Teams", member),
        slug: member.workspace.slug.clone(),
        teams,
        can_edit: member.role.at_least(Role::Member),
        form,
        error: error.clone(),
    };
    if error.is_some() {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn list(ctx: Ctx, member: Member, q: web::Query<PageParams>) -> AppResult<HttpResponse> {
    render_list(&ctx, &member, q.into_inner(), TeamForm::default(), None).await
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let f = form.clone();
    let created = editor
        .write(move |c, t, uid| teams::create(c, t, uid, &f.name, &f.description, &meta))
        .await?;
    match created {
        Ok(id) => {
            Flash::success(
                &ctx.session,
                format!("Team “{}” created.", form.name.trim()),
            );
            Ok(w::redirect(&format!(
                "/w/{}/teams/{id}",
                editor.workspace.slug
            )))
        }
        Err(e) => render_list(&ctx, &editor, PageParams::default(), form, Some(e)).await,
    }
}

async fn render_team(
    ctx: &Ctx,
    member: &Member,
    id: TeamId,
    email: String,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (team, members) = web::block(move || {
        m.conn()?
            .read(|c, t| Ok((teams::find(c, t, id)?, teams::members(c, t, id)?)))
    })
    .await??;
    let page = TeamPage {
        page: ctx.workspace(&team.name, member),
        slug: member.workspace.slug.clone(),
        team,
        members,
        can_edit: member.role.at_least(Role::Member),
        can_delete: member.role.at_least(Role::Admin),
        email,
        error: error.clone(),
    };
    if error.is_some() {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, TeamId)>,
) -> AppResult<HttpResponse> {
    render_team(&ctx, &member, path.into_inner().1, String::new(), None).await
}

pub async fn add_member(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, TeamId)>,
    form: web::Form<AddMemberForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let email = form.into_inner().email;
    let e = email.clone();
    let added = editor
        .write(move |c, t, uid| teams::add_member(c, t, uid, id, &e, &meta))
        .await?;
    match added {
        Ok(()) => {
            Flash::success(&ctx.session, format!("{} added to the team.", email.trim()));
            Ok(w::redirect(&format!(
                "/w/{}/teams/{id}",
                editor.workspace.slug
            )))
        }
        Err(err) => render_team(&ctx, &editor, id, email, Some(err)).await,
    }
}

pub async fn remove_member(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, TeamId, UserId)>,
) -> AppResult<HttpResponse> {
    let (_, id, user) = path.into_inner();
    editor
        .write(move |c, t, uid| teams::remove_member(c, t, uid, id, user, &meta))
        .await?;
    Flash::success(&ctx.session, "Removed from the team.");
    Ok(w::redirect(&format!(
        "/w/{}/teams/{id}",
        editor.workspace.slug
    )))
}

pub async fn delete(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, TeamId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    admin
        .write(move |c, t, uid| teams::delete(c, t, uid, id, &meta))
        .await?;
    Flash::success(&ctx.session, "Team deleted.");
    Ok(w::redirect(&format!("/w/{}/teams", admin.workspace.slug)))
}
