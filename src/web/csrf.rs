//! CSRF protection: a per-session token that every unsafe request must carry
//! (form field `csrf_token`, or the `X-CSRF-Token` header that htmx sends from
//! `hx-headers` on `<body>`), plus an `Origin` check.

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::error::AppError;
use crate::AppState;

const KEY: &str = "csrf";
/// Largest urlencoded form body accepted anywhere (413 past it).
pub const FORM_LIMIT: usize = 256 * 1024;

/// The session's CSRF token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY) {
        return t;
    }
    let t = super::random_token(32);
    if let Err(e) = session.insert(KEY, &t) {
        tracing::warn!(error = %e, "could not store csrf token");
    }
    t
}

/// Replaces the token (at login, so a token seen before login is worthless after).
pub fn rotate(session: &Session) {
    let t = super::random_token(32);
    if let Err(e) = session.insert(KEY, &t) {
        tracing::warn!(error = %e, "could not store csrf token");
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn origin_ok(req: &ServiceRequest) -> bool {
    let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) else {
        // Older clients and non-browser tools send no Origin; the token still applies.
        return true;
    };
    if origin == "null" {
        return false;
    }
    if let Some(expected) = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.public_origin())
    {
        return origin.eq_ignore_ascii_case(&expected);
    }
    let host = req.connection_info().host().to_string();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(&host))
}

fn form_token(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
}

fn query_token(req: &ServiceRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("could not read the request: {e}")))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Middleware: refuses unsafe requests without a valid token and origin (403).
pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let reject = |req: ServiceRequest, err: AppError| {
        let res = err.error_response();
        Ok(req.into_response(res).map_into_right_body())
    };
    if !origin_ok(&req) {
        return reject(req, AppError::Csrf);
    }
    let expected: Option<String> = req.get_session().get(KEY).ok().flatten();
    let mut sent = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if sent.is_none() {
        if req.content_type() == "application/x-www-form-urlencoded" {
            let body = match read_body(&mut req).await {
                Ok(b) => b,
                Err(e) => return reject(req, e),
            };
            sent = form_token(&body);
            req.set_payload(Payload::from(body));
        } else {
            // Multipart uploads carry the token in the action URL.
            sent = query_token(&req);
        }
    }
    match (expected, sent) {
        (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        _ => reject(req, AppError::Csrf),
    }
}
