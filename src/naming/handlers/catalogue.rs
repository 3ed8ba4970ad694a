//! Superadmin pages for the global catalogue: platforms (list, create, edit,
//! delete) and each platform's fields (add, edit, delete), under
//! `/admin/naming/platforms`. Reads and writes go through an audited
//! `AdminConn`: whether a platform or field is in use is a question about
//! every workspace.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::admin::list::{self, ListParams};
use crate::error::AppResult;
use crate::naming::catalogue::{self, FieldForm, FieldUses, PlatformForm, PlatformRow, Platforms};
use crate::naming::models::{Field, FieldId, Platform, PlatformId};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, HxRequest, PageCtx, Paginated, Superadmin};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/naming/platforms", web::get().to(list))
        .route("/admin/naming/platforms", web::post().to(create))
        .route("/admin/naming/platforms.csv", web::get().to(export_csv))
        .route(
            "/admin/naming/platforms/{platform_id}",
            web::get().to(detail),
        )
        .route(
            "/admin/naming/platforms/{platform_id}",
            web::post().to(update),
        )
        .route(
            "/admin/naming/platforms/{platform_id}/delete",
            web::post().to(delete),
        )
        .route(
            "/admin/naming/platforms/{platform_id}/fields",
            web::post().to(add_field),
        )
        .route(
            "/admin/naming/platforms/{platform_id}/fields/{field_id}",
            web::post().to(update_field),
        )
        .route(
            "/admin/naming/platforms/{platform_id}/fields/{field_id}/delete",
            web::post().to(delete_field),
        );
}

#[derive(Template)]
#[template(path = "naming/catalogue_platforms.html")]
struct ListPage {
    page: PageCtx,
    p: ListParams,
    rows: Paginated<PlatformRow>,
    form: PlatformForm,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "naming/catalogue_platforms_table.html")]
struct ListTable {
    p: ListParams,
    rows: Paginated<PlatformRow>,
}

