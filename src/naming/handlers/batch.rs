//! Batch update pages: the list, a new batch with its preview, a batch's
//! page with a progress bar that htmx polls, and rollback. Workspace admins
//! run and roll back batches; every member can look.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::batch::{
    self, AffectedRow, BatchForm, BatchView, Change, Choices, Preview, STATUSES,
};
use crate::naming::models::UpdateBatchId;
use crate::naming::parts::today;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Flash, FormErrors, HxRequest, Keyset, Member, PageCtx, PageParams, Paginated,
    Seek, WorkspaceAdmin,
};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/batches", web::get().to(list))
        .route("/batches", web::post().to(create))
        .route("/batches/new", web::get().to(new))
        .route("/batches/preview", web::post().to(preview))
        .route("/batches/{batch_id}", web::get().to(show))
        .route(
            "/batches/{batch_id}/rollback",
            web::get().to(confirm_rollback),
        )
        .route("/batches/{batch_id}/rollback", web::post().to(rollback));
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "naming/batches.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    batches: Keyset<BatchView>,
    status: String,
    statuses: &'static [crate::naming::models::BatchStatus],
    can_run: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

/// `GET /batches`: newest first, filtered by status.
pub async fn list(ctx: Ctx, member: Member, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let seek = Seek::from_query(&q.after, &q.before);
    let (m, status) = (member.clone(), q.status.clone());
    let batches = web::block(move || {
        m.conn()?
            .read(|c, t| batch::list(c, t, &status, seek, PER_PAGE))
    })
    .await??;
    w::ok(&ListPage {
        page: ctx.workspace("Batch updates", &member),
        slug: member.workspace.slug.clone(),
        batches,
        status: q.status,
        statuses: STATUSES,
        can_run: member.role.at_least(Role::Admin),
    })
}

/// A checked form: the change and what it would do.
pub struct Checked {
    pub change: Change,
    pub preview: Preview,
}

/// The form and, once checked, its preview.
#[derive(Template)]
#[template(path = "naming/batch_new.html")]
struct NewPage {
    page: PageCtx,
    slug: String,
    csrf: String,
    form: BatchForm,
    choices: Choices,
    errors: FormErrors,
    preview: Option<Checked>,
}

#[derive(Template)]
#[template(path = "naming/_batch_form.html")]
struct NewFragment {
    slug: String,
    csrf: String,
    form: BatchForm,
    choices: Choices,
    errors: FormErrors,
    preview: Option<Checked>,
}

