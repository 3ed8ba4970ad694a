//! Superadmin pages: overview, settings, the instance-wide audit log, plans.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::plans::{PlanRow, PlanValues};
use super::settings::SettingsForm;
use crate::audit::queries::{self as audit_q, AuditFilter, AuditRow};
use crate::db::{AdminConn, Id};
use crate::error::AppResult;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, HxRequest, Keyset, PageCtx, Superadmin};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    page: PageCtx,
    backend: &'static str,
    db_size_kb: i64,
    workspaces: i64,
    users: i64,
    sessions: i64,
    events_today: i64,
    failed_logins: i64,
    uptime: String,
    version: &'static str,
}

pub async fn overview(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
) -> AppResult<HttpResponse> {
    let (pool, user) = (state.pool.clone(), admin.clone());
    let o = web::block(move || {
        crate::admin::open_audited(&pool, &user, "overview")?.read(super::overview::overview)
    })
    .await??;
    let secs = state.started.elapsed().as_secs();
    w::ok(&OverviewPage {
        page: ctx.user("Admin", &admin.user),
        backend: state.backend.name(),
        db_size_kb: o.db_size / 1024,
        workspaces: o.workspaces,
        users: o.users,
        sessions: o.sessions,
        events_today: o.events_today,
        failed_logins: o.failed_logins,
        uptime: format!(
            "{}d {}h {}m",
            secs / 86400,
            (secs % 86400) / 3600,
            (secs % 3600) / 60
        ),
        version: env!("CARGO_PKG_VERSION"),
    })
}

// ---- settings ----

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    page: PageCtx,
    form: SettingsForm,
    errors: FormErrors,
}

pub async fn settings(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
) -> AppResult<HttpResponse> {
    let st = state.clone();
    web::block(move || st.refresh_settings()).await??;
    let form = SettingsForm::from_settings(&state.settings());
    w::ok(&SettingsPage {
        page: ctx.user("Settings · Admin", &admin.user),
        form,
        errors: FormErrors::default(),
    })
}

pub async fn update_settings(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let wanted = match form.parse() {
        Ok(s) => s,
        Err(errors) => {
            return w::invalid(&SettingsPage {
                page: ctx.user("Settings · Admin", &admin.user),
                form,
                errors,
            })
        }
    };
    if wanted.superadmin_two_factor {
        // Requiring it of superadmins needs it on for the one asking first,
        // or the change would lock its author out of this page.
        let (pool, uid) = (state.pool.clone(), admin.user.id);
        let own =
            web::block(move || crate::accounts::two_factor::is_enabled(&mut *pool.get()?, uid))
                .await??;
        if !own {
            let mut errors = FormErrors::default();
            errors.add(
                "superadmin_two_factor",
                "Turn on two-factor sign-in for your own account first (Your account → Two-factor sign-in).",
            );
            return w::invalid(&SettingsPage {
                page: ctx.user("Settings · Admin", &admin.user),
                form,
                errors,
            });
        }
    }
    let before = state.settings();
    let (pool, uid, s) = (state.pool.clone(), admin.user.id, wanted.clone());
    web::block(move || -> AppResult<()> {
        crate::db::write_tx(&mut *pool.get()?, |c| {
            super::settings::update(c, uid, &before, &s, &meta)
        })
    })
    .await??;
    state.set_settings(wanted);
    Flash::success(&ctx.session, "Settings saved.");
    Ok(w::redirect("/admin/settings"))
}

// ---- the audit log across workspaces ----

pub const AUDIT_PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: PageCtx,
    filter: AuditFilter,
    errors: Vec<String>,
    events: Keyset<AuditRow>,
    workspace_names: Vec<(Id, String)>,
}

#[derive(Template)]
#[template(path = "admin/_audit_table.html")]
struct AuditTable {
    events: Keyset<AuditRow>,
    workspace_names: Vec<(Id, String)>,
}

pub async fn audit(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    hx: HxRequest,
    q: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let (pool, user, f) = (state.pool.clone(), admin.clone(), filter.clone());
    let super::overview::AuditPage {
        events,
        workspace_names,
    } = web::block(move || {
        crate::admin::open_audited(&pool, &user, "audit.list")?
            .read(|c| super::overview::audit_page(c, &f, AUDIT_PER_PAGE))
    })
    .await??;
    if hx.0 {
        return w::ok(&AuditTable {
            events,
            workspace_names,
        });
    }
    let errors = filter.errors();
    w::ok(&AuditPage {
        page: ctx.user("Audit log · Admin", &admin.user),
        filter,
        errors,
        events,
        workspace_names,
    })
}

