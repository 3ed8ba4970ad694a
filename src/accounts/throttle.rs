//! Throttles, kept in the database so that several servers share them: failed
//! sign-ins (`login_attempts`) and other counted events (`throttle_events`:
//! sign-ups, current-password checks, token links). Every check and its
//! record happen in one write transaction under a lock on the key, so a
//! concurrent burst can't slip past the limit between the count and the insert.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::{lock_key, write_tx, DbConn, Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{login_attempts, throttle_events};

/// Limits on failed logins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub per_account_minute: i64,
    pub per_account_hour: i64,
    pub per_ip_minute: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_account_minute: 5,
            per_account_hour: 100,
            per_ip_minute: 30,
        }
    }
}

/// Longest key kept (an address is at most 254 characters; a client address
/// far less): an outsider's input never grows a row past this.
pub const MAX_KEY: usize = 254;

/// `s` cut to at most [`MAX_KEY`] characters.
pub fn capped(s: &str) -> String {
    s.chars().take(MAX_KEY).collect()
}

/// What the login throttle says about one attempt.
#[derive(Debug)]
pub enum Admission {
    /// The attempt is recorded — as a failure until [`login_succeeded`] says
    /// otherwise, so attempts still being checked count against the limit.
    Allowed(Id),
    /// Over a limit: the password must not be checked.
    Throttled(String),
}

/// Why the next attempt would be over a limit, if it would.
fn over_limit(c: &mut DbConn, email: &str, ip: &str, limits: Limits) -> AppResult<Option<String>> {
    let now = UtcTime::now();
    let failures_since =
        |c: &mut DbConn, col_email: Option<&str>, col_ip: Option<&str>, since: UtcTime| {
            let mut q = login_attempts::table
                .filter(login_attempts::succeeded.eq(false))
                .filter(login_attempts::created_at.gt(since))
                .into_boxed();
            if let Some(e) = col_email {
                q = q.filter(login_attempts::email.eq(e.to_string()));
            }
            if let Some(i) = col_ip {
                q = q.filter(login_attempts::ip.eq(i.to_string()));
            }
            q.count().get_result::<i64>(c)
        };
    let minute = now - Duration::minutes(1);
    if failures_since(c, Some(email), None, minute)? >= limits.per_account_minute {
        return Ok(Some(
            "Too many failed sign-in attempts for this account. Wait a minute and try again."
                .into(),
        ));
    }
    if failures_since(c, None, Some(ip), minute)? >= limits.per_ip_minute {
        return Ok(Some(
            "Too many failed sign-in attempts from your network. Wait a minute and try again."
                .into(),
        ));
    }
    if failures_since(c, Some(email), None, now - Duration::hours(1))? >= limits.per_account_hour {
        return Ok(Some("Too many failed sign-in attempts for this account in the last hour. Try again later or reset your password.".into()));
    }
    Ok(None)
}

/// Checks the limits for a sign-in to `email` from `ip` and, when it may go
/// ahead, records it — atomically: the account's and the address's keys are
/// locked (always in that order, so two attempts can't deadlock) for the
/// count and the insert.
pub fn admit_login(
    conn: &mut DbConn,
    email: &str,
    ip: &str,
    limits: Limits,
) -> AppResult<Admission> {
    let (email, ip) = (capped(email), capped(ip));
    write_tx(conn, |c| {
        lock_key(c, &format!("login.account:{email}"))?;
        lock_key(c, &format!("login.ip:{ip}"))?;
        if let Some(message) = over_limit(c, &email, &ip, limits)? {
            return Ok(Admission::Throttled(message));
        }
        let id = Id::new();
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::id.eq(id),
                login_attempts::email.eq(&email),
                login_attempts::ip.eq(&ip),
                login_attempts::succeeded.eq(false),
                login_attempts::created_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        Ok(Admission::Allowed(id))
    })
}

/// Marks an admitted attempt as a success (it stops counting as a failure).
pub fn login_succeeded(conn: &mut DbConn, attempt: Id) -> AppResult<()> {
    diesel::update(login_attempts::table.find(attempt))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Drops an admitted attempt whose password was never checked (the server
/// was too busy): it was no guess, so it must not count.
pub fn login_not_checked(conn: &mut DbConn, attempt: Id) -> AppResult<()> {
    diesel::delete(login_attempts::table.find(attempt)).execute(conn)?;
    Ok(())
}

/// Failed logins in the last hour, across the instance (admin overview).
pub fn recent_failures(conn: &mut DbConn) -> AppResult<i64> {
    Ok(login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(UtcTime::now() - Duration::hours(1)))
        .count()
        .get_result(conn)?)
}

/// A limit on one kind of counted event, per key (a client address, an
/// account, an email address, or one key for the whole instance).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub scope: &'static str,
    pub limit: i64,
    pub window_secs: i64,
    pub message: &'static str,
}

