//! Background jobs: rows in `jobs`, claimed safely by worker threads of any
//! number of servers (`FOR UPDATE SKIP LOCKED` on Postgres, an immediate
//! transaction on SQLite), retried with backoff, and run inside a `TenantConn`
//! for the job's tenant. A job left `running` by a killed server is reclaimed
//! once its lock goes stale.

pub mod email;
pub mod handlers;
pub mod housekeeping;
pub mod outbox;
pub mod stats;
pub mod worker;

use chrono::Duration;
use diesel::prelude::*;

use crate::accounts::UserId;
use crate::db::{AdminConn, Backend, DbConn, Json, Pool, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::jobs;

crate::typed_id!(
    /// `jobs.id`.
    JobId
);

crate::text_enum!(
    /// Where a background job stands (`jobs.status`).
    JobStatus {
        Queued = "queued" / "Queued",
        Running = "running" / "Running",
        Done = "done" / "Done",
        Failed = "failed" / "Failed",
    }
);

/// A lock older than this belongs to a server that died.
pub const STALE_AFTER_SECS: i64 = 300;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub tenant_id: TenantId,
    pub id: JobId,
    pub kind: String,
    pub payload: Json,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: UtcTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<UtcTime>,
    pub progress_done: i64,
    pub progress_total: i64,
    pub last_error: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub finished_at: Option<UtcTime>,
}

impl Job {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, JobStatus::Done | JobStatus::Failed)
    }

    /// Percentage for the progress bar (0–100).
    pub fn percent(&self) -> i64 {
        if self.status == JobStatus::Done {
            100
        } else if self.progress_total > 0 {
            (self.progress_done * 100 / self.progress_total).clamp(0, 100)
        } else {
            0
        }
    }

    /// Where to download what the job made, once it is done (exports only).
    pub fn download_url(&self, slug: &str) -> Option<String> {
        (self.kind == crate::exports::KIND && self.status == JobStatus::Done)
            .then(|| format!("/w/{slug}/export/{}.zip", self.id))
    }

    pub fn label(&self) -> &str {
        match self.kind.as_str() {
            "email.send" => "Sending email",
            crate::exports::KIND => "Exporting workspace data",
            other => crate::modules::job_kind(other).map_or(other, |k| k.label),
        }
    }
}

/// Queues a job in the current tenant transaction.
pub fn enqueue(
    c: &mut DbConn,
    tenant: TenantId,
    kind: &str,
    payload: serde_json::Value,
    created_by: Option<UserId>,
) -> AppResult<JobId> {
    enqueue_at(c, tenant, kind, payload, created_by, UtcTime::now())
}

/// Queues a job that no worker claims before `run_after` (a deadline such
/// as an approval's expiry).
pub fn enqueue_at(
    c: &mut DbConn,
    tenant: TenantId,
    kind: &str,
    payload: serde_json::Value,
    created_by: Option<UserId>,
    run_after: UtcTime,
) -> AppResult<JobId> {
    let id = JobId::new();
    let now = UtcTime::now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::tenant_id.eq(tenant),
            jobs::id.eq(id),
            jobs::kind.eq(kind),
            jobs::payload.eq(Json(payload)),
            jobs::status.eq(JobStatus::Queued),
            jobs::run_after.eq(run_after),
            jobs::created_by.eq(created_by),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(id)
}

pub fn find(c: &mut DbConn, tenant: TenantId, id: JobId) -> AppResult<Job> {
    Ok(jobs::table
        .filter(jobs::tenant_id.eq(tenant))
        .filter(jobs::id.eq(id))
        .select(Job::as_select())
        .first(c)?)
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = crate::db::sql::Uuid)]
    tenant_id: TenantId,
    #[diesel(sql_type = crate::db::sql::Uuid)]
    id: JobId,
}

