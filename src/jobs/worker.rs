//! Worker threads inside `serve`, and `run_due` for tests and tools.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{claim, finish, Job};
use crate::config::Config;
use crate::db::{Pool, TenantConn, TenantScope};
use crate::error::AppResult;

/// Runs one claimed job in its tenant and records the outcome.
fn run(pool: &Pool, config: &Config, job: Job) -> AppResult<()> {
    let scope = TenantScope::verified(job.tenant_id);
    // Slow work (an SMTP conversation) holds no database connection.
    let outcome = match job.kind.as_str() {
        "email.send" => super::email::run(config, &job).map_err(|e| e.to_string()),
        other => Err(super::unknown_kind(other).to_string()),
    };
    if let Err(e) = &outcome {
        tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
    }
    TenantConn::open(pool, &scope)?.write(|c, _| finish(c, &job, outcome))
}

/// Claims and runs due jobs until none is left; returns how many ran.
pub fn run_due(pool: &Pool, config: &Config, worker: &str) -> AppResult<usize> {
    let mut n = 0;
    while let Some(job) = claim(pool, worker)? {
        run(pool, config, job)?;
        n += 1;
    }
    Ok(n)
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
                while !stop.load(Ordering::Relaxed) {
                    match run_due(&pool, &config, &name) {
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "job worker"),
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })
        })
        .collect()
}
