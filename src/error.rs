//! One error type for the whole app. The user sees a short message and a
//! request id; the log gets the detail.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// What went wrong, as the user should hear it.
#[derive(Debug)]
pub enum AppError {
    /// Unknown id, a foreign workspace's id, or a page the user may not know exists.
    NotFound,
    /// Signed in, but the role is not enough.
    Forbidden(String),
    /// Not signed in: redirect to the login page, then back to `next`.
    LoginRequired { next: String },
    /// Signed in, but another page comes first (confirm the password again,
    /// set up two-factor sign-in): 303 to this local path.
    SeeOther(String),
    /// The workspace has a new address: 301 to this local path (a renamed
    /// workspace's old slug, answered to its members only).
    Moved(String),
    /// CSRF token or Origin missing or wrong.
    Csrf,
    /// Input that can't be accepted and has no form to re-render it in.
    BadRequest(String),
    /// The request body is over the limit.
    PayloadTooLarge,
    /// Too many attempts (login throttle).
    TooManyRequests(String),
    /// A conflict the user can fix, with no form to show it in.
    Conflict(String),
    /// Database or other failure; the detail goes to the log only.
    Internal(String),
    /// The database is unreachable.
    Unavailable(String),
    /// Overloaded for now (the password hashing bound is full): 503 with
    /// `Retry-After`.
    Busy(String),
}

/// Shown on error pages; the middleware in `web::errors` renders it.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl AppError {
    pub fn internal(detail: impl Into<String>) -> Self {
        AppError::Internal(detail.into())
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden("Your role in this workspace does not allow that.".into())
    }

    pub fn info(&self) -> ErrorInfo {
        let (status, title, message) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here — or it belongs to a workspace you are not a member of."
                    .to_string(),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.clone()),
            AppError::LoginRequired { .. } => {
                (StatusCode::SEE_OTHER, "Sign in", "Please sign in.".to_string())
            }
            AppError::SeeOther(_) => (
                StatusCode::SEE_OTHER,
                "One more step",
                "Please continue on the next page.".to_string(),
            ),
            AppError::Moved(_) => (
                StatusCode::MOVED_PERMANENTLY,
                "Moved",
                "This workspace has a new address.".to_string(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was stale or did not come from this site. Go back, reload the page and try again."
                    .to_string(),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m.clone()),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "That request is larger than this server accepts.".to_string(),
            ),
            AppError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, "Slow down", m.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "Conflict", m.clone()),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The server hit an error. It has been logged; please try again.".to_string(),
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "The database can't be reached right now. Please try again shortly.".to_string(),
            ),
            AppError::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, "Busy", m.clone()),
        };
        ErrorInfo {
            status,
            title,
            message,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(d) | AppError::Unavailable(d) => write!(f, "{d}"),
            other => write!(f, "{}", other.info().message),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.info().status
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let target = format!("/login?next={}", crate::support::url_encode(next));
            return HttpResponse::SeeOther()
                .insert_header(("Location", target.clone()))
                .insert_header(("HX-Redirect", target))
                .finish();
        }
        if let AppError::SeeOther(to) = self {
            return HttpResponse::SeeOther()
                .insert_header(("Location", to.clone()))
                .insert_header(("HX-Redirect", to.clone()))
                .finish();
        }
        if let AppError::Moved(to) = self {
            return HttpResponse::MovedPermanently()
                .insert_header(("Location", to.clone()))
                .insert_header(("HX-Redirect", to.clone()))
                // Browsers keep a 301 forever unless told otherwise, and this one
                // depends on who asks (members only) and may change (a workspace
                // can take an old address back): never store it.
                .insert_header(("Cache-Control", "no-store"))
                .finish();
        }
        let info = self.info();
        if let AppError::Internal(detail) | AppError::Unavailable(detail) = self {
            tracing::error!(error = %detail, "request failed");
        }
        // The page itself is rendered by `web::errors::render_errors`, which knows
        // the request (htmx or not, request id): it finds this marker.
        let mut builder = HttpResponse::build(info.status);
        match self {
            AppError::Busy(_) => {
                builder.insert_header(("Retry-After", BUSY_RETRY_AFTER_SECS.to_string()));
            }
            AppError::TooManyRequests(_) => {
                builder.insert_header(("Retry-After", "60"));
            }
            _ => {}
        }
        let mut resp = builder.finish();
        resp.extensions_mut().insert(info);
        resp
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("pool: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking pool: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// True when a database error is a unique-constraint violation (either backend).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

pub type AppResult<T> = Result<T, AppError>;

impl std::error::Error for AppError {}

/// Seconds a client is asked to wait (`Retry-After`) when hashing is full.
pub const BUSY_RETRY_AFTER_SECS: u32 = 2;
