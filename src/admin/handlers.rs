//! Superadmin pages: overview, settings, the instance-wide audit log, plans.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::settings::{InstanceSettings, SettingsForm};
use crate::audit::queries::{self as audit_q, AuditFilter, AuditRow};
use crate::audit::NewEvent;
use crate::db::{AdminConn, Id, UtcTime};
use crate::error::AppResult;
use crate::schema::{audit_events, plans, tenants};
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
    let counts = web::block(move || {
        crate::admin::open_audited(&pool, &user, "overview")?.read(|c| {
            let midnight = UtcTime(
                chrono::Utc::now()
                    .date_naive()
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc(),
            );
            Ok((
                tenants::table.count().get_result::<i64>(c)?,
                crate::accounts::models::count(c)?,
                crate::accounts::sessions::count_active(c)?,
                audit_events::table
                    .filter(audit_events::created_at.ge(midnight))
                    .count()
                    .get_result::<i64>(c)?,
                crate::accounts::throttle::recent_failures(c)?,
                crate::db::database_size(c)?,
            ))
        })
    })
    .await??;
    let (workspaces, users, sessions, events_today, failed_logins, size) = counts;
    let secs = state.started.elapsed().as_secs();
    w::ok(&OverviewPage {
        page: ctx.user("Admin", &admin.user),
        backend: state.backend.name(),
        db_size_kb: size / 1024,
        workspaces,
        users,
        sessions,
        events_today,
        failed_logins,
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
    let before = state.settings();
    let (pool, uid, s) = (state.pool.clone(), admin.user.id, wanted.clone());
    web::block(move || -> AppResult<()> {
        crate::db::write_tx(&mut *pool.get()?, |c| {
            super::settings::save(c, &s)?;
            crate::audit::record(
                c,
                NewEvent::global("admin.settings_update")
                    .actor(uid)
                    .resource("settings", "instance")
                    .meta(&meta)
                    .changes(describe_change(&before, &s))
                    .warning(),
            )
        })
    })
    .await??;
    state.set_settings(wanted);
    Flash::success(&ctx.session, "Settings saved.");
    Ok(w::redirect("/admin/settings"))
}

fn describe_change(a: &InstanceSettings, b: &InstanceSettings) -> serde_json::Value {
    serde_json::json!({
        "signup_open": [a.signup_open, b.signup_open],
        "session_idle_minutes": [a.session_idle_minutes, b.session_idle_minutes],
        "session_absolute_hours": [a.session_absolute_hours, b.session_absolute_hours],
        "throttle": [
            [a.throttle.per_account_minute, a.throttle.per_account_hour, a.throttle.per_ip_minute],
            [b.throttle.per_account_minute, b.throttle.per_account_hour, b.throttle.per_ip_minute]
        ],
    })
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

/// Slugs of the workspaces on a page of events (one query, not one per row).
fn workspace_slugs(c: &mut crate::db::DbConn, rows: &[AuditRow]) -> AppResult<Vec<(Id, String)>> {
    let mut ids: Vec<crate::db::TenantId> = rows.iter().filter_map(|r| r.event.tenant_id).collect();
    ids.sort();
    ids.dedup();
    let found: Vec<(crate::db::TenantId, String)> = tenants::table
        .filter(tenants::id.eq_any(ids))
        .select((tenants::id, tenants::slug))
        .load(c)?;
    Ok(found.into_iter().map(|(t, s)| (t.0, s)).collect())
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
    let (events, workspace_names) = web::block(move || {
        crate::admin::open_audited(&pool, &user, "audit.list")?.read(|c| {
            let events = audit_q::page(c, None, &f, AUDIT_PER_PAGE)?;
            let names = workspace_slugs(c, &events.items)?;
            Ok((events, names))
        })
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
    let head = w::csv_line(audit_q::CSV_HEADER);
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

/// A plan of the catalogue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct Plan {
    pub id: Id,
    pub name: String,
    pub seat_limit: i32,
    pub storage_limit_mb: i32,
    pub max_upload_mb: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// A plan with how many workspaces use it.
pub struct PlanRow {
    pub plan: Plan,
    pub workspaces: i64,
    /// This row's form is the one being re-shown with errors.
    pub editing: bool,
}

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
    fn parse(&self) -> Result<(String, i32, i32, i32), FormErrors> {
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
            Ok((name, seats, storage, upload))
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

fn load_plans(c: &mut crate::db::DbConn) -> AppResult<Vec<PlanRow>> {
    let all: Vec<Plan> = plans::table
        .order(plans::seat_limit.asc())
        .select(Plan::as_select())
        .load(c)?;
    let counts: Vec<(String, i64)> = tenants::table
        .group_by(tenants::plan)
        .select((tenants::plan, diesel::dsl::count_star()))
        .load(c)?;
    Ok(all
        .into_iter()
        .map(|plan| {
            let workspaces = counts
                .iter()
                .find(|(n, _)| *n == plan.name)
                .map_or(0, |(_, n)| *n);
            PlanRow {
                plan,
                workspaces,
                editing: false,
            }
        })
        .collect())
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
        crate::admin::open_audited(&pool, &user, "plans.list")?.read(load_plans)
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
    let (name, seats, storage, upload) = match form.parse() {
        Ok(v) => v,
        Err(errors) => return render_plans(&ctx, &state, &admin, form, errors, id).await,
    };
    let (pool, uid) = (state.pool.clone(), admin.user.id);
    let n = name.clone();
    let saved = web::block(move || -> AppResult<Result<(), FormErrors>> {
        crate::db::write_tx(&mut *pool.get()?, |c| {
            let clash: Option<Id> = plans::table
                .filter(plans::name.eq(&n))
                .select(plans::id)
                .first(c)
                .optional()?;
            if clash.is_some() && clash != id {
                return Ok(Err(FormErrors::from(vec![(
                    "name",
                    "A plan with that name exists.",
                )])));
            }
            let now = UtcTime::now();
            let (action, before) = match id {
                None => {
                    diesel::insert_into(plans::table)
                        .values((
                            plans::id.eq(Id::new()),
                            plans::name.eq(&n),
                            plans::seat_limit.eq(seats),
                            plans::storage_limit_mb.eq(storage),
                            plans::max_upload_mb.eq(upload),
                            plans::created_at.eq(now),
                            plans::updated_at.eq(now),
                        ))
                        .execute(c)?;
                    ("admin.plan_create", serde_json::Value::Null)
                }
                Some(id) => {
                    let old: Plan = plans::table.find(id).select(Plan::as_select()).first(c)?;
                    diesel::update(plans::table.find(id))
                        .set((
                            plans::name.eq(&n),
                            plans::seat_limit.eq(seats),
                            plans::storage_limit_mb.eq(storage),
                            plans::max_upload_mb.eq(upload),
                            plans::updated_at.eq(now),
                        ))
                        .execute(c)?;
                    if old.name != n {
                        diesel::update(tenants::table.filter(tenants::plan.eq(&old.name)))
                            .set(tenants::plan.eq(&n))
                            .execute(c)?;
                    }
                    (
                        "admin.plan_update",
                        serde_json::json!([
                            old.name,
                            old.seat_limit,
                            old.storage_limit_mb,
                            old.max_upload_mb
                        ]),
                    )
                }
            };
            crate::audit::record(
                c,
                NewEvent::global(action)
                    .actor(uid)
                    .resource("plan", &n)
                    .meta(&meta)
                    .changes(
                        serde_json::json!({"before": before, "after": [n, seats, storage, upload]}),
                    ),
            )?;
            Ok(Ok(()))
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

/// The plan catalogue for other modules (limits enforced where they apply).
pub fn plan_by_name(c: &mut crate::db::DbConn, name: &str) -> AppResult<Option<Plan>> {
    Ok(plans::table
        .filter(plans::name.eq(name))
        .select(Plan::as_select())
        .first(c)
        .optional()?)
}
