//! Workflow pages: the list, the form (admins), a workflow with its
//! versions and runs, and a run with its approvals, each drawn as SVG.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_admin, can_edit, page};
use crate::accounts::UserId;
use crate::error::AppResult;
use crate::projects::models::*;
use crate::projects::project::{self as projects_model, Person};
use crate::projects::workflow_def::{self as def, StepKind};
use crate::projects::workflows::{self as model, ExecutionView, WorkflowFilter, WorkflowForm};
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, FormErrors, Keyset, Member, PageCtx, WorkspaceAdmin,
};

const PER_PAGE: i64 = 50;

/// Mounted before `/{project_id}` so that "workflows" is never read as a
/// project id.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workflows", web::get().to(list))
        .route("/workflows", web::post().to(create))
        .route("/workflows/new", web::get().to(new_form))
        .route("/workflows/{workflow_id}", web::get().to(show))
        .route("/workflows/{workflow_id}", web::post().to(update))
        .route("/workflows/{workflow_id}/edit", web::get().to(edit_form))
        .route("/workflows/{workflow_id}/run", web::post().to(run))
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}",
            web::get().to(execution),
        )
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}/decide",
            web::post().to(decide),
        )
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}/done",
            web::post().to(task_done),
        )
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}/cancel",
            web::post().to(cancel),
        )
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}/pause",
            web::post().to(pause),
        )
        .route(
            "/workflows/{workflow_id}/runs/{execution_id}/resume",
            web::post().to(resume),
        );
}

fn base(slug: &str) -> String {
    format!("/w/{slug}/projects/workflows")
}

#[derive(Template)]
#[template(path = "projects/workflows.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    k: Keyset<Workflow>,
    can_admin: bool,
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    q: web::Query<WorkflowFilter>,
) -> AppResult<HttpResponse> {
    let (m, f) = (member.clone(), q.into_inner());
    let k = web::block(move || m.conn()?.read(|c, t| model::list(c, t, &f, PER_PAGE))).await??;
    w::ok(&ListPage {
        page: page(&ctx, &member, "Workflows"),
        slug: member.workspace.slug.clone(),
        k,
        can_admin: can_admin(&member),
    })
}

#[derive(Template)]
#[template(path = "projects/workflow_form.html")]
struct FormPage {
    page: PageCtx,
    slug: String,
    editing: Option<Workflow>,
    form: WorkflowForm,
    errors: FormErrors,
    def_errors: Vec<String>,
    people: Vec<Person>,
    kinds: &'static [WorkflowKind],
    statuses: &'static [WorkflowStatus],
    triggers: &'static [WorkflowTrigger],
    task_statuses: &'static [TaskStatus],
    projects: Vec<(ProjectId, String)>,
}

async fn render_form(
    ctx: &Ctx,
    member: &Member,
    editing: Option<WorkflowId>,
    form: Option<WorkflowForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (m, me) = (member.clone(), member.user_id());
    let (wf, form, people, projects) = web::block(move || {
        m.conn()?.read(|c, t| {
            let (wf, form) = match (editing, form) {
                (Some(id), Some(f)) => (Some(model::find(c, t, id)?), f),
                (Some(id), None) => {
                    let (w, d) = model::current(c, t, id)?;
                    let f = WorkflowForm::from_workflow(&w, &d);
                    (Some(w), f)
                }
                (None, f) => (None, f.unwrap_or_else(|| WorkflowForm::starter(me))),
            };
            Ok((
                wf,
                form,
                projects_model::people(c, t)?,
                crate::projects::triggers::project_choices(c, t)?,
            ))
        })
    })
    .await??;
    let def_errors = errors
        .0
        .iter()
        .filter(|(f, _)| f == "definition")
        .map(|(_, m)| m.clone())
        .collect();
    let body = FormPage {
        page: page(
            ctx,
            member,
            wf.as_ref().map_or("New workflow", |w| w.name.as_str()),
        ),
        slug: member.workspace.slug.clone(),
        editing: wf,
        form,
        task_statuses: TaskStatus::ALL,
        projects,
        errors: errors.clone(),
        def_errors,
        people,
        kinds: WorkflowKind::ALL,
        statuses: WorkflowStatus::ALL,
        triggers: WorkflowTrigger::ALL,
    };
    if errors.is_empty() {
        w::ok(&body)
    } else {
        w::invalid(&body)
    }
}

