//! The settings page's logo and social-link forms, and the logo itself.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::settings::{self, Forms, LinkForm};
use crate::error::{AppError, AppResult};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, Member, WorkspaceAdmin};
use crate::workspaces::models::WorkspaceLinkId;
use crate::workspaces::profile;
use crate::AppState;

/// Room in an upload for the multipart boundaries and part headers (and a
/// stray small field) around the file itself.
const ENVELOPE_BYTES: usize = 16 * 1024;

/// `GET /w/{slug}/logo`: the logo, to any member; 404 when there is none.
pub async fn logo(state: web::Data<AppState>, member: Member) -> AppResult<HttpResponse> {
    let (dir, ws) = (state.config.data_dir.clone(), member.workspace.clone());
    let Some((kind, bytes)) = web::block(move || profile::read_logo(&dir, &ws)).await?? else {
        return Err(AppError::NotFound);
    };
    // `private`: members only, so no shared cache may keep it. `nosniff` comes
    // from the global security headers.
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(bytes))
}

/// Reads the `logo` part of a multipart upload into memory, never more than
/// the limit: past it the rest of the body is left unread. `Err` is the
/// message for the form.
async fn read_logo_part(req: &HttpRequest, mut parts: Multipart) -> Result<Vec<u8>, String> {
    let unreadable = || "The upload could not be read; choose the file again.".to_string();
    // A declared length well past the limit is refused before reading a byte.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > profile::MAX_LOGO_BYTES + ENVELOPE_BYTES) {
        return Err(profile::logo_too_large());
    }
    let mut other_bytes = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let is_logo = part.name() == Some("logo");
        let mut data = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if is_logo {
                if data.len() + chunk.len() > profile::MAX_LOGO_BYTES {
                    return Err(profile::logo_too_large());
                }
                data.extend_from_slice(&chunk);
            } else {
                other_bytes += chunk.len();
                if other_bytes > ENVELOPE_BYTES {
                    return Err(unreadable());
                }
            }
        }
        if is_logo {
            return Ok(data);
        }
    }
    Err("Choose an image file to upload.".into())
}

fn logo_error(message: String) -> Forms {
    Forms {
        logo_error: Some(message),
        ..Forms::default()
    }
}

/// `POST /w/{slug}/settings/logo` (multipart, CSRF token in the query).
pub async fn upload_logo(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    req: HttpRequest,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let bytes = match read_logo_part(&req, parts).await {
        Ok(bytes) => bytes,
        Err(message) => return settings::render(&ctx, &admin, logo_error(message)).await,
    };
    let (m, dir) = (admin.0.clone(), state.config.data_dir.clone());
    let saved = web::block(move || {
        let uid = m.user_id();
        profile::set_logo(&mut m.conn()?, &dir, uid, &bytes, &meta)
    })
    .await??;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, "Logo saved.");
            Ok(w::redirect(&format!(
                "/w/{}/settings",
                admin.workspace.slug
            )))
        }
        Err(message) => settings::render(&ctx, &admin, logo_error(message)).await,
    }
}

/// `POST /w/{slug}/settings/logo/remove`.
pub async fn remove_logo(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    let (m, dir) = (admin.0.clone(), state.config.data_dir.clone());
    web::block(move || {
        let uid = m.user_id();
        profile::remove_logo(&mut m.conn()?, &dir, uid, &meta)
    })
    .await??;
    Flash::success(&ctx.session, "Logo removed.");
    Ok(w::redirect(&format!(
        "/w/{}/settings",
        admin.workspace.slug
    )))
}

/// `POST /w/{slug}/settings/links`: adds a link, or replaces the one to the
/// same platform.
pub async fn add_link(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<LinkForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let f = form.clone();
    let added = admin
        .write(move |c, t, uid| profile::add_link(c, t, uid, &f.platform, &f.url, &meta))
        .await?;
    match added {
        Ok(link) => {
            Flash::success(&ctx.session, format!("{} link saved.", link.label()));
            Ok(w::redirect(&format!(
                "/w/{}/settings",
                admin.workspace.slug
            )))
        }
        Err(errors) => {
            let forms = Forms {
                link: form,
                link_errors: errors,
                ..Forms::default()
            };
            settings::render(&ctx, &admin, forms).await
        }
    }
}

/// `POST /w/{slug}/settings/links/{link_id}/remove`.
pub async fn remove_link(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, WorkspaceLinkId)>,
) -> AppResult<HttpResponse> {
    let (_, id) = path.into_inner();
    admin
        .write(move |c, t, uid| profile::remove_link(c, t, uid, id, &meta))
        .await?;
    Flash::success(&ctx.session, "Link removed.");
    Ok(w::redirect(&format!(
        "/w/{}/settings",
        admin.workspace.slug
    )))
}
