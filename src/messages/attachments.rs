//! Files and images attached to messages.
//!
//! An upload streams to a temporary file in the data folder while it is
//! hashed, never past the workspace plan's upload limit (the rest of the body
//! is left unread), and is then renamed to its content address
//! (`blobs/<workspace>/<sha256>`; the same file twice is kept once). Only
//! then is the row written, so no row ever points at a half file. The type
//! is sniffed from the content (`infer`) and must agree with the file name's
//! extension; images among PNG, JPEG, GIF and WebP are shown inline, every
//! other file is downloaded as an attachment.

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::web;
use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::models::*;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{messages_attachments, plans, tenants};

/// The upload limit when the workspace's plan names none.
pub const DEFAULT_MAX_MB: i64 = 10;
/// Bytes gathered before each write to the temporary file.
const WRITE_EVERY: usize = 256 * 1024;
/// The head kept for sniffing the type.
const HEAD: usize = 8 * 1024;
/// Room for the caption and priority fields around the file.
const FIELDS_MAX: usize = 64 * 1024;

/// Types shown inline (never SVG: it can carry scripts).
const INLINE_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Extensions that promise a type `infer` can recognise: a file named so
/// whose content is something else is refused.
const CHECKED_EXTENSIONS: [&str; 12] = [
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "zip", "gz", "mp4", "mp3", "docx", "xlsx",
];

/// What an upload form brought, the file already stored under a temporary name.
#[derive(Debug, Default)]
pub struct Received {
    pub caption: String,
    pub priority: String,
    pub file: Option<Upload>,
}

/// A file written whole to a temporary path.
#[derive(Debug)]
pub struct Upload {
    pub temp: PathBuf,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    head: Vec<u8>,
}

/// Why an upload was refused: too large (413) or not acceptable (422).
#[derive(Debug)]
pub enum Refusal {
    TooLarge(String),
    Invalid(String),
}

/// The workspace's upload limit in bytes, from its plan.
pub fn limit_bytes(c: &mut DbConn, t: TenantId) -> AppResult<i64> {
    let mb: Option<i32> = tenants::table
        .inner_join(plans::table.on(plans::name.eq(tenants::plan)))
        .filter(tenants::id.eq(t))
        .select(plans::max_upload_mb)
        .first(c)
        .optional()?;
    Ok(i64::from(mb.unwrap_or(DEFAULT_MAX_MB as i32)).max(1) * 1024 * 1024)
}

fn too_large(limit: i64) -> Refusal {
    Refusal::TooLarge(format!(
        "That file is larger than this workspace's upload limit of {} MB.",
        limit / (1024 * 1024)
    ))
}

/// A file name as given, reduced to something safe to show and to send
/// back in a header: its last path segment, no control characters or
/// quotes, at most 200 characters.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

fn temp_dir(data: &Path) -> PathBuf {
    crate::files::upload_temp_dir(data)
}

/// Where a workspace's blob lives.
pub fn blob_path(data: &Path, t: TenantId, sha256: &str) -> PathBuf {
    crate::files::blob_path(data, &t, sha256)
}

/// Reads the multipart form: `caption` and `priority` fields and one
/// `file`, which streams to a temporary file (hashed as it goes) and stops
/// at `limit` bytes. A declared length far past the limit is refused first.
pub async fn receive(
    declared: Option<u64>,
    mut parts: Multipart,
    data: PathBuf,
    limit: i64,
) -> Result<Received, Refusal> {
    let unreadable =
        || Refusal::Invalid("The upload could not be read; choose the file again.".into());
    if declared.is_some_and(|n| n as i64 > limit + FIELDS_MAX as i64) {
        return Err(too_large(limit));
    }
    let mut out = Received::default();
    let mut field_bytes = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" && out.file.is_none() {
            let filename = part
                .content_disposition()
                .and_then(|d| d.get_filename().map(clean_filename))
                .unwrap_or_else(|| "file".into());
            let upload = stream_file(&mut part, &data, filename, limit).await?;
            out.file = upload;
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            field_bytes += chunk.len();
            if field_bytes > FIELDS_MAX {
                return Err(Refusal::Invalid("The message is too long.".into()));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8_lossy(&value).into_owned();
        match name.as_str() {
            "caption" => out.caption = value,
            "priority" => out.priority = value,
            _ => {}
        }
    }
    Ok(out)
}

