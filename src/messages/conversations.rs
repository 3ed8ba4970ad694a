//! Conversations and who is in them: starting one (direct, group, for a
//! team or a project), a person's inbox, adding people, leaving, renaming,
//! muting. Only a conversation's current participants can reach it: to
//! anyone else in the workspace it does not exist (404), as to another
//! workspace.

use diesel::prelude::*;
use serde::Deserialize;

use super::models::*;
use super::posts;
use crate::accounts::UserId;
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::projects::models::ProjectId;
use crate::projects::project::{is_member, user_names};
use crate::schema::{
    memberships, messages_conversations, messages_participants, projects_members,
    projects_projects, team_members, teams, users,
};
use crate::web::live::Event;
use crate::web::{Cursor, FormErrors, Keyset, Seek, SeekParams};
use crate::workspaces::teams::TeamId;

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

/// What a team or project conversation comes from: the team or project,
/// its name (the default title) and its people.
type Source = (Option<TeamId>, Option<ProjectId>, String, Vec<UserId>);

/// The people a team or project brings, or an error for the form.
fn members_of(
    c: &mut DbConn,
    t: TenantId,
    kind: ConversationKind,
    f: &NewForm,
    e: &mut FormErrors,
) -> AppResult<Source> {
    let limit = MAX_PARTICIPANTS as i64;
    match kind {
        ConversationKind::Team => {
            let Ok(team) = f.team_id.parse::<TeamId>() else {
                e.add("team_id", "Choose a team.");
                return Ok((None, None, String::new(), Vec::new()));
            };
            let name: Option<String> = teams::table
                .filter(teams::tenant_id.eq(t))
                .filter(teams::id.eq(team))
                .select(teams::name)
                .first(c)
                .optional()?;
            let Some(name) = name else {
                e.add("team_id", "That team is not in this workspace.");
                return Ok((None, None, String::new(), Vec::new()));
            };
            let people = team_members::table
                .inner_join(
                    memberships::table.on(memberships::tenant_id
                        .eq(team_members::tenant_id)
                        .and(memberships::user_id.eq(team_members::user_id))),
                )
                .filter(team_members::tenant_id.eq(t))
                .filter(team_members::team_id.eq(team))
                .filter(memberships::revoked_at.is_null())
                .select(team_members::user_id)
                .limit(limit)
                .load(c)?;
            Ok((Some(team), None, name, people))
        }
        ConversationKind::Project => {
            let Ok(project) = f.project_id.parse::<ProjectId>() else {
                e.add("project_id", "Choose a project.");
                return Ok((None, None, String::new(), Vec::new()));
            };
            let name: Option<String> = projects_projects::table
                .filter(projects_projects::tenant_id.eq(t))
                .filter(projects_projects::id.eq(project))
                .filter(projects_projects::deleted_at.is_null())
                .select(projects_projects::name)
                .first(c)
                .optional()?;
            let Some(name) = name else {
                e.add("project_id", "That project is not in this workspace.");
                return Ok((None, None, String::new(), Vec::new()));
            };
            let people = projects_members::table
                .inner_join(
                    memberships::table.on(memberships::tenant_id
                        .eq(projects_members::tenant_id)
                        .and(memberships::user_id.eq(projects_members::user_id))),
                )
                .filter(projects_members::tenant_id.eq(t))
                .filter(projects_members::project_id.eq(project))
                .filter(memberships::revoked_at.is_null())
                .select(projects_members::user_id)
                .limit(limit)
                .load(c)?;
            Ok((None, Some(project), name, people))
        }
        _ => Ok((None, None, String::new(), Vec::new())),
    }
}

/// Refuses anyone in `people` who is not an active member of the workspace.
fn check_members(
    c: &mut DbConn,
    t: TenantId,
    people: &[UserId],
    e: &mut FormErrors,
) -> AppResult<()> {
    if people.len() > MAX_PARTICIPANTS {
        e.add(
            "people",
            format!("A conversation holds at most {MAX_PARTICIPANTS} people."),
        );
        return Ok(());
    }
    let found: i64 = memberships::table
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::user_id.eq_any(people))
        .filter(memberships::revoked_at.is_null())
        .count()
        .get_result(c)?;
    if found != people.len() as i64 {
        e.add("people", "Only members of this workspace can be added.");
    }
    Ok(())
}

