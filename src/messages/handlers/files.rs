//! Attaching a file to a conversation (a multipart form, streamed to disk)
//! and downloading one; both for the conversation's participants only.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::publish;
use crate::db::TenantId;
use crate::error::AppResult;
use crate::messages::attachments;
use crate::messages::conversations;
use crate::messages::models::*;
use crate::messages::posts::{self, Attached, PostForm};
use crate::web::uploads;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member};
use crate::AppState;

/// `POST …/messages/{id}/files` (multipart: `csrf_token` first, then
/// `caption`, `priority` and `file`).
pub async fn upload(
    ctx: Ctx,
    editor: Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, ConversationId)>,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    // Participants only, before a byte is stored.
    let (m, me) = (editor.clone(), editor.user_id());
    let limit = web::block(move || {
        m.conn()?.read(|c, t| {
            conversations::find(c, t, me, id)?;
            crate::workspaces::limits::upload_limit_bytes(c, t)
        })
    })
    .await??;
    let data = state.config.data_dir.clone();
    let dir = attachments::blob_dir(&data, editor.workspace.id);
    let taken = match uploads::accept(&req, parts, data, limit, dir).await? {
        Ok(taken) => taken,
        Err(refusal) => {
            let mut errors = FormErrors::default();
            let status = refusal.status();
            errors.add("file", refusal.message());
            return super::room::render_refused(&ctx, &editor, id, errors, status).await;
        }
    };
    let (caption, priority) = (
        taken.fields.field("caption"),
        taken.fields.field("priority"),
    );
    let refuse = |status: StatusCode, message: String| {
        let mut errors = FormErrors::default();
        errors.add("file", message);
        super::room::render_refused(&ctx, &editor, id, errors, status)
    };
    let (upload, content_type, is_image) = (taken.upload, taken.content_type, taken.is_image);
    let f = PostForm {
        body: caption,
        priority,
        reply_to: String::new(),
    };
    let r = editor
        .write(move |c, t, uid| {
            let file = Attached {
                upload: &upload,
                content_type: &content_type,
                is_image,
            };
            posts::post_with(c, t, uid, id, &f, Some(file))
        })
        .await?;
    match r {
        Ok((mid, events)) => {
            publish(&state, events).await;
            Flash::success(&ctx.session, "File attached.");
            Ok(w::redirect(&format!(
                "/w/{}/messages/{id}#m-{mid}",
                editor.workspace.slug
            )))
        }
        Err(errors) => {
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default(),
            )
            .await
        }
    }
}

/// `GET …/messages/{id}/files/{attachment_id}`: the file, streamed from disk.
/// Images open inline; everything else downloads. `nosniff` comes from the
/// security headers; the type is the sniffed one.
pub async fn download(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId, AttachmentId)>,
) -> AppResult<HttpResponse> {
    let (_, id, aid) = path.into_inner();
    let (m, me) = (member.clone(), member.user_id());
    let a = web::block(move || {
        m.conn()?.read(|c, t| {
            conversations::find(c, t, me, id)?;
            attachments::find(c, t, id, aid)
        })
    })
    .await??;
    let file_path = attachments::blob_path(&state.config.data_dir, member.workspace.id, &a.sha256);
    uploads::download(
        file_path,
        &a.filename,
        &a.content_type,
        a.size_bytes,
        a.is_image,
    )
    .await
}

/// Removes blobs no attachment uses any more (after the delete committed).
pub async fn forget(state: &web::Data<AppState>, t: TenantId, shas: Vec<String>) {
    let data = &state.config.data_dir;
    let paths = shas
        .iter()
        .map(|sha| attachments::blob_path(data, t, sha))
        .collect();
    uploads::forget(paths).await;
}