/// Wrong current passwords on "change password", per account.
pub const PASSWORD_CHECK: Rule = Rule {
    scope: "account.password",
    limit: 5,
    window_secs: 60,
    message: "Too many wrong current passwords. Wait a minute and try again.",
};

/// Reset, invitation and verification links that lead nowhere, per client
/// address: a live link is forgiven, so only guesses count.
pub const TOKEN_LOOKUP: Rule = Rule {
    scope: "token.lookup",
    limit: 20,
    window_secs: 60,
    message: "Too many links that lead nowhere from your network. Wait a minute and try again.",
};

/// The audit log's record of sign-ins refused by the throttle: one per
/// client address a minute, however many attempts it makes, so hammering
/// the form can't fill the append-only log (each refused attempt is still
/// answered 429 and counted in the metrics).
pub const THROTTLED_SIGN_IN_RECORD: Rule = Rule {
    scope: "login.throttled.audit",
    limit: 1,
    window_secs: 60,
    message: "",
};

/// Sign-ups per client address in an hour (the limit comes from the configuration).
pub fn signup_per_ip(limit: i64) -> Rule {
    Rule {
        scope: "signup.ip",
        limit,
        window_secs: 3600,
        message: "Too many sign-ups from your network. Try again in an hour.",
    }
}

/// Sign-ups across the instance in an hour.
pub fn signup_overall(limit: i64) -> Rule {
    Rule {
        scope: "signup.all",
        limit,
        window_secs: 3600,
        message: "Too many sign-ups right now. Try again later.",
    }
}

/// Sign-ups naming one email address in an hour: each sends that address an
/// email (with SMTP), so this keeps the instance from mail-bombing anyone.
pub const SIGNUP_PER_EMAIL: Rule = Rule {
    scope: "signup.email",
    limit: 3,
    window_secs: 3600,
    message: "Too many sign-ups for this address. Try again in an hour.",
};

/// Counts one event against `rule` for `key` unless the key is already at
/// its limit (then `TooManyRequests`, nothing recorded) — check and record
/// under the key's lock. Returns the event, for [`forgive`].
pub fn hit(conn: &mut DbConn, rule: Rule, key: &str) -> AppResult<Id> {
    let key = capped(key);
    write_tx(conn, |c| {
        lock_key(c, &format!("{}:{key}", rule.scope))?;
        let since = UtcTime::now() - Duration::seconds(rule.window_secs);
        let n: i64 = throttle_events::table
            .filter(throttle_events::scope.eq(rule.scope))
            .filter(throttle_events::key.eq(&key))
            .filter(throttle_events::created_at.gt(since))
            .count()
            .get_result(c)?;
        if n >= rule.limit {
            return Err(AppError::TooManyRequests(rule.message.into()));
        }
        let id = Id::new();
        diesel::insert_into(throttle_events::table)
            .values((
                throttle_events::id.eq(id),
                throttle_events::scope.eq(rule.scope),
                throttle_events::key.eq(&key),
                throttle_events::created_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// Takes back a counted event that turned out legitimate (a live link, the
/// right password).
pub fn forgive(conn: &mut DbConn, event: Id) -> AppResult<()> {
    diesel::delete(throttle_events::table.find(event)).execute(conn)?;
    Ok(())
}

/// Runs `lookup` of a reset, invitation or verification token as a counted
/// [`TOKEN_LOOKUP`] for the client address, forgiven when the token was live:
/// only lookups that fail (`NotFound` or otherwise) stay counted. Holds no
/// connection while `lookup` runs.
pub fn token_lookup<T>(
    pool: &crate::db::Pool,
    ip: &str,
    lookup: impl FnOnce() -> AppResult<T>,
) -> AppResult<T> {
    let event = hit(&mut *pool.get()?, TOKEN_LOOKUP, ip)?;
    let found = lookup()?;
    forgive(&mut *pool.get()?, event)?;
    Ok(found)
}
