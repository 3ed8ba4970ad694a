//! A dimension's values: add (on the dimension's page), edit, delete
//! (refused while strings use the value, with "deactivate instead").

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::show::{render_show, ShowRedo};
use crate::error::AppResult;
use crate::naming::dimensions::values::{self, ValueFilter, ValueForm, ValueUses};
use crate::naming::dimensions::{self};
use crate::naming::models::Availability;
use crate::naming::models::{Dimension, DimensionId, DimensionValue, DimensionValueId};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member, PageCtx};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dimensions/{dimension_id}/values", web::post().to(create))
        .route(
            "/dimensions/{dimension_id}/values/{value_id}",
            web::post().to(update),
        )
        .route(
            "/dimensions/{dimension_id}/values/{value_id}/edit",
            web::get().to(edit_form),
        )
        .route(
            "/dimensions/{dimension_id}/values/{value_id}/delete",
            web::get().to(delete_confirm),
        )
        .route(
            "/dimensions/{dimension_id}/values/{value_id}/delete",
            web::post().to(delete),
        )
        .route(
            "/dimensions/{dimension_id}/values/{value_id}/deactivate",
            web::post().to(deactivate),
        )
        .route(
            "/dimensions/{dimension_id}/values/{value_id}/activate",
            web::post().to(activate),
        );
}

fn back(slug: &str, dim: DimensionId) -> String {
    format!("/w/{slug}/naming/dimensions/{dim}")
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
    form: web::Form<ValueForm>,
) -> AppResult<HttpResponse> {
    let dim = path.into_inner().1;
    let f = form.into_inner();
    let ff = f.clone();
    let r = editor
        .write(move |c, t, uid| values::create(c, t, uid, dim, &ff, &meta))
        .await?;
    match r {
        Ok(_) => {
            Flash::success(&ctx.session, format!("Value “{}” added.", f.value.trim()));
            Ok(w::redirect(&back(&editor.workspace.slug, dim)))
        }
        Err(errors) => {
            let redo = ShowRedo {
                form: Some(f),
                errors,
                ..ShowRedo::default()
            };
            render_show(&ctx, &editor, dim, ValueFilter::default(), false, redo).await
        }
    }
}

#[derive(Template)]
#[template(path = "naming/dimension_value_form.html")]
struct EditPage {
    page: PageCtx,
    slug: String,
    d: Dimension,
    v: DimensionValue,
    parent_values: Vec<DimensionValue>,
    form: ValueForm,
    errors: FormErrors,
}

async fn render_edit(
    ctx: &Ctx,
    member: &Member,
    dim: DimensionId,
    id: DimensionValueId,
    form: Option<ValueForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (d, v, parent_values) = web::block(move || {
        m.conn()?.read(|c, t| {
            let d = dimensions::find(c, t, dim)?;
            let v = values::find(c, t, dim, id)?;
            let pv = match d.parent_id {
                Some(p) => values::all(c, t, p)?,
                None => Vec::new(),
            };
            Ok((d, v, pv))
        })
    })
    .await??;
    let page = EditPage {
        page: ctx.workspace(&format!("{} · {}", v.value, d.name), member),
        slug: member.workspace.slug.clone(),
        form: form.unwrap_or_else(|| ValueForm::from_value(&v)),
        d,
        v,
        parent_values,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    render_edit(&ctx, &editor, dim, id, None, FormErrors::default()).await
}

pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
    form: web::Form<ValueForm>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    let f = form.into_inner();
    let ff = f.clone();
    let r = editor
        .write(move |c, t, uid| values::update(c, t, uid, dim, id, &ff, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, format!("Value “{}” saved.", f.value.trim()));
            Ok(w::redirect(&back(&editor.workspace.slug, dim)))
        }
        Err(errors) => render_edit(&ctx, &editor, dim, id, Some(f), errors).await,
    }
}

#[derive(Template)]
#[template(path = "naming/dimension_value_delete.html")]
struct DeletePage {
    page: PageCtx,
    slug: String,
    d: Dimension,
    v: DimensionValue,
    uses: ValueUses,
    refused: bool,
}

async fn render_delete(
    ctx: &Ctx,
    member: &Member,
    dim: DimensionId,
    id: DimensionValueId,
    refused: Option<ValueUses>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (d, v, uses) = web::block(move || {
        m.conn()?.read(|c, t| {
            Ok((
                dimensions::find(c, t, dim)?,
                values::find(c, t, dim, id)?,
                values::uses(c, t, id)?,
            ))
        })
    })
    .await??;
    let status = if refused.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let page = DeletePage {
        page: ctx.workspace(&format!("Delete {}", v.value), member),
        slug: member.workspace.slug.clone(),
        d,
        v,
        uses: refused.unwrap_or(uses),
        refused: status == StatusCode::CONFLICT,
    };
    w::html(status, &page)
}

pub async fn delete_confirm(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    render_delete(&ctx, &editor, dim, id, None).await
}

pub async fn delete(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    let r = editor
        .write(move |c, t, uid| values::delete(c, t, uid, dim, id, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Value deleted.");
            Ok(w::redirect(&back(&editor.workspace.slug, dim)))
        }
        Err(uses) => render_delete(&ctx, &editor, dim, id, Some(uses)).await,
    }
}

async fn set_status(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    dim: DimensionId,
    id: DimensionValueId,
    status: Availability,
) -> AppResult<HttpResponse> {
    editor
        .write(move |c, t, uid| values::set_status(c, t, uid, dim, id, status, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        if status == Availability::Active {
            "Value activated."
        } else {
            "Value deactivated: it can't be chosen for new strings, and existing strings keep it."
        },
    );
    Ok(w::redirect(&back(&editor.workspace.slug, dim)))
}

pub async fn deactivate(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    set_status(ctx, editor, meta, dim, id, Availability::Inactive).await
}

pub async fn activate(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId, DimensionValueId)>,
) -> AppResult<HttpResponse> {
    let (_, dim, id) = path.into_inner();
    set_status(ctx, editor, meta, dim, id, Availability::Active).await
}
