//! Task pages: the project's list (filters, bulk changes), the form (new,
//! subtask, edit), the task's page (subtasks, comments, time, activity),
//! status moves, the trash, and comments.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_admin, can_edit, page};
use crate::error::{AppError, AppResult};
use crate::projects::comments::{self, CommentForm, CommentRow};
use crate::projects::extras::{self, Extras};
use crate::projects::milestones::{self, MilestoneRow};
use crate::projects::models::*;
use crate::projects::project::{self as projects_model, Person};
use crate::projects::sprints;
use crate::projects::task_lists::{self, ActivityRow, TaskFilter, TaskRow};
use crate::projects::tasks::{self as model, TaskForm, FIBONACCI};
use crate::projects::time::{self, EntryForm, EntryRow};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, HxRequest, Keyset, Member, PageCtx};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{project_id}/tasks", web::get().to(list))
        .route("/{project_id}/tasks", web::post().to(create))
        .route("/{project_id}/tasks/new", web::get().to(new_form))
        .route("/{project_id}/tasks/bulk", web::post().to(bulk))
        .route("/{project_id}/tasks/{task_id}", web::get().to(show))
        .route("/{project_id}/tasks/{task_id}", web::post().to(update))
        .route(
            "/{project_id}/tasks/{task_id}/edit",
            web::get().to(edit_form),
        )
        .route(
            "/{project_id}/tasks/{task_id}/status",
            web::post().to(status),
        )
        .route(
            "/{project_id}/tasks/{task_id}/delete",
            web::post().to(trash),
        )
        .route(
            "/{project_id}/tasks/{task_id}/comments",
            web::post().to(comment),
        )
        .route(
            "/{project_id}/tasks/{task_id}/comments/{comment_id}/delete",
            web::post().to(delete_comment),
        );
}

const PER_PAGE: i64 = 50;

/// The choices a task list's filters and forms offer.
pub struct Choices {
    pub people: Vec<Person>,
    pub sprints: Vec<Sprint>,
    pub milestones: Vec<MilestoneRow>,
    /// The project's custom fields.
    pub fields: Vec<Field>,
    /// The saved views the member sees.
    pub views: Vec<SavedView>,
}

fn choices(
    c: &mut crate::db::DbConn,
    t: crate::db::TenantId,
    p: ProjectId,
    me: crate::accounts::UserId,
) -> AppResult<Choices> {
    Ok(Choices {
        people: projects_model::people(c, t)?,
        sprints: sprints::all(c, t, p)?,
        milestones: milestones::all(c, t, p)?,
        fields: crate::projects::fields::for_project(c, t, p)?,
        views: crate::projects::views::visible(c, t, p, me)?,
    })
}

#[derive(Template)]
#[template(path = "projects/tasks.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    p: Project,
    f: TaskFilter,
    k: Keyset<TaskRow>,
    ch: Choices,
    can_edit: bool,
    statuses: &'static [TaskStatus],
    kinds: &'static [TaskKind],
    priorities: &'static [Priority],
    csrf: String,
    /// The current filters as a query string (for "save this view").
    query: String,
    me: crate::accounts::UserId,
    can_admin: bool,
}

#[derive(Template)]
#[template(path = "projects/_tasks_table.html")]
struct ListTable {
    slug: String,
    p: Project,
    f: TaskFilter,
    k: Keyset<TaskRow>,
    can_edit: bool,
    statuses: &'static [TaskStatus],
    csrf: String,
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, ProjectId)>,
    q: web::Query<TaskFilter>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let f = q.into_inner();
    let (m, ff, me) = (member.clone(), f.clone(), member.user_id());
    let (p, k, ch) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, id)?;
            let k = task_lists::list(c, t, id, me, &ff, PER_PAGE)?;
            let ch = if hx.0 {
                None
            } else {
                Some(choices(c, t, id, me)?)
            };
            Ok((p, k, ch))
        })
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let editable = can_edit(&member);
    match ch {
        None => w::ok(&ListTable {
            slug,
            p,
            f,
            k,
            can_edit: editable,
            statuses: TaskStatus::ALL,
            csrf: ctx.csrf.clone(),
        }),
        Some(ch) => w::ok(&ListPage {
            page: page(&ctx, &member, &format!("{} — tasks", p.name)),
            slug,
            p,
            k,
            ch,
            can_edit: editable,
            statuses: TaskStatus::ALL,
            kinds: TaskKind::ALL,
            priorities: Priority::ALL,
            csrf: ctx.csrf.clone(),
            query: serde_urlencoded::to_string(
                f.query_pairs()
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
            me: member.user_id(),
            can_admin: can_admin(&member),
            f,
        }),
    }
}

