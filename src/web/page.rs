//! What every page template needs: CSRF token, signed-in user, current
//! workspace, flash messages. Handlers get a [`Ctx`] and turn it into a [`PageCtx`].

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

use super::flash::Flash;
use crate::accounts::User;
use crate::error::AppError;
use crate::workspaces::Role;

/// The user as the navigation shows them.
#[derive(Debug, Clone)]
pub struct UserNav {
    pub name: String,
    pub email: String,
    pub is_superadmin: bool,
}

/// The workspace the page belongs to.
#[derive(Debug, Clone)]
pub struct WsNav {
    pub name: String,
    pub slug: String,
    pub role: Role,
    /// Unread notifications: the badge.
    pub unread: i32,
}

impl WsNav {
    /// The badge's text ("3", "99+").
    pub fn badge(&self) -> String {
        if self.unread > 99 {
            "99+".into()
        } else {
            self.unread.to_string()
        }
    }
}

/// Data for `base.html`.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub title: String,
    pub csrf: String,
    pub user: Option<UserNav>,
    pub workspace: Option<WsNav>,
    pub flashes: Vec<Flash>,
    pub v: &'static str,
}

impl PageCtx {
    /// `hx-headers` value for `<body>`: htmx sends the CSRF token on every request.
    pub fn hx_headers(&self) -> String {
        serde_json::json!({ "X-CSRF-Token": self.csrf }).to_string()
    }

    /// The modules in the workspace navigation.
    pub fn modules(&self) -> &'static [crate::modules::Module] {
        crate::modules::all()
    }

    pub fn is_admin_of_workspace(&self) -> bool {
        self.workspace
            .as_ref()
            .is_some_and(|w| w.role.at_least(Role::Admin))
    }
}

/// Per-request context from the session (no database work).
pub struct Ctx {
    pub session: Session,
    pub csrf: String,
    pub hx: bool,
}

impl Ctx {
    /// A page context for a page with no signed-in user.
    pub fn anon(&self, title: &str) -> PageCtx {
        self.build(title, None, None)
    }

    pub fn user(&self, title: &str, user: &User) -> PageCtx {
        self.build(title, Some(user), None)
    }

    /// A page of the member's workspace.
    pub fn workspace(&self, title: &str, m: &super::Member) -> PageCtx {
        let nav = WsNav {
            name: m.workspace.name.clone(),
            slug: m.workspace.slug.clone(),
            role: m.role,
            unread: m.unread,
        };
        self.build(title, Some(&m.user.user), Some(nav))
    }

    fn build(&self, title: &str, user: Option<&User>, workspace: Option<WsNav>) -> PageCtx {
        PageCtx {
            title: title.to_string(),
            csrf: self.csrf.clone(),
            user: user.map(|u| UserNav {
                name: u.name.clone(),
                email: u.email.clone(),
                is_superadmin: u.is_superadmin,
            }),
            workspace,
            flashes: Flash::take(&self.session),
            v: super::assets::VERSION,
        }
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let csrf = super::csrf::token(&session);
        let hx = req.headers().contains_key("hx-request");
        ready(Ok(Ctx { session, csrf, hx }))
    }
}
