//! Sprint pages (the project's sprints with the plan form, one sprint with
//! its burndown and tasks, edit, start, complete with carry-over, cancel)
//! and milestone pages (list with progress and the form, edit).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_edit, page};
use crate::error::AppResult;
use crate::projects::milestones::{self, MilestoneForm, MilestoneRow};
use crate::projects::models::*;
use crate::projects::project as projects_model;
use crate::projects::sprints::{self as model, Burndown, SprintForm};
use crate::projects::task_lists::{self, TaskFilter, TaskRow};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Keyset, Member, PageCtx};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{project_id}/sprints", web::get().to(list))
        .route("/{project_id}/sprints", web::post().to(create))
        .route("/{project_id}/sprints/{sprint_id}", web::get().to(show))
        .route("/{project_id}/sprints/{sprint_id}", web::post().to(update))
        .route(
            "/{project_id}/sprints/{sprint_id}/edit",
            web::get().to(edit_form),
        )
        .route(
            "/{project_id}/sprints/{sprint_id}/start",
            web::post().to(start),
        )
        .route(
            "/{project_id}/sprints/{sprint_id}/finish",
            web::post().to(finish),
        )
        .route("/{project_id}/milestones", web::get().to(milestone_list))
        .route("/{project_id}/milestones", web::post().to(milestone_create))
        .route(
            "/{project_id}/milestones/{milestone_id}/edit",
            web::get().to(milestone_edit),
        )
        .route(
            "/{project_id}/milestones/{milestone_id}",
            web::post().to(milestone_update),
        );
}

#[derive(Template)]
#[template(path = "projects/sprints.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    p: Project,
    sprints: Vec<Sprint>,
    form: SprintForm,
    errors: FormErrors,
    can_edit: bool,
}

async fn render_list(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    form: SprintForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (p, sprints) = web::block(move || {
        m.conn()?.read(|c, t| {
            Ok((
                projects_model::find_live(c, t, project)?,
                model::all(c, t, project)?,
            ))
        })
    })
    .await??;
    let body = ListPage {
        page: page(ctx, member, &format!("{} — sprints", p.name)),
        slug: member.workspace.slug.clone(),
        p,
        sprints,
        form,
        errors: errors.clone(),
        can_edit: can_edit(member),
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    render_list(
        &ctx,
        &member,
        path.into_inner().1,
        SprintForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<SprintForm>,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::create(c, t, uid, project, &g, &meta))
        .await?;
    match r {
        Ok(id) => {
            Flash::success(&ctx.session, format!("Sprint “{}” planned.", f.name.trim()));
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/sprints/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_list(&ctx, &editor, project, f, errors).await,
    }
}

#[derive(Template)]
#[template(path = "projects/sprint.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    p: Project,
    s: Sprint,
    burndown_svg: String,
    burndown: Burndown,
    tasks: Keyset<TaskRow>,
    planned: Vec<Sprint>,
    can_edit: bool,
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId, SprintId)>,
    q: web::Query<crate::web::SeekParams>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let q = q.into_inner();
    let (m, me) = (member.clone(), member.user_id());
    let (p, s, points, tasks, all) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, project)?;
            let s = model::find(c, t, project, id)?;
            let f = TaskFilter {
                sprint: id.to_string(),
                after: q.after.clone(),
                before: q.before.clone(),
                ..Default::default()
            };
            Ok((
                p,
                s,
                model::points(c, t, id)?,
                task_lists::list(c, t, project, me, &f, 50)?,
                model::all(c, t, project)?,
            ))
        })
    })
    .await??;
    let burndown = model::burndown(&s, &points, chrono::Utc::now().date_naive());
    w::ok(&ShowPage {
        page: page(&ctx, &member, &s.name),
        slug: member.workspace.slug.clone(),
        burndown_svg: burndown.svg(),
        burndown,
        planned: all
            .into_iter()
            .filter(|x| x.status == SprintStatus::Planned && x.id != s.id)
            .collect(),
        p,
        s,
        tasks,
        can_edit: can_edit(&member),
    })
}

#[derive(Template)]
#[template(path = "projects/sprint_form.html")]
struct FormPage {
    page: PageCtx,
    slug: String,
    p: Project,
    s: Sprint,
    form: SprintForm,
    errors: FormErrors,
}

