//! Remembered browsers: "don't ask for a code on this browser for 30 days".
//! The cookie holds a random token; `two_factor_devices` holds its hash, so
//! the server can revoke every remembered browser when the second factor is
//! turned off or changed.

use actix_web::cookie::{time, Cookie, SameSite};
use chrono::Duration;
use diesel::prelude::*;

use crate::config::Config;
use crate::db::{DbConn, Id, UserId, UtcTime};
use crate::error::AppResult;
use crate::schema::two_factor_devices as tfd;
use crate::web::{random_token, sha256_hex};

/// How long a browser is remembered.
pub const REMEMBER_DAYS: i64 = 30;

/// The cookie's name: `__Host-` prefixed (Secure, host-only, path /) when the
/// public URL is https, like the session cookie.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.is_https() {
        "__Host-atrium_device"
    } else {
        "atrium_device"
    }
}

/// The cookie that remembers this browser: HttpOnly, SameSite=Lax, 30 days.
pub fn cookie(config: &Config, token: String) -> Cookie<'static> {
    Cookie::build(cookie_name(config), token)
        .path("/")
        .http_only(true)
        .secure(config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(REMEMBER_DAYS))
        .finish()
}

/// Remembers a browser for `user`; returns the token for its cookie.
pub fn remember(
    c: &mut DbConn,
    user: UserId,
    user_agent: Option<&str>,
    now: UtcTime,
) -> AppResult<String> {
    let token = random_token(32);
    diesel::insert_into(tfd::table)
        .values((
            tfd::id.eq(Id::new()),
            tfd::user_id.eq(user),
            tfd::token_hash.eq(sha256_hex(&token)),
            tfd::user_agent.eq(user_agent.map(|ua| ua.chars().take(300).collect::<String>())),
            tfd::created_at.eq(now),
            tfd::expires_at.eq(now + Duration::days(REMEMBER_DAYS)),
            tfd::revoked_at.eq(None::<UtcTime>),
        ))
        .execute(c)?;
    Ok(token)
}

/// Whether the cookie's `token` remembers this browser for `user`: a live
/// row (not revoked, not expired) of that user with the token's hash.
pub fn recognised(c: &mut DbConn, user: UserId, token: &str, now: UtcTime) -> AppResult<bool> {
    if token.is_empty() || token.len() > 128 {
        return Ok(false);
    }
    Ok(tfd::table
        .filter(tfd::token_hash.eq(sha256_hex(token)))
        .filter(tfd::user_id.eq(user))
        .filter(tfd::revoked_at.is_null())
        .filter(tfd::expires_at.gt(now))
        .count()
        .get_result::<i64>(c)?
        > 0)
}

/// Browsers currently remembered for `user`.
pub fn count_live(c: &mut DbConn, user: UserId, now: UtcTime) -> AppResult<i64> {
    Ok(tfd::table
        .filter(tfd::user_id.eq(user))
        .filter(tfd::revoked_at.is_null())
        .filter(tfd::expires_at.gt(now))
        .count()
        .get_result(c)?)
}

/// Forgets every browser remembered for `user`; returns how many were live.
pub fn revoke_all(c: &mut DbConn, user: UserId, now: UtcTime) -> AppResult<usize> {
    Ok(diesel::update(
        tfd::table
            .filter(tfd::user_id.eq(user))
            .filter(tfd::revoked_at.is_null()),
    )
    .set(tfd::revoked_at.eq(Some(now)))
    .execute(c)?)
}
