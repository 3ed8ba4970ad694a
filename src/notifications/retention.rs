//! How long notices are kept: a read notice (or one only ever meant for
//! email, once its email is done) goes after [`KEEP_DAYS`]. Unread notices
//! stay however old (the badge counts them), and so does any notice whose
//! email is still queued or waiting for its digest. Housekeeping runs this
//! hourly for every workspace, [`BATCH`] rows at a time.

use chrono::Duration;
use diesel::prelude::*;

use super::{EmailState, NotificationId};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::notifications;

/// Days a read notice is kept.
pub const KEEP_DAYS: i64 = 90;
/// Most notices deleted per workspace per run: the rest go next hour.
pub const BATCH: i64 = 5_000;

/// Deletes up to [`BATCH`] of the workspace's notices that ended more than
/// [`KEEP_DAYS`] before `now`; returns how many went.
pub fn prune(c: &mut DbConn, t: TenantId, now: UtcTime) -> AppResult<u64> {
    let before = now - Duration::days(KEEP_DAYS);
    let done: Vec<NotificationId> = notifications::table
        .filter(notifications::tenant_id.eq(t))
        .filter(notifications::created_at.lt(before))
        .filter(
            notifications::read_at
                .is_not_null()
                .or(notifications::shown.eq(false)),
        )
        .filter(notifications::email.ne(EmailState::Immediate))
        .filter(notifications::email.ne(EmailState::Digest))
        .select(notifications::id)
        .limit(BATCH)
        .load(c)?;
    if done.is_empty() {
        return Ok(0);
    }
    let n = diesel::delete(
        notifications::table
            .filter(notifications::tenant_id.eq(t))
            .filter(notifications::id.eq_any(&done)),
    )
    .execute(c)?;
    Ok(n as u64)
}