/// Renders the form (a fragment for htmx), 422 when there are errors.
async fn render_form(
    ctx: &Ctx,
    admin: &WorkspaceAdmin,
    hx: bool,
    form: BatchForm,
    errors: FormErrors,
    preview: Option<Checked>,
) -> AppResult<HttpResponse> {
    let (m, f) = (admin.0.clone(), form.clone());
    let choices =
        web::block(move || m.conn()?.read(|c, t| batch::choices(c, t, &f, today()))).await??;
    let slug = admin.workspace.slug.clone();
    let invalid = !errors.is_empty();
    if hx {
        let frag = NewFragment {
            slug,
            csrf: ctx.csrf.clone(),
            form,
            choices,
            errors,
            preview,
        };
        return if invalid {
            w::invalid(&frag)
        } else {
            w::ok(&frag)
        };
    }
    let page = NewPage {
        page: ctx.workspace("New batch update", admin),
        slug,
        csrf: ctx.csrf.clone(),
        form,
        choices,
        errors,
        preview,
    };
    if invalid {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /batches/new`: the form; its lists follow what is chosen so far.
pub async fn new(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    hx: HxRequest,
    q: web::Query<BatchForm>,
) -> AppResult<HttpResponse> {
    render_form(
        &ctx,
        &admin,
        hx.0,
        q.into_inner(),
        FormErrors::default(),
        None,
    )
    .await
}

/// `POST /batches/preview`: what the batch would change, and what it would skip.
pub async fn preview(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    hx: HxRequest,
    form: web::Form<BatchForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (m, f) = (admin.0.clone(), form.clone());
    let checked =
        web::block(move || m.conn()?.read(|c, t| batch::check(c, t, &f, today()))).await??;
    match checked {
        Ok((change, preview)) => {
            let checked = Checked { change, preview };
            render_form(
                &ctx,
                &admin,
                hx.0,
                form,
                FormErrors::default(),
                Some(checked),
            )
            .await
        }
        Err(errors) => render_form(&ctx, &admin, hx.0, form, errors, None).await,
    }
}

/// `POST /batches`: confirmed; creates the batch and queues its job.
pub async fn create(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    hx: HxRequest,
    form: web::Form<BatchForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let f = form.clone();
    let started = admin
        .write(move |c, t, uid| batch::start(c, t, uid, &f, today(), &meta))
        .await?;
    match started {
        Ok(id) => {
            Flash::success(
                &ctx.session,
                "The batch update has started: a backup comes first, then the strings.",
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/batches/{id}",
                admin.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &admin, hx.0, form, errors, None).await,
    }
}

#[derive(Template)]
#[template(path = "naming/batch.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    view: BatchView,
    strings: Paginated<AffectedRow>,
    can_run: bool,
}

#[derive(Template)]
#[template(path = "naming/_batch_progress.html")]
struct ProgressFragment {
    slug: String,
    view: BatchView,
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    page: Option<i64>,
    /// Set by the polling progress bar.
    #[serde(default)]
    poll: Option<u8>,
}

/// `GET /batches/{id}`: the batch; for htmx, just its progress. A poll that
/// finds the batch finished reloads the page (with its strings and failures).
pub async fn show(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, UpdateBatchId)>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let q = q.into_inner();
    let slug = member.workspace.slug.clone();
    if hx.0 {
        let m = member.clone();
        let view = web::block(move || m.conn()?.read(|c, t| batch::find(c, t, id))).await??;
        let done = !view.busy();
        let mut res = w::ok(&ProgressFragment { slug, view })?;
        if done && q.poll.is_some() {
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-refresh"),
                actix_web::http::header::HeaderValue::from_static("true"),
            );
        }
        return Ok(res);
    }
    let params = PageParams::new(q.page);
    let m = member.clone();
    let (view, strings) = web::block(move || {
        m.conn()?.read(|c, t| {
            let view = batch::find(c, t, id)?;
            let strings = batch::changed_strings(c, t, &view.batch, params, PER_PAGE)?;
            Ok((view, strings))
        })
    })
    .await??;
    w::ok(&ShowPage {
        page: ctx.workspace("Batch update", &member),
        slug,
        view,
        strings,
        can_run: member.role.at_least(Role::Admin),
    })
}

#[derive(Template)]
#[template(path = "naming/batch_rollback.html")]
struct RollbackPage {
    page: PageCtx,
    slug: String,
    view: BatchView,
    restorable: i64,
    changed: i64,
    error: Option<String>,
}

async fn render_rollback(
    ctx: &Ctx,
    admin: &WorkspaceAdmin,
    id: UpdateBatchId,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let m = admin.0.clone();
    let (view, (restorable, changed)) = web::block(move || {
        m.conn()?
            .read(|c, t| Ok((batch::find(c, t, id)?, batch::rollback_outlook(c, t, id)?)))
    })
    .await??;
    let page = RollbackPage {
        page: ctx.workspace("Roll back a batch update", admin),
        slug: admin.workspace.slug.clone(),
        view,
        restorable,
        changed,
        error: error.clone(),
    };
    if error.is_some() {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /batches/{id}/rollback`: what a rollback would do, and the button.
pub async fn confirm_rollback(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    path: web::Path<(String, UpdateBatchId)>,
) -> AppResult<HttpResponse> {
    render_rollback(&ctx, &admin, path.into_inner().1, None).await
}

/// `POST /batches/{id}/rollback`: starts the rollback job.
pub async fn rollback(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, UpdateBatchId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let started = admin
        .write(move |c, t, uid| batch::start_rollback(c, t, uid, id, &meta))
        .await?;
    match started {
        Ok(()) => {
            Flash::success(
                &ctx.session,
                "The rollback has started: each string gets its value from the backup back.",
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/batches/{id}",
                admin.workspace.slug
            )))
        }
        Err(message) => render_rollback(&ctx, &admin, id, Some(message)).await,
    }
}
