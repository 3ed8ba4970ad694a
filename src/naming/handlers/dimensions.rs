//! Dimensions pages: list with search and filters, create, edit, delete
//! (refused with where it is used, or deactivate instead), the dimension's
//! page with its values, and the dependent-dropdown options fragment.
//! The dimension's page is in `show`, its values in `values`, CSV in
//! `import`; `values` and `import` redraw the page through `show`.

pub mod import;
pub mod show;
pub mod values;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::naming::dimensions::{
    self, DimensionFilter, DimensionForm, DimensionRow, DimensionUses,
};
use crate::naming::models::Availability;
use crate::naming::models::{Dimension, DimensionId, DimensionValue, DimensionValueId};
use crate::naming::parts;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Editor, Flash, FormErrors, HxRequest, Member, PageCtx, Paginated,
};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dimensions", web::get().to(list))
        .route("/dimensions", web::post().to(create))
        .route("/dimensions/new", web::get().to(new_form))
        .route("/dimensions/{dimension_id}", web::get().to(show::show))
        .route("/dimensions/{dimension_id}", web::post().to(update))
        .route("/dimensions/{dimension_id}/edit", web::get().to(edit_form))
        .route(
            "/dimensions/{dimension_id}/delete",
            web::get().to(delete_confirm),
        )
        .route("/dimensions/{dimension_id}/delete", web::post().to(delete))
        .route(
            "/dimensions/{dimension_id}/deactivate",
            web::post().to(deactivate),
        )
        .route(
            "/dimensions/{dimension_id}/activate",
            web::post().to(activate),
        )
        .route("/dimensions/{dimension_id}/options", web::get().to(options));
    values::routes(cfg);
    import::routes(cfg);
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "naming/dimensions.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    f: DimensionFilter,
    rows: Paginated<DimensionRow>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "naming/_dimensions_table.html")]
struct ListTable {
    slug: String,
    f: DimensionFilter,
    rows: Paginated<DimensionRow>,
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    q: web::Query<DimensionFilter>,
) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let (m, ff) = (member.clone(), f.clone());
    let rows =
        web::block(move || m.conn()?.read(|c, t| dimensions::list(c, t, &ff, PER_PAGE))).await??;
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&ListTable { slug, f, rows });
    }
    w::ok(&ListPage {
        page: ctx.workspace("Dimensions", &member),
        slug,
        f,
        rows,
        can_edit: member.role.at_least(Role::Member),
    })
}

#[derive(Template)]
#[template(path = "naming/dimension_form.html")]
struct FormPage {
    page: PageCtx,
    slug: String,
    editing: Option<Dimension>,
    form: DimensionForm,
    errors: FormErrors,
    parents: Vec<Dimension>,
}

