//! Changing conversations: starting one (group, team, project, or the one
//! direct conversation of two people), adding people, leaving, renaming,
//! muting, and letting go of someone who left the workspace.

use diesel::prelude::*;

use super::{find, NewForm, MAX_PARTICIPANTS, MAX_TITLE};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::messages::models::*;
use crate::messages::posts;
use crate::projects::models::ProjectId;
use crate::projects::project::{is_member, user_names};
use crate::schema::{
    memberships, messages_conversations, messages_participants, projects_members,
    projects_projects, team_members, teams,
};
use crate::web::live::Event;
use crate::web::FormErrors;
use crate::workspaces::teams::TeamId;

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
