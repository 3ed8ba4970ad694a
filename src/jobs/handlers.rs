//! The job page: a progress bar that htmx polls until the job finishes.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{find, Job, JobId};
use crate::error::AppResult;
use crate::web::{self as w, Ctx, HxRequest, Member, PageCtx};

#[derive(Template)]
#[template(path = "jobs/job.html")]
struct JobPage {
    page: PageCtx,
    job: Job,
    slug: String,
}

#[derive(Template)]
#[template(path = "jobs/_job.html")]
struct JobFragment {
    job: Job,
    slug: String,
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, JobId)>,
) -> AppResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let m = member.clone();
    let job = web::block(move || m.conn()?.read(|c, t| find(c, t, id))).await??;
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&JobFragment { job, slug });
    }
    let page = ctx.workspace("Job", &member);
    w::ok(&JobPage { page, job, slug })
}