/// Streams one part to a temporary file; `None` for an empty part (no file
/// chosen).
async fn stream_file(
    part: &mut actix_multipart::Field,
    data: &Path,
    filename: String,
    limit: i64,
) -> Result<Option<Upload>, Refusal> {
    let failed = |e: String| {
        tracing::error!(error = %e, "attachment not stored");
        Refusal::Invalid("The file could not be stored; please try again.".into())
    };
    let dir = temp_dir(data);
    let temp = dir.join(format!("{}.part", uuid::Uuid::now_v7()));
    let (d, p) = (dir.clone(), temp.clone());
    let file = web::block(move || {
        crate::files::create_private_dir_all(&d)?;
        crate::files::private_file_options()
            .write(true)
            .create_new(true)
            .open(&p)
    })
    .await
    .map_err(|e| failed(e.to_string()))?
    .map_err(|e| failed(e.to_string()))?;
    let mut file = Some(file);
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size: i64 = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_EVERY);
    let outcome: Result<(), Refusal> = async {
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| {
                Refusal::Invalid("The upload was cut off; choose the file again.".into())
            })?;
            size += chunk.len() as i64;
            if size > limit {
                return Err(too_large(limit));
            }
            if head.len() < HEAD {
                let take = (HEAD - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            buf.extend_from_slice(&chunk);
            if buf.len() >= WRITE_EVERY {
                file = Some(
                    write_out(file.take(), std::mem::take(&mut buf))
                        .await
                        .map_err(failed)?,
                );
            }
        }
        if !buf.is_empty() {
            file = Some(
                write_out(file.take(), std::mem::take(&mut buf))
                    .await
                    .map_err(failed)?,
            );
        }
        Ok(())
    }
    .await;
    let finished = file.take();
    let p = temp.clone();
    let synced = web::block(move || -> std::io::Result<()> {
        if let Some(f) = finished {
            f.sync_all()?;
        }
        Ok(())
    })
    .await;
    if outcome.is_err() || size == 0 || !matches!(synced, Ok(Ok(()))) {
        let _ = web::block(move || std::fs::remove_file(p)).await;
        outcome?;
        if size == 0 {
            return Ok(None);
        }
        return Err(failed("sync failed".into()));
    }
    Ok(Some(Upload {
        temp,
        filename,
        size,
        sha256: hex::encode(hasher.finalize()),
        head,
    }))
}

async fn write_out(file: Option<std::fs::File>, bytes: Vec<u8>) -> Result<std::fs::File, String> {
    let mut f = file.ok_or_else(|| "no file".to_string())?;
    web::block(move || f.write_all(&bytes).map(|_| f))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// The type the content shows, checked against the name: (content type,
/// shown inline). A name that promises a type the content is not is refused.
pub fn check_type(up: &Upload) -> Result<(String, bool), String> {
    let ext = Path::new(&up.filename)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let sniffed = infer::get(&up.head);
    let same = |a: &str, b: &str| a == b || matches!((a, b), ("jpg", "jpeg") | ("jpeg", "jpg"));
    match sniffed {
        Some(kind) => {
            if !ext.is_empty()
                && CHECKED_EXTENSIONS.contains(&ext.as_str())
                && !same(&ext, kind.extension())
            {
                return Err(format!(
                    "“{}” is named .{ext} but its content is {} (.{}): rename it or choose the right file.",
                    up.filename,
                    kind.mime_type(),
                    kind.extension()
                ));
            }
            let mime = kind.mime_type();
            Ok((mime.to_string(), INLINE_IMAGES.contains(&mime)))
        }
        None if CHECKED_EXTENSIONS.contains(&ext.as_str()) => Err(format!(
            "“{}” is named .{ext} but its content is not a .{ext} file.",
            up.filename
        )),
        None => Ok(("application/octet-stream".into(), false)),
    }
}

/// Moves the temporary file to its content address (blocking). When the
/// same content is already stored, the copy is simply removed.
pub fn keep(data: &Path, t: TenantId, up: &Upload) -> std::io::Result<()> {
    let target = blob_path(data, t, &up.sha256);
    if target.exists() {
        return std::fs::remove_file(&up.temp);
    }
    if let Some(dir) = target.parent() {
        crate::files::create_private_dir_all(dir)?;
    }
    std::fs::rename(&up.temp, &target)
}

/// Stores `bytes` whole as an upload named `filename` (blocking): for the
/// demo data, which has no request to stream from.
pub fn store_bytes(
    data: &Path,
    t: TenantId,
    filename: &str,
    bytes: &[u8],
) -> std::io::Result<Upload> {
    let dir = temp_dir(data);
    crate::files::create_private_dir_all(&dir)?;
    let temp = dir.join(format!("{}.part", uuid::Uuid::now_v7()));
    let mut f = crate::files::private_file_options()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    let up = Upload {
        temp,
        filename: clean_filename(filename),
        size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(bytes)),
        head: bytes[..bytes.len().min(HEAD)].to_vec(),
    };
    keep(data, t, &up)?;
    Ok(up)
}

