//! Housekeeping: deletes the rows of sign-in machinery that have outlived
//! any use, so those tables stay small however long a server runs. The
//! worker runs it once an hour; `atrium prune` runs it by hand.
//!
//! - sessions that expired or were revoked more than `KEEP_DAYS` ago (a
//!   live session is never touched);
//! - login attempts older than `KEEP_DAYS` (throttling looks back one hour);
//! - password-reset and email-verification links that expired, or were
//!   used, more than `KEEP_DAYS` ago;
//! - throttle events older than `KEEP_DAYS` (throttles look back one hour);
//! - account emails queued more than `KEEP_DAYS` ago (sent or given up);
//! - remembered browsers (two-factor) that expired or were revoked more than
//!   `KEEP_DAYS` ago;
//! - and, workspace by workspace, what each module's retention hooks say it
//!   no longer keeps (read notices after 90 days, …), each in the
//!   workspace's own transaction.
//!
//! Finished jobs stay: they are the workspace's record of its exports,
//! propagations and batches. Export files are pruned by `exports` itself.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::{AdminConn, Pool, TenantConn, TenantId, TenantScope, UtcTime};
use crate::error::AppResult;
use crate::schema::{
    email_verifications, login_attempts, mail_outbox, password_resets, tenants, throttle_events,
    two_factor_devices, user_sessions,
};

/// Days a finished row is kept, for anyone looking into a sign-in problem.
pub const KEEP_DAYS: i64 = 30;

/// How often the worker prunes.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Rows deleted by one `prune`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub login_attempts: usize,
    pub password_resets: usize,
    pub email_verifications: usize,
    pub throttle_events: usize,
    pub mail_outbox: usize,
    pub remembered_browsers: usize,
    /// Rows the modules' retention hooks deleted, in every workspace.
    pub module_rows: usize,
}

impl Pruned {
    pub fn total(&self) -> usize {
        self.sessions
            + self.login_attempts
            + self.password_resets
            + self.email_verifications
            + self.throttle_events
            + self.mail_outbox
            + self.remembered_browsers
            + self.module_rows
    }
}

/// Deletes the sign-in rows that ended more than `KEEP_DAYS` before `now`
/// (one transaction), then applies the modules' retention hooks.
pub fn prune(pool: &Pool, now: UtcTime) -> AppResult<Pruned> {
    let mut pruned = prune_sign_in(pool, now)?;
    pruned.module_rows = apply_retention(pool, now)?;
    Ok(pruned)
}

/// Runs every module's retention hooks for every workspace, each workspace
/// in its own tenant transaction (a connection is held for one workspace's
/// batch at a time). Returns the rows deleted.
pub fn apply_retention(pool: &Pool, now: UtcTime) -> AppResult<usize> {
    let hooks: Vec<_> = crate::modules::all()
        .iter()
        .flat_map(|m| m.retention.iter())
        .collect();
    if hooks.is_empty() {
        return Ok(0);
    }
    let workspaces: Vec<TenantId> =
        AdminConn::system(pool)?.read(|c| Ok(tenants::table.select(tenants::id).load(c)?))?;
    let mut deleted = 0u64;
    for tenant in workspaces {
        // The workspace's id comes from its own row: the scope is verified.
        let mut conn = TenantConn::open(pool, &TenantScope::verified(tenant))?;
        for hook in &hooks {
            deleted += conn.write(|c, t| hook(c, t, now))?;
        }
    }
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}

fn prune_sign_in(pool: &Pool, now: UtcTime) -> AppResult<Pruned> {
    let before = now - Duration::days(KEEP_DAYS);
    AdminConn::system(pool)?.write(|c| {
        let sessions = diesel::delete(
            user_sessions::table.filter(
                user_sessions::expires_at
                    .lt(before)
                    .or(user_sessions::revoked_at.lt(before)),
            ),
        )
        .execute(c)?;
        let login_attempts =
            diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(before)))
                .execute(c)?;
        let password_resets = diesel::delete(
            password_resets::table.filter(
                password_resets::expires_at
                    .lt(before)
                    .or(password_resets::used_at.lt(before)),
            ),
        )
        .execute(c)?;
        let email_verifications = diesel::delete(
            email_verifications::table.filter(
                email_verifications::expires_at
                    .lt(before)
                    .or(email_verifications::used_at.lt(before)),
            ),
        )
        .execute(c)?;
        let throttle_events =
            diesel::delete(throttle_events::table.filter(throttle_events::created_at.lt(before)))
                .execute(c)?;
        let mail_outbox =
            diesel::delete(mail_outbox::table.filter(mail_outbox::created_at.lt(before)))
                .execute(c)?;
        let remembered_browsers = diesel::delete(
            two_factor_devices::table.filter(
                two_factor_devices::expires_at
                    .lt(before)
                    .or(two_factor_devices::revoked_at.lt(before)),
            ),
        )
        .execute(c)?;
        Ok(Pruned {
            sessions,
            login_attempts,
            password_resets,
            email_verifications,
            throttle_events,
            mail_outbox,
            remembered_browsers,
            module_rows: 0,
        })
    })
}