async fn render_form(
    ctx: &Ctx,
    member: &Member,
    editing: Option<DimensionId>,
    form: Option<DimensionForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (editing, parents) = web::block(move || {
        m.conn()?.read(|c, t| {
            let d = match editing {
                Some(id) => Some(dimensions::find(c, t, id)?),
                None => None,
            };
            let parents = dimensions::all(c, t)?
                .into_iter()
                .filter(|p| Some(p.id) != editing)
                .collect::<Vec<_>>();
            Ok((d, parents))
        })
    })
    .await??;
    let form = form.unwrap_or_else(|| {
        editing
            .as_ref()
            .map(DimensionForm::from_dimension)
            .unwrap_or_default()
    });
    let title = match &editing {
        Some(d) => format!("Edit {}", d.name),
        None => "New dimension".to_string(),
    };
    let page = FormPage {
        page: ctx.workspace(&title, member),
        slug: member.workspace.slug.clone(),
        editing,
        form,
        errors: errors.clone(),
        parents,
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

pub async fn new_form(ctx: Ctx, editor: Editor) -> AppResult<HttpResponse> {
    render_form(&ctx, &editor, None, None, FormErrors::default()).await
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    render_form(&ctx, &editor, Some(id), None, FormErrors::default()).await
}

pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    form: web::Form<DimensionForm>,
) -> AppResult<HttpResponse> {
    let mut f = form.into_inner();
    let (r, f) = editor
        .write(move |c, t, uid| {
            let r = dimensions::create(c, t, uid, &mut f, &meta)?;
            Ok((r, f))
        })
        .await?;
    match r {
        Ok(id) => {
            Flash::success(&ctx.session, format!("Dimension “{}” created.", f.name));
            Ok(w::redirect(&format!(
                "/w/{}/naming/dimensions/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, None, Some(f), errors).await,
    }
}

pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
    form: web::Form<DimensionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let mut f = form.into_inner();
    let (r, f) = editor
        .write(move |c, t, uid| {
            let r = dimensions::update(c, t, uid, id, &mut f, &meta)?;
            Ok((r, f))
        })
        .await?;
    match r {
        Ok(unlinked) => {
            let mut msg = format!("Dimension “{}” saved.", f.name);
            if unlinked > 0 {
                msg.push_str(&format!(
                    " The parent dimension changed, so {unlinked} value(s) lost their parent value."
                ));
            }
            Flash::success(&ctx.session, msg);
            Ok(w::redirect(&format!(
                "/w/{}/naming/dimensions/{id}",
                editor.workspace.slug
            )))
        }
        Err(errors) => render_form(&ctx, &editor, Some(id), Some(f), errors).await,
    }
}

// ---- delete, or deactivate instead ----

#[derive(Template)]
#[template(path = "naming/dimension_delete.html")]
struct DeletePage {
    page: PageCtx,
    slug: String,
    d: Dimension,
    uses: DimensionUses,
    refused: bool,
}

async fn render_delete(
    ctx: &Ctx,
    member: &Member,
    id: DimensionId,
    refused: Option<DimensionUses>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (d, uses) = web::block(move || {
        m.conn()?
            .read(|c, t| Ok((dimensions::find(c, t, id)?, dimensions::uses(c, t, id)?)))
    })
    .await??;
    let status = if refused.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let page = DeletePage {
        page: ctx.workspace(&format!("Delete {}", d.name), member),
        slug: member.workspace.slug.clone(),
        d,
        uses: refused.unwrap_or(uses),
        refused: status == StatusCode::CONFLICT,
    };
    w::html(status, &page)
}

pub async fn delete_confirm(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    render_delete(&ctx, &editor, path.into_inner().1, None).await
}

pub async fn delete(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let r = editor
        .write(move |c, t, uid| dimensions::delete(c, t, uid, id, &meta))
        .await?;
    match r {
        Ok(()) => {
            Flash::success(&ctx.session, "Dimension deleted.");
            Ok(w::redirect(&format!(
                "/w/{}/naming/dimensions",
                editor.workspace.slug
            )))
        }
        Err(uses) => render_delete(&ctx, &editor, id, Some(uses)).await,
    }
}

async fn set_status(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    id: DimensionId,
    status: Availability,
) -> AppResult<HttpResponse> {
    editor
        .write(move |c, t, uid| dimensions::set_status(c, t, uid, id, status, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        if status == Availability::Active {
            "Dimension activated."
        } else {
            "Dimension deactivated: it stays on existing rules and strings."
        },
    );
    Ok(w::redirect(&format!(
        "/w/{}/naming/dimensions/{id}",
        editor.workspace.slug
    )))
}

pub async fn deactivate(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    set_status(
        ctx,
        editor,
        meta,
        path.into_inner().1,
        Availability::Inactive,
    )
    .await
}

pub async fn activate(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    set_status(ctx, editor, meta, path.into_inner().1, Availability::Active).await
}

// ---- dependent dropdowns ----

#[derive(Template)]
#[template(path = "naming/_dimension_options.html")]
struct OptionsFragment {
    options: Vec<DimensionValue>,
}

/// `GET …/dimensions/{id}/options?parent=<value id>&parent=…`: `<option>`s
/// of the values usable today, narrowed to children of the given parent
/// values when any is given (blank ones are ignored).
pub async fn options(
    member: Member,
    path: web::Path<(String, DimensionId)>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let given: Vec<&str> = pairs
        .iter()
        .filter(|(k, v)| k == "parent" && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
        .collect();
    let parents: Vec<DimensionValueId> = given.iter().filter_map(|v| v.parse().ok()).collect();
    if !given.is_empty() && parents.is_empty() {
        // Only unreadable parent ids: nothing can be their child.
        let m = member.clone();
        web::block(move || {
            m.conn()?
                .read(|c, t| dimensions::find(c, t, id).map(|_| ()))
        })
        .await??;
        return w::ok(&OptionsFragment {
            options: Vec::new(),
        });
    }
    let m = member.clone();
    let today = parts::today();
    let options = web::block(move || {
        m.conn()?
            .read(|c, t| dimensions::options(c, t, id, &parents, today))
    })
    .await??;
    w::ok(&OptionsFragment { options })
}
