//! One log line per request: request id, method, path, status, duration.
//! Paths that carry a secret (invitation and reset links) are logged redacted.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// The request's id, in request extensions and the `X-Request-Id` response header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = crate::web::random_token(8);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = redact(req.path());
    if let Some(state) = req.app_data::<actix_web::web::Data<crate::AppState>>() {
        let peer = req.peer_addr().map(|a| a.ip());
        super::proxy::note_ignored_forwarding(state, peer, req.headers());
    }
    let result = next.call(req).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            if status >= 500 {
                tracing::error!(request_id = %id, %method, %path, status, elapsed_ms, "request");
            } else {
                tracing::info!(request_id = %id, %method, %path, status, elapsed_ms, "request");
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(request_id = %id, %method, %path, error = %e, elapsed_ms, "request failed");
            Err(e)
        }
    }
}

/// Path prefixes whose next segment is a secret token.
const TOKEN_PATHS: &[&str] = &["/invite/", "/reset/"];
/// Query parameters whose value is a secret.
const TOKEN_PARAMS: &[&str] = &["token", "csrf_token"];
const REDACTED: &str = "[redacted]";

/// `path_and_query` fit for a log: the token segment of `/invite/…` and
/// `/reset/…` and the value of any `token` or `csrf_token` parameter become
/// `[redacted]`, so that log readers cannot accept an invitation or reset a
/// password with what they read.
pub fn redact(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = String::with_capacity(path_and_query.len());
    match TOKEN_PATHS.iter().find(|p| path.starts_with(*p)) {
        Some(prefix) => {
            out.push_str(prefix);
            let rest = &path[prefix.len()..];
            // Keep what follows the token (`/invite/{token}/…`), if anything.
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            out.push_str(REDACTED);
            out.push_str(tail);
        }
        None => out.push_str(path),
    }
    if let Some(query) = query {
        out.push('?');
        let pairs = query.split('&').map(|pair| match pair.split_once('=') {
            Some((k, _)) if TOKEN_PARAMS.iter().any(|t| k.eq_ignore_ascii_case(t)) => {
                format!("{k}={REDACTED}")
            }
            _ => pair.to_string(),
        });
        out.push_str(&pairs.collect::<Vec<_>>().join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn invitation_and_reset_tokens_are_redacted_from_logged_paths() {
        let token =
            "0190a1b2c3d4e5f60718293a4b5c6d7e0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(redact(&format!("/invite/{token}")), "/invite/[redacted]");
        assert_eq!(redact(&format!("/reset/{token}")), "/reset/[redacted]");
        assert_eq!(redact(&format!("/reset/{token}/x")), "/reset/[redacted]/x");
        assert_eq!(redact("/invite/"), "/invite/[redacted]");
    }

    #[test]
    fn token_query_parameters_are_redacted_and_others_kept() {
        assert_eq!(
            redact("/w/acme/settings/logo?csrf_token=abc&page=2"),
            "/w/acme/settings/logo?csrf_token=[redacted]&page=2"
        );
        assert_eq!(redact("/x?q=1&TOKEN=s3cret"), "/x?q=1&TOKEN=[redacted]");
        assert_eq!(redact("/x?tokens=1"), "/x?tokens=1");
    }

    #[test]
    fn ordinary_paths_are_logged_as_they_are() {
        assert_eq!(redact("/w/acme/members"), "/w/acme/members");
        assert_eq!(redact("/invitations"), "/invitations");
        assert_eq!(redact("/w/acme/invite/x"), "/w/acme/invite/x");
    }
}
