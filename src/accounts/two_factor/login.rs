//! The second step of signing in: after the right password, an account with
//! two-factor on gets this page instead of a session. The cookie carries only
//! who is half-way (for ten minutes); the session starts when a code from the
//! app or a recovery code is right. Guesses are throttled with the password's
//! limits, in the same table, per account and per client address.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::codes::{self, Sealer, Typed};
use super::devices;
use super::store::{self, Checked};
use crate::accounts::handlers::{record_throttled, start_session};
use crate::accounts::{models, sessions, throttle, User};
use crate::audit::{self, NewEvent};
use crate::db::{write_tx, UserId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::users;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, MaybeUser, PageCtx};
use crate::AppState;

/// The cookie-session key of a sign-in waiting for its code.
pub const PENDING_KEY: &str = "two_factor_pending";
/// How long the second step waits after the password.
pub const PENDING_MINUTES: i64 = 10;

/// A sign-in whose password was right and whose code is still to come.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub user: UserId,
    /// Unix seconds when the password was checked.
    pub at: i64,
    pub next: String,
}

/// Sends this browser to the second step for `user`.
pub fn begin(session: &Session, user: UserId, next: &str) -> AppResult<()> {
    session
        .insert(
            PENDING_KEY,
            Pending {
                user,
                at: Utc::now().timestamp(),
                next: w::safe_next(Some(next)),
            },
        )
        .map_err(|e| AppError::internal(format!("session: {e}")))
}

/// The sign-in waiting on this browser, if it is still fresh.
fn pending(session: &Session) -> Option<Pending> {
    let p = session.get::<Pending>(PENDING_KEY).ok().flatten()?;
    let age = Utc::now().timestamp() - p.at;
    (0..PENDING_MINUTES * 60).contains(&age).then_some(p)
}

pub fn now_unix() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

#[derive(Template)]
#[template(path = "accounts/two_factor_login.html")]
struct StepPage {
    page: PageCtx,
    remember: bool,
    remember_days: i64,
    errors: FormErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub code: String,
    /// The "remember this browser" box: present when ticked.
    #[serde(default)]
    pub remember: Option<String>,
}

fn step_page(ctx: &Ctx, remember: bool, message: Option<&str>) -> StepPage {
    let mut errors = FormErrors::default();
    if let Some(m) = message {
        errors.add("code", m);
    }
    StepPage {
        page: ctx.anon("Two-factor sign-in"),
        remember,
        remember_days: devices::REMEMBER_DAYS,
        errors,
    }
}

fn start_over(ctx: &Ctx) -> HttpResponse {
    ctx.session.remove(PENDING_KEY);
    Flash::info(&ctx.session, "Sign in again to continue.");
    w::redirect("/login")
}

pub async fn form(ctx: Ctx, user: MaybeUser) -> AppResult<HttpResponse> {
    if user.0.is_some() {
        return Ok(w::redirect("/"));
    }
    if pending(&ctx.session).is_none() {
        return Ok(start_over(&ctx));
    }
    w::ok(&step_page(&ctx, false, None))
}

/// What the second step came to.
enum Step {
    SignedIn {
        token: String,
        device: Option<String>,
        recovery_left: Option<i64>,
    },
    Refused(&'static str),
    Throttled(String),
    /// The account is gone or disabled since the password step.
    Gone,
}

fn active_user(c: &mut crate::db::DbConn, id: UserId) -> AppResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first::<User>(c)
        .optional()?
        .filter(|u| u.is_active && !u.pending_verification))
}

