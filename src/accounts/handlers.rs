//! Signing in and out: first-run setup, sign-up, login, logout.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::*;
use super::models;
use super::sessions;
use super::{passwords, throttle, two_factor};
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, UtcTime};
use crate::error::{AppError, AppResult};
use crate::web::extract::{RequestMeta, SESSION_KEY};
use crate::web::{self as w, Ctx, Flash, FormErrors, MaybeUser, PageCtx};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/setup.html")]
struct SetupPage {
    page: PageCtx,
    form: SignupForm,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    page: PageCtx,
    form: LoginForm,
    errors: FormErrors,
    signup_open: bool,
}

/// Signs `user` in on this browser: a new session row, a renewed cookie id.
pub(super) fn start_session(session: &Session, token: String) -> AppResult<()> {
    session.renew();
    session
        .insert(SESSION_KEY, token)
        .map_err(|e| AppError::internal(format!("session: {e}")))?;
    crate::web::csrf::rotate(session);
    Ok(())
}

async fn user_count(state: &AppState) -> AppResult<i64> {
    let pool = state.pool.clone();
    web::block(move || models::count(&mut *pool.get()?)).await?
}

// ---- first run ----

pub async fn setup_form(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if user_count(&state).await? > 0 {
        return Err(AppError::NotFound);
    }
    w::ok(&SetupPage {
        page: ctx.anon("Set up Atrium"),
        form: SignupForm::default(),
        errors: FormErrors::default(),
    })
}

pub async fn setup(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    form: web::Form<SignupForm>,
) -> AppResult<HttpResponse> {
    if user_count(&state).await? > 0 {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    let errors = signup_errors(&form);
    if !errors.is_empty() {
        return w::invalid(&SetupPage {
            page: ctx.anon("Set up Atrium"),
            form,
            errors,
        });
    }
    let pool = state.pool.clone();
    let (f, st) = (form.clone(), state.clone());
    let lifetimes = state.lifetimes();
    let created = web::block(move || -> AppResult<_> {
        let hash = st.hasher.hash(&f.password)?;
        let mut conn = pool.get()?;
        // Count and insert in one write transaction: two people racing for
        // /setup get one superadmin (SQLite: BEGIN IMMEDIATE; Postgres: a
        // table lock).
        write_tx(&mut conn, |c| {
            crate::db::lock_table_for_insert(c, "users")?;
            if models::count(c)? > 0 {
                return Err(AppError::NotFound);
            }
            match models::register(c, &f.name, &f.email, hash, true, Some(&meta))? {
                Ok(user) => {
                    let (token, _) = sessions::create(
                        c,
                        user.id,
                        Some(&meta.ip),
                        meta.user_agent.as_deref(),
                        lifetimes,
                    )?;
                    Ok(Ok(token))
                }
                Err(e) => Ok(Err(e)),
            }
        })
    })
    .await??;
    match created {
        Ok(token) => {
            start_session(&ctx.session, token)?;
            Flash::success(
                &ctx.session,
                "Welcome! You are the superadmin of this Atrium. Create your first workspace.",
            );
            Ok(w::redirect("/w/new"))
        }
        Err(errors) => w::invalid(&SetupPage {
            page: ctx.anon("Set up Atrium"),
            form,
            errors,
        }),
    }
}

pub(super) fn signup_errors(form: &SignupForm) -> FormErrors {
    let mut errors = FormErrors::default();
    if let Some(e) = name_error(&form.name) {
        errors.add("name", e);
    }
    if let Some(e) = email_error(&form.email) {
        errors.add("email", e);
    }
    if let Some(e) = passwords::policy_error(&form.password, &form.email) {
        errors.add("password", e);
    }
    errors
}

// ---- sign in / out ----

pub async fn login_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: MaybeUser,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    if user.0.is_some() {
        return Ok(w::redirect(&w::safe_next(Some(&q.next))));
    }
    if user_count(&state).await? == 0 {
        return Ok(w::redirect("/setup"));
    }
    let signup_open = {
        let pool = state.pool.clone();
        web::block(move || crate::admin::settings::signup_open(&mut *pool.get()?)).await??
    };
    let form = LoginForm {
        next: q.next.clone(),
        ..Default::default()
    };
    w::ok(&LoginPage {
        page: ctx.anon("Sign in"),
        form,
        errors: FormErrors::default(),
        signup_open,
    })
}

