//! Admin: workspaces — list, detail, plan and seats, (bulk) deactivation.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::list::{self, Bulk, ConfirmPage, KeysetResource, ListParams, Resource};
use crate::audit::{queries::AuditRow, NewEvent};
use crate::db::{DbConn, Id, MultiBackend, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, plans, tenants};
use crate::seek_by;
use crate::support::csv;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Cursor, Flash, FormErrors, HxRequest, Keyset, PageCtx, Seek, Superadmin,
    COUNT_CAP,
};
use crate::workspaces::{MemberRow, Workspace, WorkspaceStatus};
use crate::AppState;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A workspace row with its member count.
pub struct WorkspaceRow {
    pub ws: Workspace,
    pub members: i64,
}

pub struct Workspaces;

pub const SORTS: &[&str] = &["created", "name", "slug", "plan", "status"];

/// The one scoped query: every workspace list, detail, bulk action and export starts here.
fn scoped(p: &ListParams) -> tenants::BoxedQuery<'static, MultiBackend> {
    let mut q = tenants::table.into_boxed();
    if !p.q.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&p.q.to_lowercase())
        );
        q = q.filter(
            lower(tenants::name)
                .like(pat.clone())
                .escape('\\')
                .or(tenants::slug.like(pat).escape('\\')),
        );
    }
    if let Some(s) = WorkspaceStatus::parse(p.filter("status")) {
        q = q.filter(tenants::status.eq(s));
    }
    if !p.filter("plan").is_empty() {
        q = q.filter(tenants::plan.eq(p.filter("plan").to_string()));
    }
    q
}

fn member_counts(c: &mut DbConn, ids: &[TenantId]) -> AppResult<Vec<(TenantId, i64)>> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq_any(ids.to_vec()))
        .filter(memberships::revoked_at.is_null())
        .group_by(memberships::tenant_id)
        .select((memberships::tenant_id, diesel::dsl::count_star()))
        .load(c)?)
}

impl KeysetResource for Workspaces {
    fn count_capped(c: &mut DbConn, p: &ListParams) -> AppResult<i64> {
        Ok(scoped(p)
            .select(tenants::id)
            .limit(COUNT_CAP + 1)
            .load::<TenantId>(c)?
            .len() as i64)
    }

    fn seek_rows(
        c: &mut DbConn,
        p: &ListParams,
        seek: &Seek,
        limit: i64,
    ) -> AppResult<Option<Vec<WorkspaceRow>>> {
        let q = scoped(p);
        let text_at = seek.cursor().map(|c| (c.key.clone(), TenantId(Id(c.id))));
        let q = match p.sort_or(SORTS) {
            "name" => seek_by!(q, seek, p.desc, tenants::name, tenants::id, text_at),
            "slug" => seek_by!(q, seek, p.desc, tenants::slug, tenants::id, text_at),
            "plan" => seek_by!(q, seek, p.desc, tenants::plan, tenants::id, text_at),
            "status" => seek_by!(q, seek, p.desc, tenants::status, tenants::id, text_at),
            // Newest first by default; "asc" asks for oldest first.
            _ => {
                let at = match seek.cursor() {
                    None => None,
                    Some(cur) => match cur.time() {
                        Some(t) => Some((t, TenantId(Id(cur.id)))),
                        None => return Ok(None),
                    },
                };
                let desc = p.desc || p.sort.is_empty();
                seek_by!(q, seek, desc, tenants::created_at, tenants::id, at)
            }
        };
        let all: Vec<Workspace> = q.limit(limit).select(Workspace::as_select()).load(c)?;
        let ids: Vec<TenantId> = all.iter().map(|w| w.id).collect();
        let counts = member_counts(c, &ids)?;
        Ok(Some(
            all.into_iter()
                .map(|ws| {
                    let members = counts
                        .iter()
                        .find(|(t, _)| *t == ws.id)
                        .map_or(0, |(_, n)| *n);
                    WorkspaceRow { ws, members }
                })
                .collect(),
        ))
    }

    fn cursor(p: &ListParams, r: &WorkspaceRow) -> Cursor {
        let ws = &r.ws;
        let key = match p.sort_or(SORTS) {
            "name" => ws.name.clone(),
            "slug" => ws.slug.clone(),
            "plan" => ws.plan.clone(),
            "status" => ws.status.as_str().to_string(),
            _ => ws.created_at.to_db_text(),
        };
        Cursor::new(key, ws.id.0 .0)
    }
}

impl Resource for Workspaces {
    type Row = WorkspaceRow;

    fn matching_ids(c: &mut DbConn, p: &ListParams) -> AppResult<Vec<Id>> {
        Ok(scoped(p)
            .select(tenants::id)
            .load::<TenantId>(c)?
            .into_iter()
            .map(|t| t.0)
            .collect())
    }