/// Starts a conversation (`f.kind`: group, team or project; a direct one
/// goes through [`open_direct`]). Its creator is always in it.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    f: &NewForm,
) -> AppResult<Result<ConversationId, FormErrors>> {
    let mut e = FormErrors::default();
    let kind = match ConversationKind::parse(&f.kind) {
        Some(ConversationKind::Direct) => {
            let others: Vec<UserId> = f.people.iter().copied().filter(|p| *p != by).collect();
            return match others.as_slice() {
                [with] => open_direct(c, t, by, *with),
                _ => {
                    e.add(
                        "people",
                        "Choose exactly one person for a direct conversation.",
                    );
                    Ok(Err(e))
                }
            };
        }
        Some(k) => k,
        None => {
            e.add("kind", "Choose what kind of conversation to start.");
            return Ok(Err(e));
        }
    };
    let title = f.title.trim();
    if title.chars().count() > MAX_TITLE {
        e.add(
            "title",
            format!("A title has at most {MAX_TITLE} characters."),
        );
    }
    let (team, project, source, brought) = members_of(c, t, kind, f, &mut e)?;
    let mut people: Vec<UserId> = f.people.clone();
    people.extend(brought);
    people.push(by);
    people.sort();
    people.dedup();
    check_members(c, t, &people, &mut e)?;
    if kind == ConversationKind::Group && people.len() < 2 && e.is_empty() {
        e.add("people", "Choose at least one other person.");
    }
    if kind == ConversationKind::Group && title.is_empty() && people.len() > 4 {
        e.add(
            "title",
            "Give a conversation of more than four people a title.",
        );
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let title = if title.is_empty() {
        source
    } else {
        title.to_string()
    };
    let id = insert(c, t, by, kind, &title, None, team, project, &people)?;
    posts::system(c, t, id, Some(by), "started the conversation")?;
    Ok(Ok(id))
}

/// The direct conversation between `by` and `with`: the existing one, or a
/// new one. Someone who left it is back in it.
pub fn open_direct(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    with: UserId,
) -> AppResult<Result<ConversationId, FormErrors>> {
    let mut e = FormErrors::default();
    if with == by {
        e.add("people", "A direct conversation is with someone else.");
        return Ok(Err(e));
    }
    if !is_member(c, t, with)? {
        e.add("people", "Only members of this workspace can be added.");
        return Ok(Err(e));
    }
    let key = if by < with {
        format!("{by}:{with}")
    } else {
        format!("{with}:{by}")
    };
    let existing: Option<ConversationId> = messages_conversations::table
        .filter(messages_conversations::tenant_id.eq(t))
        .filter(messages_conversations::direct_key.eq(&key))
        .select(messages_conversations::id)
        .first(c)
        .optional()?;
    if let Some(id) = existing {
        rejoin(c, t, id, &[by, with])?;
        return Ok(Ok(id));
    }
    Ok(Ok(insert(
        c,
        t,
        by,
        ConversationKind::Direct,
        "",
        Some(key),
        None,
        None,
        &[by, with],
    )?))
}

/// Puts people who left back in (a direct conversation's two people).
fn rejoin(c: &mut DbConn, t: TenantId, id: ConversationId, people: &[UserId]) -> AppResult<()> {
    diesel::update(
        messages_participants::table
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::conversation_id.eq(id))
            .filter(messages_participants::user_id.eq_any(people))
            .filter(messages_participants::left_at.is_not_null()),
    )
    .set(messages_participants::left_at.eq(None::<UtcTime>))
    .execute(c)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    kind: ConversationKind,
    title: &str,
    direct_key: Option<String>,
    team_id: Option<TeamId>,
    project_id: Option<ProjectId>,
    people: &[UserId],
) -> AppResult<ConversationId> {
    let now = UtcTime::now();
    let id = ConversationId::new();
    diesel::insert_into(messages_conversations::table)
        .values(Conversation {
            tenant_id: t,
            id,
            kind,
            title: title.to_string(),
            direct_key,
            team_id,
            project_id,
            created_by: Some(by),
            created_at: now,
            last_message_at: now,
            last_message_id: None,
            message_count: 0,
        })
        .execute(c)?;
    for p in people {
        add_row(c, t, id, *p, now)?;
    }
    Ok(id)
}

fn add_row(
    c: &mut DbConn,
    t: TenantId,
    id: ConversationId,
    user: UserId,
    now: UtcTime,
) -> AppResult<()> {
    diesel::insert_into(messages_participants::table)
        .values(Participant {
            tenant_id: t,
            id: ParticipantId::new(),
            conversation_id: id,
            user_id: user,
            joined_at: now,
            left_at: None,
            muted: false,
            last_message_at: now,
            unread: 0,
            delivered_upto: None,
            read_upto: None,
        })
        .execute(c)?;
    Ok(())
}

