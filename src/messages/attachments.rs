//! Files and images attached to messages: the rows. The bytes are kept
//! through `web::uploads` under `blobs/<workspace>/<sha256>` (the same file
//! twice is kept once), written whole before the row.

use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::models::*;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::messages_attachments;
use crate::web::uploads::Upload;

/// Where a workspace's message blob lives.
pub fn blob_path(data: &Path, t: TenantId, sha256: &str) -> PathBuf {
    crate::files::blob_path(data, &t, sha256)
}

/// The folder of a workspace's message blobs.
pub fn blob_dir(data: &Path, t: TenantId) -> PathBuf {
    data.join("blobs").join(t.to_string())
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
