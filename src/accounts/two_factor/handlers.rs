//! The account's two-factor pages: status, enrolment (QR code and the secret
//! as text, confirmed by a code), recovery codes (shown once), turning it off.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::codes::{self, Sealer, Typed};
use super::login::now_unix;
use super::reauth::RecentAuth;
use super::store::{self, Started, Status};
use crate::accounts::{throttle, CurrentUser};
use crate::db::write_tx;
use crate::error::{AppError, AppResult};
use crate::support::url_encode;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, PageCtx};
use crate::AppState;

/// The cookie-session key holding fresh recovery codes until the page shows them once.
const CODES_KEY: &str = "two_factor_codes";

#[derive(Template)]
#[template(path = "accounts/two_factor.html")]
struct StatusPage {
    page: PageCtx,
    status: Status,
    /// Recovery codes to show this once (just made), formatted.
    codes: Vec<String>,
    next: String,
    disable_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "accounts/two_factor_setup.html")]
struct SetupPage {
    page: PageCtx,
    qr_svg: String,
    secret: String,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: String,
}

/// `next` kept only when it is a local path other than the site root.
fn kept_next(next: &str) -> String {
    match w::safe_next(Some(next)) {
        n if n == "/" => String::new(),
        n => n,
    }
}

fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_string()
    } else {
        format!("{path}?next={}", url_encode(next))
    }
}

/// Pages that show the key or recovery codes are never kept by the browser
/// or a proxy (the back button on a shared computer must not bring them back).
fn no_store(res: AppResult<HttpResponse>) -> AppResult<HttpResponse> {
    let mut res = res?;
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

fn sealer(state: &AppState) -> AppResult<Sealer> {
    Sealer::new(&state.config.secret_key)
}

async fn load_status(state: &web::Data<AppState>, user: &CurrentUser) -> AppResult<Status> {
    let (pool, uid) = (state.pool.clone(), user.user.id);
    web::block(move || store::status(&mut *pool.get()?, uid)).await?
}

async fn render_status(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    next: String,
    disable_errors: FormErrors,
) -> AppResult<HttpResponse> {
    let status = load_status(state, user).await?;
    let codes: Vec<String> = ctx
        .session
        .remove_as::<Vec<String>>(CODES_KEY)
        .and_then(Result::ok)
        .unwrap_or_default()
        .iter()
        .map(|c| codes::display_recovery(c))
        .collect();
    let page = StatusPage {
        page: ctx.user("Two-factor sign-in", &user.user),
        status,
        codes,
        next,
        disable_errors,
    };
    no_store(if page.disable_errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    })
}

pub async fn page(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    render_status(
        &ctx,
        &state,
        &user,
        kept_next(&q.next),
        FormErrors::default(),
    )
    .await
}

pub async fn start(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: RecentAuth,
    form: web::Form<NextQuery>,
) -> AppResult<HttpResponse> {
    let next = kept_next(&form.next);
    let (st, uid) = (state.clone(), user.user.id);
    let started =
        web::block(move || store::start(&mut *st.pool.get()?, &sealer(&st)?, uid)).await??;
    if started == Started::AlreadyOn {
        Flash::info(
            &ctx.session,
            "Two-factor sign-in is already on. Turn it off first to move it to another app.",
        );
        return Ok(w::redirect(&with_next("/account/two-factor", &next)));
    }
    Ok(w::redirect(&with_next("/account/two-factor/setup", &next)))
}

/// The set-up page for the pending key, or `None` when there is none.
async fn setup_page(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    next: String,
    errors: FormErrors,
) -> AppResult<Option<SetupPage>> {
    let (st, uid) = (state.clone(), user.user.id);
    let secret =
        web::block(move || store::pending_secret(&mut *st.pool.get()?, &sealer(&st)?, uid))
            .await??;
    let Some(secret) = secret else {
        return Ok(None);
    };
    let b32 = codes::secret_base32(&secret);
    let qr_svg = codes::qr_svg(&codes::otpauth_url(&user.user.email, &b32))?;
    Ok(Some(SetupPage {
        page: ctx.user("Set up two-factor sign-in", &user.user),
        qr_svg,
        secret: codes::grouped(&b32),
        next,
        errors,
    }))
}

