//! What the messages module tells people through the notification centre:
//! a mention, a reply to their message, and a direct message. A muted
//! conversation sends only mentions.

use super::conversations::Room;
use super::models::*;
use super::reading::excerpt;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::modules::{Delivery, NoticeKind};
use crate::notifications::{notify, Notice};

pub const MENTION: NoticeKind = NoticeKind {
    key: "messages.mention",
    label: "Someone mentions you in a conversation",
    in_app: true,
    email: Delivery::Digest,
};
pub const REPLY: NoticeKind = NoticeKind {
    key: "messages.reply",
    label: "Someone answers your message",
    in_app: true,
    email: Delivery::Off,
};
pub const DIRECT: NoticeKind = NoticeKind {
    key: "messages.direct",
    label: "Someone writes to you directly",
    in_app: true,
    email: Delivery::Digest,
};

/// The module's kinds, on the preferences page in this order.
pub const KINDS: [NoticeKind; 3] = [MENTION, REPLY, DIRECT];

/// Where a notice about message `id` leads (inside the workspace).
fn link(room: &Room, id: MessageId, thread: Option<MessageId>) -> String {
    match thread {
        Some(root) => format!("messages/{}/threads/{root}#m-{id}", room.c.id),
        None => format!("messages/{}#m-{id}", room.c.id),
    }
}

fn writer(room: &Room, by: UserId) -> String {
    room.people
        .iter()
        .find(|p| p.id == by)
        .map_or_else(|| "Someone".to_string(), |p| p.name.clone())
}

/// Notices for a new message: mentions, the author of the message it
/// answers, and the other person of a direct conversation.
#[allow(clippy::too_many_arguments)]
pub fn posted(
    c: &mut DbConn,
    t: TenantId,
    room: &Room,
    by: UserId,
    id: MessageId,
    body: &str,
    mentioned: &[UserId],
    parent: Option<&Message>,
    thread: Option<MessageId>,
) -> AppResult<()> {
    self::mentioned(c, t, room, by, id, body, mentioned, thread)?;
    let quiet = muted_people(c, t, room)?;
    let name = writer(room, by);
    let mut told: Vec<UserId> = mentioned.to_vec();
    if let Some(to) = parent.and_then(|p| p.author_id) {
        if !told.contains(&to) && !quiet.contains(&to) {
            notify(
                c,
                t,
                &Notice {
                    kind: &REPLY,
                    to,
                    actor: Some(by),
                    title: format!("{name} answered you in {}", room.title),
                    body: excerpt(body, 200),
                    link: link(room, id, thread),
                },
            )?;
            told.push(to);
        }
    }
    if room.c.kind == ConversationKind::Direct {
        // One notice per unread stretch: the first message they have not
        // read yet (a chat of fifty lines is one notice, not fifty).
        let first_unread = first_unread(c, t, room, by)?;
        for p in room.people.iter().filter(|p| p.id != by) {
            if told.contains(&p.id) || quiet.contains(&p.id) || !first_unread.contains(&p.id) {
                continue;
            }
            notify(
                c,
                t,
                &Notice {
                    kind: &DIRECT,
                    to: p.id,
                    actor: Some(by),
                    title: format!("{name} wrote to you"),
                    body: excerpt(body, 200),
                    link: link(room, id, thread),
                },
            )?;
        }
    }
    Ok(())
}

/// Notices for the people a message mentions (muted or not).
#[allow(clippy::too_many_arguments)]
pub fn mentioned(
    c: &mut DbConn,
    t: TenantId,
    room: &Room,
    by: UserId,
    id: MessageId,
    body: &str,
    people: &[UserId],
    thread: Option<MessageId>,
) -> AppResult<()> {
    let name = writer(room, by);
    for to in people {
        notify(
            c,
            t,
            &Notice {
                kind: &MENTION,
                to: *to,
                actor: Some(by),
                title: format!("{name} mentioned you in {}", room.title),
                body: excerpt(body, 200),
                link: link(room, id, thread),
            },
        )?;
    }
    Ok(())
}

/// Who in the room muted it.
fn muted_people(c: &mut DbConn, t: TenantId, room: &Room) -> AppResult<Vec<UserId>> {
    use crate::schema::messages_participants as p;
    use diesel::prelude::*;
    Ok(p::table
        .filter(p::tenant_id.eq(t))
        .filter(p::conversation_id.eq(room.c.id))
        .filter(p::left_at.is_null())
        .filter(p::muted.eq(true))
        .select(p::user_id)
        .load(c)?)
}

/// The people (other than `by`) for whom the message just posted is their
/// only unread one in the room.
fn first_unread(c: &mut DbConn, t: TenantId, room: &Room, by: UserId) -> AppResult<Vec<UserId>> {
    use crate::schema::messages_participants as p;
    use diesel::prelude::*;
    Ok(p::table
        .filter(p::tenant_id.eq(t))
        .filter(p::conversation_id.eq(room.c.id))
        .filter(p::left_at.is_null())
        .filter(p::user_id.ne(by))
        .filter(p::unread.eq(1))
        .select(p::user_id)
        .load(c)?)
}
