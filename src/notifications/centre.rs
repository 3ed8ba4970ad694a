//! A person's notices: the keyset-paginated list (all, or unread only),
//! opening one, and marking one or all read. Only the person's own notices
//! exist here: another member's id is "not found".

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;

use super::{active_membership, Notification, NotificationId};
use crate::accounts::UserId;
use crate::db::{DbConn, Id, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, notifications, users};
use crate::web::{Cursor, Keyset, Seek};

/// Notices on one page of the list.
pub const PER_PAGE: i64 = 30;

/// The list's query: `show=unread` or everything; keyset cursors.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub show: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

impl ListQuery {
    pub fn unread_only(&self) -> bool {
        self.show == "unread"
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        if self.unread_only() {
            vec![("show", "unread")]
        } else {
            vec![]
        }
    }
}

/// One notice as the list shows it.
#[derive(Debug, Clone)]
pub struct Row {
    pub n: Notification,
    /// Who caused it, by name.
    pub actor: Option<String>,
}

impl Row {
    pub fn unread(&self) -> bool {
        self.n.read_at.is_none()
    }

    pub fn when(&self) -> String {
        self.n.created_at.0.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// One page of `user`'s notices, newest first, by keyset on (time, id).
pub fn page(c: &mut DbConn, t: TenantId, user: UserId, q: &ListQuery) -> AppResult<Keyset<Row>> {
    let mut seek = Seek::from_query(&q.after, &q.before);
    let at = seek.cursor().and_then(|c| c.time().map(|t| (t, Id(c.id))));
    if seek != Seek::First && at.is_none() {
        seek = Seek::First;
    }
    let mut query = notifications::table
        .filter(notifications::tenant_id.eq(t))
        .filter(notifications::user_id.eq(user))
        .filter(notifications::shown.eq(true))
        .into_boxed();
    if q.unread_only() {
        query = query.filter(notifications::read_at.is_null());
    }
    let rows: Vec<Notification> = match (&seek, at) {
        (Seek::Before(_), Some((time, id))) => query
            .filter(
                notifications::created_at
                    .gt(time)
                    .or(notifications::created_at
                        .eq(time)
                        .and(notifications::id.gt(NotificationId(id)))),
            )
            .order((notifications::created_at.asc(), notifications::id.asc())),
        (Seek::After(_), Some((time, id))) => query
            .filter(
                notifications::created_at
                    .lt(time)
                    .or(notifications::created_at
                        .eq(time)
                        .and(notifications::id.lt(NotificationId(id)))),
            )
            .order((notifications::created_at.desc(), notifications::id.desc())),
        _ => query.order((notifications::created_at.desc(), notifications::id.desc())),
    }
    .limit(Seek::limit(PER_PAGE))
    .select(Notification::as_select())
    .load(c)?;
    let cursor = |r: &Notification| Cursor::new(r.created_at.to_db_text(), r.id.0 .0);
    let Some(page) = Keyset::from_rows(rows, &seek, PER_PAGE, cursor) else {
        let first = ListQuery {
            after: String::new(),
            before: String::new(),
            ..q.clone()
        };
        return page(c, t, user, &first);
    };
    let actor_ids: Vec<UserId> = page.items.iter().filter_map(|n| n.actor_id).collect();
    let names: HashMap<UserId, String> = if actor_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&actor_ids))
            .select((users::id, users::name))
            .load::<(UserId, String)>(c)?
            .into_iter()
            .collect()
    };
    Ok(Keyset {
        items: page
            .items
            .into_iter()
            .map(|n| Row {
                actor: n.actor_id.and_then(|a| names.get(&a).cloned()),
                n,
            })
            .collect(),
        next: page.next,
        prev: page.prev,
        base_query: String::new(),
        total: None,
    }
    .with_query(&q.pairs()))
}

/// Takes the lock on `user`'s count before any notice changes (the order
/// [`super::notify`] takes too).
fn lock_count(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<()> {
    let n = diesel::update(active_membership(t, user))
        .set(memberships::unread_notifications.eq(memberships::unread_notifications))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Marks `user`'s notice `id` read (if it was not) and returns it; someone
/// else's notice is not found.
pub fn mark_read(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    id: NotificationId,
) -> AppResult<Notification> {
    lock_count(c, t, user)?;
    let own = notifications::table
        .filter(notifications::tenant_id.eq(t))
        .filter(notifications::user_id.eq(user))
        .filter(notifications::id.eq(id));
    let n: Notification = own
        .select(Notification::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let changed = diesel::update(own.filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(Some(UtcTime::now())))
        .execute(c)?;
    if changed == 1 {
        diesel::update(active_membership(t, user))
            .set(memberships::unread_notifications.eq(
                diesel::dsl::sql::<diesel::sql_types::Integer>(
                    "CASE WHEN unread_notifications > 0 THEN unread_notifications - 1 ELSE 0 END",
                ),
            ))
            .execute(c)?;
    }
    Ok(n)
}

/// Marks every notice of `user` read; returns how many were unread.
pub fn mark_all_read(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<usize> {
    lock_count(c, t, user)?;
    let n = diesel::update(
        notifications::table
            .filter(notifications::tenant_id.eq(t))
            .filter(notifications::user_id.eq(user))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(UtcTime::now())))
    .execute(c)?;
    diesel::update(active_membership(t, user))
        .set(memberships::unread_notifications.eq(0))
        .execute(c)?;
    Ok(n)
}

/// Where opening `n` leads, inside workspace `slug`: its link, or the list.
pub fn target(slug: &str, n: &Notification) -> String {
    let link = n.link.trim_start_matches('/');
    // A link is a path inside the workspace; anything that could leave it
    // (a scheme, `//`, `..`) goes to the list instead.
    if link.is_empty() || link.contains("..") || link.contains("://") || link.contains('\\') {
        format!("/w/{slug}/notifications")
    } else {
        format!("/w/{slug}/{link}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_link(link: &str) -> Notification {
        Notification {
            tenant_id: TenantId::new(),
            id: NotificationId::new(),
            user_id: UserId::new(),
            kind: "projects.assigned".into(),
            title: "t".into(),
            body: String::new(),
            link: link.into(),
            actor_id: None,
            shown: true,
            email: super::super::EmailState::None,
            created_at: UtcTime::now(),
            read_at: None,
        }
    }

    #[test]
    fn opening_stays_inside_the_workspace() {
        assert_eq!(
            target("acme", &with_link("projects/1/tasks/2")),
            "/w/acme/projects/1/tasks/2"
        );
        assert_eq!(
            target("acme", &with_link("//evil.example")),
            "/w/acme/evil.example"
        );
        for bad in ["", "https://evil.example", "../../admin", "a\\b"] {
            assert_eq!(target("acme", &with_link(bad)), "/w/acme/notifications");
        }
    }
}
