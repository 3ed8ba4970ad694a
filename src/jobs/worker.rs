//! Worker threads inside `serve`, and `run_due` for tests and tools.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{claim, finish, housekeeping, Job};
use crate::config::Config;
use crate::db::{Pool, TenantConn, TenantScope, UtcTime};
use crate::error::AppResult;

/// What a job handler gets: the job, configuration, and its tenant's
/// connection on demand (so that slow work holds no connection).
pub struct JobCtx<'a> {
    pub pool: &'a Pool,
    pub config: &'a Config,
    pub job: &'a Job,
    scope: TenantScope,
}

impl JobCtx<'_> {
    /// A connection scoped to the job's tenant.
    pub fn conn(&self) -> AppResult<TenantConn> {
        TenantConn::open(self.pool, &self.scope)
    }

    /// Reports progress (shown by the job page's progress bar).
    pub fn progress(&self, done: i64, total: i64) -> AppResult<()> {
        let id = self.job.id;
        self.conn()?
            .write(|c, t| super::progress(c, t, id, done, total))
    }
}

/// Runs one claimed job in its tenant and records the outcome.
fn run(pool: &Pool, config: &Config, job: Job) -> AppResult<()> {
    let scope = TenantScope::verified(job.tenant_id);
    let ctx = JobCtx {
        pool,
        config,
        job: &job,
        scope,
    };
    // Each kind's handler; an error message is kept on the job and retried.
    let outcome = match job.kind.as_str() {
        "email.send" => super::email::run(&ctx),
        "workspace.export" => crate::exports::run(&ctx),
        other => match crate::modules::job_kind(other) {
            Some(module_kind) => (module_kind.run)(&ctx),
            None => Err(super::unknown_kind(other).to_string()),
        },
    };
    if let Err(e) = &outcome {
        tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
    }
    // Done, or failed after its last attempt: the job has ended for good.
    let ended = match &outcome {
        Ok(()) => Some(true),
        Err(_) if job.attempts >= job.max_attempts => Some(false),
        Err(_) => None,
    };
    let mut conn = TenantConn::open(pool, &scope)?;
    conn.write(|c, _| finish(c, &job, outcome))?;
    // The modules hear of it afterwards, in a transaction of their own: a
    // failing notice must not undo (and so re-run) a finished job.
    if let Some(ok) = ended {
        let told = conn.write(|c, t| {
            for hook in crate::modules::all().iter().filter_map(|m| m.job_ended) {
                hook(c, t, &job, ok)?;
            }
            Ok(())
        });
        if let Err(e) = told {
            tracing::warn!(job = %job.id, error = %e, "job end not announced");
        }
    }
    Ok(())
}

/// Claims and runs due jobs until none is left, then sends due account
/// emails; returns how many jobs ran and emails went out.
pub fn run_due(pool: &Pool, config: &Config, worker: &str) -> AppResult<usize> {
    let mut n = 0;
    while let Some(job) = claim(pool, worker)? {
        run(pool, config, job)?;
        n += 1;
    }
    Ok(n + super::outbox::send_due(pool, config)?)
}

/// Starts `count` worker threads; they stop when `stop` is set.
pub fn start(
    pool: Pool,
    config: Arc<Config>,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "atrium".into());
    (0..count)
        .map(|i| {
            let (pool, config, stop) = (pool.clone(), config.clone(), stop.clone());
            let name = format!("{host}:{}:{i}", std::process::id());
            std::thread::spawn(move || {
                // The first worker also prunes, at start and then hourly.
                let mut pruned_at: Option<Instant> = None;
                while !stop.load(Ordering::Relaxed) {
                    match run_due(&pool, &config, &name) {
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "job worker"),
                    }
                    if i == 0 && pruned_at.is_none_or(|t| t.elapsed() >= housekeeping::EVERY) {
                        pruned_at = Some(Instant::now());
                        match housekeeping::prune(&pool, UtcTime::now()) {
                            Ok(p) if p.total() > 0 => tracing::info!(
                                sessions = p.sessions,
                                login_attempts = p.login_attempts,
                                password_resets = p.password_resets,
                                "pruned"
                            ),
                            Ok(_) => {}
                            Err(e) => tracing::error!(error = %e, "housekeeping"),
                        }
                        let stale = crate::files::STALE_UPLOAD;
                        match crate::files::sweep_temp_uploads(&config.data_dir, stale) {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(files = n, "removed stale temporary uploads"),
                            Err(e) => tracing::warn!(error = %e, "temporary uploads not swept"),
                        }
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })
        })
        .collect()
}
