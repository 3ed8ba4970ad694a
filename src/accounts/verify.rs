//! Email verification for sign-up (when SMTP is configured): a new account
//! waits (`users.pending_verification`) until its owner opens the emailed
//! link and confirms. The link's token is only ever stored hashed, expires,
//! and works once. Opening the link (GET) shows a button; the POST confirms,
//! so mail scanners that fetch links change nothing.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use diesel::prelude::*;

use super::forms::NextQuery;
use super::models::UserId;
use super::throttle;
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, DbConn, Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{email_verifications, users};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, random_token, sha256_hex, Ctx, Flash, PageCtx};
use crate::AppState;

/// How long a verification link works.
pub const VALID_HOURS: i64 = 48;

/// Creates a verification link for `user` (earlier unused links stop
/// working); returns the token.
pub fn create(c: &mut DbConn, user: UserId) -> AppResult<String> {
    let now = UtcTime::now();
    diesel::update(
        email_verifications::table
            .filter(email_verifications::user_id.eq(user))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(c)?;
    let token = random_token(32);
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::id.eq(Id::new()),
            email_verifications::user_id.eq(user),
            email_verifications::token_hash.eq(sha256_hex(&token)),
            email_verifications::expires_at.eq(now + Duration::hours(VALID_HOURS)),
            email_verifications::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(token)
}

/// The link and the account of a live token.
fn live(c: &mut DbConn, token: &str) -> AppResult<(Id, UserId, String)> {
    Ok(email_verifications::table
        .inner_join(users::table.on(users::id.eq(email_verifications::user_id)))
        .filter(email_verifications::token_hash.eq(sha256_hex(token)))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(UtcTime::now()))
        .select((email_verifications::id, users::id, users::email))
        .first(c)?)
}

/// Uses a live token: the account may sign in from now on.
pub fn confirm(c: &mut DbConn, token: &str, meta: &RequestMeta) -> AppResult<()> {
    write_tx(c, |c| {
        let (link, user, _) = live(c, token)?;
        let now = UtcTime::now();
        diesel::update(email_verifications::table.find(link))
            .set(email_verifications::used_at.eq(now))
            .execute(c)?;
        diesel::update(users::table.find(user))
            .set((
                users::pending_verification.eq(false),
                users::updated_at.eq(now),
            ))
            .execute(c)?;
        audit::record(
            c,
            NewEvent::global("auth.email_verified")
                .actor(user)
                .resource("user", user)
                .meta(meta),
        )
    })
}

#[derive(Template)]
#[template(path = "accounts/verify.html")]
struct VerifyPage {
    page: PageCtx,
    token: String,
    email: String,
    /// Where to go after signing in (an invitation), already made safe.
    next: String,
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /verify/{token}`: the confirm button (404 for a used, expired or
/// unknown link).
pub async fn form(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<String>,
    next: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let (pool, t) = (state.pool.clone(), token.clone());
    let email = web::block(move || {
        throttle::token_lookup(&pool, &meta.ip, || Ok(live(&mut *pool.get()?, &t)?.2))
    })
    .await??;
    w::ok(&VerifyPage {
        page: ctx.anon("Confirm your email address"),
        token,
        email,
        next: w::safe_next(Some(&next.next)),
    })
}

/// `POST /verify/{token}`: confirms, then on to sign in.
pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<String>,
    form: web::Form<NextQuery>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let pool = state.pool.clone();
    web::block(move || {
        let ip = meta.ip.clone();
        throttle::token_lookup(&pool, &ip, || confirm(&mut *pool.get()?, &token, &meta))
    })
    .await??;
    Flash::success(
        &ctx.session,
        "Your email address is confirmed. Sign in now.",
    );
    let next = w::safe_next(Some(&form.next));
    Ok(w::redirect(&if next == "/" {
        "/login".to_string()
    } else {
        format!("/login?next={}", crate::support::url_encode(&next))
    }))
}
