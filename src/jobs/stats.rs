//! The job queue as operators see it on `/metrics`: how many jobs of each kind
//! wait or run, and how long the longest-waiting one has been due.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::{sql, AdminConn, Pool, UtcTime};
use crate::error::AppResult;

/// Queued and running jobs of one kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindStats {
    pub kind: String,
    pub queued: i64,
    pub running: i64,
    /// Seconds since the earliest `run_after` of the queued jobs: how long
    /// the longest-waiting due job has waited. 0 when none is due yet (a
    /// retry backing off is not late).
    pub oldest_queued_age_seconds: f64,
}

/// One row per kind that has queued or running jobs, across all tenants.
/// Cheap at any size of history: the `(status, run_after)` claim index picks
/// out the queued and running rows, and only those are grouped.
pub fn queue_by_kind(pool: &Pool) -> AppResult<Vec<KindStats>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = sql::Timestamptz)]
        oldest: UtcTime,
    }
    // Raw SQL: diesel's `min` wants an ordered SQL type, which our two-backend
    // timestamp type is not. SQLite compares the fixed-width text in time order.
    let rows: Vec<Row> = AdminConn::system(pool)?.read(|c| {
        Ok(diesel::sql_query(
            "SELECT kind, status, COUNT(*) AS n, MIN(run_after) AS oldest FROM jobs \
             WHERE status IN ('queued', 'running') GROUP BY kind, status ORDER BY kind, status",
        )
        .load(c)?)
    })?;
    let now = UtcTime::now();
    let mut out: Vec<KindStats> = Vec::new();
    for Row {
        kind,
        status,
        n,
        oldest,
    } in rows
    {
        if out.last().is_none_or(|k| k.kind != kind) {
            out.push(KindStats {
                kind,
                ..KindStats::default()
            });
        }
        let Some(stats) = out.last_mut() else {
            continue;
        };
        if status == "queued" {
            stats.queued = n;
            let waited = (now.0 - oldest.0).num_milliseconds().max(0);
            stats.oldest_queued_age_seconds = waited as f64 / 1000.0;
        } else {
            stats.running = n;
        }
    }
    Ok(out)
}
