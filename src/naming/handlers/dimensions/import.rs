//! CSV export of a dimension's values, and the import: upload or paste →
//! preview (create / update / unchanged / reject, with reasons) → apply.
//! The CSV travels from preview to apply in a hidden textarea, so nothing
//! is stored on the server in between. Both forms are multipart (the CSV
//! may be up to 2 MiB, past the urlencoded form limit), so their CSRF token
//! is in the action URL.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::show::{render_show, ShowRedo};
use crate::error::AppResult;
use crate::naming::dimensions::csv::{self, ImportPlan, ImportRow, MAX_BYTES};
use crate::naming::dimensions::values::ValueFilter;
use crate::naming::dimensions::{self};
use crate::naming::models::{Dimension, DimensionId};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, Member, PageCtx, PageParams, Paginated};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/dimensions/{dimension_id}/values.csv",
        web::get().to(export),
    )
    .route("/dimensions/{dimension_id}/import", web::post().to(preview))
    .route(
        "/dimensions/{dimension_id}/import/apply",
        web::post().to(apply),
    );
}

/// `GET …/values.csv`: every value of the dimension.
pub async fn export(
    member: Member,
    path: web::Path<(String, DimensionId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let m = member.clone();
    let (d, body) = web::block(move || {
        m.conn()?.read(|c, t| {
            let d = dimensions::find(c, t, id)?;
            let body = csv::export(c, t, &d)?;
            Ok((d, body))
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-values.csv\"", d.slug),
        ))
        .body(body))
}

const TOO_LARGE: &str = "The CSV is larger than 2 MiB: split it into smaller files.";

/// Reads the CSV from a multipart form: the `file` part when a file was
/// chosen, else the `csv` textarea; and the preview page asked for (`page`,
/// 1 when absent). Never more than the limit is kept.
async fn read_csv(req: &HttpRequest, mut parts: Multipart) -> Result<(String, i64), String> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Room for both fields and the multipart envelope.
    if declared.is_some_and(|n| n > 2 * MAX_BYTES + 64 * 1024) {
        return Err(TOO_LARGE.into());
    }
    let unreadable = || "The upload could not be read; try again.".to_string();
    let (mut pasted, mut file, mut page) = (Vec::new(), Vec::new(), 1);
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let name = part.name().unwrap_or("").to_string();
        let mut data = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if data.len() + chunk.len() > MAX_BYTES {
                return Err(TOO_LARGE.into());
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csv" => pasted = data,
            "file" => file = data,
            "page" => {
                page = std::str::from_utf8(&data)
                    .ok()
                    .and_then(|p| p.trim().parse().ok())
                    .unwrap_or(1)
            }
            _ => {}
        }
    }
    let bytes = if file.iter().any(|b| !b.is_ascii_whitespace()) {
        file
    } else {
        pasted
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("Paste CSV text or choose a CSV file.".into());
    }
    let text = String::from_utf8(bytes).map_err(|_| "The CSV must be UTF-8 text.".to_string())?;
    Ok((text, page))
}

/// Rows of the preview per page (the CSV itself can have 10,000).
const PREVIEW_PER_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "naming/dimension_import.html")]
struct PreviewPage {
    page: PageCtx,
    slug: String,
    d: Dimension,
    /// The counts (its rows moved to `rows`).
    plan: ImportPlan,
    /// One page of the plan's rows, by line.
    rows: Paginated<ImportRow>,
    csv: String,
}

async fn refuse(
    ctx: &Ctx,
    member: &Member,
    id: DimensionId,
    message: String,
    csv: String,
) -> AppResult<HttpResponse> {
    let redo = ShowRedo {
        import_error: Some(message),
        csv,
        ..ShowRedo::default()
    };
    render_show(ctx, member, id, ValueFilter::default(), false, redo).await
}

/// `POST …/import` (multipart): the preview.
pub async fn preview(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, DimensionId)>,
    req: HttpRequest,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let (text, page) = match read_csv(&req, parts).await {
        Ok(t) => t,
        Err(message) => return refuse(&ctx, &editor, id, message, String::new()).await,
    };
    let (m, t2) = (editor.0.clone(), text.clone());
    let (d, planned) = web::block(move || {
        m.conn()?.read(|c, t| {
            let d = dimensions::find(c, t, id)?;
            let p = csv::plan(c, t, &d, &t2)?;
            Ok((d, p))
        })
    })
    .await??;
    match planned {
        Ok(mut plan) => {
            let all = std::mem::take(&mut plan.rows);
            let total = all.len() as i64;
            let pages = ((total + PREVIEW_PER_PAGE - 1) / PREVIEW_PER_PAGE).max(1);
            let params = PageParams::new(Some(page.clamp(1, pages)));
            let offset = usize::try_from(params.offset(PREVIEW_PER_PAGE)).unwrap_or(0);
            let shown = all
                .into_iter()
                .skip(offset)
                .take(PREVIEW_PER_PAGE as usize)
                .collect();
            let rows = Paginated::new(shown, params, PREVIEW_PER_PAGE, total);
            w::ok(&PreviewPage {
                page: ctx.workspace(&format!("Import into {}", d.name), &editor),
                slug: editor.workspace.slug.clone(),
                d,
                plan,
                rows,
                csv: text,
            })
        }
        Err(message) => refuse(&ctx, &editor, id, message, text).await,
    }
}

/// `POST …/import/apply` (multipart): plans again from the same CSV and applies it.
pub async fn apply(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, DimensionId)>,
    req: HttpRequest,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let text = match read_csv(&req, parts).await {
        Ok((t, _)) => t,
        Err(message) => return refuse(&ctx, &editor, id, message, String::new()).await,
    };
    let t2 = text.clone();
    let r = editor
        .write(move |c, t, uid| {
            let d = dimensions::find(c, t, id)?;
            csv::apply(c, t, uid, &d, &t2, &meta)
        })
        .await?;
    match r {
        Ok(p) => {
            Flash::success(
                &ctx.session,
                format!(
                    "Import done: {} created, {} updated, {} unchanged, {} rejected.",
                    p.creates, p.updates, p.unchanged, p.rejects
                ),
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/dimensions/{id}",
                editor.workspace.slug
            )))
        }
        Err(message) => refuse(&ctx, &editor, id, message, text).await,
    }
}