#[derive(Template)]
#[template(path = "projects/task_form.html")]
struct FormPage {
    page: PageCtx,
    slug: String,
    p: Project,
    editing: Option<Task>,
    parent: Option<Task>,
    form: TaskForm,
    errors: FormErrors,
    ch: Choices,
    kinds: &'static [TaskKind],
    priorities: &'static [Priority],
    fibonacci: [i32; 7],
}

async fn render_form(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    editing: Option<TaskId>,
    form: Option<TaskForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (m, me) = (member.clone(), member.user_id());
    let parent_raw = form
        .as_ref()
        .map(|f| f.parent_id.clone())
        .unwrap_or_default();
    let (p, editing, parent, ch, values) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, project)?;
            let editing = match editing {
                Some(id) => Some(model::find(c, t, project, id)?),
                None => None,
            };
            let parent_id = editing
                .as_ref()
                .and_then(|e| e.parent_id)
                .or_else(|| parent_raw.parse().ok());
            let parent = match parent_id {
                Some(pid) => model::find(c, t, project, pid).ok(),
                None => None,
            };
            let values = match &editing {
                Some(task) => crate::projects::fields::form_values(c, t, task.id)?,
                None => Default::default(),
            };
            Ok((p, editing, parent, choices(c, t, project, me)?, values))
        })
    })
    .await??;
    let form = form.unwrap_or_else(|| match &editing {
        Some(task) => TaskForm {
            parent_number: parent
                .as_ref()
                .map(|pt| format!("{}-{}", p.key, pt.number))
                .unwrap_or_default(),
            custom: values,
            ..TaskForm::from_task(task)
        },
        None => TaskForm::new_task(),
    });
    let title = match &editing {
        Some(task) => format!("Edit {}-{}", p.key, task.number),
        None => "New task".to_string(),
    };
    let body = FormPage {
        page: page(ctx, member, &title),
        slug: member.workspace.slug.clone(),
        p,
        editing,
        parent,
        form,
        errors: errors.clone(),
        ch,
        kinds: TaskKind::ALL,
        priorities: Priority::ALL,
        fibonacci: FIBONACCI,
    };
    w::form_page(&body, !errors.is_empty())
}

/// `?parent=<task id>` starts a subtask.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub parent: String,
}

