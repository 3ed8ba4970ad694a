//! Instance settings (global key → JSON value), edited by superadmins: who may
//! sign up, session lifetimes, login throttle limits. Read through a cache in
//! `AppState` that each server refreshes every few seconds.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::models::UserId;
use crate::accounts::throttle::Limits;
use crate::audit::NewEvent;
use crate::config::Config;
use crate::db::{DbConn, Json, UtcTime};
use crate::error::AppResult;
use crate::schema::instance_settings;
use crate::web::extract::RequestMeta;

pub const SIGNUP_MODE: &str = "signup_mode";
pub const SESSIONS: &str = "session_lifetimes";
pub const THROTTLE: &str = "login_throttle";
pub const SUPERADMIN_TWO_FACTOR: &str = "superadmin_two_factor";

/// The settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSettings {
    /// Anyone may sign up (true) or only invited people.
    pub signup_open: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub throttle: Limits,
    /// Superadmins must have two-factor sign-in on to open `/admin`.
    pub superadmin_two_factor: bool,
}

impl InstanceSettings {
    /// Defaults: open sign-up, the configured lifetimes, the standard limits.
    pub fn defaults(config: &Config) -> Self {
        InstanceSettings {
            signup_open: true,
            session_idle_minutes: config.session_idle_minutes,
            session_absolute_hours: config.session_absolute_hours,
            throttle: Limits::default(),
            superadmin_two_factor: false,
        }
    }
}

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

/// Reads every setting, falling back to the defaults for missing or odd values.
pub fn load(conn: &mut DbConn, config: &Config) -> AppResult<InstanceSettings> {
    let mut s = InstanceSettings::defaults(config);
    if let Some(v) = get(conn, SIGNUP_MODE)? {
        s.signup_open = v.as_str() != Some("invite_only");
    }
    let positive =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_i64()).filter(|x| *x > 0);
    if let Some(v) = get(conn, SESSIONS)? {
        s.session_idle_minutes = positive(&v, "idle_minutes").unwrap_or(s.session_idle_minutes);
        s.session_absolute_hours =
            positive(&v, "absolute_hours").unwrap_or(s.session_absolute_hours);
    }
    if let Some(v) = get(conn, THROTTLE)? {
        s.throttle = Limits {
            per_account_minute: positive(&v, "per_account_minute")
                .unwrap_or(s.throttle.per_account_minute),
            per_account_hour: positive(&v, "per_account_hour")
                .unwrap_or(s.throttle.per_account_hour),
            per_ip_minute: positive(&v, "per_ip_minute").unwrap_or(s.throttle.per_ip_minute),
        };
    }
    if let Some(v) = get(conn, SUPERADMIN_TWO_FACTOR)? {
        s.superadmin_two_factor = v.as_bool() == Some(true);
    }
    Ok(s)
}

/// Whether anyone may sign up — read fresh from the database.
pub fn signup_open(conn: &mut DbConn) -> AppResult<bool> {
    Ok(get(conn, SIGNUP_MODE)?
        .and_then(|v| v.as_str().map(|s| s != "invite_only"))
        .unwrap_or(true))
}

/// The settings form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub signup_mode: String,
    #[serde(default)]
    pub session_idle_minutes: String,
    #[serde(default)]
    pub session_absolute_hours: String,
    #[serde(default)]
    pub per_account_minute: String,
    #[serde(default)]
    pub per_account_hour: String,
    #[serde(default)]
    pub per_ip_minute: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub superadmin_two_factor: Option<String>,
}

impl SettingsForm {
    pub fn from_settings(s: &InstanceSettings) -> Self {
        SettingsForm {
            signup_mode: if s.signup_open { "open" } else { "invite_only" }.into(),
            session_idle_minutes: s.session_idle_minutes.to_string(),
            session_absolute_hours: s.session_absolute_hours.to_string(),
            per_account_minute: s.throttle.per_account_minute.to_string(),
            per_account_hour: s.throttle.per_account_hour.to_string(),
            per_ip_minute: s.throttle.per_ip_minute.to_string(),
            superadmin_two_factor: s.superadmin_two_factor.then(|| "on".to_string()),
        }
    }

