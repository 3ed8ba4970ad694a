//! One's own account: profile, password, and the list of signed-in sessions.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::forms::*;
use super::models::{self, CurrentUser, SessionId};
use super::sessions::{self, UserSession};
use super::{passwords, throttle};
use crate::audit::{self, NewEvent};
use crate::db::write_tx;
use crate::error::{AppError, AppResult};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, PageCtx};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    page: PageCtx,
    profile: ProfileForm,
    profile_errors: FormErrors,
    password_errors: FormErrors,
    timezones: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "accounts/sessions.html")]
struct SessionsPage {
    page: PageCtx,
    sessions: Vec<UserSession>,
    current: SessionId,
}

// ---- my account ----

fn timezones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

pub async fn profile(ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    let profile = ProfileForm::of(&user.user);
    w::ok(&AccountPage {
        page: ctx.user("Your account", &user.user),
        profile,
        profile_errors: FormErrors::default(),
        password_errors: FormErrors::default(),
        timezones: timezones(),
    })
}

pub async fn update_profile(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let profile = match form.check() {
        Ok(p) => p,
        Err(errors) => {
            return w::invalid(&AccountPage {
                page: ctx.user("Your account", &user.user),
                profile: form,
                profile_errors: errors,
                password_errors: FormErrors::default(),
                timezones: timezones(),
            })
        }
    };
    let pool = state.pool.clone();
    web::block(move || models::update_profile(&mut *pool.get()?, &user.user, &profile, &meta))
        .await??;
    Flash::success(&ctx.session, "Profile saved.");
    Ok(w::redirect("/account"))
}

pub async fn change_password(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    if let Some(e) = passwords::policy_error(&form.new_password, &user.user.email) {
        errors.add("new_password", e);
    } else if form.new_password != form.confirm_password {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    let (st, u) = (state.clone(), user.clone());
    let outcome = web::block(move || -> AppResult<Result<usize, FormErrors>> {
        // The current-password check is a guess like a sign-in: counted
        // first (atomically, per account), forgiven when it was right.
        let check = throttle::hit(
            &mut *st.pool.get()?,
            throttle::PASSWORD_CHECK,
            &u.user.id.to_string(),
        )?;
        let right = match st
            .hasher
            .verify(&form.current_password, &u.user.password_hash)
        {
            Ok(right) => right,
            Err(e) => {
                throttle::forgive(&mut *st.pool.get()?, check)?;
                return Err(e);
            }
        };
        if right {
            throttle::forgive(&mut *st.pool.get()?, check)?;
        } else {
            errors.add("current_password", "That is not your current password.");
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let hash = st.hasher.hash(&form.new_password)?;
        Ok(Ok(models::set_password(
            &mut *st.pool.get()?,
            u.user.id,
            hash,
            Some(u.session_id),
            &meta,
        )?))
    })
    .await??;
    match outcome {
        Ok(revoked) => {
            let others = if revoked == 1 {
                "1 other session was".to_string()
            } else {
                format!("{revoked} other sessions were")
            };
            Flash::success(
                &ctx.session,
                format!("Password changed; {others} signed out."),
            );
            Ok(w::redirect("/account"))
        }
        Err(password_errors) => w::invalid(&AccountPage {
            page: ctx.user("Your account", &user.user),
            profile: ProfileForm::of(&user.user),
            profile_errors: FormErrors::default(),
            password_errors,
            timezones: timezones(),
        }),
    }
}

pub async fn list_sessions(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let pool = state.pool.clone();
    let uid = user.user.id;
    let sessions = web::block(move || sessions::list_active(&mut *pool.get()?, uid)).await??;
    w::ok(&SessionsPage {
        page: ctx.user("Your sessions", &user.user),
        sessions,
        current: user.session_id,
    })
}

pub async fn revoke_session(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    path: web::Path<SessionId>,
) -> AppResult<HttpResponse> {
    let target = path.into_inner();
    let pool = state.pool.clone();
    let uid = user.user.id;
    let revoked = web::block(move || -> AppResult<bool> {
        write_tx(&mut *pool.get()?, |c| {
            let done = sessions::revoke(c, uid, target)?;
            if done {
                audit::record(
                    c,
                    NewEvent::global("auth.session_revoke")
                        .actor(uid)
                        .resource("session", target)
                        .meta(&meta),
                )?;
            }
            Ok(done)
        })
    })
    .await??;
    if !revoked {
        return Err(AppError::NotFound);
    }
    if target == user.session_id {
        ctx.session.purge();
        return Ok(w::redirect("/login"));
    }
    Flash::success(&ctx.session, "That session is signed out.");
    Ok(w::redirect("/account/sessions"))
}

pub async fn revoke_other_sessions(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    let pool = state.pool.clone();
    let (uid, keep) = (user.user.id, user.session_id);
    let n = web::block(move || -> AppResult<usize> {
        write_tx(&mut *pool.get()?, |c| {
            let n = sessions::revoke_all(c, uid, Some(keep))?;
            audit::record(
                c,
                NewEvent::global("auth.session_revoke_others")
                    .actor(uid)
                    .resource("user", uid)
                    .meta(&meta)
                    .changes(serde_json::json!({"revoked": n})),
            )?;
            Ok(n)
        })
    })
    .await??;
    Flash::success(&ctx.session, format!("Signed out {n} other session(s)."));
    Ok(w::redirect("/account/sessions"))
}
