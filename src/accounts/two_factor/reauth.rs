//! Re-authentication: changing the second factor (and, through its own
//! current-password field, the password) needs the password typed within the
//! last ten minutes. [`RecentAuth`] asks for that in its type; otherwise the
//! user goes to `/account/confirm` and comes back to where they were.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Duration;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use crate::accounts::{sessions, throttle, CurrentUser};
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, UtcTime};
use crate::error::{AppError, AppResult};
use crate::support::url_encode;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, FormErrors, PageCtx};
use crate::AppState;

/// How long a typed password counts as recent.
pub const WINDOW_MINUTES: i64 = 10;

/// True when `confirmed_at` is within [`WINDOW_MINUTES`] of `now`.
pub fn is_recent(confirmed_at: Option<UtcTime>, now: UtcTime) -> bool {
    confirmed_at.is_some_and(|t| t > now - Duration::minutes(WINDOW_MINUTES))
}

/// A signed-in user whose session confirmed the password within the last
/// ten minutes. Anyone else signed in: 303 to `/account/confirm?next=…`.
#[derive(Debug, Clone)]
pub struct RecentAuth(pub CurrentUser);

impl std::ops::Deref for RecentAuth {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

/// Where to come back to after confirming: the page itself for a GET; for a
/// form post, the page the form was on (its same-site `Referer`), else the
/// account page.
fn come_back_to(req: &HttpRequest) -> String {
    if matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        return w::safe_next(req.uri().path_and_query().map(|p| p.as_str()));
    }
    let host = req.connection_info().host().to_string();
    let from_referer = req
        .headers()
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| {
            let slash = rest.find('/')?;
            (rest[..slash] == host).then(|| rest[slash..].to_string())
        });
    match from_referer {
        Some(path) => w::safe_next(Some(&path)),
        None => "/account".to_string(),
    }
}

impl FromRequest for RecentAuth {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            let st = crate::web::extract::state(&req)?;
            let (pool, sid) = (st.pool.clone(), user.session_id);
            let at = web::block(move || sessions::password_confirmed_at(&mut *pool.get()?, sid))
                .await??;
            if is_recent(at, UtcTime::now()) {
                Ok(RecentAuth(user))
            } else {
                Err(AppError::SeeOther(format!(
                    "/account/confirm?next={}",
                    url_encode(&come_back_to(&req))
                )))
            }
        })
    }
}

#[derive(Template)]
#[template(path = "accounts/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

pub async fn form(
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    w::ok(&ConfirmPage {
        page: ctx.user("Confirm your password", &user.user),
        next: w::safe_next(Some(&q.next)),
        errors: FormErrors::default(),
    })
}

enum Confirmed {
    Yes,
    Wrong,
    Throttled(String),
}

pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = w::safe_next(Some(&form.next));
    let (st, u, password) = (state.clone(), user.clone(), form.password.clone());
    let outcome = web::block(move || -> AppResult<Confirmed> {
        // A guess like any other password check: counted first, per account,
        // and forgiven when right.
        let check = match throttle::hit(
            &mut *st.pool.get()?,
            throttle::PASSWORD_CHECK,
            &u.user.id.to_string(),
        ) {
            Ok(check) => check,
            Err(AppError::TooManyRequests(m)) => return Ok(Confirmed::Throttled(m)),
            Err(e) => return Err(e),
        };
        let right = match st.hasher.verify(&password, &u.user.password_hash) {
            Ok(right) => right,
            Err(e) => {
                throttle::forgive(&mut *st.pool.get()?, check)?;
                return Err(e);
            }
        };
        if !right {
            return Ok(Confirmed::Wrong);
        }
        let mut conn = st.pool.get()?;
        throttle::forgive(&mut conn, check)?;
        write_tx(&mut conn, |c| {
            sessions::confirm_password(c, u.session_id, UtcTime::now())?;
            audit::record(
                c,
                NewEvent::global("auth.reauthenticated")
                    .actor(u.user.id)
                    .resource("session", u.session_id)
                    .meta(&meta),
            )
        })?;
        Ok(Confirmed::Yes)
    })
    .await??;
    let again = |message: &str| {
        let mut errors = FormErrors::default();
        errors.add("password", message);
        ConfirmPage {
            page: ctx.user("Confirm your password", &user.user),
            next: next.clone(),
            errors,
        }
    };
    match outcome {
        Confirmed::Yes => Ok(w::redirect(&next)),
        Confirmed::Wrong => w::invalid(&again("That is not your password.")),
        Confirmed::Throttled(m) => {
            w::html(actix_web::http::StatusCode::TOO_MANY_REQUESTS, &again(&m))
        }
    }
}
