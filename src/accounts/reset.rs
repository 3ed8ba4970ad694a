//! One-time password reset links, created by a superadmin ("force a password
//! reset"): the link is shown to the admin (and emailed when SMTP is set);
//! using it sets a new password and signs the account out everywhere.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;

use super::models::UserId;
use super::{passwords, sessions, throttle};
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, DbConn, Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{password_resets, users};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, random_token, sha256_hex, Ctx, Flash, FormErrors, PageCtx};
use crate::AppState;

/// How long a reset link works.
pub const VALID_HOURS: i64 = 24;

/// Creates a reset link for `user` (earlier unused links stop working) and
/// signs the account out everywhere; returns the token.
pub fn create(
    c: &mut DbConn,
    user: UserId,
    created_by: UserId,
    meta: &RequestMeta,
) -> AppResult<String> {
    let now = UtcTime::now();
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(c)?;
    let token = random_token(32);
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(Id::new()),
            password_resets::user_id.eq(user),
            password_resets::token_hash.eq(sha256_hex(&token)),
            password_resets::created_by.eq(created_by),
            password_resets::expires_at.eq(now + Duration::hours(VALID_HOURS)),
            password_resets::created_at.eq(now),
        ))
        .execute(c)?;
    let revoked = sessions::revoke_all(c, user, None)?;
    audit::record(
        c,
        NewEvent::global("admin.password_reset")
            .actor(created_by)
            .resource("user", user)
            .meta(meta)
            .changes(serde_json::json!({"sessions_revoked": revoked}))
            .warning(),
    )?;
    Ok(token)
}

/// The user a live token belongs to.
fn live(c: &mut DbConn, token: &str) -> AppResult<(Id, UserId, String)> {
    Ok(password_resets::table
        .inner_join(users::table.on(users::id.eq(password_resets::user_id)))
        .filter(password_resets::token_hash.eq(sha256_hex(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(UtcTime::now()))
        .filter(users::is_active.eq(true))
        .select((password_resets::id, users::id, users::email))
        .first(c)?)
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    page: PageCtx,
    token: String,
    email: String,
    errors: FormErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn form(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let (pool, t) = (state.pool.clone(), token.clone());
    let (_, _, email) =
        web::block(move || throttle::token_lookup(&pool, &meta.ip, || live(&mut *pool.get()?, &t)))
            .await??;
    w::ok(&ResetPage {
        page: ctx.anon("Choose a new password"),
        token,
        email,
        errors: FormErrors::default(),
    })
}

pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    let (pool, t, st) = (state.pool.clone(), token.clone(), state.clone());
    let result = web::block(move || -> AppResult<Result<(), (String, FormErrors)>> {
        let (_, _, email) =
            throttle::token_lookup(&pool, &meta.ip, || live(&mut *pool.get()?, &t))?;
        let mut errors = FormErrors::default();
        if let Some(e) = passwords::policy_error(&form.new_password, &email) {
            errors.add("new_password", e);
        } else if form.new_password != form.confirm_password {
            errors.add("confirm_password", "The two passwords differ.");
        }
        if !errors.is_empty() {
            return Ok(Err((email, errors)));
        }
        // No connection is held while hashing.
        let hash = st.hasher.hash(&form.new_password)?;
        write_tx(&mut *pool.get()?, |c| {
            // Checked again inside the transaction: a link works once.
            let (reset_id, user, _) = live(c, &t)?;
            diesel::update(password_resets::table.find(reset_id))
                .set(password_resets::used_at.eq(UtcTime::now()))
                .execute(c)?;
            diesel::update(users::table.find(user))
                .set((
                    users::password_hash.eq(hash),
                    users::updated_at.eq(UtcTime::now()),
                ))
                .execute(c)?;
            sessions::revoke_all(c, user, None)?;
            audit::record(
                c,
                NewEvent::global("auth.password_reset_used")
                    .actor(user)
                    .resource("user", user)
                    .meta(&meta),
            )
        })?;
        Ok(Ok(()))
    })
    .await??;
    match result {
        Ok(()) => {
            Flash::success(&ctx.session, "Password set. Sign in with it now.");
            Ok(w::redirect("/login"))
        }
        Err((email, errors)) => w::invalid(&ResetPage {
            page: ctx.anon("Choose a new password"),
            token,
            email,
            errors,
        }),
    }
}