pub async fn new_form(ctx: Ctx, admin: WorkspaceAdmin) -> AppResult<HttpResponse> {
    render_form(&ctx, &admin, None, None, FormErrors::default()).await
}

pub async fn create(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<WorkflowForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let g = f.clone();
    let r = admin
        .write(move |c, t, uid| model::create(c, t, uid, &g, &meta))
        .await?;
    match r {
        Ok(id) => {
            Flash::success(&ctx.session, format!("Workflow “{}” saved.", f.name.trim()));
            Ok(w::redirect(&format!(
                "{}/{id}",
                base(&admin.workspace.slug)
            )))
        }
        Err(errors) => render_form(&ctx, &admin, None, Some(f), errors).await,
    }
}

pub async fn edit_form(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    path: web::Path<(String, WorkflowId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    render_form(&ctx, &admin, Some(id), None, FormErrors::default()).await
}

pub async fn update(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId)>,
    form: web::Form<WorkflowForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = admin
        .write(move |c, t, uid| model::update(c, t, uid, id, &g, &meta))
        .await?;
    match r {
        Ok(version) => {
            Flash::success(&ctx.session, format!("Workflow saved (version {version})."));
            Ok(w::redirect(&format!(
                "{}/{id}",
                base(&admin.workspace.slug)
            )))
        }
        Err(errors) => render_form(&ctx, &admin, Some(id), Some(f), errors).await,
    }
}

#[derive(Template)]
#[template(path = "projects/workflow.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    w: Workflow,
    svg: String,
    runs: Vec<Execution>,
    versions: Vec<WorkflowVersion>,
    can_admin: bool,
    can_run: bool,
    /// The webhook's path on this server (webhook workflows).
    hook_path: String,
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, WorkflowId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let m = member.clone();
    let ((wf, d), runs, versions) = web::block(move || {
        m.conn()?.read(|c, t| {
            Ok((
                model::current(c, t, id)?,
                model::executions(c, t, id)?,
                model::versions(c, t, id)?,
            ))
        })
    })
    .await??;
    let can_run = can_edit(&member)
        && wf.status == WorkflowStatus::Active
        && wf.trigger_kind == WorkflowTrigger::Manual;
    w::ok(&ShowPage {
        page: page(&ctx, &member, &wf.name),
        slug: member.workspace.slug.clone(),
        hook_path: format!(
            "/hooks/projects/{}/workflows/{}",
            member.workspace.id, wf.id
        ),
        svg: def::svg(&d, None, &[]),
        w: wf,
        runs,
        versions,
        can_admin: can_admin(&member),
        can_run,
    })
}

pub async fn run(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let r = editor
        .write(move |c, t, uid| model::run(c, t, uid, id, None, &meta))
        .await?;
    let to = base(&editor.workspace.slug);
    match r {
        Ok(e) => {
            Flash::success(&ctx.session, "Workflow started.");
            Ok(w::redirect(&format!("{to}/{id}/runs/{e}")))
        }
        Err(why) => {
            Flash::error(&ctx.session, why);
            Ok(w::redirect(&format!("{to}/{id}")))
        }
    }
}

#[derive(Template)]
#[template(path = "projects/workflow_run.html")]
struct RunPage {
    page: PageCtx,
    slug: String,
    v: ExecutionView,
    svg: String,
    names: Vec<(UserId, String)>,
    task_waiting: bool,
    can_cancel: bool,
}

impl RunPage {
    fn name(&self, u: &UserId) -> &str {
        self.names
            .iter()
            .find(|(id, _)| id == u)
            .map_or("(a former member)", |(_, n)| n.as_str())
    }
}

