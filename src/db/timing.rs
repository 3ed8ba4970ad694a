//! Database time, for `/metrics`: a diesel `Instrumentation` on each checked-out
//! connection times every statement, into a global histogram and into the
//! account of the request that checked the connection out.
//!
//! The statements of a request run on the blocking pool (`web::block`), where
//! no task-local of the request is visible. So the link is the [`Pool`]
//! handle: the metrics middleware runs the request inside
//! [`RequestDb::scope`], and a `Pool` cloned while that scope is current (a
//! handler's or extractor's `state.pool.clone()` before `web::block`) carries
//! the request's account to its checkouts. See `Pool::clone`.
//!
//! [`Pool`]: super::Pool

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;

tokio::task_local! {
    static REQUEST_DB: Arc<RequestDb>;
}

/// One request's database account: statements and their summed time.
#[derive(Debug, Default)]
pub struct RequestDb {
    nanos: AtomicU64,
    statements: AtomicU64,
}

impl RequestDb {
    /// Runs `fut` (the rest of the request) with `account` as the current
    /// request's account, so pools cloned inside charge it.
    pub async fn scope<F: std::future::Future>(account: Arc<RequestDb>, fut: F) -> F::Output {
        REQUEST_DB.scope(account, fut).await
    }

    /// The account of the request being served on this task, if any.
    pub(crate) fn current() -> Option<Arc<RequestDb>> {
        REQUEST_DB.try_with(Arc::clone).ok()
    }

    /// Seconds spent in statements so far.
    pub fn seconds(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 / 1e9
    }

    /// Statements run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn add(&self, nanos: u64) {
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.statements.fetch_add(1, Ordering::Relaxed);
    }
}

/// The pool's instruments, set once when metrics are on (`Pool::observe`);
/// the handles are shared with the registry that exposes them.
#[derive(Debug, Clone)]
pub struct DbMetrics {
    /// Time of every statement, from any request or background job.
    pub statement_seconds: Histogram,
    /// Time a caller waited in `Pool::get` for a connection.
    pub wait_seconds: Histogram,
    /// `Pool::get` calls that gave up (no connection within the timeout).
    pub timeouts: Counter,
}

/// The instrumentation installed on a connection at each checkout.
pub(crate) struct StatementTimer {
    started: Option<Instant>,
    statement_seconds: Histogram,
    request: Option<Arc<RequestDb>>,
}

impl StatementTimer {
    pub(crate) fn new(metrics: &DbMetrics, request: Option<Arc<RequestDb>>) -> Self {
        StatementTimer {
            started: None,
            statement_seconds: metrics.statement_seconds.clone(),
            request,
        }
    }
}

impl Instrumentation for StatementTimer {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let elapsed = started.elapsed();
                self.statement_seconds.observe(elapsed.as_secs_f64());
                if let Some(request) = &self.request {
                    request.add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
                }
            }
            _ => {}
        }
    }
}
