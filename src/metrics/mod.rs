//! Prometheus metrics for operators at `/metrics` (off unless
//! `ATRIUM_METRICS_TOKEN` is set): requests per route pattern, database time
//! per request, the connection pool and the job queue. `docs/SCALING.md` says
//! what each one means.
//!
//! Built on `prometheus-client` (the official Rust client): an explicit
//! registry in `AppState`, no global recorder.

pub mod middleware;
pub mod scrape;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::db::{DbMetrics, Pool};

/// Route patterns (`/w/{slug}/members`), never raw paths, so the number of
/// series stays bounded whatever clients ask for.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub method: &'static str,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClassLabels {
    pub method: &'static str,
    pub route: String,
    /// `2xx`, `3xx`, `4xx` or `5xx`.
    pub status_class: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Seconds, from 0.5 ms to 10 s: a page at index speed lands in the low
/// buckets, a full-table scan in the high ones.
fn latency_buckets() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// Seconds, from 50 µs (a primary-key read) to 2.5 s.
fn statement_buckets() -> Histogram {
    Histogram::new([
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1.0, 2.5,
    ])
}

/// Statements per request.
fn count_buckets() -> Histogram {
    Histogram::new([
        0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0, 128.0,
    ])
}

/// The instance's metrics: what the middleware and the pool record into, and
/// the registry `/metrics` encodes.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    token: String,
    requests: Family<StatusLabels, Counter>,
    duration: HistogramFamily<ClassLabels>,
    db_time: HistogramFamily<RouteLabels>,
    db_statements: HistogramFamily<RouteLabels>,
}

impl Metrics {
    /// Registers every metric and turns on statement timing in `pool`.
    pub fn new(token: String, pool: &Pool) -> Metrics {
        let mut registry = Registry::with_prefix("atrium");
        let requests = Family::<StatusLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        let duration = HistogramFamily::<ClassLabels>::new_with_constructor(latency_buckets);
        registry.register_with_unit(
            "http_request_duration",
            "Time from request to response head, by route pattern and status class",
            Unit::Seconds,
            duration.clone(),
        );
        let db_time = HistogramFamily::<RouteLabels>::new_with_constructor(latency_buckets);
        registry.register_with_unit(
            "http_request_db",
            "Time one request spent in database statements, by route pattern",
            Unit::Seconds,
            db_time.clone(),
        );
        let db_statements = HistogramFamily::<RouteLabels>::new_with_constructor(count_buckets);
        registry.register(
            "http_request_db_statements",
            "Database statements one request ran (BEGIN and COMMIT included), by route pattern",
            db_statements.clone(),
        );
        let db = DbMetrics {
            statement_seconds: statement_buckets(),
            wait_seconds: statement_buckets(),
            timeouts: Counter::default(),
        };
        registry.register_with_unit(
            "db_statement_duration",
            "Time of each database statement, from requests and background jobs alike",
            Unit::Seconds,
            db.statement_seconds.clone(),
        );
        registry.register_with_unit(
            "db_pool_wait",
            "Time spent waiting for a connection from the pool",
            Unit::Seconds,
            db.wait_seconds.clone(),
        );
        registry.register(
            "db_pool_timeouts",
            "Connection requests that gave up waiting for the pool",
            db.timeouts.clone(),
        );
        registry.register(
            "db_pool_waiting",
            "Callers waiting for a connection from the pool right now",
            pool.waiting(),
        );
        pool.observe(db);
        Metrics {
            registry,
            token,
            requests,
            duration,
            db_time,
            db_statements,
        }
    }

    /// Records one answered request.
    pub fn record_request(&self, done: &RequestDone) {
        let route = done.route.clone();
        self.requests
            .get_or_create(&StatusLabels {
                method: done.method,
                route: route.clone(),
                status: done.status,
            })
            .inc();
        self.duration
            .get_or_create(&ClassLabels {
                method: done.method,
                route: route.clone(),
                status_class: status_class(done.status),
            })
            .observe(done.seconds);
        let labels = RouteLabels {
            method: done.method,
            route,
        };
        self.db_time.get_or_create(&labels).observe(done.db_seconds);
        self.db_statements
            .get_or_create(&labels)
            .observe(done.db_statements as f64);
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    fn token(&self) -> &str {
        &self.token
    }
}

/// What the middleware learnt about one request.
#[derive(Debug, Clone)]
pub struct RequestDone {
    pub method: &'static str,
    pub route: String,
    pub status: u16,
    pub seconds: f64,
    pub db_seconds: f64,
    pub db_statements: u64,
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