    fn existing_ids(c: &mut DbConn, ids: &[Id]) -> AppResult<Vec<Id>> {
        let ids: Vec<TenantId> = ids.iter().map(|i| TenantId(*i)).collect();
        Ok(scoped(&ListParams::default())
            .filter(tenants::id.eq_any(ids))
            .select(tenants::id)
            .load::<TenantId>(c)?
            .into_iter()
            .map(|t| t.0)
            .collect())
    }

    fn csv_header() -> &'static [&'static str] {
        &[
            "id",
            "name",
            "slug",
            "plan",
            "seat_limit",
            "status",
            "members",
            "created_at",
        ]
    }

    fn csv_row(r: &WorkspaceRow) -> String {
        csv::line(&[
            &r.ws.id.to_string(),
            &r.ws.name,
            &r.ws.slug,
            &r.ws.plan,
            &r.ws.seat_limit.to_string(),
            r.ws.status.as_str(),
            &r.members.to_string(),
            &r.ws.created_at.to_db_text(),
        ])
    }
}

/// One workspace through the scoped query (404 when unknown).
pub fn find(c: &mut DbConn, id: TenantId) -> AppResult<Workspace> {
    Ok(scoped(&ListParams::default())
        .filter(tenants::id.eq(id))
        .select(Workspace::as_select())
        .first(c)?)
}

fn plan_names(c: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(plans::table
        .order(plans::seat_limit.asc())
        .select(plans::name)
        .load(c)?)
}