/// Adds members to a group, team or project conversation (anyone in it
/// may); someone who left comes back. Each gets a "joined" line.
pub fn add_people(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: ConversationId,
    people: &[UserId],
) -> AppResult<Result<Vec<Event>, FormErrors>> {
    let (conv, _) = find(c, t, by, id)?;
    let mut e = FormErrors::default();
    if conv.kind == ConversationKind::Direct {
        e.add(
            "people",
            "A direct conversation stays between its two people: start a group instead.",
        );
        return Ok(Err(e));
    }
    if people.is_empty() {
        e.add("people", "Choose someone to add.");
        return Ok(Err(e));
    }
    check_members(c, t, people, &mut e)?;
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let present: Vec<(UserId, Option<UtcTime>)> = messages_participants::table
        .filter(messages_participants::tenant_id.eq(t))
        .filter(messages_participants::conversation_id.eq(id))
        .filter(messages_participants::user_id.eq_any(people))
        .select((
            messages_participants::user_id,
            messages_participants::left_at,
        ))
        .load(c)?;
    let total: i64 = messages_participants::table
        .filter(messages_participants::tenant_id.eq(t))
        .filter(messages_participants::conversation_id.eq(id))
        .filter(messages_participants::left_at.is_null())
        .count()
        .get_result(c)?;
    let fresh: Vec<UserId> = people
        .iter()
        .copied()
        .filter(|p| !present.iter().any(|(u, left)| u == p && left.is_none()))
        .collect();
    if total as usize + fresh.len() > MAX_PARTICIPANTS {
        e.add(
            "people",
            format!("A conversation holds at most {MAX_PARTICIPANTS} people."),
        );
        return Ok(Err(e));
    }
    let now = UtcTime::now();
    let names = user_names(c, fresh.clone())?;
    for p in &fresh {
        if present.iter().any(|(u, _)| u == p) {
            rejoin(c, t, id, &[*p])?;
        } else {
            add_row(c, t, id, *p, now)?;
        }
        let name = crate::projects::project::name_of(&names, *p);
        posts::system(c, t, id, Some(by), &format!("added {name}"))?;
    }
    Ok(Ok(vec![Event::new(t, id.0 .0, "new")]))
}

/// `me` leaves: their place is kept (with `left_at`) so history still names
/// them; the others see a "left" line. A direct conversation is left too,
/// until either person opens it again.
pub fn leave(c: &mut DbConn, t: TenantId, me: UserId, id: ConversationId) -> AppResult<Vec<Event>> {
    find(c, t, me, id)?;
    diesel::update(
        messages_participants::table
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::conversation_id.eq(id))
            .filter(messages_participants::user_id.eq(me)),
    )
    .set((
        messages_participants::left_at.eq(Some(UtcTime::now())),
        messages_participants::unread.eq(0),
    ))
    .execute(c)?;
    posts::system(c, t, id, Some(me), "left the conversation")?;
    Ok(vec![
        Event::new(t, id.0 .0, "new"),
        Event::new(t, id.0 .0, format!("gone-{me}")),
    ])
}

/// Renames a group, team or project conversation.
pub fn rename(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    id: ConversationId,
    title: &str,
) -> AppResult<Result<Vec<Event>, FormErrors>> {
    let (conv, _) = find(c, t, by, id)?;
    let mut e = FormErrors::default();
    let title = title.trim();
    if conv.kind == ConversationKind::Direct {
        e.add(
            "title",
            "A direct conversation is named after the other person.",
        );
    } else if title.is_empty() {
        e.add("title", "Give it a title.");
    } else if title.chars().count() > MAX_TITLE {
        e.add(
            "title",
            format!("A title has at most {MAX_TITLE} characters."),
        );
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    if title == conv.title {
        return Ok(Ok(Vec::new()));
    }
    diesel::update(
        messages_conversations::table
            .filter(messages_conversations::tenant_id.eq(t))
            .filter(messages_conversations::id.eq(id)),
    )
    .set(messages_conversations::title.eq(title))
    .execute(c)?;
    posts::system(
        c,
        t,
        id,
        Some(by),
        &format!("renamed the conversation to “{title}”"),
    )?;
    Ok(Ok(vec![Event::new(t, id.0 .0, "new")]))
}

/// Mutes or unmutes the conversation for `me`: a muted one still counts
/// unread messages but sends no notices, except when `me` is mentioned.
pub fn set_muted(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    id: ConversationId,
    muted: bool,
) -> AppResult<()> {
    find(c, t, me, id)?;
    diesel::update(
        messages_participants::table
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::conversation_id.eq(id))
            .filter(messages_participants::user_id.eq(me)),
    )
    .set(messages_participants::muted.eq(muted))
    .execute(c)?;
    Ok(())
}

/// A member left the workspace: they leave every conversation in it.
pub fn member_left(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<()> {
    diesel::update(
        messages_participants::table
            .filter(messages_participants::tenant_id.eq(t))
            .filter(messages_participants::user_id.eq(user))
            .filter(messages_participants::left_at.is_null()),
    )
    .set((
        messages_participants::left_at.eq(Some(UtcTime::now())),
        messages_participants::unread.eq(0),
    ))
    .execute(c)?;
    Ok(())
}

/// What a message row needs from the room: used by [`posts`] to compute
/// receipts without another query.
pub fn others<'a>(room: &'a Room, me: UserId) -> impl Iterator<Item = &'a Person> + 'a {
    room.people.iter().filter(move |p| p.id != me)
}