pub async fn execution(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
) -> AppResult<HttpResponse> {
    let (_, wf, id) = path.into_inner();
    let (m, me) = (member.clone(), member.user_id());
    let (v, names) = web::block(move || {
        m.conn()?.read(|c, t| {
            let v = model::execution_view(c, t, me, wf, id)?;
            let names = model::names(c, &v)?;
            Ok((v, names))
        })
    })
    .await??;
    let running = !v.execution.status.is_finished();
    let visited: Vec<String> = v.steps.iter().map(|s| s.step_key.clone()).collect();
    let svg = def::svg(&v.def, Some(&v.execution.current_step), &visited);
    let task_waiting = v.execution.status == ExecutionStatus::Running
        && can_edit(&member)
        && v.def.step(&v.execution.current_step).map(|s| s.kind) == Some(StepKind::Task);
    let can_cancel =
        running && can_edit(&member) && (can_admin(&member) || v.execution.started_by == Some(me));
    w::ok(&RunPage {
        page: page(&ctx, &member, &v.workflow.name),
        slug: member.workspace.slug.clone(),
        v,
        svg,
        names,
        task_waiting,
        can_cancel,
    })
}

/// What the approval form sends.
#[derive(Debug, Clone, Deserialize)]
pub struct DecideForm {
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

fn run_url(slug: &str, wf: WorkflowId, id: ExecutionId) -> String {
    format!("{}/{wf}/runs/{id}", base(slug))
}

fn after(ctx: &Ctx, r: Result<(), String>, done: &str, to: String) -> HttpResponse {
    match r {
        Ok(()) => Flash::success(&ctx.session, done),
        Err(why) => Flash::error(&ctx.session, why),
    }
    w::redirect(&to)
}

pub async fn decide(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    let (_, wf, id) = path.into_inner();
    let f = form.into_inner();
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(crate::error::AppError::BadRequest(
                "Choose approve or reject.".into(),
            ))
        }
    };
    let r = editor
        .write(move |c, t, uid| model::decide(c, t, uid, wf, id, approve, &f.comment, &meta))
        .await?;
    let done = if approve { "Approved." } else { "Rejected." };
    Ok(after(
        &ctx,
        r,
        done,
        run_url(&editor.workspace.slug, wf, id),
    ))
}

pub async fn task_done(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
) -> AppResult<HttpResponse> {
    let (_, wf, id) = path.into_inner();
    let r = editor
        .write(move |c, t, uid| model::task_done(c, t, uid, wf, id, &meta))
        .await?;
    Ok(after(
        &ctx,
        r,
        "Step done.",
        run_url(&editor.workspace.slug, wf, id),
    ))
}

pub async fn cancel(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
) -> AppResult<HttpResponse> {
    let (_, wf, id) = path.into_inner();
    let admin = can_admin(&editor);
    let r = editor
        .write(move |c, t, uid| model::cancel(c, t, uid, admin, wf, id, &meta))
        .await?;
    Ok(after(
        &ctx,
        r,
        "Run cancelled.",
        run_url(&editor.workspace.slug, wf, id),
    ))
}

async fn set_paused(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
    pause: bool,
) -> AppResult<HttpResponse> {
    let (_, wf, id) = path.into_inner();
    let admin = can_admin(&editor);
    let r = editor
        .write(move |c, t, uid| {
            crate::projects::run_control::set_paused(c, t, uid, admin, wf, id, pause, &meta)
        })
        .await?;
    let done = if pause { "Run paused." } else { "Run resumed." };
    Ok(after(
        &ctx,
        r,
        done,
        run_url(&editor.workspace.slug, wf, id),
    ))
}

pub async fn pause(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
) -> AppResult<HttpResponse> {
    set_paused(ctx, editor, meta, path, true).await
}

pub async fn resume(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, WorkflowId, ExecutionId)>,
) -> AppResult<HttpResponse> {
    set_paused(ctx, editor, meta, path, false).await
}
