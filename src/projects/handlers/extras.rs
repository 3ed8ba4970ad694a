//! A project's custom fields (admins and the project's manager), saved
//! views of its task list, files attached to tasks, and starting a workflow
//! run about a task.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::tasks::{render_show, Refused};
use super::{can_admin, page};
use crate::error::{AppError, AppResult};
use crate::projects::fields::{self, FieldForm};
use crate::projects::models::*;
use crate::projects::project as projects_model;
use crate::projects::{task_files, tasks as task_model, views, workflows};
use crate::web::extract::RequestMeta;
use crate::web::uploads;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member, PageCtx};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{project_id}/fields", web::get().to(fields_page))
        .route("/{project_id}/fields", web::post().to(add_field))
        .route(
            "/{project_id}/fields/{field_id}/delete",
            web::post().to(delete_field),
        )
        .route("/{project_id}/views", web::post().to(save_view))
        .route(
            "/{project_id}/views/{view_id}/delete",
            web::post().to(delete_view),
        )
        .route(
            "/{project_id}/tasks/{task_id}/files",
            web::post().to(upload),
        )
        .route(
            "/{project_id}/tasks/{task_id}/files/{file_id}",
            web::get().to(download),
        )
        .route(
            "/{project_id}/tasks/{task_id}/files/{file_id}/delete",
            web::post().to(delete_file),
        )
        .route(
            "/{project_id}/tasks/{task_id}/runs",
            web::post().to(start_run),
        );
}

/// Whether the member may define the project's fields: a workspace admin,
/// or the project's manager.
fn may_define(m: &Member, p: &Project) -> bool {
    can_admin(m) || (super::can_edit(m) && p.manager_id == m.user_id())
}

#[derive(Template)]
#[template(path = "projects/fields.html")]
struct FieldsPage {
    page: PageCtx,
    slug: String,
    p: Project,
    fields: Vec<Field>,
    form: FieldForm,
    errors: FormErrors,
    kinds: &'static [FieldKind],
    can_define: bool,
}

async fn render_fields(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    form: FieldForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (p, list) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, project)?;
            let list = fields::for_project(c, t, project)?;
            Ok((p, list))
        })
    })
    .await??;
    let body = FieldsPage {
        page: page(ctx, member, &format!("{} — custom fields", p.name)),
        slug: member.workspace.slug.clone(),
        can_define: may_define(member, &p),
        p,
        fields: list,
        form,
        errors: errors.clone(),
        kinds: FieldKind::ALL,
    };
    w::form_page(&body, !errors.is_empty())
}

pub async fn fields_page(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
) -> AppResult<HttpResponse> {
    let form = FieldForm {
        kind: FieldKind::Text.as_str().into(),
        ..Default::default()
    };
    render_fields(
        &ctx,
        &member,
        path.into_inner().1,
        form,
        FormErrors::default(),
    )
    .await
}

pub async fn add_field(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<FieldForm>,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let f = form.into_inner();
    let (g, m) = (f.clone(), editor.clone());
    let r = editor
        .write(move |c, t, uid| {
            let p = projects_model::find_live(c, t, project)?;
            if !may_define(&m, &p) {
                return Err(AppError::Forbidden(
                    "Only an admin or the project's manager can change its fields.".into(),
                ));
            }
            fields::create(c, t, uid, project, &g, &meta)
        })
        .await?;
    match r {
        Ok(_) => {
            Flash::success(&ctx.session, "Field added.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/fields",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_fields(&ctx, &editor, project, f, errors).await,
    }
}

pub async fn delete_field(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, FieldId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let m = editor.clone();
    editor
        .write(move |c, t, uid| {
            let p = projects_model::find_live(c, t, project)?;
            if !may_define(&m, &p) {
                return Err(AppError::Forbidden(
                    "Only an admin or the project's manager can change its fields.".into(),
                ));
            }
            fields::delete(c, t, uid, project, id, &meta)
        })
        .await?;
    Flash::success(
        &ctx.session,
        "Field deleted, with every task's value of it.",
    );
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/fields",
        editor.workspace.slug
    )))
}

/// The "save this view" form: a name, whether to share it, and the list's
/// current query.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ViewForm {
    #[serde(default)]
    pub view_name: String,
    #[serde(default)]
    pub shared: String,
    #[serde(default)]
    pub query: String,
}

pub async fn save_view(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<ViewForm>,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| {
            projects_model::find_live(c, t, project)?;
            views::save(c, t, uid, project, &g.view_name, &g.query, g.shared == "on")
        })
        .await?;
    let list = format!("/w/{}/projects/{project}/tasks", editor.workspace.slug);
    let query = views::clean_query(&f.query);
    match r {
        Ok(id) => {
            Flash::success(&ctx.session, "View saved.");
            Ok(w::redirect(&format!("{list}?{query}&view={id}")))
        }
        Err(errors) => {
            Flash::error(
                &ctx.session,
                errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default(),
            );
            Ok(w::redirect(&format!("{list}?{query}")))
        }
    }
}