async fn render_list(
    ctx: &Ctx,
    state: &AppState,
    admin: &Superadmin,
    hx: bool,
    p: ListParams,
    form: PlatformForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (pool, user, pp) = (state.pool.clone(), admin.clone(), p.clone());
    let rows = web::block(move || {
        crate::admin::open_audited(&pool, &user, "naming.platforms")?
            .read(|c| list::page::<Platforms>(c, &pp))
    })
    .await??;
    if hx {
        return w::ok(&ListTable { p, rows });
    }
    let page = ListPage {
        page: ctx.user("Naming catalogue · Admin", &admin.user),
        p,
        rows,
        form,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    hx: HxRequest,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    render_list(
        &ctx,
        &state,
        &admin,
        hx.0,
        p,
        PlatformForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn export_csv(
    state: web::Data<AppState>,
    admin: Superadmin,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let (pool, user) = (state.pool.clone(), admin.clone());
    web::block(move || {
        crate::admin::open_audited(&pool, &user, "naming.platforms.export").map(|_| ())
    })
    .await??;
    Ok(list::csv_response::<Platforms>(
        state.pool.clone(),
        p,
        "naming-platforms.csv",
    ))
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<PlatformForm>,
) -> AppResult<HttpResponse> {
    let (pool, user, mut f) = (state.pool.clone(), admin.clone(), form.into_inner());
    let (created, f) = web::block(move || {
        let uid = user.user.id;
        let r = crate::admin::open_audited(&pool, &user, "naming.platform.create")?
            .write(|c| catalogue::create_platform(c, uid, &mut f, &meta))?;
        Ok::<_, crate::error::AppError>((r, f))
    })
    .await??;
    match created {
        Ok(id) => {
            Flash::success(&ctx.session, format!("Platform “{}” created.", f.name));
            Ok(w::redirect(&format!("/admin/naming/platforms/{id}")))
        }
        Err(errors) => {
            render_list(
                &ctx,
                &state,
                &admin,
                false,
                ListParams::default(),
                f,
                errors,
            )
            .await
        }
    }
}

/// A field on the platform page, with its uses and its own edit form.
pub struct FieldRow {
    pub field: Field,
    pub uses: FieldUses,
    pub form: FieldForm,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "naming/catalogue_platform.html")]
struct DetailPage {
    page: PageCtx,
    platform: Platform,
    rules: i64,
    fields: Vec<FieldRow>,
    form: PlatformForm,
    errors: FormErrors,
    new_field: FieldForm,
    field_errors: FormErrors,
    message: Option<String>,
}

/// What to show again on the platform page after a refused change.
#[derive(Default)]
struct Redo {
    form: Option<PlatformForm>,
    errors: FormErrors,
    new_field: FieldForm,
    field_errors: FormErrors,
    edit: Option<(FieldId, FieldForm, FormErrors)>,
    message: Option<String>,
}

async fn render_detail(
    ctx: &Ctx,
    state: &AppState,
    admin: &Superadmin,
    id: PlatformId,
    redo: Redo,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (pool, user) = (state.pool.clone(), admin.clone());
    let (platform, rules, fields) = web::block(move || {
        crate::admin::open_audited(&pool, &user, "naming.platform")?.read(|c| {
            let platform = catalogue::platform(c, id)?;
            let rules = catalogue::rules_using_platform(c, id)?;
            let mut rows = Vec::new();
            for f in catalogue::fields(c, id)? {
                // A platform has a handful of levels: one count per field is fine.
                let uses = catalogue::field_uses(c, &[f.id])?;
                rows.push((f, uses));
            }
            Ok((platform, rules, rows))
        })
    })
    .await??;
    let edit = redo.edit;
    let fields = fields
        .into_iter()
        .map(|(field, uses)| match &edit {
            Some((fid, form, errors)) if *fid == field.id => FieldRow {
                field,
                uses,
                form: form.clone(),
                errors: errors.clone(),
            },
            _ => FieldRow {
                form: FieldForm::from_field(&field),
                field,
                uses,
                errors: FormErrors::default(),
            },
        })
        .collect();
    let page = DetailPage {
        page: ctx.user(
            &format!("{} · Naming catalogue", platform.name),
            &admin.user,
        ),
        form: redo
            .form
            .unwrap_or_else(|| PlatformForm::from_platform(&platform)),
        platform,
        rules,
        fields,
        errors: redo.errors,
        new_field: redo.new_field,
        field_errors: redo.field_errors,
        message: redo.message,
    };
    w::html(status, &page)
}

pub async fn detail(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    path: web::Path<PlatformId>,
) -> AppResult<HttpResponse> {
    render_detail(
        &ctx,
        &state,
        &admin,
        path.into_inner(),
        Redo::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a catalogue change in an audited admin write transaction.
async fn admin_write<T: Send + 'static>(
    state: &AppState,
    admin: &Superadmin,
    what: &'static str,
    f: impl FnOnce(&mut crate::db::DbConn, crate::accounts::UserId) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let (pool, user) = (state.pool.clone(), admin.clone());
    web::block(move || {
        let uid = user.user.id;
        crate::admin::open_audited(&pool, &user, what)?.write(|c| f(c, uid))
    })
    .await?
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<PlatformId>,
    form: web::Form<PlatformForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let mut f = form.into_inner();
    let (saved, f) = admin_write(&state, &admin, "naming.platform.update", move |c, uid| {
        let r = catalogue::update_platform(c, uid, id, &mut f, &meta)?;
        Ok((r, f))
    })
    .await?;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, "Platform saved.");
            Ok(w::redirect(&format!("/admin/naming/platforms/{id}")))
        }
        Err(errors) => {
            let redo = Redo {
                form: Some(f),
                errors,
                ..Redo::default()
            };
            render_detail(
                &ctx,
                &state,
                &admin,
                id,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<PlatformId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let done = admin_write(&state, &admin, "naming.platform.delete", move |c, uid| {
        catalogue::delete_platform(c, uid, id, &meta)
    })
    .await?;
    match done {
        Ok(()) => {
            Flash::success(&ctx.session, "Platform deleted.");
            Ok(w::redirect("/admin/naming/platforms"))
        }
        Err(message) => {
            let redo = Redo {
                message: Some(message),
                ..Redo::default()
            };
            render_detail(&ctx, &state, &admin, id, redo, StatusCode::CONFLICT).await
        }
    }
}

pub async fn add_field(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<PlatformId>,
    form: web::Form<FieldForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let mut f = form.into_inner();
    let (added, f) = admin_write(&state, &admin, "naming.field.create", move |c, uid| {
        let r = catalogue::add_field(c, uid, id, &mut f, &meta)?;
        Ok((r, f))
    })
    .await?;
    match added {
        Ok(_) => {
            Flash::success(&ctx.session, format!("Field “{}” added.", f.name));
            Ok(w::redirect(&format!("/admin/naming/platforms/{id}")))
        }
        Err(errors) => {
            let redo = Redo {
                new_field: f,
                field_errors: errors,
                ..Redo::default()
            };
            render_detail(
                &ctx,
                &state,
                &admin,
                id,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn update_field(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<(PlatformId, FieldId)>,
    form: web::Form<FieldForm>,
) -> AppResult<HttpResponse> {
    let (id, field_id) = path.into_inner();
    let mut f = form.into_inner();
    let (saved, f) = admin_write(&state, &admin, "naming.field.update", move |c, uid| {
        let r = catalogue::update_field(c, uid, id, field_id, &mut f, &meta)?;
        Ok((r, f))
    })
    .await?;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, "Field saved.");
            Ok(w::redirect(&format!("/admin/naming/platforms/{id}")))
        }
        Err(errors) => {
            let redo = Redo {
                edit: Some((field_id, f, errors)),
                ..Redo::default()
            };
            render_detail(
                &ctx,
                &state,
                &admin,
                id,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn delete_field(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<(PlatformId, FieldId)>,
) -> AppResult<HttpResponse> {
    let (id, field_id) = path.into_inner();
    let done = admin_write(&state, &admin, "naming.field.delete", move |c, uid| {
        catalogue::delete_field(c, uid, id, field_id, &meta)
    })
    .await?;
    match done {
        Ok(()) => {
            Flash::success(&ctx.session, "Field deleted.");
            Ok(w::redirect(&format!("/admin/naming/platforms/{id}")))
        }
        Err(message) => {
            let redo = Redo {
                message: Some(message),
                ..Redo::default()
            };
            render_detail(&ctx, &state, &admin, id, redo, StatusCode::CONFLICT).await
        }
    }
}