/// `GET /admin/audit.csv`: every matching event across workspaces, streamed.
pub async fn audit_csv(
    state: web::Data<AppState>,
    admin: Superadmin,
    q: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let (pool, user) = (state.pool.clone(), admin.clone());
    web::block(move || crate::admin::open_audited(&pool, &user, "audit.export").map(|_| ()))
        .await??;
    let pool = state.pool.clone();
    let head = crate::support::csv::line(audit_q::CSV_HEADER);
    let body = w::stream::paged_body(head, String::new(), move |before| {
        AdminConn::system(&pool)?.read(|c| audit_q::csv_page(c, None, &filter, before))
    });
    let name = format!("audit-{}.csv", chrono::Utc::now().format("%Y%m%d"));
    Ok(w::stream::attachment(
        "text/csv; charset=utf-8",
        &name,
        body,
    ))
}

// ---- plans ----

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub seat_limit: String,
    #[serde(default)]
    pub storage_limit_mb: String,
    #[serde(default)]
    pub max_upload_mb: String,
}

impl PlanForm {
    fn parse(&self) -> Result<PlanValues, FormErrors> {
        let mut errors = FormErrors::default();
        let name = self.name.trim().to_lowercase();
        if name.is_empty()
            || name.len() > 40
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.add("name", "Use 1–40 letters, digits, hyphens or underscores.");
        }
        let mut num = |field: &str, v: &str| match v.trim().parse::<i32>() {
            Ok(n) if n > 0 => n,
            _ => {
                errors.add(field, "Enter a whole number above 0.");
                0
            }
        };
        let seats = num("seat_limit", &self.seat_limit);
        let storage = num("storage_limit_mb", &self.storage_limit_mb);
        let upload = num("max_upload_mb", &self.max_upload_mb);
        if errors.is_empty() {
            Ok(PlanValues {
                name,
                seat_limit: seats,
                storage_limit_mb: storage,
                max_upload_mb: upload,
            })
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "admin/plans.html")]
struct PlansPage {
    page: PageCtx,
    plans: Vec<PlanRow>,
    form: PlanForm,
    errors: FormErrors,
    editing: Option<Id>,
}

async fn render_plans(
    ctx: &Ctx,
    state: &AppState,
    admin: &Superadmin,
    form: PlanForm,
    errors: FormErrors,
    editing: Option<Id>,
) -> AppResult<HttpResponse> {
    let (pool, user) = (state.pool.clone(), admin.clone());
    let mut plans = web::block(move || {
        crate::admin::open_audited(&pool, &user, "plans.list")?.read(super::plans::list)
    })
    .await??;
    for r in plans.iter_mut() {
        r.editing = editing == Some(r.plan.id);
    }
    let failed = !errors.is_empty();
    let page = PlansPage {
        page: ctx.user("Plans · Admin", &admin.user),
        plans,
        form,
        errors,
        editing,
    };
    if failed {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn plans(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
) -> AppResult<HttpResponse> {
    render_plans(
        &ctx,
        &state,
        &admin,
        PlanForm::default(),
        FormErrors::default(),
        None,
    )
    .await
}

/// Creates (no id) or updates a plan; renaming a plan moves its workspaces along.
async fn save_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    id: Option<Id>,
    form: PlanForm,
) -> AppResult<HttpResponse> {
    let v = match form.parse() {
        Ok(v) => v,
        Err(errors) => return render_plans(&ctx, &state, &admin, form, errors, id).await,
    };
    let (pool, uid) = (state.pool.clone(), admin.user.id);
    let name = v.name.clone();
    let saved = web::block(move || -> AppResult<Result<(), FormErrors>> {
        crate::db::write_tx(&mut *pool.get()?, |c| {
            super::plans::save(c, uid, id, &v, &meta)
        })
    })
    .await??;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, format!("Plan “{name}” saved."));
            Ok(w::redirect("/admin/plans"))
        }
        Err(errors) => render_plans(&ctx, &state, &admin, form, errors, id).await,
    }
}

pub async fn create_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<PlanForm>,
) -> AppResult<HttpResponse> {
    save_plan(ctx, state, admin, meta, None, form.into_inner()).await
}

pub async fn update_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<Id>,
    form: web::Form<PlanForm>,
) -> AppResult<HttpResponse> {
    save_plan(
        ctx,
        state,
        admin,
        meta,
        Some(path.into_inner()),
        form.into_inner(),
    )
    .await
}