pub async fn delete_view(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, ViewId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let admin = can_admin(&editor);
    editor
        .write(move |c, t, uid| views::delete(c, t, uid, admin, project, id))
        .await?;
    Flash::success(&ctx.session, "View deleted.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/tasks",
        editor.workspace.slug
    )))
}

/// `POST …/tasks/{id}/files` (multipart: `csrf_token` first, then `file`).
pub async fn upload(
    ctx: Ctx,
    editor: Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, ProjectId, TaskId)>,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    // The task must be there before a byte is stored.
    let m = editor.clone();
    let limit = web::block(move || {
        m.conn()?.read(|c, t| {
            projects_model::find_live(c, t, project)?;
            task_model::find(c, t, project, id)?;
            crate::workspaces::limits::upload_limit_bytes(c, t)
        })
    })
    .await??;
    let data = state.config.data_dir.clone();
    let tenant = editor.workspace.id;
    let dir = task_files::blob_dir(&data, tenant);
    let refuse = |status: StatusCode, message: String| {
        let mut errors = FormErrors::default();
        errors.add("file", message);
        let (ctx, editor) = (&ctx, &editor);
        async move {
            let refused = Refused {
                errors,
                ..Default::default()
            };
            let mut res = render_show(ctx, editor, project, id, refused).await?;
            *res.status_mut() = status;
            Ok::<_, AppError>(res)
        }
    };
    let taken = match uploads::accept(&req, parts, data, limit, dir).await? {
        Ok(taken) => taken,
        Err(refusal) => return refuse(refusal.status(), refusal.message()).await,
    };
    let (upload, content_type, is_image) = (taken.upload, taken.content_type, taken.is_image);
    let sha = upload.sha256.clone();
    let r = editor
        .write(move |c, t, uid| {
            task_model::find(c, t, project, id)?;
            task_files::insert(c, t, uid, id, &upload, &content_type, is_image)
        })
        .await;
    match r {
        Ok(Ok(_)) => {
            Flash::success(&ctx.session, "File attached.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/tasks/{id}#files",
                editor.workspace.slug
            )))
        }
        Ok(Err(message)) => {
            forget_unused(&state, &editor, sha).await;
            refuse(StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Err(e) => {
            forget_unused(&state, &editor, sha).await;
            Err(e)
        }
    }
}

/// Removes a blob that was kept for a row that was then not written, unless
/// another row uses the same content.
async fn forget_unused(state: &web::Data<AppState>, m: &Member, sha: String) {
    let tenant = m.workspace.id;
    let (m, s) = (m.clone(), sha.clone());
    let used = web::block(move || m.conn()?.read(|c, t| task_files::in_use(c, t, &s))).await;
    if matches!(used, Ok(Ok(false))) {
        let path = task_files::blob_path(&state.config.data_dir, tenant, &sha);
        uploads::forget(vec![path]).await;
    }
}

/// `GET …/tasks/{id}/files/{file_id}`: the file, streamed from disk.
pub async fn download(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, ProjectId, TaskId, TaskFileId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id, fid) = path.into_inner();
    let m = member.clone();
    let f = web::block(move || {
        m.conn()?.read(|c, t| {
            projects_model::find_live(c, t, project)?;
            task_model::find(c, t, project, id)?;
            task_files::find(c, t, id, fid)
        })
    })
    .await??;
    let path = task_files::blob_path(&state.config.data_dir, member.workspace.id, &f.sha256);
    uploads::download(path, &f.filename, &f.content_type, f.size_bytes, f.is_image).await
}

pub async fn delete_file(
    ctx: Ctx,
    editor: Editor,
    state: web::Data<AppState>,
    path: web::Path<(String, ProjectId, TaskId, TaskFileId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id, fid) = path.into_inner();
    let orphan = editor
        .write(move |c, t, uid| {
            projects_model::find_live(c, t, project)?;
            task_model::find(c, t, project, id)?;
            task_files::remove(c, t, uid, id, fid)
        })
        .await?;
    if let Some(sha) = orphan {
        let p = task_files::blob_path(&state.config.data_dir, editor.workspace.id, &sha);
        uploads::forget(vec![p]).await;
    }
    Flash::success(&ctx.session, "File removed.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/tasks/{id}#files",
        editor.workspace.slug
    )))
}

/// Which workflow to start about the task.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    pub workflow_id: String,
}

pub async fn start_run(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, TaskId)>,
    form: web::Form<RunForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let Ok(wid) = form.workflow_id.parse::<WorkflowId>() else {
        let refused = Refused {
            refusal: Some("Choose a workflow to start.".into()),
            ..Default::default()
        };
        return render_show(&ctx, &editor, project, id, refused).await;
    };
    let r = editor
        .write(move |c, t, uid| {
            projects_model::find_live(c, t, project)?;
            task_model::find(c, t, project, id)?;
            workflows::run(c, t, uid, wid, Some(id), &meta)
        })
        .await?;
    match r {
        Ok(run) => {
            Flash::success(&ctx.session, "Workflow started on this task.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/workflows/{wid}/runs/{run}",
                editor.workspace.slug
            )))
        }
        Err(why) => {
            let refused = Refused {
                refusal: Some(why),
                ..Default::default()
            };
            render_show(&ctx, &editor, project, id, refused).await
        }
    }
}
