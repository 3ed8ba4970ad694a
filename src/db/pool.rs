//! The r2d2 pool over [`DbConn`], picking the backend from the URL scheme, and
//! what `/metrics` needs to know of it: callers waiting for a connection, and
//! (when metrics are on) each statement's time, charged to its request.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, PoolError};
use diesel::{PgConnection, SqliteConnection};
use prometheus_client::metrics::gauge::Gauge;

use super::timing::{DbMetrics, RequestDb, StatementTimer};
use super::{sqlite_setup, Backend, DbConn};
use crate::error::AppError;

pub type PooledConn = r2d2::PooledConnection<ConnManager>;

/// The connection pool: r2d2's, plus a count of callers waiting in [`Pool::get`]
/// and, when metrics are on, statement timing on every checkout.
#[derive(Debug)]
pub struct Pool {
    inner: r2d2::Pool<ConnManager>,
    shared: Arc<Shared>,
    /// The request this handle was cloned for (see `clone`).
    request: Option<Arc<RequestDb>>,
}

/// What every handle of one pool shares.
#[derive(Debug)]
struct Shared {
    waiting: Gauge,
    metrics: OnceLock<DbMetrics>,
}

impl Clone for Pool {
    /// A handle cloned while a request is being served (inside the metrics
    /// middleware's scope, as handlers and extractors do before `web::block`)
    /// charges that request for the statements of its checkouts; elsewhere
    /// (on the blocking pool, in job workers) it keeps what it had. This is
    /// how database time crosses into `web::block` without every call site
    /// passing it along.
    fn clone(&self) -> Self {
        Pool {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
            request: RequestDb::current().or_else(|| self.request.clone()),
        }
    }
}

impl Pool {
    /// Checks a connection out (blocking), waiting up to the pool's timeout.
    pub fn get(&self) -> Result<PooledConn, PoolError> {
        self.checkout(|p| p.get())
    }

    /// Checks a connection out, waiting at most `timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<PooledConn, PoolError> {
        self.checkout(|p| p.get_timeout(timeout))
    }

    fn checkout(
        &self,
        get: impl FnOnce(&r2d2::Pool<ConnManager>) -> Result<PooledConn, PoolError>,
    ) -> Result<PooledConn, PoolError> {
        let started = Instant::now();
        self.shared.waiting.inc();
        let got = get(&self.inner);
        self.shared.waiting.dec();
        let Some(metrics) = self.shared.metrics.get() else {
            return got;
        };
        metrics
            .wait_seconds
            .observe(started.elapsed().as_secs_f64());
        match got {
            Ok(mut conn) => {
                // Replaces the last checkout's timer: statements go to this caller.
                conn.set_instrumentation(StatementTimer::new(metrics, self.request.clone()));
                Ok(conn)
            }
            Err(e) => {
                metrics.timeouts.inc();
                Err(e)
            }
        }
    }

    /// Connections open and idle right now.
    pub fn state(&self) -> r2d2::State {
        self.inner.state()
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }

    /// Callers waiting in `get` right now (a live gauge, for the registry).
    pub fn waiting(&self) -> Gauge {
        self.shared.waiting.clone()
    }

    /// Turns on statement timing (once; later calls are ignored).
    pub fn observe(&self, metrics: DbMetrics) {
        let _ = self.shared.metrics.set(metrics);
    }
}

/// Opens connections for one URL. Unlike the derive's `establish` (try Postgres,
/// then SQLite), it reports the real error of the backend the URL names.
#[derive(Debug, Clone)]
pub struct ConnManager {
    url: String,
    backend: Backend,
}

/// The path SQLite should open for a `sqlite://path` or plain path URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                sqlite_setup(&mut c).map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Builds the pool for `url`, creating the SQLite file (0600) and its folder
/// (0700) when needed.
pub fn connect_pool(url: &str, max_size: u32) -> Result<Pool, AppError> {
    let backend = Backend::from_url(url);
    let path = std::path::Path::new(sqlite_path(url));
    // `:memory:` and `file:` URIs are SQLite's business, not a file of ours.
    if backend == Backend::Sqlite
        && !url.contains(":memory:")
        && !sqlite_path(url).starts_with("file:")
    {
        crate::files::prepare_sqlite_file(path)
            .map_err(|e| AppError::internal(format!("cannot create {}: {e}", path.display())))?;
    }
    let manager = ConnManager {
        url: url.to_string(),
        backend,
    };
    let inner = r2d2::Pool::builder()
        .max_size(max_size)
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| AppError::internal(format!("cannot open database: {e}")))?;
    Ok(Pool {
        inner,
        shared: Arc::new(Shared {
            waiting: Gauge::default(),
            metrics: OnceLock::new(),
        }),
        request: None,
    })
}
