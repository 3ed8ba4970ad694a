//! Messages in a conversation: posting (with mentions, replies and
//! threads), the main stream and a thread a page at a time, what arrived
//! since a page was loaded, editing (the earlier text kept as history) and
//! deleting (a "message deleted" placeholder stays), and each person's
//! unread, delivered and read marks.
//!
//! Every function takes the reader's [`Room`] or checks participation
//! itself: a message is only found through a conversation its reader is in.

use diesel::prelude::*;
use serde::Deserialize;

use super::attachments::{self, Upload};
use super::conversations::{self, Person, Room};
use super::models::*;
use super::notify;
use crate::accounts::UserId;
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::projects::project::{name_of, user_names};
use crate::schema::{
    messages_conversations, messages_edits, messages_messages, messages_participants,
};
use crate::web::live::Event;
use crate::web::FormErrors;

/// Longest message, in characters.
pub const MAX_BODY: usize = 10_000;
/// Messages on one page of the main stream ("Load older" shows the next).
pub const PAGE: i64 = 50;
/// Most messages a page picks up live before it asks to be reloaded.
pub const SINCE_CAP: i64 = 200;
/// Most replies a thread's page shows.
pub const THREAD_CAP: i64 = 500;
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

/// The quoted message a reply answers.
#[derive(Debug, Clone)]
pub struct Quote {
    pub author: String,
    pub excerpt: String,
}

/// A message as a conversation's page shows it to one reader.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub m: Message,
    pub author: String,
    /// The body as sanitised HTML (empty once deleted).
    pub html: String,
    pub mine: bool,
    /// For the reader's own messages: sent, delivered to or read by everyone else.
    pub receipt: Option<Receipt>,
    /// Who has read it and who has it, by name ("Read by Ana; delivered to
    /// Ben"), for the receipt's tooltip.
    pub receipt_detail: String,
    /// What it answers, when that is not the thread's first message.
    pub quote: Option<Quote>,
    /// Whether the reader may delete it (its author, or a workspace admin).
    pub may_delete: bool,
    /// Its files and images.
    pub attachments: Vec<Attachment>,
}

impl MessageRow {
    pub fn is_system(&self) -> bool {
        self.m.kind == MessageKind::System
    }

    pub fn deleted(&self) -> bool {
        self.m.deleted_at.is_some()
    }

