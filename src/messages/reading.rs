//! Reading messages as one reader sees them: the main stream a page at a
//! time ("Load older"), what arrived since a page was loaded, a thread, one
//! message, its edit history. Rows carry authors, quotes, files and
//! receipts, each read once for the whole list (no query per message).
//!
//! Every function takes the reader's [`Room`] (which proves they are in the
//! conversation) or is called after that check.

use diesel::prelude::*;

use super::attachments;
use super::conversations::{self, Person, Room};
use super::models::*;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::projects::project::{name_of, user_names};
use crate::schema::{messages_edits, messages_messages};

/// Messages on one page of the main stream ("Load older" shows the next).
pub const PAGE: i64 = 50;
/// Most messages a page picks up live before it asks to be reloaded.
pub const SINCE_CAP: i64 = 200;
/// Replies on one page of a thread ("Later replies" shows the next).
pub const THREAD_PAGE: i64 = 200;

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

/// A thread: its first message and a page of [`THREAD_PAGE`] replies after
/// `after` (or the first), oldest first; `true` when later ones follow.
pub fn thread(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    room: &Room,
    root: MessageId,
    after: Option<MessageId>,
    moderate: bool,
) -> AppResult<(MessageRow, Vec<MessageRow>, bool)> {
    let first = find(c, t, room.c.id, root)?;
    if first.thread_id.is_some() {
        return Err(AppError::NotFound);
    }
    let mut q = messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::thread_id.eq(root))
        .order(messages_messages::id.asc())
        .limit(THREAD_PAGE + 1)
        .select(Message::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(messages_messages::id.gt(a));
    }
    let mut replies: Vec<Message> = q.load(c)?;
    let more = replies.len() as i64 > THREAD_PAGE;
    replies.truncate(THREAD_PAGE as usize);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::conversations::test_person as person;

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
