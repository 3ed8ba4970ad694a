//! Job completions in the notification centre: whoever started a background
//! job (an export, a batch update, a propagation) hears when it ends, from
//! any module, through the registry's `job_ended` hook.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::jobs::Job;
use crate::modules::{Delivery, NoticeKind};

use super::{notify, Notice};

pub const JOB_ENDED: NoticeKind = NoticeKind {
    key: "notifications.job",
    label: "A background job you started ends (an export, a batch update)",
    in_app: true,
    email: Delivery::Off,
};

/// The centre's own kinds.
pub const KINDS: [NoticeKind; 1] = [JOB_ENDED];

/// Tells the person who started `job` that it ended (`ok`: done; otherwise
/// failed after its last attempt). Jobs nobody started (emails, expiries)
/// tell nobody.
pub fn job_ended(c: &mut DbConn, t: TenantId, job: &Job, ok: bool) -> AppResult<()> {
    let Some(to) = job.created_by else {
        return Ok(());
    };
    let label = job.label();
    let (title, body) = if ok {
        (format!("Finished: {label}"), String::new())
    } else {
        (
            format!("Failed: {label}"),
            "It failed after every retry; its page says why.".to_string(),
        )
    };
    notify(
        c,
        t,
        &Notice {
            kind: &JOB_ENDED,
            to,
            actor: None,
            title,
            body,
            link: format!("jobs/{}", job.id),
        },
    )?;
    Ok(())
}