pub async fn new_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId)>,
    q: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let form = TaskForm {
        parent_id: q.into_inner().parent,
        ..TaskForm::new_task()
    };
    render_form(
        &ctx,
        &editor,
        path.into_inner().1,
        None,
        Some(form),
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    form: web::Form<TaskForm>,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::create(c, t, uid, project, &g, &meta))
        .await?;
    match r {
        Ok(id) => {
            Flash::success(&ctx.session, "Task created.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/tasks/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, project, None, Some(f), errors).await,
    }
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    render_form(
        &ctx,
        &editor,
        project,
        Some(id),
        None,
        FormErrors::default(),
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, TaskId)>,
    form: web::Form<TaskForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::update(c, t, uid, project, id, &g, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Task saved.");
            Ok(w::redirect(&format!(
                "/w/{}/projects/{project}/tasks/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, project, Some(id), Some(f), errors).await,
    }
}

#[derive(Template)]
#[template(path = "projects/task.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    p: Project,
    task: Task,
    description_html: String,
    parent: Option<Task>,
    assignee: Option<String>,
    reporter: Option<String>,
    sprint: Option<String>,
    milestone: Option<String>,
    subtasks: Vec<TaskRow>,
    comments: Vec<CommentRow>,
    entries: Vec<EntryRow>,
    activity: Vec<ActivityRow>,
    running_here: bool,
    next: Vec<TaskStatus>,
    comment_form: CommentForm,
    entry_form: EntryForm,
    errors: FormErrors,
    refusal: Option<String>,
    can_edit: bool,
    can_admin: bool,
    max_depth: i32,
    x: Extras,
}

/// Everything a task's page shows, read in one transaction.
struct TaskView {
    p: Project,
    task: Task,
    parent: Option<Task>,
    names: Vec<(crate::accounts::UserId, String)>,
    sprint: Option<String>,
    milestone: Option<String>,
    subtasks: Vec<TaskRow>,
    comments: Vec<CommentRow>,
    entries: Vec<EntryRow>,
    activity: Vec<ActivityRow>,
    running: Option<TimeEntry>,
    extras: Extras,
}

fn task_view(
    c: &mut crate::db::DbConn,
    t: crate::db::TenantId,
    me: crate::accounts::UserId,
    project: ProjectId,
    id: TaskId,
) -> AppResult<TaskView> {
    let p = projects_model::find_live(c, t, project)?;
    let task = model::find(c, t, project, id)?;
    let parent = match task.parent_id {
        Some(pid) => model::find(c, t, project, pid).ok(),
        None => None,
    };
    let names = projects_model::user_names(
        c,
        [task.assignee_id, task.reporter_id]
            .into_iter()
            .flatten()
            .collect(),
    )?;
    let sprint = match task.sprint_id {
        Some(s) => Some(sprints::find(c, t, project, s)?.name),
        None => None,
    };
    let milestone = match task.milestone_id {
        Some(m) => Some(milestones::find(c, t, project, m)?.title),
        None => None,
    };
    Ok(TaskView {
        subtasks: task_lists::subtasks(c, t, id)?,
        comments: comments::for_task(c, t, id, me)?,
        entries: time::for_task(c, t, id, me)?,
        activity: task_lists::activity(c, t, id, 100)?,
        running: time::running(c, t, me)?,
        extras: extras::load(c, t, project, id)?,
        p,
        task,
        parent,
        names,
        sprint,
        milestone,
    })
}

/// What a task page re-renders with after a refused action.
#[derive(Default)]
pub struct Refused {
    pub comment: Option<CommentForm>,
    pub entry: Option<EntryForm>,
    pub errors: FormErrors,
    pub refusal: Option<String>,
}

pub async fn render_show(
    ctx: &Ctx,
    member: &Member,
    project: ProjectId,
    id: TaskId,
    refused: Refused,
) -> AppResult<HttpResponse> {
    let (m, me) = (member.clone(), member.user_id());
    let v = web::block(move || m.conn()?.read(|c, t| task_view(c, t, me, project, id))).await??;
    let name = |u: Option<crate::accounts::UserId>| u.map(|u| projects_model::name_of(&v.names, u));
    let body = ShowPage {
        page: page(
            ctx,
            member,
            &format!("{}-{} {}", v.p.key, v.task.number, v.task.title),
        ),
        slug: member.workspace.slug.clone(),
        description_html: crate::support::markdown::to_safe_html(&v.task.description),
        assignee: name(v.task.assignee_id),
        reporter: name(v.task.reporter_id),
        next: model::next_statuses(v.task.status),
        running_here: v.running.as_ref().is_some_and(|r| r.task_id == v.task.id),
        p: v.p,
        parent: v.parent,
        sprint: v.sprint,
        milestone: v.milestone,
        subtasks: v.subtasks,
        comments: v.comments,
        entries: v.entries,
        activity: v.activity,
        comment_form: refused.comment.unwrap_or_default(),
        entry_form: refused.entry.unwrap_or_else(|| EntryForm {
            date: chrono::Utc::now().date_naive().to_string(),
            ..Default::default()
        }),
        errors: refused.errors.clone(),
        refusal: refused.refusal.clone(),
        can_edit: can_edit(member),
        can_admin: can_admin(member),
        max_depth: model::MAX_DEPTH,
        task: v.task,
        x: v.extras,
    };
    w::form_page(
        &body,
        !refused.errors.is_empty() || refused.refusal.is_some(),
    )
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId, TaskId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    render_show(&ctx, &member, project, id, Refused::default()).await
}

/// A status move; `back` says where to return (`board`, or the task page).
#[derive(Debug, Clone, Deserialize)]
pub struct StatusForm {
    pub status: String,
    #[serde(default)]
    pub back: String,
}

pub async fn status(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, TaskId)>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let Some(to) = TaskStatus::parse(&f.status) else {
        return Err(AppError::BadRequest("Choose a status.".into()));
    };
    let r = editor
        .write(move |c, t, uid| model::transition(c, t, uid, project, id, to, &meta))
        .await?;
    let slug = &editor.workspace.slug;
    let back = if f.back == "board" {
        format!("/w/{slug}/projects/{project}/board")
    } else {
        format!("/w/{slug}/projects/{project}/tasks/{id}")
    };
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, format!("Moved to {}.", to.label()));
            Ok(w::redirect(&back))
        }
        Err(why) if f.back == "board" => {
            Flash::error(&ctx.session, why);
            Ok(w::redirect(&back))
        }
        Err(why) => {
            render_show(
                &ctx,
                &editor,
                project,
                id,
                Refused {
                    refusal: Some(why),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

pub async fn trash(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId, TaskId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let n = editor
        .write(move |c, t, uid| model::trash(c, t, uid, project, id, &meta))
        .await?;
    let msg = if n > 1 {
        format!("Task and {} subtask(s) deleted.", n - 1)
    } else {
        "Task deleted.".to_string()
    };
    Flash::success(&ctx.session, msg);
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/tasks",
        editor.workspace.slug
    )))
}

/// A bulk change: to the ticked tasks, or (`scope=all`) to every task the
/// filters match, up to [`BULK_CAP`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    pub scope: String,
    /// `status:<status>`, `assign:<user id>`, `assign:none`.
    #[serde(default)]
    pub action: String,
    #[serde(flatten)]
    pub filter: TaskFilter,
}

