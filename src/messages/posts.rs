//! Writing messages: posting (with mentions, replies, threads and files),
//! system lines, editing (the earlier text kept as history), deleting (a
//! "message deleted" placeholder stays), and each person's unread,
//! delivered and read marks. Reading them is `reading.rs`.
//!
//! Every function checks participation through the conversation's room: a
//! message is only found through a conversation its writer is in.

use diesel::prelude::*;
use serde::Deserialize;

use super::attachments;
use super::conversations::{self, Person, Room};
use super::models::*;
use super::notify;
use super::reading::find;
use crate::accounts::UserId;
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{
    messages_conversations, messages_edits, messages_messages, messages_participants,
};
use crate::web::live::Event;
use crate::web::uploads::Upload;
use crate::web::FormErrors;

/// Longest message, in characters.
pub const MAX_BODY: usize = 10_000;
/// Most people one message can mention.
pub const MAX_MENTIONS: usize = 50;

/// The message form (a reply carries the message it answers).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub reply_to: String,
}

/// The people `body` mentions (`@handle`), among the room's participants
/// other than the writer.
pub fn mentions(body: &str, people: &[Person], by: UserId) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::new();
    for (i, _) in body.match_indices('@') {
        // An address (name@example.com) is not a mention.
        let prev = body[..i].chars().next_back();
        if prev.is_some_and(|ch| ch.is_alphanumeric()) {
            continue;
        }
        let handle: String = body[i + 1..]
            .chars()
            .take_while(|ch| ch.is_alphanumeric() || matches!(ch, '.' | '_' | '-' | '+'))
            .collect::<String>()
            .trim_end_matches('.')
            .to_lowercase();
        if handle.is_empty() {
            continue;
        }
        for p in people.iter().filter(|p| p.handle == handle && p.id != by) {
            if !out.contains(&p.id) && out.len() < MAX_MENTIONS {
                out.push(p.id);
            }
        }
    }
    out
}

fn check_body(body: &str, e: &mut FormErrors) {
    if body.is_empty() {
        e.add("body", "Write something first.");
    } else if body.chars().count() > MAX_BODY {
        e.add(
            "body",
            format!("A message has at most {MAX_BODY} characters."),
        );
    }
}

/// Posts `f` in the conversation as `by`: counts it unread for everyone
/// else, marks it read for `by`, and notifies whom it mentions or answers.
/// Returns its id and the live events to publish once committed.
pub fn post(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    conversation: ConversationId,
    f: &PostForm,
) -> AppResult<Result<(MessageId, Vec<Event>), FormErrors>> {
    post_with(c, t, by, conversation, f, None)
}

/// A file (stored already) and what it is: its sniffed type, and whether it
/// is an image shown inline.
pub struct Attached<'a> {
    pub upload: &'a Upload,
    pub content_type: &'a str,
    pub is_image: bool,
}

/// Posts a message, with a file when `file` is given (its text, a caption,
/// may then be empty).
pub fn post_with(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    conversation: ConversationId,
    f: &PostForm,
    file: Option<Attached<'_>>,
) -> AppResult<Result<(MessageId, Vec<Event>), FormErrors>> {
    let room = conversations::room(c, t, by, conversation)?;
    let mut e = FormErrors::default();
    let body = f.body.trim();
    if file.is_none() || !body.is_empty() {
        check_body(body, &mut e);
    }
    let priority = if f.priority.is_empty() {
        Some(MessagePriority::Normal)
    } else {
        MessagePriority::parse(&f.priority)
    };
    if priority.is_none() {
        e.add("priority", "Choose a priority from the list.");
    }
    let parent = match f.reply_to.trim() {
        "" => None,
        s => match s.parse::<MessageId>() {
            Ok(id) => match find(c, t, conversation, id) {
                Ok(p) if p.deleted_at.is_none() && p.kind != MessageKind::System => Some(p),
                Ok(_) => {
                    e.add(
                        "reply_to",
                        "That message was deleted; it cannot be answered.",
                    );
                    None
                }
                Err(AppError::NotFound) => {
                    e.add(
                        "reply_to",
                        "The message you answer is not in this conversation.",
                    );
                    None
                }
                Err(other) => return Err(other),
            },
            Err(_) => {
                e.add(
                    "reply_to",
                    "The message you answer is not in this conversation.",
                );
                None
            }
        },
    };
    let (Some(priority), true) = (priority, e.is_empty()) else {
        return Ok(Err(e));
    };
    let mentioned = mentions(body, &room.people, by);
    let now = UtcTime::now();
    let id = MessageId::new();
    let thread_id = parent.as_ref().map(|p| p.thread_id.unwrap_or(p.id));
    diesel::insert_into(messages_messages::table)
        .values(Message {
            tenant_id: t,
            id,
            conversation_id: conversation,
            author_id: Some(by),
            kind: match &file {
                None => MessageKind::Text,
                Some(a) if a.is_image => MessageKind::Image,
                Some(_) => MessageKind::File,
            },
            priority,
            body: body.to_string(),
            reply_to_id: parent.as_ref().map(|p| p.id),
            thread_id,
            reply_count: 0,
            last_reply_at: None,
            mentions: Json(serde_json::json!(mentioned)),
            edited_at: None,
            deleted_at: None,
            created_at: now,
        })
        .execute(c)?;
    if let Some(a) = &file {
        attachments::insert(c, t, id, a.upload, a.content_type, a.is_image)?;
    }
    bump(c, t, conversation, Some(by), id, now, true)?;
    let mut events = Vec::new();
    match thread_id {
        Some(root) => {
            diesel::update(
                messages_messages::table
                    .filter(messages_messages::tenant_id.eq(t))
                    .filter(messages_messages::id.eq(root)),
            )
            .set((
                messages_messages::reply_count.eq(messages_messages::reply_count + 1),
                messages_messages::last_reply_at.eq(Some(now)),
            ))
            .execute(c)?;
            events.push(Event::new(t, conversation.0 .0, format!("changed-{root}")));
            events.push(Event::new(t, conversation.0 .0, format!("thread-{root}")));
        }
        None => events.push(Event::new(t, conversation.0 .0, "new")),
    }
    notify::posted(
        c,
        t,
        &room,
        by,
        id,
        body,
        &mentioned,
        parent.as_ref(),
        thread_id,
    )?;
    Ok(Ok((id, events)))
}

