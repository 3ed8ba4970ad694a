//! Attaching a file to a conversation (a multipart form, streamed to disk)
//! and downloading one; both for the conversation's participants only.

use std::io::Read;

use actix_multipart::Multipart;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;

use super::publish;
use crate::db::TenantId;
use crate::error::{AppError, AppResult};
use crate::messages::attachments::{self, Refusal};
use crate::messages::conversations;
use crate::messages::models::*;
use crate::messages::posts::{self, Attached, PostForm};
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member};
use crate::AppState;

/// Bytes read from disk per chunk of a download.
const CHUNK: usize = 64 * 1024;

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
            attachments::limit_bytes(c, t)
        })
    })
    .await??;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let data = state.config.data_dir.clone();
    let refuse = |status: StatusCode, message: String| {
        let mut errors = FormErrors::default();
        errors.add("file", message);
        super::room::render_refused(&ctx, &editor, id, errors, status)
    };
    let received = match attachments::receive(declared, parts, data.clone(), limit).await {
        Ok(r) => r,
        Err(Refusal::TooLarge(m)) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, m).await,
        Err(Refusal::Invalid(m)) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, m).await,
    };
    let Some(upload) = received.file else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a file to attach.".into(),
        )
        .await;
    };
    let (content_type, is_image) = match attachments::check_type(&upload) {
        Ok(found) => found,
        Err(message) => {
            web::block(move || attachments::discard(&upload)).await?;
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message).await;
        }
    };
    // The bytes first, under their content address; then the row.
    let (tenant, d) = (editor.workspace.id, data.clone());
    let upload = web::block(move || attachments::keep(&d, tenant, &upload).map(|_| upload))
        .await?
        .map_err(|e| AppError::internal(format!("attachment not kept: {e}")))?;
    let f = PostForm {
        body: received.caption,
        priority: received.priority,
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
    let file = web::block(move || std::fs::File::open(file_path))
        .await?
        .map_err(|_| AppError::NotFound)?;
    let body = stream::unfold(Some(file), |file| async move {
        let mut f = file?;
        let read = web::block(move || {
            let mut buf = vec![0u8; CHUNK];
            let n = f.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, f))
        })
        .await;
        match read {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, f))) => Some((Ok::<_, AppError>(web::Bytes::from(buf)), Some(f))),
            Ok(Err(e)) => Some((
                Err(AppError::internal(format!("reading a file: {e}"))),
                None,
            )),
            Err(e) => Some((
                Err(AppError::internal(format!("reading a file: {e}"))),
                None,
            )),
        }
    });
    let ascii: String = a
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: if a.is_image {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: a.filename.clone().into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(a.content_type.clone())
        .insert_header((header::CONTENT_LENGTH, a.size_bytes.to_string()))
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .streaming(body))
}

/// Removes blobs no attachment uses any more (after the delete committed).
pub async fn forget(state: &web::Data<AppState>, t: TenantId, shas: Vec<String>) {
    if shas.is_empty() {
        return;
    }
    let data = state.config.data_dir.clone();
    let done = web::block(move || {
        for sha in shas {
            if let Err(e) = std::fs::remove_file(attachments::blob_path(&data, t, &sha)) {
                tracing::warn!(error = %e, "attachment blob not removed");
            }
        }
    })
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "attachment blobs not removed");
    }
}
