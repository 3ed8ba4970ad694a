//! Instance settings (global key → JSON value), edited by superadmins.

use diesel::prelude::*;

use crate::accounts::throttle::Limits;
use crate::db::{DbConn, Json, UtcTime};
use crate::error::AppResult;
use crate::schema::instance_settings;

pub const SIGNUP_MODE: &str = "signup_mode";

fn get(conn: &mut DbConn, key: &str) -> AppResult<Option<serde_json::Value>> {
    Ok(instance_settings::table
        .find(key)
        .select(instance_settings::value)
        .first::<Json>(conn)
        .optional()?
        .map(|j| j.0))
}

/// Upserts a setting (delete + insert keeps it portable across both backends).
pub fn set(conn: &mut DbConn, key: &str, value: serde_json::Value) -> AppResult<()> {
    diesel::delete(instance_settings::table.find(key)).execute(conn)?;
    diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::key.eq(key),
            instance_settings::value.eq(Json(value)),
            instance_settings::updated_at.eq(UtcTime::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether anyone may sign up (default) or only invited people.
pub fn signup_open(conn: &mut DbConn) -> AppResult<bool> {
    Ok(get(conn, SIGNUP_MODE)?
        .and_then(|v| v.as_str().map(|s| s != "invite_only"))
        .unwrap_or(true))
}

/// Login throttle limits (defaults: 5/min and 100/hour per account, 30/min per IP).
pub fn throttle_limits(conn: &mut DbConn) -> AppResult<Limits> {
    let d = Limits::default();
    let Some(v) = get(conn, "login_throttle")? else {
        return Ok(d);
    };
    let n = |k: &str, def: i64| {
        v.get(k)
            .and_then(|x| x.as_i64())
            .filter(|x| *x > 0)
            .unwrap_or(def)
    };
    Ok(Limits {
        per_account_minute: n("per_account_minute", d.per_account_minute),
        per_account_hour: n("per_account_hour", d.per_account_hour),
        per_ip_minute: n("per_ip_minute", d.per_ip_minute),
    })
}
