//! Two-factor state per user: enrolment, the check of a typed code (which
//! uses it up), recovery codes, turning it off. Each change revokes the
//! user's other sessions and remembered browsers, and is audited in the same
//! transaction.

use diesel::prelude::*;

use super::codes::{self, Sealer, Typed};
use super::devices;
use crate::accounts::models::SessionId;
use crate::accounts::sessions;
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, DbConn, Id, UserId, UtcTime};
use crate::error::AppResult;
use crate::schema::{two_factor_recovery_codes as rc, two_factor_secrets as tfs};
use crate::web::extract::RequestMeta;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tfs)]
struct SecretRow {
    secret: String,
    enabled_at: Option<UtcTime>,
}

/// Where a user stands, for the account page.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// On since then.
    pub enabled_at: Option<UtcTime>,
    /// Enrolment started, waiting for its first code.
    pub pending: bool,
    /// Unused recovery codes.
    pub recovery_left: i64,
    /// Browsers that skip the second step.
    pub remembered_browsers: i64,
}

impl Status {
    pub fn enabled(&self) -> bool {
        self.enabled_at.is_some()
    }
}

/// Whether `user` signs in with a second factor.
pub fn is_enabled(conn: &mut DbConn, user: UserId) -> AppResult<bool> {
    Ok(tfs::table
        .find(user)
        .filter(tfs::enabled_at.is_not_null())
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn status(conn: &mut DbConn, user: UserId) -> AppResult<Status> {
    let row: Option<SecretRow> = tfs::table
        .find(user)
        .select(SecretRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(Status::default());
    };
    if row.enabled_at.is_none() {
        return Ok(Status {
            pending: true,
            ..Status::default()
        });
    }
    let recovery_left = rc::table
        .filter(rc::user_id.eq(user))
        .filter(rc::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(Status {
        enabled_at: row.enabled_at,
        pending: false,
        recovery_left,
        remembered_browsers: devices::count_live(conn, user, UtcTime::now())?,
    })
}

/// What [`start`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    /// A new key waits for its first code.
    Pending,
    /// Two-factor is on already: turn it off first to change the key.
    AlreadyOn,
}

/// Starts (or restarts) enrolment with a new key; nothing changes for sign-in
/// until [`enable`] sees a code from it.
pub fn start(conn: &mut DbConn, sealer: &Sealer, user: UserId) -> AppResult<Started> {
    let sealed = sealer.seal(user, &codes::new_secret())?;
    write_tx(conn, |c| {
        if is_enabled(c, user)? {
            return Ok(Started::AlreadyOn);
        }
        diesel::delete(tfs::table.find(user)).execute(c)?;
        let now = UtcTime::now();
        diesel::insert_into(tfs::table)
            .values((
                tfs::user_id.eq(user),
                tfs::secret.eq(sealed),
                tfs::enabled_at.eq(None::<UtcTime>),
                tfs::last_used_step.eq(None::<i64>),
                tfs::created_at.eq(now),
                tfs::updated_at.eq(now),
            ))
            .execute(c)?;
        Ok(Started::Pending)
    })
}

/// The key of an enrolment in progress, if there is one (and it can still
/// be opened).
pub fn pending_secret(
    conn: &mut DbConn,
    sealer: &Sealer,
    user: UserId,
) -> AppResult<Option<Vec<u8>>> {
    let row: Option<SecretRow> = tfs::table
        .find(user)
        .filter(tfs::enabled_at.is_null())
        .select(SecretRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    match sealer.open(user, &row.secret) {
        Ok(secret) => Ok(Some(secret)),
        // Sealed under an earlier instance key: as good as no enrolment (the
        // page offers to start again with a new key).
        Err(e) => {
            tracing::warn!(error = %e, user = %user, "pending two-factor key unreadable");
            Ok(None)
        }
    }
}

/// Finishes enrolment when `code` comes from the pending key: two-factor is
/// on, ten new recovery codes are returned (to be shown once), the user's
/// other sessions and remembered browsers are signed out. `Err(message)` when
/// the code is wrong or there is no enrolment in progress.
pub fn enable(
    conn: &mut DbConn,
    sealer: &Sealer,
    user: UserId,
    code: &str,
    now_unix: u64,
    keep: SessionId,
    meta: &RequestMeta,
) -> AppResult<Result<Vec<String>, String>> {
    write_tx(conn, |c| {
        let Some(secret) = pending_secret(c, sealer, user)? else {
            return Ok(Err(
                "There is no set-up in progress. Start again from your account page.".into(),
            ));
        };
        let Some(step) = codes::matching_step(&secret, code, now_unix)? else {
            return Ok(Err(
                "That code doesn't match. Check the time on your phone and type the code it shows now."
                    .into(),
            ));
        };
        let now = UtcTime::now();
        diesel::update(tfs::table.find(user))
            .set((
                tfs::enabled_at.eq(Some(now)),
                tfs::last_used_step.eq(Some(step_i64(step))),
                tfs::updated_at.eq(now),
            ))
            .execute(c)?;
        let codes = replace_recovery_codes(c, user, now)?;
        let browsers = devices::revoke_all(c, user, now)?;
        let revoked = sessions::revoke_all(c, user, Some(keep))?;
        audit::record(
            c,
            NewEvent::global("auth.2fa_enabled")
                .actor(user)
                .resource("user", user)
                .meta(meta)
                .changes(serde_json::json!({
                    "sessions_revoked": revoked,
                    "browsers_forgotten": browsers,
                }))
                .warning(),
        )?;
        Ok(Ok(codes))
    })
}

/// New recovery codes in place of the old ones (all of which stop working);
/// signs out the other sessions and remembered browsers. `None` when
/// two-factor is off.
pub fn regenerate_recovery_codes(
    conn: &mut DbConn,
    user: UserId,
    keep: SessionId,
    meta: &RequestMeta,
) -> AppResult<Option<Vec<String>>> {
    write_tx(conn, |c| {
        if !is_enabled(c, user)? {
            return Ok(None);
        }
        let now = UtcTime::now();
        let codes = replace_recovery_codes(c, user, now)?;
        let browsers = devices::revoke_all(c, user, now)?;
        let revoked = sessions::revoke_all(c, user, Some(keep))?;
        audit::record(
            c,
            NewEvent::global("auth.2fa_recovery_codes_regenerated")
                .actor(user)
                .resource("user", user)
                .meta(meta)
                .changes(serde_json::json!({
                    "sessions_revoked": revoked,
                    "browsers_forgotten": browsers,
                }))
                .warning(),
        )?;
        Ok(Some(codes))
    })
}

fn replace_recovery_codes(c: &mut DbConn, user: UserId, now: UtcTime) -> AppResult<Vec<String>> {
    diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    let codes = codes::new_recovery_codes();
    for code in &codes {
        diesel::insert_into(rc::table)
            .values((
                rc::id.eq(Id::new()),
                rc::user_id.eq(user),
                rc::code_hash.eq(codes::recovery_hash(user, code)),
                rc::used_at.eq(None::<UtcTime>),
                rc::created_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(codes)
}

/// What a typed code turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// A code from the app, for a step not used before (now used).
    Totp,
    /// An unused recovery code (now used); this many are left.
    Recovery { left: i64 },
    /// A right code from the app that was already used.
    Reused,
    /// Wrong, or two-factor is not on.
    Wrong,
}

impl Checked {
    pub fn passed(&self) -> bool {
        matches!(self, Checked::Totp | Checked::Recovery { .. })
    }

    /// The message for a code that didn't pass.
    pub fn message(&self) -> &'static str {
        match self {
            Checked::Reused => {
                "That code has been used already. Wait for your app to show the next one."
            }
            _ => "That code is not right. Type the six digits your app shows now, or one of your recovery codes.",
        }
    }
}

fn step_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// Checks a typed code against an enabled second factor and uses it up: the
/// step of an app code is remembered (an earlier or equal step is refused
/// from then on), a recovery code is marked used. Both are conditional
/// updates, so two requests racing with one code can't both pass. Call it
/// inside the caller's write transaction.
pub fn check_code(
    c: &mut DbConn,
    sealer: &Sealer,
    user: UserId,
    typed: &Typed,
    now_unix: u64,
) -> AppResult<Checked> {
    match typed {
        Typed::Malformed => Ok(Checked::Wrong),
        Typed::Totp(code) => {
            let row: Option<SecretRow> = tfs::table
                .find(user)
                .filter(tfs::enabled_at.is_not_null())
                .select(SecretRow::as_select())
                .first(c)
                .optional()?;
            let Some(row) = row else {
                return Ok(Checked::Wrong);
            };
            let secret = match sealer.open(user, &row.secret) {
                Ok(s) => s,
                Err(e) => {
                    // The instance key changed: the app's codes can't be
                    // checked; recovery codes still work.
                    tracing::error!(error = %e, user = %user, "two-factor secret unreadable");
                    return Ok(Checked::Wrong);
                }
            };
            let Some(step) = codes::matching_step(&secret, code, now_unix)? else {
                return Ok(Checked::Wrong);
            };
            let step = step_i64(step);
            let taken = diesel::update(
                tfs::table.find(user).filter(
                    tfs::last_used_step
                        .is_null()
                        .or(tfs::last_used_step.lt(step)),
                ),
            )
            .set((
                tfs::last_used_step.eq(Some(step)),
                tfs::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
            Ok(if taken == 1 {
                Checked::Totp
            } else {
                Checked::Reused
            })
        }
        Typed::Recovery(code) => {
            if !is_enabled(c, user)? {
                return Ok(Checked::Wrong);
            }
            let used = diesel::update(
                rc::table
                    .filter(rc::user_id.eq(user))
                    .filter(rc::code_hash.eq(codes::recovery_hash(user, code)))
                    .filter(rc::used_at.is_null()),
            )
            .set(rc::used_at.eq(Some(UtcTime::now())))
            .execute(c)?;
            if used == 0 {
                return Ok(Checked::Wrong);
            }
            let left = rc::table
                .filter(rc::user_id.eq(user))
                .filter(rc::used_at.is_null())
                .count()
                .get_result(c)?;
            Ok(Checked::Recovery { left })
        }
    }
}

/// Turns two-factor off (the caller has checked the password and a code):
/// the key, the recovery codes and the remembered browsers go, and the other
/// sessions are signed out.
/// A superadmin turns two-factor sign-in off for someone who lost their
/// authenticator and recovery codes: the secret, the recovery codes and the
/// remembered browsers go, every session of theirs is signed out, and the
/// event is audited as critical. `false` when it was not on.
pub fn reset_by_admin(
    c: &mut DbConn,
    admin: UserId,
    user: UserId,
    meta: &RequestMeta,
) -> AppResult<bool> {
    if !is_enabled(c, user)? {
        return Ok(false);
    }
    let now = UtcTime::now();
    diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    diesel::delete(tfs::table.find(user)).execute(c)?;
    let browsers = devices::revoke_all(c, user, now)?;
    let revoked = sessions::revoke_all(c, user, None)?;
    audit::record(
        c,
        NewEvent::global("admin.user_2fa_reset")
            .actor(admin)
            .resource("user", user)
            .meta(meta)
            .changes(serde_json::json!({
                "sessions_revoked": revoked,
                "browsers_forgotten": browsers,
            }))
            .critical(),
    )?;
    Ok(true)
}

pub fn disable(c: &mut DbConn, user: UserId, keep: SessionId, meta: &RequestMeta) -> AppResult<()> {
    let now = UtcTime::now();
    diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    diesel::delete(tfs::table.find(user)).execute(c)?;
    let browsers = devices::revoke_all(c, user, now)?;
    let revoked = sessions::revoke_all(c, user, Some(keep))?;
    sessions::confirm_password(c, keep, now)?;
    audit::record(
        c,
        NewEvent::global("auth.2fa_disabled")
            .actor(user)
            .resource("user", user)
            .meta(meta)
            .changes(serde_json::json!({
                "sessions_revoked": revoked,
                "browsers_forgotten": browsers,
            }))
            .warning(),
    )
}