pub async fn setup_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: RecentAuth,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let next = kept_next(&q.next);
    match setup_page(&ctx, &state, &user, next.clone(), FormErrors::default()).await? {
        Some(page) => no_store(w::ok(&page)),
        None => Ok(w::redirect(&with_next("/account/two-factor", &next))),
    }
}

pub async fn confirm_setup(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: RecentAuth,
    meta: RequestMeta,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = kept_next(&form.next);
    let outcome = match codes::classify(&form.code) {
        Typed::Totp(code) => {
            let (st, uid, sid) = (state.clone(), user.user.id, user.session_id);
            web::block(move || {
                store::enable(
                    &mut *st.pool.get()?,
                    &sealer(&st)?,
                    uid,
                    &code,
                    now_unix(),
                    sid,
                    &meta,
                )
            })
            .await??
        }
        _ => Err("Type the six digits your app shows for Atrium.".to_string()),
    };
    match outcome {
        Ok(codes) => {
            ctx.session
                .insert(CODES_KEY, codes)
                .map_err(|e| AppError::internal(format!("session: {e}")))?;
            Flash::success(
                &ctx.session,
                "Two-factor sign-in is on. Your other sessions were signed out.",
            );
            Ok(w::redirect(&with_next("/account/two-factor", &next)))
        }
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("code", message);
            match setup_page(&ctx, &state, &user, next.clone(), errors).await? {
                Some(page) => no_store(w::invalid(&page)),
                None => Ok(w::redirect(&with_next("/account/two-factor", &next))),
            }
        }
    }
}

pub async fn regenerate(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: RecentAuth,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    let (pool, uid, sid) = (state.pool.clone(), user.user.id, user.session_id);
    let codes =
        web::block(move || store::regenerate_recovery_codes(&mut *pool.get()?, uid, sid, &meta))
            .await??;
    match codes {
        Some(codes) => {
            ctx.session
                .insert(CODES_KEY, codes)
                .map_err(|e| AppError::internal(format!("session: {e}")))?;
            Flash::success(
                &ctx.session,
                "New recovery codes made; the old ones no longer work. Your other sessions were signed out.",
            );
        }
        None => Flash::error(&ctx.session, "Two-factor sign-in is off."),
    }
    Ok(w::redirect("/account/two-factor"))
}

pub async fn disable(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    form: web::Form<DisableForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let typed = codes::classify(&form.code);
    let (st, u) = (state.clone(), user.clone());
    let outcome = web::block(move || -> AppResult<Result<(), FormErrors>> {
        let mut errors = FormErrors::default();
        // The password and the code are one guess: counted first, per
        // account, and forgiven only when both are right.
        let check = match throttle::hit(
            &mut *st.pool.get()?,
            throttle::PASSWORD_CHECK,
            &u.user.id.to_string(),
        ) {
            Ok(check) => check,
            Err(AppError::TooManyRequests(m)) => {
                errors.add("", m);
                return Ok(Err(errors));
            }
            Err(e) => return Err(e),
        };
        let right = match st.hasher.verify(&form.password, &u.user.password_hash) {
            Ok(right) => right,
            Err(e) => {
                throttle::forgive(&mut *st.pool.get()?, check)?;
                return Err(e);
            }
        };
        if !right {
            errors.add("password", "That is not your password.");
        }
        if typed == Typed::Malformed {
            errors.add(
                "code",
                "Type the six digits your app shows, or one of your recovery codes.",
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let sealer = sealer(&st)?;
        let mut conn = st.pool.get()?;
        let done = write_tx(&mut conn, |c| -> AppResult<Result<(), &'static str>> {
            let checked = store::check_code(c, &sealer, u.user.id, &typed, now_unix())?;
            if !checked.passed() {
                return Ok(Err(checked.message()));
            }
            store::disable(c, u.user.id, u.session_id, &meta)?;
            Ok(Ok(()))
        })?;
        match done {
            Ok(()) => {
                throttle::forgive(&mut conn, check)?;
                Ok(Ok(()))
            }
            Err(message) => {
                errors.add("code", message);
                Ok(Err(errors))
            }
        }
    })
    .await??;
    match outcome {
        Ok(()) => {
            Flash::success(
                &ctx.session,
                "Two-factor sign-in is off. Your other sessions and remembered browsers were signed out.",
            );
            Ok(w::redirect("/account/two-factor"))
        }
        Err(errors) => render_status(&ctx, &state, &user, String::new(), errors).await,
    }
}
