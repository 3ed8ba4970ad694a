//! Sign-up. Cheap checks come first — invite-only, the form, then the
//! throttles (per client address, per email address, across the instance) —
//! and only then the password hash, within the hashing bound, with no
//! database connection held while it runs. With SMTP configured the address
//! is verified by email and the page never says whether it already has an
//! account (that address gets a notice instead); without SMTP there is no
//! way to reach the owner, so the form says "already exists", and the
//! per-address throttle is what keeps that from being a fast lookup.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::forms::{NextQuery, SignupForm};
use super::handlers::{signup_errors, start_session};
use super::models::{self, NewUser, UserId};
use super::{sessions, throttle, verify};
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, DbConn, Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::jobs::email::Email;
use crate::jobs::outbox;
use crate::schema::{email_verifications, users};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, MaybeUser, PageCtx};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    page: PageCtx,
    form: SignupForm,
    errors: FormErrors,
    invite_only: bool,
}

#[derive(Template)]
#[template(path = "accounts/check_email.html")]
struct CheckEmailPage {
    page: PageCtx,
    email: String,
    valid_hours: i64,
}

/// What a sign-up came to.
pub enum SignedUp {
    /// Signed in at once (no SMTP): the new session's token.
    Ready(String),
    /// "Check your email" — whether or not the address had an account.
    CheckEmail,
    /// The address has an account (no SMTP only).
    Taken(FormErrors),
}

/// Counts the sign-up against every throttle, all or none (429 when one is
/// full); returns the counted events.
fn count_signup(c: &mut DbConn, state: &AppState, email: &str, ip: &str) -> AppResult<Vec<Id>> {
    let config = &state.config;
    write_tx(c, |c| {
        Ok(vec![
            throttle::hit(c, throttle::signup_per_ip(config.signup_per_ip_hour), ip)?,
            throttle::hit(c, throttle::SIGNUP_PER_EMAIL, email)?,
            throttle::hit(c, throttle::signup_overall(config.signup_per_hour), "*")?,
        ])
    })
}

/// Signs up `form` (already validated).
pub fn sign_up(state: &AppState, form: &SignupForm, meta: &RequestMeta) -> AppResult<SignedUp> {
    let email = models::normalize_email(&form.email);
    let counted = count_signup(&mut *state.pool.get()?, state, &email, &meta.ip)?;
    let hash = match state.hasher.hash(&form.password) {
        Ok(h) => h,
        Err(e) => {
            // Turned away before any work: it must not use up the allowance.
            let mut conn = state.pool.get()?;
            for event in counted {
                throttle::forgive(&mut conn, event)?;
            }
            return Err(e);
        }
    };
    let mut conn = state.pool.get()?;
    if state.config.smtp_url.is_none() {
        return match models::register(&mut conn, &form.name, &email, hash, false, Some(meta))? {
            Ok(user) => {
                let (token, _) = sessions::create(
                    &mut conn,
                    user.id,
                    Some(&meta.ip),
                    meta.user_agent.as_deref(),
                    state.lifetimes(),
                )?;
                Ok(SignedUp::Ready(token))
            }
            Err(errors) => Ok(SignedUp::Taken(errors)),
        };
    }
    let base = state.config.base_url();
    write_tx(&mut conn, |c| {
        // Two sign-ups for one address at once: the second sees the first.
        crate::db::lock_key(c, &format!("signup.account:{email}"))?;
        match models::find_by_email(c, &email)? {
            None => {
                let id = create_pending(c, &form.name, &email, hash)?;
                send_link(c, id, &email, &base, &form.next)?;
                audit::record(
                    c,
                    NewEvent::global("auth.signup")
                        .actor(id)
                        .resource("user", id)
                        .meta(meta)
                        .changes(serde_json::json!({"email": email, "verification": "sent"})),
                )?;
            }
            // An unverified account whose links all expired was squatted or
            // abandoned: the newest sign-up takes it over.
            Some(u) if u.pending_verification && !has_live_link(c, u.id)? => {
                diesel::update(users::table.find(u.id))
                    .set((
                        users::name.eq(form.name.trim()),
                        users::password_hash.eq(hash),
                        users::updated_at.eq(UtcTime::now()),
                    ))
                    .execute(c)?;
                send_link(c, u.id, &email, &base, &form.next)?;
                audit::record(
                    c,
                    NewEvent::global("auth.signup")
                        .actor(u.id)
                        .resource("user", u.id)
                        .meta(meta)
                        .changes(serde_json::json!({"email": email, "verification": "sent again"})),
                )?;
            }
            Some(u) => {
                outbox::queue(c, &notice(&email, u.pending_verification, &base))?;
                audit::record(
                    c,
                    NewEvent::global("auth.signup_existing")
                        .resource("user", u.id)
                        .meta(meta)
                        .warning(),
                )?;
            }
        }
        Ok(SignedUp::CheckEmail)
    })
}

