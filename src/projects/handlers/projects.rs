//! Project pages: the list, the form (new, from a template, edit), the
//! overview with team, milestones and sprints, the trash and restore.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{can_admin, can_edit, page};
use crate::error::AppResult;
use crate::projects::milestones::{self, MilestoneRow};
use crate::projects::models::*;
use crate::projects::project::{
    self as model, Person, ProjectFilter, ProjectForm, ProjectRow, TeamForm, TeamRow,
};
use crate::projects::sprints;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, FormErrors, HxRequest, Keyset, Member, PageCtx, WorkspaceAdmin,
};

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    f: ProjectFilter,
    k: Keyset<ProjectRow>,
    can_edit: bool,
    statuses: &'static [ProjectStatus],
}

#[derive(Template)]
#[template(path = "projects/_list_table.html")]
struct ListTable {
    slug: String,
    f: ProjectFilter,
    k: Keyset<ProjectRow>,
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    q: web::Query<ProjectFilter>,
) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let (m, ff) = (member.clone(), f.clone());
    let k = web::block(move || m.conn()?.read(|c, t| model::list(c, t, &ff, PER_PAGE))).await??;
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&ListTable { slug, f, k });
    }
    w::ok(&ListPage {
        page: page(&ctx, &member, "Projects"),
        slug,
        f,
        k,
        can_edit: can_edit(&member),
        statuses: ProjectStatus::ALL,
    })
}

#[derive(Template)]
#[template(path = "projects/project_form.html")]
struct FormPage {
    page: PageCtx,
    slug: String,
    editing: Option<Project>,
    form: ProjectForm,
    errors: FormErrors,
    people: Vec<Person>,
    templates: Vec<Project>,
    statuses: &'static [ProjectStatus],
    priorities: &'static [Priority],
}

async fn render_form(
    ctx: &Ctx,
    member: &Member,
    editing: Option<ProjectId>,
    form: Option<ProjectForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (editing, people, templates) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = match editing {
                Some(id) => Some(model::find_live(c, t, id)?),
                None => None,
            };
            Ok((p, model::people(c, t)?, model::templates(c, t)?))
        })
    })
    .await??;
    let form = form.unwrap_or_else(|| match &editing {
        Some(p) => ProjectForm::from_project(p),
        None => ProjectForm::new_for(member.user_id()),
    });
    let title = match &editing {
        Some(p) => format!("Edit {}", p.name),
        None => "New project".to_string(),
    };
    let body = FormPage {
        page: page(ctx, member, &title),
        slug: member.workspace.slug.clone(),
        editing,
        form,
        errors: errors.clone(),
        people,
        templates,
        statuses: ProjectStatus::ALL,
        priorities: Priority::ALL,
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn new_form(
    ctx: Ctx,
    editor: Editor,
    q: web::Query<TemplateQuery>,
) -> AppResult<HttpResponse> {
    let form = ProjectForm {
        template_id: q.into_inner().template,
        ..ProjectForm::new_for(editor.user_id())
    };
    render_form(&ctx, &editor, None, Some(form), FormErrors::default()).await
}

/// `?template=<id>` preselects a template on the new-project form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    pub template: String,
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    form: web::Form<ProjectForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::create(c, t, uid, &g, &meta))
        .await?;
    match r {
        Ok(id) => {
            Flash::success(
                &ctx.session,
                format!("Project “{}” created.", f.name.trim()),
            );
            Ok(w::redirect(&format!(
                "/w/{}/projects/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, None, Some(f), errors).await,
    }
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    render_form(
        &ctx,
        &editor,
        Some(path.into_inner().1),
        None,
        FormErrors::default(),
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<ProjectForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::update(c, t, uid, id, &g, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Project saved.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, Some(id), Some(f), errors).await,
    }
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    p: Project,
    manager: String,
    team: Vec<TeamRow>,
    milestones: Vec<MilestoneRow>,
    sprints: Vec<Sprint>,
    people: Vec<Person>,
    team_form: TeamForm,
    errors: FormErrors,
    roles: &'static [ProjectRole],
    can_edit: bool,
    can_admin: bool,
    /// The description rendered through the Markdown sanitiser.
    description_html: String,
    logged: String,
    budget: Option<String>,
}

async fn render_show(
    ctx: &Ctx,
    member: &Member,
    id: ProjectId,
    team_form: TeamForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (p, manager, team, milestones, sprints, people) = web::block(move || {
        m.conn()?
            .read(|c, t| {
                let p = model::find(c, t, id)?;
                let names = model::user_names(c, vec![p.manager_id])?;
                Ok((
                    model::name_of(&names, p.manager_id),
                    model::team(c, t, id)?,
                    milestones::all(c, t, id)?,
                    sprints::all(c, t, id)?,
                    model::people(c, t)?,
                    p,
                ))
            })
            .map(|(manager, team, ms, sp, people, p)| (p, manager, team, ms, sp, people))
    })
    .await??;
    let body = ShowPage {
        page: page(ctx, member, &p.name),
        slug: member.workspace.slug.clone(),
        manager,
        team,
        milestones,
        sprints,
        people,
        team_form,
        errors: errors.clone(),
        roles: ProjectRole::ALL,
        can_edit: can_edit(member) && p.deleted_at.is_none(),
        can_admin: can_admin(member),
        description_html: crate::support::markdown::to_safe_html(&p.description),
        logged: hours_minutes(p.logged_minutes),
        budget: p.budget_cents.map(crate::projects::forms::money_text),
        p,
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    render_show(
        &ctx,
        &member,
        path.into_inner().1,
        TeamForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn trash(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    admin
        .write(move |c, t, uid| model::set_trashed(c, t, uid, id, true, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        "Project moved to the trash. It can be restored from there.",
    );
    Ok(w::redirect(&format!(
        "/w/{}/projects",
        admin.workspace.slug
    )))
}

pub async fn restore(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    admin
        .write(move |c, t, uid| model::set_trashed(c, t, uid, id, false, &meta))
        .await?;
    Flash::success(&ctx.session, "Project restored.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{id}",
        admin.workspace.slug
    )))
}

pub async fn set_member(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::set_member(c, t, uid, id, &g, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Team updated.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{id}#team",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_show(&ctx, &editor, id, f, errors).await,
    }
}

pub async fn remove_member(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, ProjectMemberId)>,
) -> AppResult<HttpResponse> {
    let (_, id, member) = path.into_inner();
    editor
        .write(move |c, t, uid| model::remove_member(c, t, uid, id, member, &meta))
        .await?;
    Flash::success(&ctx.session, "Taken off the team.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{id}#team",
        editor.workspace.slug
    )))
}