/// A line the conversation writes itself ("Ana added Ben"), by `actor`.
/// It moves the conversation up the lists but counts as nobody's unread.
pub fn system(
    c: &mut DbConn,
    t: TenantId,
    conversation: ConversationId,
    actor: Option<UserId>,
    text: &str,
) -> AppResult<MessageId> {
    let now = UtcTime::now();
    let id = MessageId::new();
    diesel::insert_into(messages_messages::table)
        .values(Message {
            tenant_id: t,
            id,
            conversation_id: conversation,
            author_id: actor,
            kind: MessageKind::System,
            priority: MessagePriority::Normal,
            body: text.to_string(),
            reply_to_id: None,
            thread_id: None,
            reply_count: 0,
            last_reply_at: None,
            mentions: Json(serde_json::json!([])),
            edited_at: None,
            deleted_at: None,
            created_at: now,
        })
        .execute(c)?;
    bump(c, t, conversation, actor, id, now, false)?;
    Ok(id)
}

/// A new message moves its conversation up every participant's list; a
/// person's message counts as unread for everyone but its author.
fn bump(
    c: &mut DbConn,
    t: TenantId,
    conversation: ConversationId,
    by: Option<UserId>,
    id: MessageId,
    now: UtcTime,
    unread: bool,
) -> AppResult<()> {
    diesel::update(
        messages_conversations::table
            .filter(messages_conversations::tenant_id.eq(t))
            .filter(messages_conversations::id.eq(conversation)),
    )
    .set((
        messages_conversations::last_message_at.eq(now),
        messages_conversations::last_message_id.eq(Some(id)),
        messages_conversations::message_count.eq(messages_conversations::message_count + 1),
    ))
    .execute(c)?;
    let everyone = messages_participants::table
        .filter(messages_participants::tenant_id.eq(t))
        .filter(messages_participants::conversation_id.eq(conversation))
        .filter(messages_participants::left_at.is_null());
    let added = i32::from(unread);
    match by {
        Some(author) => {
            diesel::update(everyone.filter(messages_participants::user_id.ne(author)))
                .set((
                    messages_participants::last_message_at.eq(now),
                    messages_participants::unread.eq(messages_participants::unread + added),
                ))
                .execute(c)?;
            diesel::update(everyone.filter(messages_participants::user_id.eq(author)))
                .set((
                    messages_participants::last_message_at.eq(now),
                    messages_participants::read_upto.eq(Some(id)),
                    messages_participants::delivered_upto.eq(Some(id)),
                    messages_participants::unread.eq(0),
                ))
                .execute(c)?;
        }
        None => {
            diesel::update(everyone)
                .set(messages_participants::last_message_at.eq(now))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Changes the text of `by`'s own message; the earlier text goes to its
/// history. People newly mentioned are notified.
pub fn edit(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    conversation: ConversationId,
    id: MessageId,
    body: &str,
) -> AppResult<Result<Vec<Event>, FormErrors>> {
    let room = conversations::room(c, t, by, conversation)?;
    let m = find(c, t, conversation, id)?;
    if m.author_id != Some(by) || m.kind == MessageKind::System {
        return Err(AppError::Forbidden(
            "Only its author can edit a message.".into(),
        ));
    }
    if m.deleted_at.is_some() {
        return Err(AppError::Conflict("That message was deleted.".into()));
    }
    let mut e = FormErrors::default();
    let body = body.trim();
    check_body(body, &mut e);
    if !e.is_empty() {
        return Ok(Err(e));
    }
    if body == m.body {
        return Ok(Ok(Vec::new()));
    }
    let now = UtcTime::now();
    diesel::insert_into(messages_edits::table)
        .values(Edit {
            tenant_id: t,
            id: EditId::new(),
            message_id: id,
            body: m.body.clone(),
            edited_by: Some(by),
            edited_at: now,
        })
        .execute(c)?;
    let before = m.mentioned();
    let mentioned = mentions(body, &room.people, by);
    diesel::update(
        messages_messages::table
            .filter(messages_messages::tenant_id.eq(t))
            .filter(messages_messages::id.eq(id)),
    )
    .set((
        messages_messages::body.eq(body),
        messages_messages::edited_at.eq(Some(now)),
        messages_messages::mentions.eq(Json(serde_json::json!(mentioned))),
    ))
    .execute(c)?;
    let fresh: Vec<UserId> = mentioned
        .into_iter()
        .filter(|u| !before.contains(u))
        .collect();
    notify::mentioned(c, t, &room, by, id, body, &fresh, m.thread_id)?;
    Ok(Ok(vec![Event::new(
        t,
        conversation.0 .0,
        format!("changed-{id}"),
    )]))
}

/// What deleting a message leaves to do once committed: events to publish,
/// and the content hashes of files nothing uses any more.
#[derive(Debug, Default)]
pub struct Deleted {
    pub events: Vec<Event>,
    pub orphans: Vec<String>,
}

/// Deletes a message: its author, or a workspace admin (`moderate`). The
/// row stays as "message deleted" so replies keep their place; its text,
/// its history and its files go.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    moderate: bool,
    conversation: ConversationId,
    id: MessageId,
) -> AppResult<Deleted> {
    conversations::find(c, t, by, conversation)?;
    let m = find(c, t, conversation, id)?;
    if m.kind == MessageKind::System || (m.author_id != Some(by) && !moderate) {
        return Err(AppError::Forbidden(
            "Only its author or a workspace admin can delete a message.".into(),
        ));
    }
    if m.deleted_at.is_some() {
        return Ok(Deleted::default());
    }
    let orphans = attachments::remove_for(c, t, id)?;
    diesel::delete(
        messages_edits::table
            .filter(messages_edits::tenant_id.eq(t))
            .filter(messages_edits::message_id.eq(id)),
    )
    .execute(c)?;
    diesel::update(
        messages_messages::table
            .filter(messages_messages::tenant_id.eq(t))
            .filter(messages_messages::id.eq(id)),
    )
    .set((
        messages_messages::body.eq(""),
        messages_messages::mentions.eq(Json(serde_json::json!([]))),
        messages_messages::deleted_at.eq(Some(UtcTime::now())),
    ))
    .execute(c)?;
    Ok(Deleted {
        events: vec![Event::new(t, conversation.0 .0, format!("changed-{id}"))],
        orphans,
    })
}

/// Whether the reader has something in the room not yet marked read (so a
/// page view only writes when it must).
pub fn unseen(room: &Room) -> bool {
    room.me.unread != 0 || room.me.read_upto < room.c.last_message_id
}

/// `me` has seen the conversation up to its newest message: nothing is
/// unread, and that message is read (and so delivered).
pub fn mark_read(c: &mut DbConn, t: TenantId, me: UserId, room: &Room) -> AppResult<()> {
    let newest = room.c.last_message_id;
    if !unseen(room) {
        return Ok(());
    }
    diesel::update(
        messages_participants::table
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::conversation_id.eq(room.c.id))
            .filter(messages_participants::user_id.eq(me))
            // A message that came after the page read the room stays unread.
            .filter(messages_participants::last_message_at.le(room.c.last_message_at)),
    )
    .set((
        messages_participants::unread.eq(0),
        messages_participants::read_upto.eq(newest),
        messages_participants::delivered_upto.eq(newest),
    ))
    .execute(c)?;
    Ok(())
}

/// The inbox showed `me` these conversations: their newest messages are
/// delivered. Only rows behind are written.
pub fn mark_delivered(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    listed: &[(Conversation, Participant)],
) -> AppResult<()> {
    for (conv, mine) in listed {
        if conv.last_message_id.is_none() || mine.delivered_upto >= conv.last_message_id {
            continue;
        }
        diesel::update(
            messages_participants::table
                .filter(messages_participants::tenant_id.eq(t))
                .filter(messages_participants::conversation_id.eq(conv.id))
                .filter(messages_participants::user_id.eq(me)),
        )
        .set(messages_participants::delivered_upto.eq(conv.last_message_id))
        .execute(c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::conversations::test_person as person;

    #[test]
    fn mentions_find_handles_but_not_addresses_or_the_writer() {
        let (ana, ben, me) = (person("ana"), person("ben.k"), person("me"));
        let people = vec![ana.clone(), ben.clone(), me.clone()];
        let found = mentions(
            "hi @Ana, see @ben.k. and mail ana@example.com @me @nobody",
            &people,
            me.id,
        );
        assert_eq!(found, vec![ana.id, ben.id]);
        assert!(mentions("@ana @ana", &people, me.id).len() == 1);
        assert!(mentions("no one", &people, me.id).is_empty());
    }
}
