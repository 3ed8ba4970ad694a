//! Login throttling, kept in the database so that several servers share it.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::{DbConn, Id, UtcTime};
use crate::error::AppResult;
use crate::schema::login_attempts;

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

/// Whether another attempt is allowed now; `Some(message)` when throttled.
pub fn check(
    conn: &mut DbConn,
    email: &str,
    ip: &str,
    limits: Limits,
) -> AppResult<Option<String>> {
    let now = UtcTime::now();
    let failures_since =
        |conn: &mut DbConn, col_email: Option<&str>, col_ip: Option<&str>, since: UtcTime| {
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
            q.count().get_result::<i64>(conn)
        };
    let minute = now - Duration::minutes(1);
    if failures_since(conn, Some(email), None, minute)? >= limits.per_account_minute {
        return Ok(Some(
            "Too many failed sign-in attempts for this account. Wait a minute and try again."
                .into(),
        ));
    }
    if failures_since(conn, None, Some(ip), minute)? >= limits.per_ip_minute {
        return Ok(Some(
            "Too many failed sign-in attempts from your network. Wait a minute and try again."
                .into(),
        ));
    }
    if failures_since(conn, Some(email), None, now - Duration::hours(1))? >= limits.per_account_hour
    {
        return Ok(Some("Too many failed sign-in attempts for this account in the last hour. Try again later or reset your password.".into()));
    }
    Ok(None)
}

pub fn record(conn: &mut DbConn, email: &str, ip: &str, succeeded: bool) -> AppResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(Id::new()),
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(UtcTime::now()),
        ))
        .execute(conn)?;
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