pub const BULK_CAP: i64 = 1_000;

pub async fn bulk(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, ProjectId)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    // Ticked ids come as repeated `task` fields, which serde_urlencoded
    // into a struct cannot gather; read the pairs.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let ticked: Vec<TaskId> = pairs
        .iter()
        .filter(|(k, _)| k == "task")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let f: BulkForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let slug = editor.workspace.slug.clone();
    let filter = f.filter.clone();
    let back = format!(
        "/w/{slug}/projects/{project}/tasks?{}",
        filter
            .query_pairs()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", w::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    );
    let (done, refused) = editor
        .write(move |c, t, uid| {
            projects_model::find_live(c, t, project)?;
            let ids = if f.scope == "all" {
                task_lists::matching_ids(c, t, project, uid, &f.filter, BULK_CAP)?
            } else {
                ticked.into_iter().take(BULK_CAP as usize).collect()
            };
            let (mut done, mut refused) = (0, Vec::new());
            match f.action.split_once(':') {
                Some(("status", s)) => {
                    let Some(to) = TaskStatus::parse(s) else {
                        return Err(AppError::BadRequest("Choose a change to make.".into()));
                    };
                    for id in ids {
                        match model::transition(c, t, uid, project, id, to, &meta)? {
                            Ok(()) => done += 1,
                            Err(why) => refused.push(why),
                        }
                    }
                }
                Some(("assign", who)) => {
                    let to = match who {
                        "none" => None,
                        raw => Some(raw.parse().map_err(|_| {
                            AppError::BadRequest("Choose a member of this workspace.".into())
                        })?),
                    };
                    for id in ids {
                        model::assign(c, t, uid, project, id, to)?;
                        done += 1;
                    }
                }
                _ => return Err(AppError::BadRequest("Choose a change to make.".into())),
            }
            Ok((done, refused))
        })
        .await?;
    if refused.is_empty() {
        Flash::success(&ctx.session, format!("{done} task(s) changed."));
    } else {
        Flash::error(
            &ctx.session,
            format!(
                "{done} task(s) changed; {} refused: {}",
                refused.len(),
                refused.first().cloned().unwrap_or_default()
            ),
        );
    }
    Ok(w::redirect(&back))
}

pub async fn comment(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId)>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| comments::add(c, t, uid, project, id, &g))
        .await?;
    match r {
        Ok(cid) => Ok(w::redirect(&format!(
            "/w/{}/projects/{project}/tasks/{id}#comment-{cid}",
            editor.workspace.slug
        ))),
        Err(errors) => {
            render_show(
                &ctx,
                &editor,
                project,
                id,
                Refused {
                    comment: Some(f),
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

pub async fn delete_comment(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId, CommentId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id, cid) = path.into_inner();
    let moderate = can_admin(&editor);
    editor
        .write(move |c, t, uid| comments::delete(c, t, uid, moderate, project, id, cid))
        .await?;
    Flash::success(&ctx.session, "Comment deleted.");
    Ok(w::redirect(&format!(
        "/w/{}/projects/{project}/tasks/{id}#comments",
        editor.workspace.slug
    )))
}
