//! The workspace audit log page and its CSV export (streamed in chunks).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::queries::{self, AuditFilter, AuditRow};
use crate::db::{Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::web::{self as w, Ctx, HxRequest, PageCtx, Paginated, WorkspaceAdmin};

pub const PER_PAGE: i64 = 50;
const CSV_CHUNK: i64 = 1000;

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    page: PageCtx,
    slug: String,
    filter: AuditFilter,
    errors: Vec<String>,
    events: Paginated<AuditRow>,
}

#[derive(Template)]
#[template(path = "audit/_table.html")]
struct AuditTable {
    events: Paginated<AuditRow>,
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
    let page = ctx.workspace("Audit log", &admin.user.user, &admin.workspace, admin.role);
    w::ok(&AuditPage {
        page,
        slug,
        filter,
        errors,
        events,
    })
}

/// `GET /w/{slug}/audit.csv`: every matching event, newest first, streamed
/// 1,000 rows at a time so memory stays flat however long the log is.
pub async fn export_csv(
    admin: WorkspaceAdmin,
    q: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let member = admin.0.clone();
    let header = crate::web::csv_line(queries::CSV_HEADER);
    let stream = futures_util::stream::unfold(
        (Some(header), None::<(UtcTime, Id)>, false),
        move |(header, cursor, done)| {
            let member = member.clone();
            let filter = filter.clone();
            async move {
                if let Some(h) = header {
                    return Some((Ok::<_, AppError>(web::Bytes::from(h)), (None, cursor, done)));
                }
                if done {
                    return None;
                }
                let chunk = web::block(move || {
                    member
                        .conn()?
                        .read(|c, t| queries::chunk(c, Some(t), &filter, cursor, CSV_CHUNK))
                })
                .await;
                let rows = match chunk {
                    Ok(Ok(rows)) => rows,
                    Ok(Err(e)) => return Some((Err(e), (None, cursor, true))),
                    Err(e) => return Some((Err(e.into()), (None, cursor, true))),
                };
                let last = rows.last().map(|r| (r.event.created_at, r.event.id));
                let finished = (rows.len() as i64) < CSV_CHUNK;
                let body: String = rows.iter().map(queries::csv_row).collect();
                if body.is_empty() {
                    return None;
                }
                Some((
                    Ok(web::Bytes::from(body)),
                    (None, last.or(cursor), finished),
                ))
            }
        },
    );
    let name = format!(
        "audit-{}-{}.csv",
        admin.workspace.slug,
        chrono::Utc::now().format("%Y%m%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(stream))
}