    pub fn when(&self) -> String {
        self.m.created_at.0.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// The thread it belongs to (its own id for a first message).
    pub fn thread_root(&self) -> MessageId {
        self.m.thread_id.unwrap_or(self.m.id)
    }

    /// Priority worth flagging (high, urgent).
    pub fn flagged(&self) -> bool {
        matches!(
            self.m.priority,
            MessagePriority::High | MessagePriority::Urgent
        )
    }
}

/// One page of the main stream, oldest first.
#[derive(Debug, Clone)]
pub struct Stream {
    pub rows: Vec<MessageRow>,
    /// The cursor for "Load older", when older messages exist.
    pub older: Option<MessageId>,
}

/// The reader's rows for `msgs`: authors by name, reply quotes and receipts,
/// with two queries for the whole list.
fn rows(
    c: &mut DbConn,
    t: TenantId,
    room: &Room,
    me: UserId,
    moderate: bool,
    msgs: Vec<Message>,
) -> AppResult<Vec<MessageRow>> {
    let mut ids: Vec<UserId> = msgs.iter().filter_map(|m| m.author_id).collect();
    let quoted: Vec<MessageId> = msgs
        .iter()
        .filter(|m| m.reply_to_id.is_some() && m.reply_to_id != m.thread_id)
        .filter_map(|m| m.reply_to_id)
        .collect();
    let quotes: Vec<Message> = if quoted.is_empty() {
        Vec::new()
    } else {
        messages_messages::table
            .filter(messages_messages::tenant_id.eq(t))
            .filter(messages_messages::conversation_id.eq(room.c.id))
            .filter(messages_messages::id.eq_any(quoted))
            .select(Message::as_select())
            .load(c)?
    };
    ids.extend(quotes.iter().filter_map(|m| m.author_id));
    let names = user_names(c, ids)?;
    let with_files: Vec<MessageId> = msgs
        .iter()
        .filter(|m| {
            matches!(m.kind, MessageKind::File | MessageKind::Image) && m.deleted_at.is_none()
        })
        .map(|m| m.id)
        .collect();
    let mut files = attachments::for_messages(c, t, &with_files)?;
    let author =
        |id: Option<UserId>| id.map_or_else(|| "Atrium".to_string(), |u| name_of(&names, u));
    let others: Vec<&Person> = conversations::others(room, me).collect();
    Ok(msgs
        .into_iter()
        .map(|m| {
            let mine = m.author_id == Some(me) && m.kind != MessageKind::System;
            let receipt = (mine && m.deleted_at.is_none()).then(|| receipt(&others, m.id));
            let receipt_detail = if mine {
                receipt_detail(&others, m.id)
            } else {
                String::new()
            };
            let quote = m
                .reply_to_id
                .filter(|r| Some(*r) != m.thread_id)
                .and_then(|r| quotes.iter().find(|q| q.id == r))
                .map(|q| Quote {
                    author: author(q.author_id),
                    excerpt: if q.deleted_at.is_some() {
                        "message deleted".into()
                    } else {
                        excerpt(&q.body, 120)
                    },
                });
            MessageRow {
                author: author(m.author_id),
                html: if m.deleted_at.is_some() || m.kind == MessageKind::System {
                    String::new()
                } else {
                    crate::support::markdown::to_safe_html(&m.body)
                },
                receipt: receipt.flatten(),
                receipt_detail,
                quote,
                may_delete: m.deleted_at.is_none()
                    && m.kind != MessageKind::System
                    && (mine || moderate),
                mine,
                attachments: {
                    let (these, rest): (Vec<Attachment>, Vec<Attachment>) =
                        std::mem::take(&mut files)
                            .into_iter()
                            .partition(|a| a.message_id == m.id);
                    files = rest;
                    these
                },
                m,
            }
        })
        .collect())
}

/// Read by every other participant, delivered to every one, or only sent.
fn receipt(others: &[&Person], id: MessageId) -> Option<Receipt> {
    if others.is_empty() {
        return None;
    }
    let reached = |mark: Option<MessageId>| mark.is_some_and(|m| m >= id);
    if others.iter().all(|p| reached(p.read_upto)) {
        Some(Receipt::Read)
    } else if others
        .iter()
        .all(|p| reached(p.delivered_upto) || reached(p.read_upto))
    {
        Some(Receipt::Delivered)
    } else {
        Some(Receipt::Sent)
    }
}

/// "Read by Ana, Ben; delivered to Cat; not yet to Dan".
fn receipt_detail(others: &[&Person], id: MessageId) -> String {
    let reached = |mark: Option<MessageId>| mark.is_some_and(|m| m >= id);
    let names = |f: &dyn Fn(&Person) -> bool| {
        others
            .iter()
            .filter(|p| f(p))
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let read = names(&|p| reached(p.read_upto));
    let delivered = names(&|p| !reached(p.read_upto) && reached(p.delivered_upto));
    let waiting = names(&|p| !reached(p.read_upto) && !reached(p.delivered_upto));
    let mut parts = Vec::new();
    if !read.is_empty() {
        parts.push(format!("Read by {read}"));
    }
    if !delivered.is_empty() {
        parts.push(format!("delivered to {delivered}"));
    }
    if !waiting.is_empty() {
        parts.push(format!("not yet delivered to {waiting}"));
    }
    parts.join("; ")
}

/// The first `max` characters of `s` on one line.
pub fn excerpt(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut out: String = flat.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The main stream's newest [`PAGE`] messages before `before` (or the
/// newest of all), oldest first.
pub fn stream(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    before: Option<MessageId>,
    moderate: bool,
) -> AppResult<Stream> {
    let mut q = messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::conversation_id.eq(room.c.id))
        .filter(messages_messages::thread_id.is_null())
        .order(messages_messages::id.desc())
        .limit(PAGE + 1)
        .select(Message::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(messages_messages::id.lt(b));
    }
    let mut msgs: Vec<Message> = q.load(c)?;
    let more = msgs.len() as i64 > PAGE;
    msgs.truncate(PAGE as usize);
    msgs.reverse();
    let older = if more {
        msgs.first().map(|m| m.id)
    } else {
        None
    };
    Ok(Stream {
        rows: rows(c, t, room, me, moderate, msgs)?,
        older,
    })
}

/// What arrived after `after` in the main stream (or in `thread`), oldest
/// first, at most [`SINCE_CAP`]; `true` when more are waiting.
pub fn since(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    after: MessageId,
    thread: Option<MessageId>,
    moderate: bool,
) -> AppResult<(Vec<MessageRow>, bool)> {
    let mut q = messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::conversation_id.eq(room.c.id))
        .filter(messages_messages::id.gt(after))
        .order(messages_messages::id.asc())
        .limit(SINCE_CAP + 1)
        .select(Message::as_select())
        .into_boxed();
    q = match thread {
        Some(root) => q.filter(messages_messages::thread_id.eq(root)),
        None => q.filter(messages_messages::thread_id.is_null()),
    };
    let mut msgs: Vec<Message> = q.load(c)?;
    let more = msgs.len() as i64 > SINCE_CAP;
    msgs.truncate(SINCE_CAP as usize);
    Ok((rows(c, t, room, me, moderate, msgs)?, more))
}

/// A message of the room (any, deleted ones too); 404 otherwise.
pub fn find(
    c: &mut DbConn,
    t: TenantId,
    conversation: ConversationId,
    id: MessageId,
) -> AppResult<Message> {
    messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::conversation_id.eq(conversation))
        .filter(messages_messages::id.eq(id))
        .select(Message::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// One message as the reader sees it.
pub fn one(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    id: MessageId,
    moderate: bool,
) -> AppResult<MessageRow> {
    let m = find(c, t, room.c.id, id)?;
    rows(c, t, room, me, moderate, vec![m])?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A thread: its first message and up to [`THREAD_CAP`] replies, oldest
/// first; `true` when there are more.
pub fn thread(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    root: MessageId,
    moderate: bool,
) -> AppResult<(MessageRow, Vec<MessageRow>, bool)> {
    let first = find(c, t, room.c.id, root)?;
    if first.thread_id.is_some() {
        return Err(AppError::NotFound);
    }
    let mut replies: Vec<Message> = messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::thread_id.eq(root))
        .order(messages_messages::id.asc())
        .limit(THREAD_CAP + 1)
        .select(Message::as_select())
        .load(c)?;
    let more = replies.len() as i64 > THREAD_CAP;
    replies.truncate(THREAD_CAP as usize);
    let mut all = rows(
        c,
        t,
        room,
        me,
        moderate,
        std::iter::once(first).chain(replies).collect(),
    )?;
    let head = all.remove(0);
    Ok((head, all, more))
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

/// A message's earlier texts, newest first, as the reader sees them.
pub fn history(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    id: MessageId,
) -> AppResult<(MessageRow, Vec<Edit>)> {
    let row = one(c, t, me, room, id, false)?;
    let edits = messages_edits::table
        .filter(messages_edits::tenant_id.eq(t))
        .filter(messages_edits::message_id.eq(id))
        .order(messages_edits::id.desc())
        .limit(200)
        .select(Edit::as_select())
        .load(c)?;
    Ok((row, edits))
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
    use crate::db::Id;

    fn person(handle: &str) -> Person {
        Person {
            id: UserId(Id::new()),
            name: handle.to_uppercase(),
            handle: handle.into(),
            delivered_upto: None,
            read_upto: None,
        }
    }

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

    #[test]
    fn a_receipt_is_read_only_when_everyone_else_read_it() {
        let id = MessageId::new();
        let mut a = person("a");
        let mut b = person("b");
        assert_eq!(receipt(&[&a, &b], id), Some(Receipt::Sent));
        a.read_upto = Some(id);
        b.delivered_upto = Some(id);
        assert_eq!(receipt(&[&a, &b], id), Some(Receipt::Delivered));
        b.read_upto = Some(MessageId::new());
        assert_eq!(receipt(&[&a, &b], id), Some(Receipt::Read));
        assert_eq!(receipt(&[], id), None);
    }

    #[test]
    fn excerpts_are_one_line_and_cut() {
        assert_eq!(excerpt("a\n  b", 10), "a b");
        assert_eq!(excerpt(&"x".repeat(20), 5).chars().count(), 5);
    }
}
