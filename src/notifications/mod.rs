//! The notification centre: one function every module calls ([`notify`]),
//! each person's list with unread state, and their preferences per kind of
//! notice (in Atrium; email at once, in an hourly digest, or not at all).
//!
//! The unread count lives in the membership row, kept in the same
//! transaction as the notices it counts, so the top bar's badge costs no
//! query: every page already reads that row to check membership. Every
//! change to the count locks that row first, so a notice arriving while
//! "mark all read" runs is either marked with the rest or counted after it.

pub mod centre;
pub mod handlers;
pub mod jobs;
pub mod mail;
pub mod module;
pub mod prefs;
pub mod retention;

use diesel::prelude::*;

use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::modules::{Delivery, NoticeKind};
use crate::schema::{memberships, notifications};

pub use module::MODULE;

crate::typed_id!(
    /// `notifications.id`.
    NotificationId
);

crate::text_enum!(
    /// Where a notice stands with email.
    EmailState {
        None = "none" / "No email",
        Immediate = "immediate" / "Queued",
        Digest = "digest" / "Waiting for the digest",
        Sent = "sent" / "Sent",
        Skipped = "skipped" / "Read before the digest",
    }
);

/// Longest title kept, in characters (longer ones are cut with "…").
pub const MAX_TITLE: usize = 200;
/// Longest body kept, in characters.
pub const MAX_BODY: usize = 1000;

/// One notice for one person.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: &'static NoticeKind,
    pub to: UserId,
    /// Who caused it: nobody is notified of what they did themselves.
    pub actor: Option<UserId>,
    pub title: String,
    pub body: String,
    /// Where it leads, inside the workspace (`projects/…`, no leading slash):
    /// kept relative so it survives a change of the workspace's address.
    pub link: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub tenant_id: TenantId,
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub actor_id: Option<UserId>,
    /// Listed in the centre (false: wanted by email only).
    pub shown: bool,
    pub email: EmailState,
    pub created_at: UtcTime,
    pub read_at: Option<UtcTime>,
}

/// Sends `n` as its recipient's preferences say, in the caller's
/// transaction. Returns whether it went anywhere: not to its own actor, not
/// to someone who is not (or no longer) an active member, not when the
/// person turned the kind off.
pub fn notify(c: &mut DbConn, t: TenantId, n: &Notice) -> AppResult<bool> {
    if n.actor == Some(n.to) {
        return Ok(false);
    }
    let pref = prefs::of(c, n.to, n.kind)?;
    if !pref.in_app && pref.email == Delivery::Off {
        return Ok(false);
    }
    // The membership row first: it proves the person is a member and holds
    // the count (see the module's comment on the order of locks).
    let counted = diesel::update(active_membership(t, n.to))
        .set(
            memberships::unread_notifications
                .eq(memberships::unread_notifications + i32::from(pref.in_app)),
        )
        .execute(c)?;
    if counted == 0 {
        return Ok(false);
    }
    let now = UtcTime::now();
    let email = match pref.email {
        Delivery::Off => EmailState::None,
        Delivery::Immediate => EmailState::Immediate,
        Delivery::Digest => EmailState::Digest,
    };
    let row = Notification {
        tenant_id: t,
        id: NotificationId::new(),
        user_id: n.to,
        kind: n.kind.key.to_string(),
        title: clip(&n.title, MAX_TITLE),
        body: clip(&n.body, MAX_BODY),
        link: n.link.trim_start_matches('/').to_string(),
        actor_id: n.actor,
        shown: pref.in_app,
        email,
        created_at: now,
        // Email only: never shown as unread in the centre.
        read_at: (!pref.in_app).then_some(now),
    };
    diesel::insert_into(notifications::table)
        .values(&row)
        .execute(c)?;
    match email {
        EmailState::Immediate => mail::queue_one(c, t, &row)?,
        EmailState::Digest => mail::schedule_digest(c, t, n.to, now)?,
        _ => {}
    }
    Ok(true)
}

/// An active membership row, as an update target.
type ActiveMembership = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<memberships::table, diesel::dsl::Eq<memberships::tenant_id, TenantId>>,
        diesel::dsl::Eq<memberships::user_id, UserId>,
    >,
    diesel::dsl::IsNull<memberships::revoked_at>,
>;

/// The row of `user`'s active membership in `t`, as an update target.
fn active_membership(t: TenantId, user: UserId) -> ActiveMembership {
    memberships::table
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::user_id.eq(user))
        .filter(memberships::revoked_at.is_null())
}

/// `s` trimmed and cut to `max` characters ("…" marks the cut).
fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The badge's text: the count, or "99+".
pub fn badge(unread: i32) -> String {
    if unread > 99 {
        "99+".into()
    } else {
        unread.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_cut_with_an_ellipsis() {
        assert_eq!(clip("  short  ", 10), "short");
        let cut = clip(&"é".repeat(300), MAX_TITLE);
        assert_eq!(cut.chars().count(), MAX_TITLE);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_badge_stops_at_99() {
        assert_eq!(badge(0), "0");
        assert_eq!(badge(99), "99");
        assert_eq!(badge(100), "99+");
    }
}