/// Admits the guess (throttle), checks the code and, when right, starts the
/// session — one transaction for the check, the session and the audit rows.
fn second_step(
    state: &AppState,
    user_id: UserId,
    typed: &Typed,
    remember: bool,
    meta: &RequestMeta,
) -> AppResult<Step> {
    let sealer = Sealer::new(&state.config.secret_key)?;
    let mut conn = state.pool.get()?;
    let Some(user) = active_user(&mut conn, user_id)? else {
        return Ok(Step::Gone);
    };
    let email = models::recorded_email(&user.email);
    let attempt =
        match throttle::admit_login(&mut conn, &email, &meta.ip, state.settings().throttle)? {
            throttle::Admission::Throttled(message) => {
                record_throttled(&mut conn, &email, meta)?;
                return Ok(Step::Throttled(message));
            }
            throttle::Admission::Allowed(attempt) => attempt,
        };
    let lifetimes = state.lifetimes();
    write_tx(&mut conn, |c| {
        let checked = store::check_code(c, &sealer, user.id, typed, now_unix())?;
        if !checked.passed() {
            let reason = if checked == Checked::Reused {
                "reused"
            } else {
                "wrong"
            };
            audit::record(
                c,
                NewEvent::global("auth.2fa_failed")
                    .actor(user.id)
                    .resource("user", user.id)
                    .meta(meta)
                    .changes(serde_json::json!({ "reason": reason }))
                    .warning(),
            )?;
            return Ok(Step::Refused(checked.message()));
        }
        throttle::login_succeeded(c, attempt)?;
        let (token, sid) = sessions::create(
            c,
            user.id,
            Some(&meta.ip),
            meta.user_agent.as_deref(),
            lifetimes,
        )?;
        let now = UtcTime::now();
        diesel::update(users::table.find(user.id))
            .set(users::last_login_at.eq(now))
            .execute(c)?;
        let (how, recovery_left) = match checked {
            Checked::Recovery { left } => ("recovery_code", Some(left)),
            _ => ("totp", None),
        };
        audit::record(
            c,
            NewEvent::global("auth.login")
                .actor(user.id)
                .resource("session", sid)
                .meta(meta)
                .changes(serde_json::json!({"two_factor": how})),
        )?;
        if let Some(left) = recovery_left {
            audit::record(
                c,
                NewEvent::global("auth.2fa_recovery_code_used")
                    .actor(user.id)
                    .resource("user", user.id)
                    .meta(meta)
                    .changes(serde_json::json!({"left": left}))
                    .warning(),
            )?;
        }
        let device = if remember {
            let token = devices::remember(c, user.id, meta.user_agent.as_deref(), now)?;
            audit::record(
                c,
                NewEvent::global("auth.2fa_browser_remembered")
                    .actor(user.id)
                    .resource("session", sid)
                    .meta(meta)
                    .changes(serde_json::json!({"days": devices::REMEMBER_DAYS})),
            )?;
            Some(token)
        } else {
            None
        };
        Ok(Step::SignedIn {
            token,
            device,
            recovery_left,
        })
    })
}

pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    meta: RequestMeta,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let Some(p) = pending(&ctx.session) else {
        return Ok(start_over(&ctx));
    };
    let remember = form.remember.is_some();
    let typed = codes::classify(&form.code);
    if typed == Typed::Malformed {
        // Not a guess: said at once, not counted.
        return w::invalid(&step_page(
            &ctx,
            remember,
            Some("Type the six digits your app shows, or one of your recovery codes (like abcd-efgh-jkmn)."),
        ));
    }
    let st = state.clone();
    let step = web::block(move || second_step(&st, p.user, &typed, remember, &meta)).await??;
    match step {
        Step::SignedIn {
            token,
            device,
            recovery_left,
        } => {
            ctx.session.remove(PENDING_KEY);
            start_session(&ctx.session, token)?;
            if let Some(left) = recovery_left {
                Flash::info(
                    &ctx.session,
                    format!(
                        "You signed in with a recovery code; {left} left. Make new ones from your account's two-factor page if you are running low."
                    ),
                );
            }
            let mut res = w::redirect(&p.next);
            if let Some(token) = device {
                res.add_cookie(&devices::cookie(&state.config, token))
                    .map_err(|e| AppError::internal(format!("cookie: {e}")))?;
            }
            Ok(res)
        }
        Step::Refused(message) => w::invalid(&step_page(&ctx, remember, Some(message))),
        Step::Throttled(message) => {
            let mut res = w::html(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                &step_page(&ctx, remember, Some(&message)),
            )?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("60"),
            );
            Ok(res)
        }
        Step::Gone => Ok(start_over(&ctx)),
    }
}

/// The remembered-browser token this request carries, if any.
pub fn device_token(req: &HttpRequest, config: &crate::config::Config) -> Option<String> {
    req.cookie(devices::cookie_name(config))
        .map(|c| c.value().to_string())
}