    /// The settings the form asks for, or messages by field.
    pub fn parse(&self) -> Result<InstanceSettings, crate::web::FormErrors> {
        let mut errors = crate::web::FormErrors::default();
        let mut number = |field: &str, value: &str, min: i64, max: i64| -> i64 {
            match value.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    errors.add(field, format!("Enter a whole number from {min} to {max}."));
                    0
                }
            }
        };
        let idle = number(
            "session_idle_minutes",
            &self.session_idle_minutes,
            5,
            60 * 24 * 90,
        );
        let absolute = number(
            "session_absolute_hours",
            &self.session_absolute_hours,
            1,
            24 * 365,
        );
        let pam = number("per_account_minute", &self.per_account_minute, 1, 1000);
        let pah = number("per_account_hour", &self.per_account_hour, 1, 100_000);
        let pim = number("per_ip_minute", &self.per_ip_minute, 1, 100_000);
        let signup_open = match self.signup_mode.as_str() {
            "open" => true,
            "invite_only" => false,
            _ => {
                errors.add("signup_mode", "Choose who may sign up.");
                true
            }
        };
        if errors.is_empty() && idle > absolute * 60 {
            errors.add(
                "session_idle_minutes",
                "The idle limit can't be longer than the absolute lifetime.",
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(InstanceSettings {
            signup_open,
            session_idle_minutes: idle,
            session_absolute_hours: absolute,
            throttle: Limits {
                per_account_minute: pam,
                per_account_hour: pah,
                per_ip_minute: pim,
            },
            superadmin_two_factor: self.superadmin_two_factor.is_some(),
        })
    }
}

/// Stores all settings (inside the caller's transaction).
pub fn save(conn: &mut DbConn, s: &InstanceSettings) -> AppResult<()> {
    set(
        conn,
        SIGNUP_MODE,
        serde_json::json!(if s.signup_open { "open" } else { "invite_only" }),
    )?;
    set(
        conn,
        SESSIONS,
        serde_json::json!({"idle_minutes": s.session_idle_minutes, "absolute_hours": s.session_absolute_hours}),
    )?;
    set(
        conn,
        THROTTLE,
        serde_json::json!({
            "per_account_minute": s.throttle.per_account_minute,
            "per_account_hour": s.throttle.per_account_hour,
            "per_ip_minute": s.throttle.per_ip_minute,
        }),
    )?;
    set(
        conn,
        SUPERADMIN_TWO_FACTOR,
        serde_json::json!(s.superadmin_two_factor),
    )
}

/// A superadmin's change: stores `s` and records it (what was `before`, what
/// is now) as an audit event, inside the caller's write transaction.
pub fn update(
    conn: &mut DbConn,
    by: UserId,
    before: &InstanceSettings,
    s: &InstanceSettings,
    meta: &RequestMeta,
) -> AppResult<()> {
    save(conn, s)?;
    crate::audit::record(
        conn,
        NewEvent::global("admin.settings_update")
            .actor(by)
            .resource("settings", "instance")
            .meta(meta)
            .changes(describe_change(before, s))
            .warning(),
    )
}

fn describe_change(a: &InstanceSettings, b: &InstanceSettings) -> serde_json::Value {
    serde_json::json!({
        "signup_open": [a.signup_open, b.signup_open],
        "session_idle_minutes": [a.session_idle_minutes, b.session_idle_minutes],
        "session_absolute_hours": [a.session_absolute_hours, b.session_absolute_hours],
        "throttle": [
            [a.throttle.per_account_minute, a.throttle.per_account_hour, a.throttle.per_ip_minute],
            [b.throttle.per_account_minute, b.throttle.per_account_hour, b.throttle.per_ip_minute]
        ],
        "superadmin_two_factor": [a.superadmin_two_factor, b.superadmin_two_factor],
    })
}
