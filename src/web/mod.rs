//! Web plumbing shared by every module: extractors, CSRF, security headers,
//! error pages, flash messages, pagination, static assets, request logging.

pub mod assets;
pub mod csrf;
pub mod errors;
pub mod extract;
pub mod flash;
pub mod headers;
pub mod live;
pub mod logging;
pub mod page;
pub mod pagination;
pub mod proxy;
pub mod stream;
pub mod timeout;
pub mod uploads;

pub use crate::accounts::CurrentUser;
pub use extract::{Editor, HxRequest, MaybeUser, Member, Owner, Superadmin, WorkspaceAdmin};
pub use flash::Flash;
pub use page::{Ctx, PageCtx};
pub use pagination::{Count, Cursor, Keyset, PageParams, Paginated, Seek, SeekParams, COUNT_CAP};

use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

/// Value helpers that live at the ground floor (`crate::support`), kept
/// reachable here for the web layer's callers.
pub use crate::support::{random_token, url_encode};

/// SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A local path safe to redirect to after login, else `/`.
///
/// Browsers forgive a lot in a `Location`: they drop tabs and newlines and read
/// `\\` as `/`, so `/<TAB>/evil.example` or `/\\evil.example` lands on another
/// host. Only a path that starts with exactly one `/` and holds no control
/// character, whitespace or backslash is kept, and its path part must stay so
/// once percent-decoded (`/%2F/evil.example`). The query may hold encoded
/// spaces (a search), since it cannot change the host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

/// Longest `next` kept; a real page address is far shorter.
const MAX_NEXT: usize = 2048;

fn is_local_path(n: &str) -> bool {
    let clean = |s: &[u8]| {
        s.first() == Some(&b'/')
            && !matches!(s.get(1), Some(b'/' | b'\\'))
            && !s
                .iter()
                .any(|&b| b == b'\\' || b.is_ascii_whitespace() || b.is_ascii_control())
    };
    if n.len() > MAX_NEXT || !clean(n.as_bytes()) || n.chars().any(char::is_whitespace) {
        return false;
    }
    let path = n.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(path.as_bytes());
    // Unicode whitespace (e.g. U+3000) decoded from the path is refused as well.
    clean(&decoded) && !String::from_utf8_lossy(&decoded).contains(char::is_whitespace)
}

/// Decodes `%XX` escapes; a malformed escape is kept as it is.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// 303 See Other to `to`; for htmx requests also `HX-Redirect` so the whole page moves.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_string()))
        .insert_header(("HX-Redirect", to.to_string()))
        .finish()
}

/// Messages for a form, by field name ("" for the form as a whole).
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    /// One message for one field (`""`: not tied to a field).
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut e = FormErrors::default();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Messages not tied to a field.
    pub fn general(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f.is_empty())
            .map(|(_, m)| m.as_str())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `class="invalid"` for a field with an error.
    pub fn class(&self, field: &str) -> &'static str {
        if self.get(field).is_some() {
            "invalid"
        } else {
            ""
        }
    }
}

/// Renders a template as an HTML response with `status`.
pub fn html<T: askama::Template>(
    status: actix_web::http::StatusCode,
    t: &T,
) -> Result<HttpResponse, crate::error::AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(t.render()?))
}

/// 200 OK with the template.
pub fn ok<T: askama::Template>(t: &T) -> Result<HttpResponse, crate::error::AppError> {
    html(actix_web::http::StatusCode::OK, t)
}

/// 422 with the template (a form with messages).
pub fn invalid<T: askama::Template>(t: &T) -> Result<HttpResponse, crate::error::AppError> {
    html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, t)
}

/// A form page: 200 when `refused` is false, else 422 (it shows why).
pub fn form_page<T: askama::Template>(
    t: &T,
    refused: bool,
) -> Result<HttpResponse, crate::error::AppError> {
    if refused {
        invalid(t)
    } else {
        ok(t)
    }
}
