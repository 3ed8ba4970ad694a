//! Error pages: every 4xx/5xx becomes a real page, or a fragment for htmx,
//! carrying the request id that the log line has too.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use askama::Template;

use super::logging::RequestId;
use super::page::{PageCtx, UserNav};
use crate::accounts::CurrentUser;
use crate::error::{AppError, ErrorInfo};
use actix_session::SessionExt;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    page: PageCtx,
    info: &'a ErrorInfo,
    request_id: &'a str,
}

#[derive(Template)]
#[template(path = "errors/_error.html")]
struct ErrorFragment<'a> {
    info: &'a ErrorInfo,
    request_id: &'a str,
}

/// Renders the error page for `info`.
pub(crate) fn render(
    info: &ErrorInfo,
    request_id: &str,
    htmx: bool,
    user: Option<UserNav>,
    csrf: String,
) -> HttpResponse {
    let html = if htmx {
        ErrorFragment { info, request_id }.render()
    } else {
        let page = PageCtx {
            title: info.title.to_string(),
            csrf,
            user,
            workspace: None,
            flashes: Vec::new(),
            v: super::assets::VERSION,
        };
        ErrorPage {
            page,
            info,
            request_id,
        }
        .render()
    };
    match html {
        Ok(body) => HttpResponse::build(info.status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(info.status)
                .content_type("text/plain")
                .body(info.message.clone())
        }
    }
}

/// What to say for an error response that did not come from an `AppError`
/// (actix's own 404/405/413/400).
fn fallback_info(status: StatusCode) -> ErrorInfo {
    let err = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        s if s.is_server_error() => AppError::Internal(format!("status {s}")),
        _ => AppError::BadRequest("The request could not be understood.".into()),
    };
    err.info()
}

/// Middleware: replaces bodiless error responses with the error page.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, Error> {
    // Cloning the HttpRequest here would break routing (it needs sole ownership),
    // so read what is needed now and the rest from the response's request.
    let htmx = req.headers().contains_key("hx-request");
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_left_body());
    }
    let marked = res.response().extensions().get::<ErrorInfo>().cloned();
    let info = match marked {
        Some(info) => info,
        // A handler's own error page (e.g. a 422 form) already has a body.
        None if !matches!(
            res.response().body().size(),
            actix_web::body::BodySize::Sized(0)
        ) =>
        {
            return Ok(res.map_into_left_body())
        }
        None => fallback_info(status),
    };
    let request_id = res
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    // The page replaces the bodiless response; a `Retry-After` (503, 429) stays.
    let retry_after = res
        .headers()
        .get(actix_web::http::header::RETRY_AFTER)
        .cloned();
    let (req, _) = res.into_parts();
    // The sign-out form on the page needs the session's token.
    let csrf = if htmx {
        String::new()
    } else {
        super::csrf::token(&req.get_session())
    };
    // The signed-in user, when an extractor got that far: the page keeps its
    // navigation (no extra database work here).
    let user = req.extensions().get::<CurrentUser>().map(|u| UserNav {
        name: u.user.name.clone(),
        email: u.user.email.clone(),
        is_superadmin: u.user.is_superadmin,
    });
    let mut page = render(&info, &request_id, htmx, user, csrf);
    if let Some(v) = retry_after {
        page.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, v);
    }
    Ok(ServiceResponse::new(req, page).map_into_right_body())
}