/// Claims the next due job (queued and due, or running with a stale lock) for
/// worker `worker`, across all tenants.
pub fn claim(pool: &Pool, worker: &str) -> AppResult<Option<Job>> {
    let mut conn = AdminConn::system(pool)?;
    conn.write(|c| {
        let now = UtcTime::now();
        let stale = now - Duration::seconds(STALE_AFTER_SECS);
        let candidate: Option<(TenantId, JobId)> = match c.backend() {
            Backend::Postgres => diesel::sql_query(
                "SELECT tenant_id, id FROM jobs \
                 WHERE (status = 'queued' AND run_after <= $1) OR (status = 'running' AND locked_at < $2) \
                 ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED",
            )
            .bind::<crate::db::sql::Timestamptz, _>(now)
            .bind::<crate::db::sql::Timestamptz, _>(stale)
            .get_result::<Candidate>(c)
            .optional()?
            .map(|r| (r.tenant_id, r.id)),
            // The immediate transaction already holds SQLite's write lock.
            Backend::Sqlite => jobs::table
                .filter(
                    jobs::status
                        .eq(JobStatus::Queued)
                        .and(jobs::run_after.le(now))
                        .or(jobs::status.eq(JobStatus::Running).and(jobs::locked_at.lt(stale))),
                )
                .order(jobs::run_after.asc())
                .select((jobs::tenant_id, jobs::id))
                .first(c)
                .optional()?,
        };
        let Some((tenant, id)) = candidate else { return Ok(None) };
        diesel::update(jobs::table.filter(jobs::tenant_id.eq(tenant)).filter(jobs::id.eq(id)))
            .set((
                jobs::status.eq(JobStatus::Running),
                jobs::locked_by.eq(worker),
                jobs::locked_at.eq(now),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::updated_at.eq(now),
            ))
            .execute(c)?;
        Ok(Some(find(c, tenant, id)?))
    })
}

/// Progress reporting for a running job (also refreshes its lock).
pub fn progress(
    c: &mut DbConn,
    tenant: TenantId,
    id: JobId,
    done: i64,
    total: i64,
) -> AppResult<()> {
    let now = UtcTime::now();
    diesel::update(
        jobs::table
            .filter(jobs::tenant_id.eq(tenant))
            .filter(jobs::id.eq(id)),
    )
    .set((
        jobs::progress_done.eq(done),
        jobs::progress_total.eq(total),
        jobs::locked_at.eq(now),
        jobs::updated_at.eq(now),
    ))
    .execute(c)?;
    Ok(())
}

/// Records the outcome of a run: done, or retry later with backoff, or failed.
pub fn finish(c: &mut DbConn, job: &Job, outcome: Result<(), String>) -> AppResult<()> {
    let now = UtcTime::now();
    let target = jobs::table
        .filter(jobs::tenant_id.eq(job.tenant_id))
        .filter(jobs::id.eq(job.id));
    match outcome {
        Ok(()) => {
            diesel::update(target)
                .set((
                    jobs::status.eq(JobStatus::Done),
                    jobs::locked_by.eq(None::<String>),
                    jobs::locked_at.eq(None::<UtcTime>),
                    jobs::finished_at.eq(now),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        Err(e) if job.attempts < job.max_attempts => {
            // 2, 4, 8, … seconds, at most an hour.
            let delay = Duration::seconds(
                2i64.saturating_pow(job.attempts.clamp(1, 12) as u32)
                    .min(3600),
            );
            diesel::update(target)
                .set((
                    jobs::status.eq(JobStatus::Queued),
                    jobs::run_after.eq(now + delay),
                    jobs::last_error.eq(e),
                    jobs::locked_by.eq(None::<String>),
                    jobs::locked_at.eq(None::<UtcTime>),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        Err(e) => {
            diesel::update(target)
                .set((
                    jobs::status.eq(JobStatus::Failed),
                    jobs::last_error.eq(e),
                    jobs::locked_by.eq(None::<String>),
                    jobs::locked_at.eq(None::<UtcTime>),
                    jobs::finished_at.eq(now),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// The unknown-kind failure: a job no code handles is a permanent error.
pub fn unknown_kind(kind: &str) -> AppError {
    AppError::internal(format!("no handler for job kind {kind}"))
}