/// Puts a sign-in refused by the throttle in the audit log — once per client
/// address a minute (`THROTTLED_SIGN_IN_RECORD`), so hammering can't grow it.
pub(super) fn record_throttled(
    conn: &mut crate::db::DbConn,
    email: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    match throttle::hit(conn, throttle::THROTTLED_SIGN_IN_RECORD, &meta.ip) {
        Ok(_) => write_tx(conn, |c| {
            audit::record(
                c,
                NewEvent::global("security.login_throttled")
                    .meta(meta)
                    .changes(serde_json::json!({"email": email}))
                    .warning(),
            )
        }),
        // Already on record for this address this minute.
        Err(AppError::TooManyRequests(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

enum LoginOutcome {
    Ok(String),
    /// The password was right and two-factor is on: the code comes next.
    SecondStep(models::UserId),
    Failed,
    Unverified,
    Throttled(String),
}

/// Checks credentials and starts a session. Answers the same, in the same time,
/// whether or not the email has an account. The attempt is admitted and
/// recorded before the password is checked (so a burst can't outrun the
/// throttle), and no connection is held while the hash is checked.
fn attempt_login(
    state: &AppState,
    email: &str,
    password: &str,
    device: Option<&str>,
    meta: &RequestMeta,
) -> AppResult<LoginOutcome> {
    // What is looked up, counted and recorded: never more than 254
    // characters of what was typed, and nothing from the password box.
    let email = models::recorded_email(email);
    let limits = state.settings().throttle;
    let (attempt, user) = {
        let mut conn = state.pool.get()?;
        match throttle::admit_login(&mut conn, &email, &meta.ip, limits)? {
            throttle::Admission::Throttled(message) => {
                record_throttled(&mut conn, &email, meta)?;
                return Ok(LoginOutcome::Throttled(message));
            }
            throttle::Admission::Allowed(attempt) => {
                (attempt, models::find_by_email(&mut conn, &email)?)
            }
        }
    };
    let checked = match &user {
        Some(u) => state.hasher.verify(password, &u.password_hash),
        None => state.hasher.verify_dummy(password).map(|()| false),
    };
    let mut conn = state.pool.get()?;
    let password_ok = match checked {
        Ok(ok) => ok,
        Err(e) => {
            throttle::login_not_checked(&mut conn, attempt)?;
            return Err(e);
        }
    };
    let lifetimes = state.lifetimes();
    write_tx(&mut conn, |c| match &user {
        Some(u) if password_ok && u.is_active && !u.pending_verification => {
            throttle::login_succeeded(c, attempt)?;
            // With two-factor on, only a browser remembered for this account
            // skips the code.
            let remembered = if two_factor::is_enabled(c, u.id)? {
                let known = match device {
                    Some(t) => two_factor::devices::recognised(c, u.id, t, UtcTime::now())?,
                    None => false,
                };
                if !known {
                    return Ok(LoginOutcome::SecondStep(u.id));
                }
                true
            } else {
                false
            };
            let (token, sid) = sessions::create(
                c,
                u.id,
                Some(&meta.ip),
                meta.user_agent.as_deref(),
                lifetimes,
            )?;
            sessions::note_login(c, u.id)?;
            let mut event = NewEvent::global("auth.login")
                .actor(u.id)
                .resource("session", sid)
                .meta(meta);
            if remembered {
                event = event.changes(serde_json::json!({"two_factor": "remembered_browser"}));
            }
            audit::record(c, event)?;
            Ok(LoginOutcome::Ok(token))
        }
        _ => {
            let mut event = NewEvent::global("auth.login_failed")
                .meta(meta)
                .changes(serde_json::json!({"email": email}))
                .warning();
            if let Some(u) = &user {
                event = event.resource("user", u.id);
            }
            audit::record(c, event)?;
            // Only someone who knows the password learns that the address
            // still waits for confirmation.
            if password_ok && user.as_ref().is_some_and(|u| u.pending_verification) {
                return Ok(LoginOutcome::Unverified);
            }
            Ok(LoginOutcome::Failed)
        }
    })
}

pub async fn login(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    meta: RequestMeta,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let st = state.clone();
    let (email, password) = (form.email.clone(), form.password.clone());
    let device = two_factor::login::device_token(&req, &state.config);
    let outcome =
        web::block(move || attempt_login(&st, &email, &password, device.as_deref(), &meta))
            .await??;
    let signup_open = {
        let pool = state.pool.clone();
        web::block(move || crate::admin::settings::signup_open(&mut *pool.get()?)).await??
    };
    let retry = |message: &str| {
        let mut errors = FormErrors::default();
        errors.add("", message);
        let form = LoginForm {
            password: String::new(),
            ..form.clone()
        };
        LoginPage {
            page: ctx.anon("Sign in"),
            form,
            errors,
            signup_open,
        }
    };
    match outcome {
        LoginOutcome::Ok(token) => {
            start_session(&ctx.session, token)?;
            Ok(w::redirect(&w::safe_next(Some(&form.next))))
        }
        LoginOutcome::SecondStep(user) => {
            two_factor::login::begin(&ctx.session, user, &form.next)?;
            Ok(w::redirect("/login/two-factor"))
        }
        LoginOutcome::Failed => w::invalid(&retry(
            "That email and password don't match an active account.",
        )),
        LoginOutcome::Unverified => w::invalid(&retry(
            "Confirm your email address first: open the link we emailed you.",
        )),
        LoginOutcome::Throttled(m) => {
            let mut res = w::html(actix_web::http::StatusCode::TOO_MANY_REQUESTS, &retry(&m))?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("60"),
            );
            Ok(res)
        }
    }
}

pub async fn logout(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: MaybeUser,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    if let Some(u) = user.0 {
        let pool = state.pool.clone();
        web::block(move || -> AppResult<()> {
            write_tx(&mut *pool.get()?, |c| {
                sessions::revoke(c, u.user.id, u.session_id)?;
                audit::record(
                    c,
                    NewEvent::global("auth.logout")
                        .actor(u.user.id)
                        .resource("session", u.session_id)
                        .meta(&meta),
                )
            })
        })
        .await??;
    }
    ctx.session.purge();
    Ok(w::redirect("/login"))
}
