//! The request middleware: counts and times every request by route pattern,
//! and runs it inside a database account so its statements are charged to it.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error};

use super::RequestDone;
use crate::db::RequestDb;
use crate::AppState;

/// Requests no route answered (the 404 page) share one label.
pub const UNMATCHED: &str = "unmatched";

pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.metrics.clone());
    // Off: nothing to record, not even the scope.
    let Some(metrics) = metrics else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = method_label(req.method());
    let account = Arc::new(RequestDb::default());
    let result = RequestDb::scope(account.clone(), next.call(req)).await;
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        // A middleware's error: the request is gone with its route.
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    metrics.record_request(&RequestDone {
        method,
        route: route.unwrap_or_else(|| UNMATCHED.to_string()),
        status,
        seconds: started.elapsed().as_secs_f64(),
        db_seconds: account.seconds(),
        db_statements: account.statements(),
    });
    result
}

/// The method as a label; anything unusual is `other` (bounded cardinality).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
