//! Propagation pages: the jobs list, a job with its progress bar (polled by
//! htmx while it runs) and errors (retry, resolve), per-user settings, the
//! dry-run preview of a string's change, and "propagate now".

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::models::*;
use crate::naming::propagation::{self, JobRow, Preview, Retried, Settings};
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, HxRequest, Keyset, Member, PageCtx, PageParams, Paginated, Seek,
};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/propagation", web::get().to(list))
        .route("/propagation/settings", web::get().to(settings))
        .route("/propagation/settings", web::post().to(save_settings))
        .route("/propagation/{job_id}", web::get().to(show))
        .route(
            "/propagation/{job_id}/errors/{error_id}/retry",
            web::post().to(retry),
        )
        .route(
            "/propagation/{job_id}/errors/{error_id}/resolve",
            web::post().to(resolve),
        )
        .route(
            "/strings/{string_id}/propagation/preview",
            web::get().to(preview),
        )
        .route("/strings/{string_id}/propagation", web::post().to(start));
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "naming/propagation_jobs.html")]
struct JobsPage {
    page: PageCtx,
    slug: String,
    jobs: Keyset<JobRow>,
    status: String,
    statuses: &'static [PropagationStatus],
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    /// The page of a job's errors (a job's own, bounded list).
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    page: Option<i64>,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

pub async fn list(ctx: Ctx, member: Member, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let (m, status) = (member.clone(), q.status.clone());
    let seek = Seek::from_query(&q.after, &q.before);
    let jobs = web::block(move || {
        m.conn()?
            .read(|c, t| propagation::list(c, t, &status, seek, PER_PAGE))
    })
    .await??;
    w::ok(&JobsPage {
        page: ctx.workspace("Propagation", &member),
        slug: member.workspace.slug.clone(),
        jobs,
        status: q.status,
        statuses: propagation::STATUSES,
    })
}

/// A job: the page, or for htmx just the polled fragment.
#[derive(Template)]
#[template(path = "naming/propagation_job.html")]
struct JobPage {
    page: PageCtx,
    slug: String,
    j: JobView,
}

#[derive(Template)]
#[template(path = "naming/_propagation_job.html")]
struct JobFragment {
    slug: String,
    j: JobView,
    csrf: String,
}

pub struct JobView {
    pub job: PropagationJob,
    pub string_value: String,
    pub errors: Paginated<PropagationError>,
    pub can_edit: bool,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.job.status.is_busy()
    }

    pub fn percent(&self) -> i32 {
        if !self.running() {
            100
        } else if self.job.total_strings > 0 {
            (self.job.processed_strings * 100 / self.job.total_strings).clamp(0, 100)
        } else {
            0
        }
    }

    pub fn updated(&self) -> i64 {
        propagation::updated(&self.job)
    }

    pub fn string_id(&self) -> String {
        self.job.metadata.0["string"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn below_limit(&self) -> i64 {
        self.job.metadata.0["counts"]["below_limit"]
            .as_i64()
            .unwrap_or(0)
    }
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, PropagationJobId)>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let id = path.1;
    let page_no = q.page;
    let m = member.clone();
    let (job, string_value, errors) = web::block(move || {
        m.conn()?.read(|c, t| {
            let job = propagation::find(c, t, id)?;
            let value = match job.metadata.0["string"]
                .as_str()
                .and_then(|s| s.parse().ok())
            {
                Some(sid) => crate::naming::versions::find(c, t, sid)
                    .map(|s| s.value)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let errors = propagation::errors(c, t, id, PageParams::new(page_no), PER_PAGE)?;
            Ok((job, value, errors))
        })
    })
    .await??;
    let j = JobView {
        job,
        string_value,
        errors,
        can_edit: member.role.at_least(Role::Member),
    };
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&JobFragment {
            slug,
            j,
            csrf: ctx.csrf.clone(),
        });
    }
    w::ok(&JobPage {
        page: ctx.workspace("Propagation job", &member),
        slug,
        j,
    })
}

pub async fn retry(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, PropagationJobId, PropagationErrorId)>,
) -> AppResult<HttpResponse> {
    let (_, job, id) = path.into_inner();
    let m = (*editor).clone();
    let uid = editor.user_id();
    let out = web::block(move || propagation::retry(&mut m.conn()?, uid, job, id, &meta)).await??;
    match out {
        Retried::Fixed { descendants } => Flash::success(
            &ctx.session,
            format!("Retried: the string now has its parent's value ({descendants} of its descendants followed)."),
        ),
        Retried::Failed(msg) => Flash::error(&ctx.session, format!("Still failing: {msg}")),
    }
    Ok(w::redirect(&format!(
        "/w/{}/naming/propagation/{job}",
        editor.workspace.slug
    )))
}

