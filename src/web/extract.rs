//! Extractors that carry privilege in their type: `CurrentUser` → `Member` →
//! `Editor` → `WorkspaceAdmin` → `Owner`, and `Superadmin` for `/admin`.
//! A handler's parameters say what it requires; no handler checks by hand.

use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::accounts::CurrentUser;
use crate::db::{Pool, TenantConn, TenantScope};
use crate::error::AppError;
use crate::workspaces::access::Access;
use crate::workspaces::{Role, Workspace};
use crate::AppState;

/// The cookie-session key holding the session token.
pub const SESSION_KEY: &str = "sid";

/// True for htmx requests (`HX-Request`): render the fragment, not the page.
#[derive(Debug, Clone, Copy)]
pub struct HxRequest(pub bool);

impl FromRequest for HxRequest {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(HxRequest(req.headers().contains_key("hx-request"))))
    }
}

/// Client address and user agent, for sessions, throttles and the audit log.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    pub fn from_req(req: &HttpRequest) -> Self {
        // Always a parsed address (≤ 39 characters), never header text.
        let ip = match (req.peer_addr(), req.app_data::<web::Data<AppState>>()) {
            (Some(peer), Some(s)) => {
                super::proxy::client_ip(&s.config, peer.ip(), req.headers()).to_string()
            }
            (Some(peer), None) => peer.ip().to_canonical().to_string(),
            (None, _) => "unknown".to_string(),
        };
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        RequestMeta { ip, user_agent }
    }
}

impl FromRequest for RequestMeta {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestMeta::from_req(req)))
    }
}

pub(crate) fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("app state missing"))
}

fn next_url(req: &HttpRequest) -> String {
    // After signing in, go back to the page (GET) — for a POST, to the page it came from.
    if req.method() == actix_web::http::Method::GET {
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

/// The answer for a member who asked for a renamed workspace by its old
/// slug: the same URL (path and query) with the new slug. Only a GET or HEAD is
/// redirected; a form posted to the old address is refused rather than replayed.
fn moved(req: &HttpRequest, old_slug: &str, new_slug: &str) -> AppError {
    if !matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        return AppError::NotFound;
    }
    let path = req.uri().path();
    // The scope matched `/w/{slug}`, so the raw path starts with it unless the
    // slug was percent-encoded; then the dashboard is a fine place to land.
    let rest = match path.strip_prefix(&format!("/w/{old_slug}")) {
        Some(r) if r.is_empty() || r.starts_with('/') => r,
        _ => "/",
    };
    let mut to = format!("/w/{new_slug}{rest}");
    if let Some(q) = req.uri().query() {
        to.push('?');
        to.push_str(q);
    }
    AppError::Moved(to)
}

/// Where someone goes who must turn on two-factor sign-in before `req`: the
/// enrolment page, which brings them back afterwards.
fn enrol_first(req: &HttpRequest) -> AppError {
    AppError::SeeOther(format!(
        "/account/two-factor?next={}",
        crate::support::url_encode(&next_url(req))
    ))
}

/// Whether `user` has two-factor sign-in on (one primary-key read; asked only
/// where a workspace or the instance requires it).
async fn has_two_factor(req: &HttpRequest, user: &CurrentUser) -> Result<bool, AppError> {
    let pool = state(req)?.pool.clone();
    let uid = user.user.id;
    web::block(move || crate::accounts::two_factor::is_enabled(&mut *pool.get()?, uid)).await?
}

/// Drops a sign-in that is no longer valid (revoked, expired, disabled) from
/// the cookie, under a new cookie id, but keeps the CSRF token: the page this
/// same request renders (the sign-in form, most often) was given that token
/// by an extractor that ran first, and must still post.
fn forget_user(session: &actix_session::Session) {
    let csrf = super::csrf::token(session);
    session.clear();
    if let Err(e) = session.insert(super::csrf::KEY, &csrf) {
        tracing::warn!(error = %e, "could not keep the csrf token");
    }
    session.renew();
}

/// The signed-in user, or `None`.
pub struct MaybeUser(pub Option<CurrentUser>);

async fn load_user(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    if let Some(u) = req.extensions().get::<CurrentUser>() {
        return Ok(Some(u.clone()));
    }
    let session = req.get_session();
    let Some(token) = session.get::<String>(SESSION_KEY).ok().flatten() else {
        return Ok(None);
    };
    let st = state(req)?;
    let lifetimes = st.lifetimes();
    let pool = st.pool.clone();
    let found = web::block(move || {
        let mut conn = pool.get()?;
        crate::accounts::sessions::authenticate(&mut conn, &token, lifetimes)
    })
    .await??;
    match &found {
        Some(u) => {
            req.extensions_mut().insert(u.clone());
        }
        // Revoked, expired or disabled: the cookie is worthless now.
        None => forget_user(&session),
    }
    Ok(found)
}

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { load_user(&req).await.map(MaybeUser) })
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            load_user(&req)
                .await?
                .ok_or_else(|| AppError::LoginRequired {
                    next: next_url(&req),
                })
        })
    }
}

/// A superadmin; anyone else gets 404 (the admin area does not admit it exists).
#[derive(Clone)]
pub struct Superadmin(pub CurrentUser);