fn create_pending(c: &mut DbConn, name: &str, email: &str, hash: String) -> AppResult<UserId> {
    let now = UtcTime::now();
    let id = UserId::new();
    diesel::insert_into(users::table)
        .values((
            NewUser {
                id,
                email: email.to_string(),
                name: name.trim().to_string(),
                password_hash: hash,
                timezone: "UTC".into(),
                is_superadmin: false,
                is_active: true,
                created_at: now,
                updated_at: now,
            },
            users::pending_verification.eq(true),
        ))
        .execute(c)?;
    Ok(id)
}

fn has_live_link(c: &mut DbConn, user: UserId) -> AppResult<bool> {
    let n: i64 = email_verifications::table
        .filter(email_verifications::user_id.eq(user))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(UtcTime::now()))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// A new verification link for `user`, queued to `email`. Where sign-up
/// was on the way somewhere (an invitation), the link carries it on.
fn send_link(c: &mut DbConn, user: UserId, email: &str, base: &str, next: &str) -> AppResult<()> {
    let token = verify::create(c, user)?;
    let next = w::safe_next(Some(next));
    let token = if next == "/" {
        token
    } else {
        format!("{token}?next={}", crate::support::url_encode(&next))
    };
    outbox::queue(
        c,
        &Email {
            to: email.to_string(),
            subject: "Confirm your email address for Atrium".into(),
            body: format!(
                "Someone (we hope you) created an Atrium account with this address.\n\n\
                 Confirm it here to finish (valid for {} hours, once):\n{base}/verify/{token}\n\n\
                 If it wasn't you, ignore this message: the account stays locked.\n",
                verify::VALID_HOURS
            ),
        },
    )?;
    Ok(())
}

/// What the owner of an address that already has an account is told.
fn notice(email: &str, pending: bool, base: &str) -> Email {
    let body = if pending {
        format!(
            "Someone tried to create an Atrium account with this address, which already \
             waits for confirmation.\n\nIf it was you, open the confirmation link we sent \
             earlier (it works for {} hours). If it wasn't you, ignore this message.\n",
            verify::VALID_HOURS
        )
    } else {
        format!(
            "Someone tried to create an Atrium account with this address, which already \
             has one.\n\nIf it was you, sign in instead: {base}/login\nForgot your password? \
             Ask an administrator to reset it. If it wasn't you, ignore this message: \
             nothing has changed.\n"
        )
    };
    Email {
        to: email.to_string(),
        subject: "Sign-up attempt with your Atrium address".into(),
        body,
    }
}

/// Whether this sign-up may go ahead: always when sign-up is open; when the
/// instance is invite-only, only on the way to a live invitation (a lookup
/// counted like any other invitation link, so it can't test tokens quickly).
async fn signup_allowed(state: &AppState, next: &str, ip: &str) -> AppResult<bool> {
    let pool = state.pool.clone();
    let (next, ip) = (next.to_string(), ip.to_string());
    web::block(move || -> AppResult<bool> {
        let mut conn = pool.get()?;
        if crate::admin::settings::signup_open(&mut conn)? {
            return Ok(true);
        }
        let Some(token) = next.strip_prefix("/invite/") else {
            return Ok(false);
        };
        match throttle::token_lookup(&pool, &ip, || {
            crate::workspaces::invitations::view(&pool, token)
        }) {
            Ok(v) => Ok(!v.used && !v.expired),
            Err(AppError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    })
    .await?
}

pub async fn signup_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: MaybeUser,
    meta: RequestMeta,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    if user.0.is_some() {
        return Ok(w::redirect(&w::safe_next(Some(&q.next))));
    }
    let allowed = signup_allowed(&state, &q.next, &meta.ip).await?;
    let form = SignupForm {
        next: q.next.clone(),
        ..Default::default()
    };
    w::ok(&SignupPage {
        page: ctx.anon("Create your account"),
        form,
        errors: FormErrors::default(),
        invite_only: !allowed,
    })
}

pub async fn signup(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    form: web::Form<SignupForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    if !signup_allowed(&state, &form.next, &meta.ip).await? {
        let mut errors = FormErrors::default();
        errors.add("", "This Atrium is invite-only: open the invitation link you were sent to create an account.");
        return w::invalid(&SignupPage {
            page: ctx.anon("Create your account"),
            form,
            errors,
            invite_only: true,
        });
    }
    let errors = signup_errors(&form);
    if !errors.is_empty() {
        return w::invalid(&SignupPage {
            page: ctx.anon("Create your account"),
            form,
            errors,
            invite_only: false,
        });
    }
    let (st, f) = (state.clone(), form.clone());
    let outcome = web::block(move || sign_up(&st, &f, &meta)).await??;
    match outcome {
        SignedUp::Ready(token) => {
            start_session(&ctx.session, token)?;
            Flash::success(&ctx.session, "Your account is ready.");
            let next = w::safe_next(Some(&form.next));
            Ok(w::redirect(if next == "/" { "/w/new" } else { &next }))
        }
        SignedUp::CheckEmail => w::ok(&CheckEmailPage {
            page: ctx.anon("Check your email"),
            email: models::normalize_email(&form.email),
            valid_hours: verify::VALID_HOURS,
        }),
        SignedUp::Taken(errors) => w::invalid(&SignupPage {
            page: ctx.anon("Create your account"),
            form,
            errors,
            invite_only: false,
        }),
    }
}
