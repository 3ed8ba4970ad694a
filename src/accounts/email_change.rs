//! Changing one's email address. It needs the password typed within the
//! last ten minutes (`RecentAuth`). With SMTP configured, a link goes to the
//! new address and the address changes only when its owner opens it and
//! confirms (the link's token is stored hashed, expires in 48 hours, works
//! once; a newer request voids older ones); the old address is told. Without
//! SMTP there is no way to prove the new address, so it changes at once.
//! Either way the change signs out the account's other sessions and is in
//! the audit log. An address that belongs to another account is refused at
//! confirmation, never at the request, so the form does not reveal who has
//! an account.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;

use super::forms::email_error;
use super::models::{SessionId, UserId};
use super::throttle;
use super::two_factor::reauth::RecentAuth;
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, DbConn, Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::email::Email;
use crate::jobs::outbox;
use crate::schema::{email_changes, users};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, random_token, sha256_hex, Ctx, Flash, FormErrors, PageCtx};
use crate::AppState;

/// How long a confirmation link works.
pub const VALID_HOURS: i64 = 48;

/// What the form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub new_email: String,
}

/// What a request came to.
#[derive(Debug, PartialEq)]
pub enum Requested {
    /// A link went to the new address.
    LinkSent(String),
    /// No SMTP: changed now; this many other sessions were signed out.
    Changed(usize),
}

/// Checks the new address (shape, not the current one).
pub fn check(current: &str, raw: &str) -> Result<String, FormErrors> {
    let new = raw.trim().to_lowercase();
    if let Some(e) = email_error(&new) {
        return Err(FormErrors::one("new_email", e));
    }
    if new == current {
        return Err(FormErrors::one(
            "new_email",
            "That is already your address.",
        ));
    }
    Ok(new)
}

/// Asks to move `user` to `new` (checked). With `base` (SMTP configured)
/// a link is queued to the new address; without, the address changes now.
pub fn request(
    c: &mut DbConn,
    user: UserId,
    session: SessionId,
    new: &str,
    base: Option<&str>,
    meta: &RequestMeta,
) -> AppResult<Result<Requested, FormErrors>> {
    write_tx(c, |c| {
        let Some(base) = base else {
            return apply(c, user, session, new, meta);
        };
        let now = UtcTime::now();
        diesel::update(
            email_changes::table
                .filter(email_changes::user_id.eq(user))
                .filter(email_changes::used_at.is_null()),
        )
        .set(email_changes::used_at.eq(now))
        .execute(c)?;
        let token = random_token(32);
        diesel::insert_into(email_changes::table)
            .values((
                email_changes::id.eq(Id::new()),
                email_changes::user_id.eq(user),
                email_changes::new_email.eq(new),
                email_changes::token_hash.eq(sha256_hex(&token)),
                email_changes::expires_at.eq(now + Duration::hours(VALID_HOURS)),
                email_changes::created_at.eq(now),
            ))
            .execute(c)?;
        outbox::queue(
            c,
            &Email {
                to: new.to_string(),
                subject: "Confirm your new email address for Atrium".into(),
                body: format!(
                    "Someone (we hope you) asked to move an Atrium account to this address.\n\n\
                     Confirm it here (valid for {VALID_HOURS} hours, once):\n\
                     {base}/account/email/{token}\n\n\
                     If it wasn't you, ignore this message: nothing changes.\n"
                ),
            },
        )?;
        audit::record(
            c,
            NewEvent::global("auth.email_change_requested")
                .actor(user)
                .resource("user", user)
                .meta(meta)
                .changes(serde_json::json!({"to": new})),
        )?;
        Ok(Ok(Requested::LinkSent(new.to_string())))
    })
}

/// Moves the account to `new` unless another account has it: signs out the
/// other sessions, audits old → new.
fn apply(
    c: &mut DbConn,
    user: UserId,
    keep: SessionId,
    new: &str,
    meta: &RequestMeta,
) -> AppResult<Result<Requested, FormErrors>> {
    let taken: Option<UserId> = users::table
        .filter(users::email.eq(new))
        .filter(users::id.ne(user))
        .select(users::id)
        .first(c)
        .optional()?;
    if taken.is_some() {
        return Ok(Err(FormErrors::one(
            "new_email",
            "That address belongs to another account.",
        )));
    }
    let old: String = users::table.find(user).select(users::email).first(c)?;
    diesel::update(users::table.find(user))
        .set((users::email.eq(new), users::updated_at.eq(UtcTime::now())))
        .execute(c)?;
    let revoked = super::sessions::revoke_all(c, user, Some(keep))?;
    audit::record(
        c,
        NewEvent::global("auth.email_changed")
            .actor(user)
            .resource("user", user)
            .meta(meta)
            .changes(serde_json::json!({"email": [old, new], "sessions_revoked": revoked})),
    )?;
    Ok(Ok(Requested::Changed(revoked)))
}

