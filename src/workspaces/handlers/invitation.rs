//! The invitee's side of an invitation: the `/invite/{token}` page and
//! accepting it (signed in as anyone; the token is the key).

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::accounts::{throttle, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, MaybeUser, PageCtx};
use crate::workspaces::invitations::{self, InvitationView};
use crate::workspaces::queries;
use crate::AppState;

#[derive(Template)]
#[template(path = "workspaces/invitation.html")]
struct InvitationPage {
    page: PageCtx,
    inv: InvitationView,
    token: String,
    signed_in_as: Option<String>,
    already_member: bool,
}

fn valid_token_shape(token: &str) -> bool {
    token.len() == 80 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn invitation(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: MaybeUser,
    meta: RequestMeta,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !valid_token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let pool = state.pool.clone();
    let t = token.clone();
    let uid = user.0.as_ref().map(|u| u.user.id);
    let (inv, already_member) = web::block(move || -> AppResult<_> {
        // Links that lead nowhere are counted per client address.
        let inv = throttle::token_lookup(&pool, &meta.ip, || invitations::view(&pool, &t))?;
        let already = match uid {
            Some(uid) => {
                crate::db::TenantConn::open(&pool, &crate::db::TenantScope::verified(inv.tenant))?
                    .read(|c, tenant| match queries::membership_of(c, tenant, uid) {
                    Ok(_) => Ok(true),
                    Err(AppError::NotFound) => Ok(false),
                    Err(e) => Err(e),
                })?
            }
            None => false,
        };
        Ok((inv, already))
    })
    .await??;
    let page = match &user.0 {
        Some(u) => ctx.user("Invitation", &u.user),
        None => ctx.anon("Invitation"),
    };
    let signed_in_as = user.0.map(|u| u.user.email);
    w::ok(&InvitationPage {
        page,
        inv,
        token,
        signed_in_as,
        already_member,
    })
}

pub async fn accept(
    ctx: Ctx,
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !valid_token_shape(&token) {
        return Err(AppError::NotFound);
    }
    let pool = state.pool.clone();
    let (t, u) = (token.clone(), user.clone());
    let result = web::block(move || {
        let ip = meta.ip.clone();
        throttle::token_lookup(&pool, &ip, || invitations::accept(&pool, &t, &u, &meta))
    })
    .await?;
    match result {
        Ok(slug) => {
            Flash::success(&ctx.session, "Welcome to the workspace!");
            Ok(w::redirect(&format!("/w/{slug}/")))
        }
        Err(AppError::Conflict(msg)) => {
            Flash::error(&ctx.session, msg);
            Ok(w::redirect(&format!("/invite/{token}")))
        }
        Err(e) => Err(e),
    }
}
