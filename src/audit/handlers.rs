//! The workspace audit log page and its CSV export (streamed in chunks).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::queries::{self, AuditFilter, AuditRow};
use crate::error::AppResult;
use crate::web::{self as w, Ctx, HxRequest, Keyset, PageCtx, WorkspaceAdmin};

pub const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    page: PageCtx,
    slug: String,
    filter: AuditFilter,
    errors: Vec<String>,
    events: Keyset<AuditRow>,
}

#[derive(Template)]
#[template(path = "audit/_table.html")]
struct AuditTable {
    events: Keyset<AuditRow>,
}

pub async fn list(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    hx: HxRequest,
    q: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let m = admin.0.clone();
    let f = filter.clone();
    let events = web::block(move || {
        m.conn()?
            .read(|c, t| queries::page(c, Some(t), &f, PER_PAGE))
    })
    .await??;
    let slug = admin.workspace.slug.clone();
    if hx.0 {
        return w::ok(&AuditTable { events });
    }
    let errors = filter.errors();
    let page = ctx.workspace("Audit log", &admin);
    w::ok(&AuditPage {
        page,
        slug,
        filter,
        errors,
        events,
    })
}

/// `GET /w/{slug}/audit.csv`: every matching event, newest first, streamed a
/// page (`queries::CSV_PAGE` rows) per short read so memory stays flat however
/// long the log is.
pub async fn export_csv(
    admin: WorkspaceAdmin,
    q: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let member = admin.0.clone();
    let head = crate::support::csv::line(queries::CSV_HEADER);
    let body = w::stream::paged_body(head, String::new(), move |before| {
        member
            .conn()?
            .read(|c, t| queries::csv_page(c, Some(t), &filter, before))
    });
    let name = format!(
        "audit-{}-{}.csv",
        admin.workspace.slug,
        chrono::Utc::now().format("%Y%m%d")
    );
    Ok(w::stream::attachment(
        "text/csv; charset=utf-8",
        &name,
        body,
    ))
}
