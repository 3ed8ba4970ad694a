//! Conversations and who is in them: finding one for a reader, its people,
//! a person's inbox (`changes` starts them, adds people, leaves, renames,
//! mutes). Only a conversation's current participants can reach it: to
//! anyone else in the workspace it does not exist (404), as to another
//! workspace.

mod changes;
pub mod choices;

pub use changes::*;

use diesel::prelude::*;
use serde::Deserialize;

use super::models::*;
use super::posts;
use crate::accounts::UserId;
use crate::db::{DbConn, Id, TenantId};
use crate::error::{AppError, AppResult};
use crate::schema::{messages_conversations, messages_participants, users};
use crate::web::{Cursor, Keyset, Seek, SeekParams};

/// Conversations on one page of the inbox.
pub const PER_PAGE: i64 = 30;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Most people a conversation can hold (a team or project bigger than this
/// gets a group conversation of its first members, with a message saying so).
pub const MAX_PARTICIPANTS: usize = 500;

/// The new-conversation form. People come as repeated `people` fields,
/// gathered by the handler.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub project_id: String,
    #[serde(default, skip)]
    pub people: Vec<UserId>,
}

/// A conversation as a person's inbox lists it.
#[derive(Debug, Clone)]
pub struct InboxRow {
    pub c: Conversation,
    pub me: Participant,
    /// The title to show: its own, or (direct) the other person's name.
    pub title: String,
}

/// A participant as the conversation's page lists them.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    /// What `@` mentions them: their email address's local part.
    pub handle: String,
    pub delivered_upto: Option<MessageId>,
    pub read_upto: Option<MessageId>,
}

/// A conversation's page: the conversation, the reader's place in it, its
/// participants.
#[derive(Debug, Clone)]
pub struct Room {
    pub c: Conversation,
    pub me: Participant,
    pub people: Vec<Person>,
    pub title: String,
}

impl Room {
    /// Whether people can be added and the title changed (not a direct one).
    pub fn is_open(&self) -> bool {
        self.c.kind != ConversationKind::Direct
    }
}

/// `user`'s handle: the local part of their address, lower-cased.
pub fn handle_of(email: &str) -> String {
    email.split('@').next().unwrap_or_default().to_lowercase()
}

/// The conversation and `me`'s place in it; 404 unless `me` is a current
/// participant.
pub fn find(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    id: ConversationId,
) -> AppResult<(Conversation, Participant)> {
    let found: Option<(Conversation, Participant)> = messages_conversations::table
        .inner_join(
            messages_participants::table.on(messages_participants::tenant_id
                .eq(messages_conversations::tenant_id)
                .and(messages_participants::conversation_id.eq(messages_conversations::id))),
        )
        .filter(messages_conversations::tenant_id.eq(t))
        .filter(messages_conversations::id.eq(id))
        .filter(messages_participants::user_id.eq(me))
        .filter(messages_participants::left_at.is_null())
        .select((Conversation::as_select(), Participant::as_select()))
        .first(c)
        .optional()?;
    found.ok_or(AppError::NotFound)
}

/// The conversation's page data: itself, `me`'s place, its people.
pub fn room(c: &mut DbConn, t: TenantId, me: UserId, id: ConversationId) -> AppResult<Room> {
    let (conv, mine) = find(c, t, me, id)?;
    let people = people(c, t, id)?;
    let title = title_for(&conv, &people, me);
    Ok(Room {
        c: conv,
        me: mine,
        people,
        title,
    })
}

/// The current participants, by name.
pub fn people(c: &mut DbConn, t: TenantId, id: ConversationId) -> AppResult<Vec<Person>> {
    type Row = (UserId, String, String, Option<MessageId>, Option<MessageId>);
    let rows: Vec<Row> = messages_participants::table
        .inner_join(users::table.on(users::id.eq(messages_participants::user_id)))
        .filter(messages_participants::tenant_id.eq(t))
        .filter(messages_participants::conversation_id.eq(id))
        .filter(messages_participants::left_at.is_null())
        .order((users::name.asc(), users::id.asc()))
        .limit(MAX_PARTICIPANTS as i64)
        .select((
            users::id,
            users::name,
            users::email,
            messages_participants::delivered_upto,
            messages_participants::read_upto,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, delivered_upto, read_upto)| Person {
            id,
            name,
            handle: handle_of(&email),
            delivered_upto,
            read_upto,
        })
        .collect())
}

/// A direct conversation is called after the other person; the others by
/// their title (or, untitled, their first few people).
fn title_for(conv: &Conversation, people: &[Person], me: UserId) -> String {
    if !conv.title.is_empty() {
        return conv.title.clone();
    }
    let others: Vec<&str> = people
        .iter()
        .filter(|p| p.id != me)
        .map(|p| p.name.as_str())
        .collect();
    match (conv.kind, others.len()) {
        (_, 0) => "Just you".into(),
        (_, n) if n <= 3 => others.join(", "),
        (_, n) => format!("{} and {} others", others[..2].join(", "), n - 2),
    }
}

