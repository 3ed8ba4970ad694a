//! Rows of the messages tables, their typed ids, and the kinds stored as TEXT.

use diesel::prelude::*;

use crate::accounts::models::UserId;
use crate::db::{Json, TenantId, UtcTime};
use crate::projects::models::ProjectId;
use crate::schema::*;
use crate::workspaces::teams::TeamId;

crate::typed_id!(
    /// The id of a conversation (`messages_conversations.id`).
    ConversationId
);
crate::typed_id!(
    /// The id of a message (`messages_messages.id`): UUIDv7, so ids sort
    /// in the order messages were written.
    MessageId
);
crate::typed_id!(
    /// The id of a person's place in a conversation (`messages_participants.id`).
    ParticipantId
);
crate::typed_id!(
    /// The id of a file attached to a message (`messages_attachments.id`).
    AttachmentId
);
crate::typed_id!(
    /// The id of an earlier text of a message (`messages_edits.id`).
    EditId
);

crate::text_enum!(
    /// What a conversation is.
    ConversationKind {
        Direct = "direct" / "Direct",
        Group = "group" / "Group",
        Team = "team" / "Team",
        Project = "project" / "Project",
    }
);

crate::text_enum!(
    /// What a message is: people write text; the conversation itself writes
    /// system messages (joined, left, renamed).
    MessageKind {
        Text = "text" / "Text",
        File = "file" / "File",
        Image = "image" / "Image",
        System = "system" / "System",
    }
);

crate::text_enum!(
    /// How urgent a message is.
    MessagePriority {
        Low = "low" / "Low",
        Normal = "normal" / "Normal",
        High = "high" / "High",
        Urgent = "urgent" / "Urgent",
    }
);

crate::text_enum!(
    /// Where a message stands for its readers, as its author sees it.
    Receipt {
        Sent = "sent" / "Sent",
        Delivered = "delivered" / "Delivered",
        Read = "read" / "Read",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = messages_conversations)]
pub struct Conversation {
    pub tenant_id: TenantId,
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: String,
    pub direct_key: Option<String>,
    pub team_id: Option<TeamId>,
    pub project_id: Option<ProjectId>,
    pub created_by: Option<UserId>,
    pub created_at: UtcTime,
    pub last_message_at: UtcTime,
    pub last_message_id: Option<MessageId>,
    pub message_count: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = messages_participants)]
pub struct Participant {
    pub tenant_id: TenantId,
    pub id: ParticipantId,
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub joined_at: UtcTime,
    pub left_at: Option<UtcTime>,
    pub muted: bool,
    pub last_message_at: UtcTime,
    pub unread: i32,
    pub delivered_upto: Option<MessageId>,
    pub read_upto: Option<MessageId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = messages_messages)]
pub struct Message {
    pub tenant_id: TenantId,
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub author_id: Option<UserId>,
    pub kind: MessageKind,
    pub priority: MessagePriority,
    pub body: String,
    pub reply_to_id: Option<MessageId>,
    pub thread_id: Option<MessageId>,
    pub reply_count: i32,
    pub last_reply_at: Option<UtcTime>,
    pub mentions: Json,
    pub edited_at: Option<UtcTime>,
    pub deleted_at: Option<UtcTime>,
    pub created_at: UtcTime,
}

impl Message {
    /// The user ids the message mentions.
    pub fn mentioned(&self) -> Vec<UserId> {
        match &self.mentions.0 {
            serde_json::Value::Array(ids) => ids
                .iter()
                .filter_map(|v| v.as_str()?.parse().ok())
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = messages_edits)]
pub struct Edit {
    pub tenant_id: TenantId,
    pub id: EditId,
    pub message_id: MessageId,
    pub body: String,
    pub edited_by: Option<UserId>,
    pub edited_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = messages_attachments)]
pub struct Attachment {
    pub tenant_id: TenantId,
    pub id: AttachmentId,
    pub message_id: MessageId,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub is_image: bool,
    pub created_at: UtcTime,
}

impl Attachment {
    /// "1.2 MB", "340 KB", "12 bytes".
    pub fn size(&self) -> String {
        crate::web::uploads::size_text(self.size_bytes)
    }
}
