//! Notices by email, through the job queue so that sending retries and never
//! holds a request: one job per notice for "email at once", and one digest
//! job per person and hour for "hourly digest", which gathers what they have
//! not read by then. Without `ATRIUM_SMTP_URL` nothing is sent and the
//! notices say so (`skipped`), so the jobs do not fail over and over.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use super::{active_membership, EmailState, Notification, NotificationId};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::jobs::email::{self, Email};
use crate::jobs::worker::JobCtx;
use crate::schema::{memberships, notifications, tenants, users};

/// The job that emails one notice.
pub const EMAIL_KIND: &str = "notifications.email";
/// The job that emails a person's digest.
pub const DIGEST_KIND: &str = "notifications.digest";
/// How long a digest gathers notices before it goes.
pub const DIGEST_AFTER_MINUTES: i64 = 60;
/// Most notices listed in one digest (the rest are counted).
pub const DIGEST_MAX: i64 = 50;
/// Most notices one digest takes; more wait for the next one.
const DIGEST_TAKE: i64 = 1000;

/// Queues the email of `n` (in the transaction that created it).
pub(super) fn queue_one(c: &mut DbConn, t: TenantId, n: &Notification) -> AppResult<()> {
    crate::jobs::enqueue(c, t, EMAIL_KIND, json!({ "notification": n.id }), None)?;
    Ok(())
}

/// Makes sure a digest job is waiting for `user`: the first digest notice
/// of an hour schedules it, the others join it.
pub(super) fn schedule_digest(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    now: UtcTime,
) -> AppResult<()> {
    let due = now + Duration::minutes(DIGEST_AFTER_MINUTES);
    let claimed =
        diesel::update(active_membership(t, user).filter(memberships::digest_due_at.is_null()))
            .set(memberships::digest_due_at.eq(Some(due)))
            .execute(c)?;
    if claimed == 1 {
        crate::jobs::enqueue_at(c, t, DIGEST_KIND, json!({ "user": user }), None, due)?;
    }
    Ok(())
}

/// Where the email's links lead and whom it goes to.
struct Addressee {
    email: String,
    slug: String,
    workspace: String,
}

/// Whom the email goes to, if they are still an active member with an
/// active account: a notice never follows someone out of the workspace.
fn addressee(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<Option<Addressee>> {
    let member: Option<(String, bool)> = users::table
        .inner_join(memberships::table)
        .filter(memberships::tenant_id.eq(t))
        .filter(memberships::revoked_at.is_null())
        .filter(users::id.eq(user))
        .select((users::email, users::is_active))
        .first(c)
        .optional()?;
    let Some((email, true)) = member else {
        return Ok(None);
    };
    let (slug, workspace): (String, String) = tenants::table
        .filter(tenants::id.eq(t))
        .select((tenants::slug, tenants::name))
        .first(c)?;
    Ok(Some(Addressee {
        email,
        slug,
        workspace,
    }))
}

fn set_email_state(
    c: &mut DbConn,
    t: TenantId,
    ids: &[NotificationId],
    state: EmailState,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        notifications::table
            .filter(notifications::tenant_id.eq(t))
            .filter(notifications::id.eq_any(ids)),
    )
    .set(notifications::email.eq(state))
    .execute(c)?;
    Ok(())
}

fn link(base: &str, slug: &str, n: &Notification) -> String {
    if n.link.is_empty() {
        format!("{base}/w/{slug}/notifications")
    } else {
        format!("{base}/w/{slug}/{}", n.link)
    }
}

/// The `notifications.email` job: one notice, sent once.
pub fn run_email(ctx: &JobCtx) -> Result<(), String> {
    let id: NotificationId = serde_json::from_value(ctx.job.payload.0["notification"].clone())
        .map_err(|e| format!("bad payload: {e}"))?;
    let found = ctx
        .conn()
        .and_then(|mut tc| {
            tc.read(|c, t| {
                let n: Option<Notification> = notifications::table
                    .filter(notifications::tenant_id.eq(t))
                    .filter(notifications::id.eq(id))
                    .select(Notification::as_select())
                    .first(c)
                    .optional()?;
                let Some(n) = n.filter(|n| n.email == EmailState::Immediate) else {
                    return Ok(None);
                };
                Ok(addressee(c, t, n.user_id)?.map(|to| (to, n)))
            })
        })
        .map_err(|e| e.to_string())?;
    // Already sent (a retry after the send), or the person is gone.
    let Some((to, n)) = found else {
        return Ok(());
    };
    let state = match ctx.config.smtp_url.as_deref() {
        None => EmailState::Skipped,
        Some(url) => {
            let mail = Email {
                to: to.email,
                subject: format!("[{}] {}", to.workspace, n.title),
                body: format!(
                    "{}\n\n{}\n\nOpen: {}\n\nChoose which notices reach you by email: {}/w/{}/notifications/preferences\n",
                    n.title,
                    n.body,
                    link(&ctx.config.base_url(), &to.slug, &n),
                    ctx.config.base_url(),
                    to.slug,
                ),
            };
            email::send(url, &ctx.config.smtp_from, &mail)?;
            EmailState::Sent
        }
    };
    ctx.conn()
        .and_then(|mut tc| tc.write(|c, t| set_email_state(c, t, &[n.id], state)))
        .map_err(|e| e.to_string())
}