impl Deref for Superadmin {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for Superadmin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = load_user(&req)
                .await?
                .ok_or_else(|| AppError::LoginRequired {
                    next: next_url(&req),
                })?;
            if !user.user.is_superadmin {
                return Err(AppError::NotFound);
            }
            if state(&req)?.settings().superadmin_two_factor && !has_two_factor(&req, &user).await?
            {
                return Err(enrol_first(&req));
            }
            Ok(Superadmin(user))
        })
    }
}

/// A member of the workspace named by `{slug}` in the path, with any role.
/// Not a member, or the workspace is inactive: 404. A member asking for an old
/// slug of the workspace: 301 to its current address.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: CurrentUser,
    pub workspace: Workspace,
    pub role: Role,
    /// Their unread notifications here (the top bar's badge).
    pub unread: i32,
    scope: TenantScope,
    pool: Pool,
    /// The membership check's connection, its tenant transaction still open
    /// (GET and HEAD): the first `conn()` takes it, so the check and the
    /// page's reads share one transaction.
    kept: Arc<Mutex<Option<TenantConn>>>,
}

impl Member {
    /// A connection scoped to this workspace. Blocking: call inside `web::block`.
    pub fn conn(&self) -> Result<TenantConn, AppError> {
        let kept = self.kept.lock().ok().and_then(|mut k| k.take());
        match kept {
            Some(conn) => Ok(conn),
            None => TenantConn::open(&self.pool, &self.scope),
        }
    }

    pub fn scope(&self) -> TenantScope {
        self.scope
    }

    pub fn user_id(&self) -> crate::accounts::UserId {
        self.user.user.id
    }

    /// Runs `f` in a write transaction of this workspace on the blocking pool,
    /// with the acting user's id: the shape of most workspace changes.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(
                &mut crate::db::DbConn,
                crate::db::TenantId,
                crate::accounts::UserId,
            ) -> Result<T, AppError>
            + Send
            + 'static,
    ) -> Result<T, AppError> {
        let m = self.clone();
        web::block(move || {
            let uid = m.user_id();
            m.conn()?.write(|c, t| f(c, t, uid))
        })
        .await?
    }
}

impl FromRequest for Member {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(m) = req.extensions().get::<Member>() {
                return Ok(m.clone());
            }
            let slug = req
                .match_info()
                .get("slug")
                .ok_or(AppError::NotFound)?
                .to_string();
            let login = || AppError::LoginRequired {
                next: next_url(&req),
            };
            let st = state(&req)?;
            let pool = st.pool.clone();
            let asked = slug.clone();
            // Only a request with no body to wait for keeps its transaction
            // open between the check and the handler.
            let keep = matches!(
                *req.method(),
                actix_web::http::Method::GET | actix_web::http::Method::HEAD
            );
            let cached = req.extensions().get::<CurrentUser>().cloned();
            let (user, found, kept) = match cached {
                Some(user) => {
                    if !crate::workspaces::valid_slug(&slug) {
                        return Err(AppError::NotFound);
                    }
                    let (p, uid) = (pool.clone(), user.user.id);
                    let (found, kept) = web::block(move || {
                        crate::workspaces::access::membership(&p, &slug, uid, keep)
                    })
                    .await??;
                    (user, found, kept)
                }
                None => {
                    let session = req.get_session();
                    let token = session
                        .get::<String>(SESSION_KEY)
                        .ok()
                        .flatten()
                        .ok_or_else(login)?;
                    if !crate::workspaces::valid_slug(&slug) {
                        // Still tell a signed-out visitor to sign in, not "not found".
                        load_user(&req).await?.ok_or_else(login)?;
                        return Err(AppError::NotFound);
                    }
                    let (p, lifetimes) = (pool.clone(), st.lifetimes());
                    let (user, found, kept) = web::block(move || {
                        crate::workspaces::access::user_and_membership(
                            &p, &token, lifetimes, &slug, keep,
                        )
                    })
                    .await??;
                    let Some(user) = user else {
                        forget_user(&session);
                        return Err(login());
                    };
                    req.extensions_mut().insert(user.clone());
                    (user, found, kept)
                }
            };
            let (workspace, role, unread) = match found {
                Access::Member(workspace, role, unread) => (workspace, role, unread),
                Access::Moved(current) => return Err(moved(&req, &asked, &current)),
                Access::Denied => return Err(AppError::NotFound),
            };
            // A workspace that requires two-factor sign-in sends members
            // without it to set it up (and back here afterwards).
            if workspace.requires_two_factor() && !has_two_factor(&req, &user).await? {
                return Err(enrol_first(&req));
            }
            let scope = TenantScope::verified(workspace.id);
            let member = Member {
                user,
                workspace,
                role,
                unread,
                scope,
                pool,
                kept: Arc::new(Mutex::new(kept)),
            };
            req.extensions_mut().insert(member.clone());
            Ok(member)
        })
    }
}

macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $min:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Member);

        impl Deref for $name {
            type Target = Member;
            fn deref(&self) -> &Member {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let member = Member::from_request(req, payload);
                Box::pin(async move {
                    let m = member.await?;
                    if m.role.at_least($min) {
                        Ok($name(m))
                    } else {
                        Err(AppError::forbidden())
                    }
                })
            }
        }
    };
}

role_extractor!(
    /// A member who may change content (member, admin, owner — not viewer). Others: 403.
    Editor,
    Role::Member
);
role_extractor!(
    /// A workspace admin or owner. Others: 403.
    WorkspaceAdmin,
    Role::Admin
);
role_extractor!(
    /// The workspace's owner. Others: 403.
    Owner,
    Role::Owner
);
