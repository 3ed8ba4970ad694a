//! Users and the signed-in principal.

use diesel::prelude::*;

use crate::db::{DbConn, UtcTime};
use crate::error::AppResult;
use crate::schema::users;

/// `users.id`, defined at the ground floor (`db`) so that it needs no accounts.
pub use crate::db::UserId;

crate::typed_id!(
    /// `user_sessions.id` (not the secret token: that is only ever hashed).
    SessionId
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub timezone: String,
    pub is_superadmin: bool,
    pub is_active: bool,
    pub last_login_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    /// Signed up but has not opened the emailed link yet: cannot sign in.
    pub pending_verification: bool,
    pub first_name: String,
    pub last_name: String,
    /// E.164 (`+4930123456`), or empty.
    pub phone: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub timezone: String,
    pub is_superadmin: bool,
    pub is_active: bool,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// The signed-in user and the session they came in with.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session_id: SessionId,
}

/// Emails are compared lower-cased and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The address as it may be recorded (audit rows, throttle keys) from what
/// an outsider typed: trimmed, lower-cased, without control characters and
/// at most 254 characters (the longest valid address), so a form can't grow
/// an append-only row past that.
pub fn recorded_email(raw: &str) -> String {
    let head: String = raw.trim().chars().take(1024).collect();
    head.to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(254)
        .collect()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, id: UserId) -> AppResult<User> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)?)
}

pub fn count(conn: &mut DbConn) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// Creates an account. `Err(errors)` when the input can't be used.
pub fn register(
    conn: &mut DbConn,
    name: &str,
    email: &str,
    password_hash: String,
    is_superadmin: bool,
    meta: Option<&crate::web::extract::RequestMeta>,
) -> AppResult<Result<User, crate::web::FormErrors>> {
    let email = normalize_email(email);
    crate::db::write_tx(conn, |c| {
        if find_by_email(c, &email)?.is_some() {
            let mut errors = crate::web::FormErrors::default();
            errors.add(
                "email",
                "An account with this email already exists. Sign in instead?",
            );
            return Ok(Err(errors));
        }
        let now = UtcTime::now();
        let id = UserId::new();
        diesel::insert_into(users::table)
            .values(NewUser {
                id,
                email: email.clone(),
                name: name.trim().to_string(),
                password_hash,
                timezone: "UTC".into(),
                is_superadmin,
                is_active: true,
                created_at: now,
                updated_at: now,
            })
            .execute(c)?;
        let mut event = crate::audit::NewEvent::global(if is_superadmin {
            "auth.superadmin_created"
        } else {
            "auth.signup"
        })
        .actor(id)
        .resource("user", id)
        .changes(serde_json::json!({"email": email}));
        if let Some(m) = meta {
            event = event.meta(m);
        }
        crate::audit::record(c, event)?;
        Ok(Ok(find(c, id)?))
    })
}

/// Updates name and timezone.
pub fn update_profile(
    conn: &mut DbConn,
    user: &User,
    p: &super::forms::Profile,
    meta: &crate::web::extract::RequestMeta,
) -> AppResult<()> {
    crate::db::write_tx(conn, |c| {
        diesel::update(users::table.find(user.id))
            .set((
                users::name.eq(&p.name),
                users::first_name.eq(&p.first_name),
                users::last_name.eq(&p.last_name),
                users::phone.eq(&p.phone),
                users::timezone.eq(&p.timezone),
                users::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        let fields = [
            ("name", &user.name, &p.name),
            ("first_name", &user.first_name, &p.first_name),
            ("last_name", &user.last_name, &p.last_name),
            ("phone", &user.phone, &p.phone),
            ("timezone", &user.timezone, &p.timezone),
        ];
        let changes: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter(|(_, old, new)| old != new)
            .map(|(k, old, new)| (k.to_string(), serde_json::json!([old, new])))
            .collect();
        crate::audit::record(
            c,
            crate::audit::NewEvent::global("account.update")
                .actor(user.id)
                .resource("user", user.id)
                .meta(meta)
                .changes(serde_json::Value::Object(changes)),
        )
    })
}

/// Sets a new password hash and signs out every other session.
pub fn set_password(
    conn: &mut DbConn,
    user: UserId,
    hash: String,
    keep_session: Option<SessionId>,
    meta: &crate::web::extract::RequestMeta,
) -> AppResult<usize> {
    crate::db::write_tx(conn, |c| {
        diesel::update(users::table.find(user))
            .set((
                users::password_hash.eq(hash),
                users::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        let revoked = super::sessions::revoke_all(c, user, keep_session)?;
        // The current password was just typed: this session counts as
        // freshly re-authenticated.
        if let Some(keep) = keep_session {
            super::sessions::confirm_password(c, keep, UtcTime::now())?;
        }
        crate::audit::record(
            c,
            crate::audit::NewEvent::global("auth.password_change")
                .actor(user)
                .resource("user", user)
                .meta(meta)
                .changes(serde_json::json!({"sessions_revoked": revoked})),
        )?;
        Ok(revoked)
    })
}

/// Activates or deactivates an account; deactivation revokes all its sessions.
pub fn set_active(
    conn: &mut DbConn,
    actor: UserId,
    user: UserId,
    active: bool,
    meta: &crate::web::extract::RequestMeta,
) -> AppResult<()> {
    crate::db::write_tx(conn, |c| {
        let n = diesel::update(users::table.find(user))
            .set((
                users::is_active.eq(active),
                users::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        if n == 0 {
            return Err(crate::error::AppError::NotFound);
        }
        let revoked = if active {
            0
        } else {
            super::sessions::revoke_all(c, user, None)?
        };
        let action = if active {
            "auth.account_enable"
        } else {
            "auth.account_disable"
        };
        crate::audit::record(
            c,
            crate::audit::NewEvent::global(action)
                .actor(actor)
                .resource("user", user)
                .meta(meta)
                .changes(serde_json::json!({"sessions_revoked": revoked}))
                .warning(),
        )
    })
}
