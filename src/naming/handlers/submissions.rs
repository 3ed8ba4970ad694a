//! Submission pages: the list, one submission with its strings, the review
//! flow (submit, approve, reject, reopen) and delete. The form that creates
//! one is `submission_form`.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::handlers::submission_form;
use crate::naming::models::{Rule, SubmissionId, SubmissionStatus};
use crate::naming::strings::STATUSES;
use crate::naming::submissions::{
    self, Action, SubmissionFilter, SubmissionRow, SubmissionView, PER_PAGE,
};
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, HxRequest, Member, PageCtx, PageParams, Paginated,
    WorkspaceAdmin,
};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/submissions", web::get().to(list))
        .route("/submissions", web::post().to(submission_form::create))
        .route("/submissions/new", web::get().to(submission_form::new))
        .route("/submissions/new", web::post().to(submission_form::reload))
        .route(
            "/submissions/parents",
            web::get().to(submission_form::parents),
        )
        .route(
            "/submissions/preview",
            web::post().to(submission_form::preview),
        )
        .route("/submissions/{submission_id}", web::get().to(show))
        .route(
            "/submissions/{submission_id}/submit",
            web::post().to(submit),
        )
        .route(
            "/submissions/{submission_id}/approve",
            web::post().to(approve),
        )
        .route(
            "/submissions/{submission_id}/reject",
            web::post().to(reject),
        )
        .route(
            "/submissions/{submission_id}/reopen",
            web::post().to(reopen),
        )
        .route(
            "/submissions/{submission_id}/delete",
            web::post().to(delete),
        );
}

#[derive(Template)]
#[template(path = "naming/submissions.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    filter: SubmissionFilter,
    rules: Vec<Rule>,
    statuses: &'static [SubmissionStatus],
    rows: Paginated<SubmissionRow>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "naming/_submissions_rows.html")]
struct ListFragment {
    slug: String,
    rows: Paginated<SubmissionRow>,
}

/// `GET /submissions`: filtered by status, rule and name; paginated.
pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    q: web::Query<SubmissionFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let (m, f) = (member.clone(), filter.clone());
    let (rows, rules) = web::block(move || {
        m.conn()?.read(|c, t| {
            Ok((
                submissions::list(c, t, &f, PER_PAGE)?,
                submissions::rules(c, t)?,
            ))
        })
    })
    .await??;
    let rows = rows.with_query(&filter.query_pairs());
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&ListFragment { slug, rows });
    }
    w::ok(&ListPage {
        page: ctx.workspace("Submissions", &member),
        slug,
        filter,
        rules,
        statuses: STATUSES,
        rows,
        can_edit: member.role.at_least(Role::Member),
    })
}

#[derive(Template)]
#[template(path = "naming/submission.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    v: SubmissionView,
    can_edit: bool,
    can_review: bool,
    comment: String,
    error: Option<String>,
}

async fn render_show(
    ctx: &Ctx,
    member: &Member,
    id: SubmissionId,
    comment: String,
    error: Option<String>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let v = web::block(move || m.conn()?.read(|c, t| submissions::view(c, t, id, page))).await??;
    let page = ShowPage {
        page: ctx.workspace(&v.submission.name, member),
        slug: member.workspace.slug.clone(),
        v,
        can_edit: member.role.at_least(Role::Member),
        can_review: member.role.at_least(Role::Admin),
        comment,
        error: error.clone(),
    };
    if error.is_some() {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /submissions/{id}[?page=N]`: the submission and a page of its strings.
pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, SubmissionId)>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    render_show(
        &ctx,
        &member,
        path.into_inner().1,
        String::new(),
        None,
        q.into_inner(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    pub comment: String,
}

async fn step(
    ctx: Ctx,
    member: &Member,
    meta: RequestMeta,
    id: SubmissionId,
    action: Action,
    comment: String,
) -> AppResult<HttpResponse> {
    let c2 = comment.clone();
    let done = member
        .write(move |c, t, uid| submissions::transition(c, t, uid, id, action, &c2, &meta))
        .await?;
    match done {
        Ok(status) => {
            Flash::success(
                &ctx.session,
                format!("Submission is now {}.", status.as_str().to_lowercase()),
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/submissions/{id}",
                member.workspace.slug
            )))
        }
        Err(message) => {
            render_show(
                &ctx,
                member,
                id,
                comment,
                Some(message),
                PageParams::default(),
            )
            .await
        }
    }
}

/// `POST /submissions/{id}/submit`: a draft goes for approval (any editor).
pub async fn submit(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, SubmissionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    step(ctx, &editor.0, meta, id, Action::Submit, String::new()).await
}

/// `POST /submissions/{id}/approve` (workspace admins), with an optional comment.
pub async fn approve(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, SubmissionId)>,
    form: web::Form<ReviewForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    step(
        ctx,
        &admin.0,
        meta,
        id,
        Action::Approve,
        form.into_inner().comment,
    )
    .await
}

/// `POST /submissions/{id}/reject` (workspace admins), with a comment.
pub async fn reject(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, SubmissionId)>,
    form: web::Form<ReviewForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    step(
        ctx,
        &admin.0,
        meta,
        id,
        Action::Reject,
        form.into_inner().comment,
    )
    .await
}

/// `POST /submissions/{id}/reopen`: a rejected submission back to draft.
pub async fn reopen(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, SubmissionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    step(ctx, &editor.0, meta, id, Action::Reopen, String::new()).await
}

/// `POST /submissions/{id}/delete`: a draft or rejected one, with its strings.
pub async fn delete(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, SubmissionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let n = editor
        .write(move |c, t, uid| submissions::delete(c, t, uid, id, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        format!("Submission deleted with its {n} string(s)."),
    );
    Ok(w::redirect(&format!(
        "/w/{}/naming/submissions",
        editor.workspace.slug
    )))
}
