//! `GET /metrics`: the bearer check, then the registry plus what is read at
//! scrape time (the pool's connections, the job queue), in the OpenMetrics
//! text format that Prometheus scrapes.

use std::sync::atomic::AtomicU64;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use sha2::{Digest, Sha256};

use crate::db::Pool;
use crate::error::{AppError, AppResult};
use crate::jobs::stats::{queue_by_kind, KindStats};
use crate::AppState;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// 404 when metrics are off (as if there were no such page), 401 without the
/// right bearer token, else the exposition.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(metrics) = state.metrics.clone() else {
        return Err(AppError::NotFound);
    };
    if !bearer_matches(&req, metrics.token()) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"atrium metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("A bearer token is needed for /metrics.\n"));
    }
    let pool = state.pool.clone();
    let body = web::block(move || -> AppResult<String> {
        let live = read_live(&pool)?;
        let mut out = String::new();
        encode_registry(&mut out, metrics.registry())
            .and_then(|()| encode_registry(&mut out, &live))
            .and_then(|()| encode_eof(&mut out))
            .map_err(|e| AppError::internal(format!("encoding metrics: {e}")))?;
        Ok(out)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Whether the request carries `Authorization: Bearer <token>`. Compares
/// digests in constant time, so neither the token's bytes nor its length
/// leak through timing.
fn bearer_matches(req: &HttpRequest, token: &str) -> bool {
    // The scheme is case-insensitive (RFC 9110); the token is not.
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, t)| t.trim());
    let (a, b) = (Sha256::digest(given), Sha256::digest(token));
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    !given.is_empty() && diff == 0
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

/// A registry of values read now: pool connections and the job queue.
fn read_live(pool: &Pool) -> AppResult<Registry> {
    let mut live = Registry::with_prefix("atrium");
    let pool_state = pool.state();
    let gauge = |v: u32| {
        let g: Gauge = Gauge::default();
        g.set(i64::from(v));
        g
    };
    live.register(
        "db_pool_max_connections",
        "Connections the pool may open (ATRIUM_POOL_SIZE)",
        gauge(pool.max_size()),
    );
    live.register(
        "db_pool_connections",
        "Connections open now",
        gauge(pool_state.connections),
    );
    live.register(
        "db_pool_connections_idle",
        "Open connections not checked out",
        gauge(pool_state.idle_connections),
    );
    live.register(
        "db_pool_connections_in_use",
        "Connections checked out now",
        gauge(
            pool_state
                .connections
                .saturating_sub(pool_state.idle_connections),
        ),
    );
    let kinds = queue_by_kind(pool)?;
    register_queue(&mut live, &kinds);
    Ok(live)
}

fn register_queue(live: &mut Registry, kinds: &[KindStats]) {
    let queued = Family::<KindLabel, Gauge>::default();
    let running = Family::<KindLabel, Gauge>::default();
    let age = Family::<KindLabel, Gauge<f64, AtomicU64>>::default();
    for k in kinds {
        let label = KindLabel {
            kind: k.kind.clone(),
        };
        queued.get_or_create(&label).set(k.queued);
        running.get_or_create(&label).set(k.running);
        age.get_or_create(&label).set(k.oldest_queued_age_seconds);
    }
    live.register(
        "jobs_queued",
        "Background jobs waiting to run (due or scheduled), by kind",
        queued,
    );
    live.register(
        "jobs_running",
        "Background jobs claimed by a worker, by kind",
        running,
    );
    live.register_with_unit(
        "jobs_oldest_queued_age",
        "How long the longest-waiting due job of each kind has waited",
        Unit::Seconds,
        age,
    );
}