/// The `notifications.digest` job: what `user` has not read since the
/// digest was scheduled, in one email. Notices read meanwhile are skipped.
pub fn run_digest(ctx: &JobCtx) -> Result<(), String> {
    let user: UserId = serde_json::from_value(ctx.job.payload.0["user"].clone())
        .map_err(|e| format!("bad payload: {e}"))?;
    // The first transaction frees the next digest to be scheduled and takes
    // what this one sends; the send happens with no connection held.
    let gathered = ctx
        .conn()
        .and_then(|mut tc| {
            tc.write(|c, t| {
                diesel::update(
                    memberships::table
                        .filter(memberships::tenant_id.eq(t))
                        .filter(memberships::user_id.eq(user)),
                )
                .set(memberships::digest_due_at.eq(None::<UtcTime>))
                .execute(c)?;
                let waiting = notifications::table
                    .filter(notifications::tenant_id.eq(t))
                    .filter(notifications::user_id.eq(user))
                    .filter(notifications::email.eq(EmailState::Digest));
                let read: Vec<NotificationId> = waiting
                    .filter(notifications::read_at.is_not_null())
                    .limit(DIGEST_TAKE * 10 + 1)
                    .select(notifications::id)
                    .load(c)?;
                let more_read = read.len() as i64 > DIGEST_TAKE * 10;
                set_email_state(c, t, &read, EmailState::Skipped)?;
                let mut unread: Vec<Notification> = waiting
                    .filter(notifications::read_at.is_null())
                    .order((notifications::created_at.asc(), notifications::id.asc()))
                    .limit(DIGEST_TAKE + 1)
                    .select(Notification::as_select())
                    .load(c)?;
                // What one digest cannot take goes in the next one, an hour
                // on, without waiting for a new notice to schedule it.
                if more_read || unread.len() as i64 > DIGEST_TAKE {
                    unread.truncate(DIGEST_TAKE as usize);
                    schedule_digest(c, t, user, UtcTime::now())?;
                }
                if unread.is_empty() {
                    return Ok(None);
                }
                Ok(addressee(c, t, user)?.map(|to| (to, unread)))
            })
        })
        .map_err(|e| e.to_string())?;
    let Some((to, notices)) = gathered else {
        return Ok(());
    };
    let ids: Vec<NotificationId> = notices.iter().map(|n| n.id).collect();
    let state = match ctx.config.smtp_url.as_deref() {
        None => EmailState::Skipped,
        Some(url) => {
            let mail = digest_email(&ctx.config.base_url(), &to, &notices);
            email::send(url, &ctx.config.smtp_from, &mail)?;
            EmailState::Sent
        }
    };
    ctx.conn()
        .and_then(|mut tc| tc.write(|c, t| set_email_state(c, t, &ids, state)))
        .map_err(|e| e.to_string())
}

fn digest_email(base: &str, to: &Addressee, notices: &[Notification]) -> Email {
    let n = notices.len();
    let mut body = format!(
        "{} unread in {}:\n\n",
        if n == 1 {
            "1 notice".to_string()
        } else {
            format!("{n} notices")
        },
        to.workspace
    );
    for x in notices.iter().take(DIGEST_MAX as usize) {
        body.push_str(&format!("- {}\n  {}\n", x.title, link(base, &to.slug, x)));
    }
    if n > DIGEST_MAX as usize {
        body.push_str(&format!("\n…and {} more.\n", n - DIGEST_MAX as usize));
    }
    body.push_str(&format!(
        "\nAll of them: {base}/w/{}/notifications\nChoose which notices reach you by email: {base}/w/{}/notifications/preferences\n",
        to.slug, to.slug
    ));
    Email {
        to: to.email.clone(),
        subject: format!("[{}] {n} unread", to.workspace),
        body,
    }
}