pub async fn resolve(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, PropagationJobId, PropagationErrorId)>,
) -> AppResult<HttpResponse> {
    let (_, job, id) = path.into_inner();
    editor
        .write(move |c, t, uid| propagation::resolve(c, t, uid, job, id, &meta))
        .await?;
    Flash::success(&ctx.session, "Marked as resolved.");
    Ok(w::redirect(&format!(
        "/w/{}/naming/propagation/{job}",
        editor.workspace.slug
    )))
}

#[derive(Template)]
#[template(path = "naming/propagation_settings.html")]
struct SettingsPage {
    page: PageCtx,
    slug: String,
    s: Settings,
    max_depth: String,
    errors: Vec<(String, String)>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, m)| m.as_str())
    }
}

pub async fn settings(ctx: Ctx, member: Member) -> AppResult<HttpResponse> {
    let m = member.clone();
    let uid = member.user_id();
    let s = web::block(move || m.conn()?.read(|c, t| propagation::settings(c, t, uid))).await??;
    w::ok(&SettingsPage {
        page: ctx.workspace("Propagation settings", &member),
        slug: member.workspace.slug.clone(),
        max_depth: s.max_depth.to_string(),
        s,
        errors: Vec::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    max_depth: String,
}

/// Any member may keep their own settings (they only matter to editors).
pub async fn save_settings(
    ctx: Ctx,
    member: Member,
    meta: RequestMeta,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (mode, depth) = (f.mode.clone(), f.max_depth.clone());
    let saved = member
        .write(move |c, t, uid| propagation::save_settings(c, t, uid, &mode, &depth, &meta))
        .await?;
    match saved {
        Ok(_) => {
            Flash::success(&ctx.session, "Propagation settings saved.");
            Ok(w::redirect(&format!(
                "/w/{}/naming/propagation/settings",
                member.workspace.slug
            )))
        }
        Err(errors) => w::invalid(&SettingsPage {
            page: ctx.workspace("Propagation settings", &member),
            slug: member.workspace.slug.clone(),
            s: Settings {
                mode: f.mode,
                max_depth: 0,
            },
            max_depth: f.max_depth,
            errors,
        }),
    }
}

#[derive(Template)]
#[template(path = "naming/propagation_preview.html")]
struct PreviewPage {
    page: PageCtx,
    slug: String,
    string: NamingString,
    p: Preview,
    can_edit: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    modification: Option<ModificationId>,
    #[serde(default)]
    max_depth: Option<i32>,
}

pub async fn preview(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, StringId)>,
    q: web::Query<PreviewQuery>,
) -> AppResult<HttpResponse> {
    let id = path.1;
    let q = q.into_inner();
    let m = member.clone();
    let uid = member.user_id();
    let (string, p) = web::block(move || {
        m.conn()?.read(|c, t| {
            let depth = match q.max_depth {
                Some(d) => d,
                None => propagation::settings(c, t, uid)?.max_depth,
            };
            let p = propagation::preview(c, t, id, q.modification, depth)?;
            Ok((crate::naming::versions::find(c, t, id)?, p))
        })
    })
    .await??;
    w::ok(&PreviewPage {
        page: ctx.workspace("Propagation preview", &member),
        slug: member.workspace.slug.clone(),
        string,
        p,
        can_edit: member.role.at_least(Role::Member),
    })
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    modification: ModificationId,
    #[serde(default)]
    max_depth: Option<i32>,
}

/// "Propagate now": starts a job for one version of the string (run here
/// when small, else in the background) and shows it.
pub async fn start(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, StringId)>,
    form: web::Form<StartForm>,
) -> AppResult<HttpResponse> {
    let id = path.1;
    let f = form.into_inner();
    let job = editor
        .write(move |c, t, uid| {
            let s = crate::naming::versions::find(c, t, id)?;
            let m = crate::naming::versions::modifications(c, t, s.id)?
                .into_iter()
                .find(|m| m.id == f.modification)
                .ok_or(crate::error::AppError::NotFound)?;
            let dims = propagation::changed_dimensions(c, t, &m)?;
            let depth = match f.max_depth {
                Some(d) => d,
                None => propagation::settings(c, t, uid)?.max_depth,
            };
            propagation::start(c, t, uid, s.id, m.id, &dims, depth, &meta)
        })
        .await?;
    if job.processing_method == "INLINE" {
        let m = (*editor).clone();
        let jid = job.id;
        web::block(move || propagation::run(&mut m.conn()?, jid)).await??;
    }
    Flash::success(&ctx.session, "Propagation started.");
    Ok(w::redirect(&format!(
        "/w/{}/naming/propagation/{}",
        editor.workspace.slug, job.id
    )))
}
