//! A dimension's page: its details, its values (filtered, paged; the
//! table alone for htmx), the add-value form and the CSV import box. The
//! value and import handlers redraw it with what was refused (`ShowRedo`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::naming::dimensions::values::{self, ValueFilter, ValueForm, ValueRow};
use crate::naming::dimensions::{self};
use crate::naming::models::{Dimension, DimensionId, DimensionKind, DimensionValue};
use crate::naming::parts;
use crate::web::{self as w, Ctx, FormErrors, HxRequest, Member, PageCtx, Paginated};
use crate::workspaces::Role;

/// Values a page.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "naming/dimension.html")]
struct ShowPage {
    page: PageCtx,
    slug: String,
    d: Dimension,
    parent: Option<Dimension>,
    f: ValueFilter,
    rows: Paginated<ValueRow>,
    parent_values: Vec<DimensionValue>,
    form: ValueForm,
    errors: FormErrors,
    import_error: Option<String>,
    csv: String,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "naming/_dimension_values.html")]
struct ValuesTable {
    slug: String,
    d: Dimension,
    f: ValueFilter,
    rows: Paginated<ValueRow>,
    can_edit: bool,
}

/// What to show again on the dimension's page after a refused change.
#[derive(Default)]
pub(in crate::naming::handlers) struct ShowRedo {
    pub form: Option<ValueForm>,
    pub errors: FormErrors,
    pub import_error: Option<String>,
    pub csv: String,
}

pub(in crate::naming::handlers) async fn render_show(
    ctx: &Ctx,
    member: &Member,
    id: DimensionId,
    f: ValueFilter,
    hx: bool,
    redo: ShowRedo,
) -> AppResult<HttpResponse> {
    let (m, ff) = (member.clone(), f.clone());
    let today = parts::today();
    let (d, parent, rows, parent_values) = web::block(move || {
        m.conn()?.read(|c, t| {
            let d = dimensions::find(c, t, id)?;
            let (parent, parent_values) = match d.parent_id {
                Some(p) => (Some(dimensions::find(c, t, p)?), values::all(c, t, p)?),
                None => (None, Vec::new()),
            };
            let rows = values::list(c, t, id, &ff, PER_PAGE, today)?;
            Ok((d, parent, rows, parent_values))
        })
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let can_edit = member.role.at_least(Role::Member);
    if hx {
        return w::ok(&ValuesTable {
            slug,
            d,
            f,
            rows,
            can_edit,
        });
    }
    let status = if redo.errors.is_empty() && redo.import_error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ShowPage {
        page: ctx.workspace(&d.name, member),
        slug,
        d,
        parent,
        f,
        rows,
        parent_values,
        form: redo.form.unwrap_or_default(),
        errors: redo.errors,
        import_error: redo.import_error,
        csv: redo.csv,
        can_edit,
    };
    w::html(status, &page)
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, DimensionId)>,
    q: web::Query<ValueFilter>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    render_show(&ctx, &member, id, q.into_inner(), hx.0, ShowRedo::default()).await
}