/// A live link: its row, account and new address (404 otherwise).
fn live(c: &mut DbConn, token: &str) -> AppResult<(Id, UserId, String)> {
    Ok(email_changes::table
        .filter(email_changes::token_hash.eq(sha256_hex(token)))
        .filter(email_changes::used_at.is_null())
        .filter(email_changes::expires_at.gt(UtcTime::now()))
        .select((
            email_changes::id,
            email_changes::user_id,
            email_changes::new_email,
        ))
        .first(c)?)
}

/// Uses a live link for the signed-in `user` (another account's link is a
/// 404): the address changes, the old one is told.
pub fn confirm(
    c: &mut DbConn,
    token: &str,
    user: UserId,
    session: SessionId,
    meta: &RequestMeta,
) -> AppResult<Result<String, FormErrors>> {
    write_tx(c, |c| {
        let (link, owner, new) = live(c, token)?;
        if owner != user {
            return Err(AppError::NotFound);
        }
        let old: String = users::table.find(user).select(users::email).first(c)?;
        diesel::update(email_changes::table.find(link))
            .set(email_changes::used_at.eq(UtcTime::now()))
            .execute(c)?;
        if let Err(e) = apply(c, user, session, &new, meta)? {
            return Ok(Err(e));
        }
        outbox::queue(
            c,
            &Email {
                to: old,
                subject: "Your Atrium email address was changed".into(),
                body: format!(
                    "The Atrium account that used this address now signs in as {new}.\n\n\
                     If you did not ask for this, reset your password at once and tell \
                     your workspace's admin.\n"
                ),
            },
        )?;
        Ok(Ok(new))
    })
}

/// The first message of a refusal (the account page shows it as a flash).
fn first(errors: &FormErrors) -> String {
    errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default()
}

/// `POST /account/email`.
pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: RecentAuth,
    meta: RequestMeta,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let new = match check(&user.user.email, &form.new_email) {
        Ok(new) => new,
        Err(errors) => {
            Flash::error(&ctx.session, first(&errors));
            return Ok(w::redirect("/account"));
        }
    };
    let base = state
        .config
        .smtp_url
        .as_ref()
        .map(|_| state.config.base_url());
    let (pool, uid, sid) = (state.pool.clone(), user.user.id, user.session_id);
    let outcome =
        web::block(move || request(&mut *pool.get()?, uid, sid, &new, base.as_deref(), &meta))
            .await??;
    match outcome {
        Ok(Requested::LinkSent(to)) => Flash::success(
            &ctx.session,
            format!(
                "We sent a link to {to}. Your address changes when you open it (within {VALID_HOURS} hours)."
            ),
        ),
        Ok(Requested::Changed(revoked)) => Flash::success(
            &ctx.session,
            format!("Email address changed; {revoked} other session(s) signed out."),
        ),
        Err(errors) => Flash::error(&ctx.session, first(&errors)),
    }
    Ok(w::redirect("/account"))
}

#[derive(Template)]
#[template(path = "accounts/email_confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    token: String,
    email: String,
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /account/email/{token}`: the confirm button (signed in as the
/// account; 404 for a used, expired, unknown or another account's link).
pub async fn form(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: super::CurrentUser,
    meta: RequestMeta,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let (pool, t, uid) = (state.pool.clone(), token.clone(), user.user.id);
    let email = web::block(move || {
        throttle::token_lookup(&pool, &meta.ip, || {
            let (_, owner, new) = live(&mut *pool.get()?, &t)?;
            if owner == uid {
                Ok(new)
            } else {
                Err(AppError::NotFound)
            }
        })
    })
    .await??;
    w::ok(&ConfirmPage {
        page: ctx.user("Confirm your new email address", &user.user),
        token,
        email,
    })
}

/// `POST /account/email/{token}`: confirms.
pub async fn confirm_submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: super::CurrentUser,
    meta: RequestMeta,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let (pool, uid, sid) = (state.pool.clone(), user.user.id, user.session_id);
    let outcome = web::block(move || {
        let ip = meta.ip.clone();
        throttle::token_lookup(&pool, &ip, || {
            confirm(&mut *pool.get()?, &token, uid, sid, &meta)
        })
    })
    .await??;
    match outcome {
        Ok(new) => Flash::success(
            &ctx.session,
            format!("Your email address is now {new}. Your other sessions were signed out."),
        ),
        Err(errors) => Flash::error(&ctx.session, first(&errors)),
    }
    Ok(w::redirect("/account"))
}