/// Removes a temporary file nobody will keep (blocking; best effort).
pub fn discard(up: &Upload) {
    if let Err(e) = std::fs::remove_file(&up.temp) {
        tracing::warn!(error = %e, "temporary upload not removed");
    }
}

/// The attachments of these messages, in upload order.
pub fn for_messages(c: &mut DbConn, t: TenantId, ids: &[MessageId]) -> AppResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(messages_attachments::table
        .filter(messages_attachments::tenant_id.eq(t))
        .filter(messages_attachments::message_id.eq_any(ids))
        .order(messages_attachments::id.asc())
        .select(Attachment::as_select())
        .load(c)?)
}

/// An attachment of a message of this conversation (the caller checked
/// participation); 404 otherwise.
pub fn find(
    c: &mut DbConn,
    t: TenantId,
    conversation: ConversationId,
    id: AttachmentId,
) -> AppResult<Attachment> {
    use crate::schema::messages_messages;
    messages_attachments::table
        .inner_join(
            messages_messages::table.on(messages_messages::tenant_id
                .eq(messages_attachments::tenant_id)
                .and(messages_messages::id.eq(messages_attachments::message_id))),
        )
        .filter(messages_attachments::tenant_id.eq(t))
        .filter(messages_attachments::id.eq(id))
        .filter(messages_messages::conversation_id.eq(conversation))
        .filter(messages_messages::deleted_at.is_null())
        .select(Attachment::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Records the attachment of message `id` (in the posting transaction).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    c: &mut DbConn,
    t: TenantId,
    id: MessageId,
    up: &Upload,
    content_type: &str,
    is_image: bool,
) -> AppResult<()> {
    diesel::insert_into(messages_attachments::table)
        .values(Attachment {
            tenant_id: t,
            id: AttachmentId::new(),
            message_id: id,
            filename: up.filename.clone(),
            content_type: content_type.to_string(),
            size_bytes: up.size,
            sha256: up.sha256.clone(),
            is_image,
            created_at: UtcTime::now(),
        })
        .execute(c)?;
    Ok(())
}

/// Drops the attachments of a deleted message; returns the content hashes
/// no other attachment of the workspace uses (their blobs can go once the
/// transaction commits).
pub fn remove_for(c: &mut DbConn, t: TenantId, id: MessageId) -> AppResult<Vec<String>> {
    let shas: Vec<String> = messages_attachments::table
        .filter(messages_attachments::tenant_id.eq(t))
        .filter(messages_attachments::message_id.eq(id))
        .select(messages_attachments::sha256)
        .load(c)?;
    diesel::delete(
        messages_attachments::table
            .filter(messages_attachments::tenant_id.eq(t))
            .filter(messages_attachments::message_id.eq(id)),
    )
    .execute(c)?;
    let mut orphans = Vec::new();
    for sha in shas {
        let used: i64 = messages_attachments::table
            .filter(messages_attachments::tenant_id.eq(t))
            .filter(messages_attachments::sha256.eq(&sha))
            .count()
            .get_result(c)?;
        if used == 0 && !orphans.contains(&sha) {
            orphans.push(sha);
        }
    }
    Ok(orphans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, head: &[u8]) -> Upload {
        Upload {
            temp: PathBuf::new(),
            filename: name.into(),
            size: head.len() as i64,
            sha256: String::new(),
            head: head.to_vec(),
        }
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn names_are_reduced_to_a_safe_last_segment() {
        assert_eq!(clean_filename("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b;c\n.txt"), "abc.txt");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename(""), "file");
    }

    #[test]
    fn the_content_decides_the_type_and_must_match_the_name() {
        assert_eq!(
            check_type(&upload("logo.png", PNG)),
            Ok(("image/png".into(), true))
        );
        assert!(check_type(&upload("logo.jpg", PNG)).is_err());
        assert!(check_type(&upload("fake.pdf", b"just some text")).is_err());
        assert_eq!(
            check_type(&upload("notes.txt", b"just some text")),
            Ok(("application/octet-stream".into(), false))
        );
        // A PNG under a name that promises nothing is still an image.
        assert_eq!(
            check_type(&upload("screenshot", PNG)),
            Ok(("image/png".into(), true))
        );
    }
}
