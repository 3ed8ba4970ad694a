//! CSRF protection: a per-session token that every unsafe request must carry
//! (form field `csrf_token`, or the `X-CSRF-Token` header that htmx sends from
//! `hx-headers` on `<body>`), plus an `Origin` check. Never in the URL, where
//! logs, history and `Referer` would keep it: a multipart form carries it as
//! its first field, which is read without buffering the upload behind it.

use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, ResponseError};
use futures_util::{Stream, StreamExt};

use crate::error::AppError;
use crate::AppState;

pub(crate) const KEY: &str = "csrf";
/// The path prefix of the modules' signed webhooks, exempt from the token.
pub const HOOKS: &str = "/hooks/";
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

/// How far into a multipart body the `csrf_token` field must have ended: the
/// boundary (≤ 70 bytes), one header line and the 64-character token fit many
/// times over.
const MULTIPART_PREFIX_LIMIT: usize = 8 * 1024;

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(req: &ServiceRequest) -> Option<String> {
    let ct = req.headers().get("content-type")?.to_str().ok()?;
    ct.split(';').skip(1).find_map(|param| {
        let (k, v) = param.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// What the beginning of a multipart body says about its first part.
enum FirstPart {
    /// The first part is `csrf_token`, with this value.
    Token(String),
    /// The first part is complete and is something else, or the body is malformed.
    Absent,
    /// More bytes are needed to tell.
    Incomplete,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads the first part of a multipart body (RFC 7578): the opening
/// delimiter, the part's headers, then its value up to the next delimiter.
/// Browsers send fields in document order, so the hidden `csrf_token` input
/// placed first in a form is the first part.
fn first_part(body: &[u8], boundary: &str) -> FirstPart {
    let opening = format!("--{boundary}\r\n");
    if body.len() < opening.len() {
        return if opening.as_bytes().starts_with(body) {
            FirstPart::Incomplete
        } else {
            FirstPart::Absent
        };
    }
    let Some(rest) = body.strip_prefix(opening.as_bytes()) else {
        return FirstPart::Absent;
    };
    let Some(end_of_headers) = find(rest, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let Ok(headers) = std::str::from_utf8(&rest[..end_of_headers]) else {
        return FirstPart::Absent;
    };
    let named_token = headers.split("\r\n").any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("content-disposition")
                && value.split(';').any(|param| {
                    param.trim().split_once('=').is_some_and(|(k, v)| {
                        k.trim().eq_ignore_ascii_case("name")
                            && v.trim().trim_matches('"') == "csrf_token"
                    })
                })
        })
    });
    if !named_token {
        return FirstPart::Absent;
    }
    let value = &rest[end_of_headers + 4..];
    let delimiter = format!("\r\n--{boundary}");
    match find(value, delimiter.as_bytes()) {
        Some(end) => match std::str::from_utf8(&value[..end]) {
            Ok(v) => FirstPart::Token(v.to_string()),
            Err(_) => FirstPart::Absent,
        },
        None => FirstPart::Incomplete,
    }
}

/// The token from the first field of a multipart body. The bytes read to find
/// it are put back in front of the rest of the stream, so the handler reads
/// the whole body as sent and the upload itself is never buffered here.
async fn multipart_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let Some(boundary) = boundary(req) else {
        return Ok(None);
    };
    let mut payload = req.take_payload();
    let mut head = web::BytesMut::new();
    let mut found = None;
    while head.len() < MULTIPART_PREFIX_LIMIT {
        let Some(chunk) = payload.next().await else {
            break;
        };
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("could not read the request: {e}")))?;
        head.extend_from_slice(&chunk);
        match first_part(&head, &boundary) {
            FirstPart::Token(t) => {
                found = Some(t);
                break;
            }
            FirstPart::Absent => break,
            FirstPart::Incomplete => {}
        }
    }
    let head = head.freeze();
    let rest = futures_util::stream::once(async move { Ok(head) }).chain(payload);
    let boxed: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(rest);
    req.set_payload(Payload::from(boxed));
    Ok(found)
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
    // Webhooks come from other systems, with no session and no cookie: each
    // checks its own signature instead (the module seam's `public_routes`).
    if !unsafe_method || req.path().starts_with(HOOKS) {
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
        } else if req
            .content_type()
            .eq_ignore_ascii_case("multipart/form-data")
        {
            sent = match multipart_token(&mut req).await {
                Ok(t) => t,
                Err(e) => return reject(req, e),
            };
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

#[cfg(test)]
mod tests {
    use super::{first_part, FirstPart};

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n\r\nPNG\r\n--XyZ--\r\n";

    #[test]
    fn the_first_multipart_field_yields_the_token_once_it_is_complete() {
        assert!(matches!(first_part(BODY, "XyZ"), FirstPart::Token(t) if t == "abc123"));
        // Every shorter prefix that stops before the closing delimiter asks for more.
        let complete = BODY
            .windows(8)
            .position(|w| w == b"\r\n--XyZ\r")
            .expect("delimiter")
            + 7;
        for n in 0..complete {
            assert!(
                matches!(first_part(&BODY[..n], "XyZ"), FirstPart::Incomplete),
                "prefix of {n} bytes"
            );
        }
    }

    #[test]
    fn a_token_that_is_not_the_first_field_or_a_foreign_boundary_is_absent() {
        let later = b"--XyZ\r\nContent-Disposition: form-data; name=\"logo\"\r\n\r\nx\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ--\r\n";
        assert!(matches!(first_part(later, "XyZ"), FirstPart::Absent));
        assert!(matches!(first_part(BODY, "Other"), FirstPart::Absent));
        let filename_only = b"--XyZ\r\nContent-Disposition: form-data; filename=\"csrf_token\"\r\n\r\nabc\r\n--XyZ--\r\n";
        assert!(matches!(
            first_part(filename_only, "XyZ"),
            FirstPart::Absent
        ));
    }
}