async fn render_form(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    id: SprintId,
    form: Option<SprintForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (p, s) = web::block(move || {
        m.conn()?.read(|c, t| {
            Ok((
                projects_model::find_live(c, t, project)?,
                model::find(c, t, project, id)?,
            ))
        })
    })
    .await??;
    let body = FormPage {
        page: page(ctx, member, &format!("Edit {}", s.name)),
        slug: member.workspace.slug.clone(),
        form: form.unwrap_or_else(|| SprintForm::from_sprint(&s)),
        errors: errors.clone(),
        p,
        s,
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, SprintId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    render_form(&ctx, &editor, project, id, None, FormErrors::default()).await
}

pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, SprintId)>,
    form: web::Form<SprintForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::update(c, t, uid, project, id, &g, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Sprint saved.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/sprints/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, project, id, Some(f), errors).await,
    }
}

pub async fn start(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, SprintId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    editor
        .write(move |c, t, uid| model::start(c, t, uid, project, id, &meta))
        .await?;
    Flash::success(&ctx.session, "Sprint started.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/sprints/{id}",
        editor.workspace.slug
    )))
}

/// Complete (`action=complete`) or cancel, carrying unfinished tasks to
/// `carry_to` (a planned sprint) or to no sprint.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub carry_to: String,
}

pub async fn finish(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, SprintId)>,
    form: web::Form<FinishForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let cancel = f.action == "cancel";
    let carry: Option<SprintId> = if f.carry_to.is_empty() {
        None
    } else {
        Some(f.carry_to.parse().map_err(|_| {
            crate::error::AppError::BadRequest("Choose a planned sprint of this project.".into())
        })?)
    };
    let moved = editor
        .write(move |c, t, uid| {
            let end = model::Ending {
                cancel,
                carry_to: carry,
            };
            model::finish(c, t, uid, project, id, end, &meta)
        })
        .await?;
    let what = if cancel { "cancelled" } else { "completed" };
    let whither = if carry.is_some() {
        "the next sprint"
    } else {
        "no sprint"
    };
    Flash::success(
        &ctx.session,
        format!("Sprint {what}; {moved} unfinished task(s) moved to {whither}."),
    );
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/sprints/{id}",
        editor.workspace.slug
    )))
}

// ---- milestones ----

#[derive(Template)]
#[template(path = "projects/milestones.html")]
struct MilestonesPage {
    page: PageCtx,
    slug: String,
    p: Project,
    milestones: Vec<MilestoneRow>,
    editing: Option<Milestone>,
    form: MilestoneForm,
    errors: FormErrors,
    statuses: &'static [MilestoneStatus],
    can_edit: bool,
}

async fn render_milestones(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    editing: Option<MilestoneId>,
    form: Option<MilestoneForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (p, rows, editing) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, project)?;
            let e = match editing {
                Some(id) => Some(milestones::find(c, t, project, id)?),
                None => None,
            };
            Ok((p, milestones::all(c, t, project)?, e))
        })
    })
    .await??;
    let form = form.unwrap_or_else(|| match &editing {
        Some(m) => MilestoneForm::from_milestone(m),
        None => MilestoneForm::new_milestone(),
    });
    let body = MilestonesPage {
        page: page(ctx, member, &format!("{} — milestones", p.name)),
        slug: member.workspace.slug.clone(),
        p,
        milestones: rows,
        editing,
        form,
        errors: errors.clone(),
        statuses: MilestoneStatus::ALL,
        can_edit: can_edit(member),
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn milestone_list(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    render_milestones(
        &ctx,
        &member,
        path.into_inner().1,
        None,
        None,
        FormErrors::default(),
    )
    .await
}

pub async fn milestone_edit(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, MilestoneId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    render_milestones(
        &ctx,
        &editor,
        project,
        Some(id),
        None,
        FormErrors::default(),
    )
    .await
}

pub async fn milestone_create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<MilestoneForm>,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| milestones::create(c, t, uid, project, &g, &meta))
        .await?;
    match r {
        Ok(_) => {
            Flash::success(
                &ctx.session,
                format!("Milestone “{}” added.", f.title.trim()),
            );
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/milestones",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_milestones(&ctx, &editor, project, None, Some(f), errors).await,
    }
}

pub async fn milestone_update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, MilestoneId)>,
    form: web::Form<MilestoneForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| milestones::update(c, t, uid, project, id, &g, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Milestone saved.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/milestones",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_milestones(&ctx, &editor, project, Some(id), Some(f), errors).await,
    }
}