#[derive(Template)]
#[template(path = "admin/workspaces.html")]
struct ListPage {
    page: PageCtx,
    p: ListParams,
    rows: Keyset<WorkspaceRow>,
    plans: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/_workspaces_table.html")]
struct ListTable {
    page: PageCtx,
    p: ListParams,
    rows: Keyset<WorkspaceRow>,
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    hx: HxRequest,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let (pool, user, pp) = (state.pool.clone(), admin.clone(), p.clone());
    let (rows, plans) = web::block(move || {
        crate::admin::open_audited(&pool, &user, "workspaces.list")?
            .read(|c| Ok((list::keyset_page::<Workspaces>(c, &pp)?, plan_names(c)?)))
    })
    .await??;
    let page = ctx.user("Workspaces · Admin", &admin.user);
    if hx.0 {
        return w::ok(&ListTable { page, p, rows });
    }
    w::ok(&ListPage {
        page,
        p,
        rows,
        plans,
    })
}

pub async fn export_csv(
    state: web::Data<AppState>,
    admin: Superadmin,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let (pool, user) = (state.pool.clone(), admin.clone());
    // Audits the export once; the chunks then stream through system reads.
    web::block(move || crate::admin::open_audited(&pool, &user, "workspaces.export").map(|_| ()))
        .await??;
    let name = format!("workspaces-{}.csv", chrono::Utc::now().format("%Y%m%d"));
    Ok(list::keyset_csv_response::<Workspaces>(
        state.pool.clone(),
        p,
        &name,
    ))
}

#[derive(Template)]
#[template(path = "admin/workspace.html")]
struct DetailPage {
    page: PageCtx,
    ws: Workspace,
    members: Vec<MemberRow>,
    history: Vec<AuditRow>,
    plans: Vec<String>,
    errors: FormErrors,
    form: PlanForm,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub seat_limit: String,
}

async fn render_detail(
    ctx: &Ctx,
    state: &AppState,
    admin: &Superadmin,
    id: TenantId,
    form: Option<PlanForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (pool, user) = (state.pool.clone(), admin.clone());
    let (ws, members, history, plans) = web::block(move || {
        crate::admin::open_audited(&pool, &user, "workspace.detail")?.read(|c| {
            let ws = find(c, id)?;
            let members = crate::workspaces::queries::members(c, id, 500, 0)?;
            let history = crate::audit::queries::recent(c, id, 25)?;
            Ok((ws, members, history, plan_names(c)?))
        })
    })
    .await??;
    let form = form.unwrap_or_else(|| PlanForm {
        plan: ws.plan.clone(),
        seat_limit: ws.seat_limit.to_string(),
    });
    let page = DetailPage {
        page: ctx.user(&format!("{} · Admin", ws.name), &admin.user),
        ws,
        members,
        history,
        plans,
        errors: errors.clone(),
        form,
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

pub async fn detail(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    path: web::Path<TenantId>,
) -> AppResult<HttpResponse> {
    render_detail(
        &ctx,
        &state,
        &admin,
        path.into_inner(),
        None,
        FormErrors::default(),
    )
    .await
}

/// Changes a workspace's plan and seat limit (audited).
pub fn set_plan(
    c: &mut DbConn,
    actor: crate::accounts::UserId,
    id: TenantId,
    plan: &str,
    seats: i32,
    meta: &RequestMeta,
) -> AppResult<()> {
    let ws = find(c, id)?;
    diesel::update(tenants::table.find(id))
        .set((
            tenants::plan.eq(plan),
            tenants::seat_limit.eq(seats),
            tenants::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
    crate::audit::record(
        c,
        NewEvent::tenant(id, "admin.workspace_plan")
            .actor(actor)
            .resource("workspace", id)
            .meta(meta)
            .changes(
                serde_json::json!({"plan": [ws.plan, plan], "seat_limit": [ws.seat_limit, seats]}),
            ),
    )
}

pub async fn update_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<TenantId>,
    form: web::Form<PlanForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (pool, user, f) = (state.pool.clone(), admin.clone(), form.clone());
    let result = web::block(move || -> AppResult<Result<(), FormErrors>> {
        crate::admin::open_audited(&pool, &user, "workspace.plan")?.write(|c| {
            let mut errors = FormErrors::default();
            let known: bool = diesel::select(diesel::dsl::exists(
                plans::table.filter(plans::name.eq(&f.plan)),
            ))
            .get_result(c)?;
            if !known {
                errors.add("plan", "Choose a plan from the catalogue.");
            }
            let seats = f
                .seat_limit
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n));
            if seats.is_none() {
                errors.add("seat_limit", "Enter a number of seats from 1 to 1,000,000.");
            }
            match (errors.is_empty(), seats) {
                (true, Some(n)) => {
                    set_plan(c, user.user.id, id, &f.plan, n, &meta)?;
                    Ok(Ok(()))
                }
                _ => Ok(Err(errors)),
            }
        })
    })
    .await??;
    match result {
        Ok(()) => {
            Flash::success(&ctx.session, "Plan saved.");
            Ok(w::redirect(&format!("/admin/workspaces/{id}")))
        }
        Err(errors) => render_detail(&ctx, &state, &admin, id, Some(form), errors).await,
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn set_status(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<TenantId>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let active = match form.status.as_str() {
        "active" => true,
        "inactive" => false,
        _ => return Err(AppError::BadRequest("Unknown status.".into())),
    };
    let tenant = path.into_inner();
    let (pool, user) = (state.pool.clone(), admin.clone());
    web::block(move || {
        crate::admin::open_audited(&pool, &user, "workspace.status")?.write(|c| {
            find(c, tenant)?;
            crate::workspaces::queries::set_status(c, tenant, user.user.id, active, &meta)
        })
    })
    .await??;
    Flash::success(
        &ctx.session,
        if active {
            "Workspace reactivated."
        } else {
            "Workspace deactivated."
        },
    );
    Ok(w::redirect(&format!("/admin/workspaces/{tenant}")))
}

/// `POST /admin/workspaces/bulk`: first a confirmation page that says how many
/// workspaces will change, then (with `confirm=1`) the change itself.
pub async fn bulk(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let bulk = Bulk::parse(form.into_inner());
    let active = match bulk.action.as_str() {
        "deactivate" => false,
        "reactivate" => true,
        _ => {
            Flash::error(
                &ctx.session,
                "Choose an action for the selected workspaces.",
            );
            return Ok(w::redirect(&format!(
                "/admin/workspaces?{}",
                bulk.params.filter_query()
            )));
        }
    };
    let (pool, user, b) = (state.pool.clone(), admin.clone(), bulk.clone());
    let outcome = web::block(move || {
        crate::admin::open_audited(&pool, &user, "workspaces.bulk")?.write(|c| {
            let targets = b.targets::<Workspaces>(c)?;
            if !b.confirmed {
                return Ok((targets.len(), false));
            }
            for id in &targets {
                crate::workspaces::queries::set_status(
                    c,
                    TenantId(*id),
                    user.user.id,
                    active,
                    &meta,
                )?;
            }
            Ok((targets.len(), true))
        })
    })
    .await??;
    let back = format!("/admin/workspaces?{}", bulk.params.filter_query());
    match outcome {
        (0, _) => {
            Flash::error(&ctx.session, "No workspaces were selected.");
            Ok(w::redirect(&back))
        }
        (n, true) => {
            Flash::success(
                &ctx.session,
                format!(
                    "{n} workspace(s) {}.",
                    if active { "reactivated" } else { "deactivated" }
                ),
            );
            Ok(w::redirect(&back))
        }
        (n, false) => {
            let verb = if active { "Reactivate" } else { "Deactivate" };
            let which = if bulk.all_matching {
                "every workspace matching the filter"
            } else {
                "the selected workspaces"
            };
            w::ok(&ConfirmPage {
                admin_nav: true,
                page: ctx.user("Confirm · Admin", &admin.user),
                action_url: "/admin/workspaces/bulk".into(),
                back_url: back,
                question: format!("{verb} {which}?"),
                count: n,
                fields: bulk.hidden_fields(),
            })
        }
    }
}
