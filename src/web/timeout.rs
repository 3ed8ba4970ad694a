//! A time limit on producing each response (`ATRIUM_REQUEST_TIMEOUT_SECS`):
//! past it the client gets a 503 page and the log says so, instead of a
//! request that runs for minutes.
//!
//! The limit covers the handler up to its response head. A streamed download
//! (`web::stream`) has its head at once and then sends pages while the client
//! reads, so it is never cut off. Work already handed to the blocking pool
//! (`web::block`) cannot be cancelled: it finishes and its result is dropped.
//! Bounding input before the work starts is the real guard; this is the net.
//!
//! The middleware sits just inside `log_requests` and runs before routing, so
//! it has no request to build a response on (cloning it would break routing).
//! It answers with an error that carries the whole page; the server turns it
//! into the response, and `log_requests` logs it as a failed request.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};

use super::logging::RequestId;
use crate::error::ErrorInfo;

/// The limit in force (app data; zero: none).
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// A request that took longer than the limit.
#[derive(Debug)]
pub struct TimedOut {
    limit: Duration,
    request_id: String,
    htmx: bool,
    https: bool,
}

impl TimedOut {
    fn info(&self) -> ErrorInfo {
        ErrorInfo {
            status: StatusCode::SERVICE_UNAVAILABLE,
            title: "Took too long",
            message: format!(
                "This request took longer than {} seconds and was stopped. If it works on a lot \
                 of data, try a smaller batch; otherwise please try again shortly.",
                self.limit.as_secs_f64().ceil()
            ),
        }
    }
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "request timed out after {:.1} s (blocking work it started may still be running)",
            self.limit.as_secs_f64()
        )
    }
}

impl ResponseError for TimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = super::errors::render(
            &self.info(),
            &self.request_id,
            self.htmx,
            None,
            String::new(),
        );
        let h = res.headers_mut();
        super::headers::apply(h, self.https);
        h.insert(
            HeaderName::from_static("retry-after"),
            HeaderValue::from_static("30"),
        );
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            h.insert(HeaderName::from_static("x-request-id"), v);
        }
        res
    }
}

/// Middleware: stops waiting for the response after the configured limit.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit = req
        .app_data::<RequestTimeout>()
        .map(|t| t.0)
        .filter(|d| !d.is_zero());
    let Some(limit) = limit else {
        return next.call(req).await;
    };
    let timed_out = TimedOut {
        limit,
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
        htmx: req.headers().contains_key("hx-request"),
        https: req
            .app_data::<actix_web::web::Data<crate::AppState>>()
            .is_some_and(|s| s.config.is_https()),
    };
    match actix_web::rt::time::timeout(limit, next.call(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                request_id = %timed_out.request_id,
                limit_secs = limit.as_secs_f64(),
                "request timed out"
            );
            Err(timed_out.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::web::{self, Bytes};
    use actix_web::{test, App};
    use futures_util::stream;

    async fn slow() -> HttpResponse {
        actix_web::rt::time::sleep(Duration::from_secs(5)).await;
        HttpResponse::Ok().body("late")
    }

    /// Five chunks, 100 ms apart: half a second in all.
    async fn trickle() -> HttpResponse {
        let chunks = stream::unfold(0, |n| async move {
            if n == 5 {
                return None;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, Error>(Bytes::from(format!("{n};"))), n + 1))
        });
        HttpResponse::Ok().streaming(chunks)
    }

    #[actix_web::test]
    async fn a_request_past_the_limit_gets_a_503_page_and_a_stream_is_not_cut_off() {
        let app = test::init_service(
            App::new()
                .app_data(RequestTimeout(Duration::from_millis(50)))
                .wrap(from_fn(limit))
                .route("/slow", web::get().to(slow))
                .route("/fast", web::get().to(|| async { "ok" }))
                .route("/trickle", web::get().to(trickle)),
        )
        .await;
        let Err(err) =
            test::try_call_service(&app, test::TestRequest::get().uri("/slow").to_request()).await
        else {
            panic!("the slow request was not stopped");
        };
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key("content-security-policy"));
        let body = actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("took longer than 1 seconds"), "{body}");

        let res =
            test::call_service(&app, test::TestRequest::get().uri("/fast").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);

        // The stream's head comes at once; its half second of body is not cut.
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/trickle").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = test::read_body(res).await;
        assert_eq!(body, Bytes::from_static(b"0;1;2;3;4;"));
    }
}
