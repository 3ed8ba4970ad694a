//! Server-side sessions: the cookie holds a random token; `user_sessions` holds
//! its hash and the truth (expiry, revocation).

use chrono::Duration;
use diesel::prelude::*;

use super::models::{CurrentUser, SessionId, User, UserId};
use crate::db::{DbConn, UtcTime};
use crate::error::AppResult;
use crate::schema::{user_sessions, users};
use crate::web::{random_token, sha256_hex};

/// A session as the "my sessions" page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_sessions)]
pub struct UserSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: UtcTime,
    pub last_seen_at: UtcTime,
    pub expires_at: UtcTime,
    pub revoked_at: Option<UtcTime>,
}

/// Lifetimes of a session.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

/// Starts a session; returns the secret token for the cookie.
pub fn create(
    conn: &mut DbConn,
    user_id: UserId,
    ip: Option<&str>,
    user_agent: Option<&str>,
    lifetimes: Lifetimes,
) -> AppResult<(String, SessionId)> {
    let token = random_token(32);
    let id = SessionId::new();
    let now = UtcTime::now();
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::id.eq(id),
            user_sessions::user_id.eq(user_id),
            user_sessions::token_hash.eq(sha256_hex(&token)),
            user_sessions::ip.eq(ip),
            user_sessions::user_agent
                .eq(user_agent.map(|ua| ua.chars().take(300).collect::<String>())),
            user_sessions::created_at.eq(now),
            user_sessions::last_seen_at.eq(now),
            user_sessions::expires_at.eq(now + lifetimes.absolute),
            // Every way in starts with the password typed.
            user_sessions::password_confirmed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok((token, id))
}

/// The user behind a session token, if the session is live (not revoked, not
/// idle too long, not past its absolute expiry) and the account is active.
pub fn authenticate(
    conn: &mut DbConn,
    token: &str,
    lifetimes: Lifetimes,
) -> AppResult<Option<CurrentUser>> {
    let now = UtcTime::now();
    let found: Option<(SessionId, UtcTime, User)> = user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::token_hash.eq(sha256_hex(token)))
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::expires_at.gt(now))
        .filter(user_sessions::last_seen_at.gt(now - lifetimes.idle))
        .filter(users::is_active.eq(true))
        .select((
            user_sessions::id,
            user_sessions::last_seen_at,
            User::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((session_id, last_seen, user)) = found else {
        return Ok(None);
    };
    touch(conn, session_id, last_seen, now)?;
    Ok(Some(CurrentUser { user, session_id }))
}

/// Moves a live session's `last_seen_at` on. Idle expiry needs it, but a
/// write per request would cost more than a minute's precision is worth.
pub fn touch(conn: &mut DbConn, id: SessionId, last_seen: UtcTime, now: UtcTime) -> AppResult<()> {
    if last_seen < now - Duration::seconds(60) {
        diesel::update(user_sessions::table.find(id))
            .set(user_sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_active(conn: &mut DbConn, user_id: UserId) -> AppResult<Vec<UserSession>> {
    Ok(user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::expires_at.gt(UtcTime::now()))
        .order(user_sessions::last_seen_at.desc())
        .select(UserSession::as_select())
        .load(conn)?)
}

/// Revokes one of the user's sessions; false when it isn't theirs or is gone.
pub fn revoke(conn: &mut DbConn, user_id: UserId, id: SessionId) -> AppResult<bool> {
    let n = diesel::update(
        user_sessions::table
            .filter(user_sessions::id.eq(id))
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::revoked_at.is_null()),
    )
    .set(user_sessions::revoked_at.eq(UtcTime::now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes all the user's sessions but `keep`; returns how many.
pub fn revoke_all(conn: &mut DbConn, user_id: UserId, keep: Option<SessionId>) -> AppResult<usize> {
    let mut q = diesel::update(user_sessions::table)
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(k) = keep {
        q = q.filter(user_sessions::id.ne(k));
    }
    Ok(q.set(user_sessions::revoked_at.eq(UtcTime::now()))
        .execute(conn)?)
}

/// Live sessions across the instance (admin overview).
pub fn count_active(conn: &mut DbConn) -> AppResult<i64> {
    Ok(user_sessions::table
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::expires_at.gt(UtcTime::now()))
        .count()
        .get_result(conn)?)
}

/// Records that the session's user has just typed their password again (the
/// confirm page, a password change, turning two-factor off).
pub fn confirm_password(conn: &mut DbConn, id: SessionId, now: UtcTime) -> AppResult<()> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::password_confirmed_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// When the session's user last typed their password (`None`: not since the
/// session began, for sessions older than the column).
pub fn password_confirmed_at(conn: &mut DbConn, id: SessionId) -> AppResult<Option<UtcTime>> {
    Ok(user_sessions::table
        .find(id)
        .select(user_sessions::password_confirmed_at)
        .first::<Option<UtcTime>>(conn)
        .optional()?
        .flatten())
}

/// Stamps the user's last sign-in (in the transaction that creates the
/// session).
pub fn note_login(c: &mut DbConn, user: UserId) -> AppResult<()> {
    diesel::update(users::table.find(user))
        .set(users::last_login_at.eq(UtcTime::now()))
        .execute(c)?;
    Ok(())
}