/// One page of `me`'s conversations, most recently active first (keyset on
/// the time of the last message and the id). Marks the newest message of
/// each listed conversation delivered to `me`.
pub fn inbox(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    q: &SeekParams,
) -> AppResult<Keyset<InboxRow>> {
    let mut seek = q.seek();
    let at = seek
        .cursor()
        .and_then(|cur| cur.time().map(|time| (time, ConversationId(Id(cur.id)))));
    if seek != Seek::First && at.is_none() {
        seek = Seek::First;
    }
    let mut query = messages_participants::table
        .inner_join(
            messages_conversations::table.on(messages_conversations::tenant_id
                .eq(messages_participants::tenant_id)
                .and(messages_conversations::id.eq(messages_participants::conversation_id))),
        )
        .filter(messages_participants::tenant_id.eq(t))
        .filter(messages_participants::user_id.eq(me))
        .filter(messages_participants::left_at.is_null())
        .select((Conversation::as_select(), Participant::as_select()))
        .limit(Seek::limit(PER_PAGE))
        .into_boxed();
    query = match (&seek, at) {
        (Seek::Before(_), Some((time, id))) => query
            .filter(
                messages_participants::last_message_at.gt(time).or(
                    messages_participants::last_message_at
                        .eq(time)
                        .and(messages_participants::conversation_id.gt(id)),
                ),
            )
            .order((
                messages_participants::last_message_at.asc(),
                messages_participants::conversation_id.asc(),
            )),
        (Seek::After(_), Some((time, id))) => query
            .filter(
                messages_participants::last_message_at.lt(time).or(
                    messages_participants::last_message_at
                        .eq(time)
                        .and(messages_participants::conversation_id.lt(id)),
                ),
            )
            .order((
                messages_participants::last_message_at.desc(),
                messages_participants::conversation_id.desc(),
            )),
        _ => query.order((
            messages_participants::last_message_at.desc(),
            messages_participants::conversation_id.desc(),
        )),
    };
    let rows: Vec<(Conversation, Participant)> = query.load(c)?;
    let page = match Keyset::from_rows(rows, &seek, PER_PAGE, |(conv, _)| {
        Cursor::new(conv.last_message_at.to_db_text(), conv.id.0 .0)
    }) {
        Some(page) => page,
        None => return inbox(c, t, me, &SeekParams::default()),
    };
    let convs: Vec<&Conversation> = page.items.iter().map(|(conv, _)| conv).collect();
    let titles = titles(c, t, me, &convs)?;
    posts::mark_delivered(c, t, me, &page.items)?;
    let mut titles = titles.into_iter();
    Ok(page.map(|(conv, mine)| InboxRow {
        c: conv,
        me: mine,
        title: titles.next().unwrap_or_default(),
    }))
}

/// Titles for a list of conversations: untitled ones are named after their
/// other people, read for the whole list in one query.
pub fn titles(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    rows: &[&Conversation],
) -> AppResult<Vec<String>> {
    let mut untitled: Vec<ConversationId> = rows
        .iter()
        .filter(|conv| conv.title.is_empty())
        .map(|conv| conv.id)
        .collect();
    untitled.sort();
    untitled.dedup();
    let others: Vec<(ConversationId, UserId, String)> = if untitled.is_empty() {
        Vec::new()
    } else {
        messages_participants::table
            .inner_join(users::table.on(users::id.eq(messages_participants::user_id)))
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::conversation_id.eq_any(untitled))
            .filter(messages_participants::left_at.is_null())
            .filter(messages_participants::user_id.ne(me))
            .order((users::name.asc(), users::id.asc()))
            .select((
                messages_participants::conversation_id,
                users::id,
                users::name,
            ))
            .load(c)?
    };
    Ok(rows
        .iter()
        .map(|conv| {
            let people: Vec<Person> = others
                .iter()
                .filter(|(cid, _, _)| *cid == conv.id)
                .map(|(_, id, name)| Person {
                    id: *id,
                    name: name.clone(),
                    handle: String::new(),
                    delivered_upto: None,
                    read_upto: None,
                })
                .collect();
            title_for(conv, &people, me)
        })
        .collect())
}

/// What a message row needs from the room: used by [`posts`] to compute
/// receipts without another query.
pub fn others<'a>(room: &'a Room, me: UserId) -> impl Iterator<Item = &'a Person> + 'a {
    room.people.iter().filter(move |p| p.id != me)
}

/// A participant with this handle and no marks, for unit tests.
#[cfg(test)]
pub(crate) fn test_person(handle: &str) -> Person {
    Person {
        id: UserId(Id::new()),
        name: handle.to_uppercase(),
        handle: handle.into(),
        delivered_upto: None,
        read_upto: None,
    }
}
