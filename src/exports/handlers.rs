//! Starting a workspace export and downloading the finished ZIP (streamed in
//! chunks from the data folder).

use actix_web::{web, HttpResponse};

use super::{open_download, read_chunk, start, Download};
use crate::error::{AppError, AppResult};
use crate::jobs::JobId;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, WorkspaceAdmin};
use crate::AppState;

/// Bytes read from disk per piece of the download.
const CHUNK_BYTES: usize = 64 * 1024;

/// `POST /w/{slug}/export`: queues the export, then shows its job page.
pub async fn create(ctx: Ctx, admin: WorkspaceAdmin, meta: RequestMeta) -> AppResult<HttpResponse> {
    let id = admin
        .write(move |c, t, uid| start(c, t, uid, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        "The export has started. Its download link appears here when it is ready.",
    );
    Ok(w::redirect(&format!(
        "/w/{}/jobs/{id}",
        admin.workspace.slug
    )))
}

/// `GET /w/{slug}/export/{job_id}.zip`: the finished export as an attachment.
pub async fn download(
    state: web::Data<AppState>,
    admin: WorkspaceAdmin,
    path: web::Path<(String, JobId)>,
) -> AppResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let m = admin.0.clone();
    let data_dir = state.config.data_dir.clone();
    let Download {
        file,
        len,
        finished_at,
    } = web::block(move || open_download(&mut m.conn()?, &data_dir, id)).await??;
    // Each piece is read on the blocking pool; the file moves in and back out.
    let stream = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || read_chunk(&mut file, CHUNK_BYTES).map(|b| (b, file))).await;
        match read {
            Ok(Ok((bytes, _))) if bytes.is_empty() => None,
            Ok(Ok((bytes, file))) => Some((Ok(web::Bytes::from(bytes)), Some(file))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(AppError::from(e)), None)),
        }
    });
    let name = format!(
        "{}-export-{}.zip",
        admin.workspace.slug,
        finished_at.0.format("%Y%m%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .no_chunking(len)
        .streaming(stream))
}
