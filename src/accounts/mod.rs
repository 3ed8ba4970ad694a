//! Accounts: users, passwords, server-side sessions, login throttling, and the
//! pages to sign up, sign in, sign out and manage one's own account.

pub mod account;
pub mod forms;
pub mod handlers;
pub mod models;
pub mod passwords;
pub mod reset;
pub mod sessions;
pub mod throttle;

pub use models::{CurrentUser, NewUser, User, UserId};

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("/setup", web::get().to(setup_form))
        .route("/setup", web::post().to(setup))
        .route("/signup", web::get().to(signup_form))
        .route("/signup", web::post().to(signup))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/reset/{token}", web::get().to(reset::form))
        .route("/reset/{token}", web::post().to(reset::submit))
        .route("/account", web::get().to(account::profile))
        .route("/account", web::post().to(account::update_profile))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route("/account/sessions", web::get().to(account::list_sessions))
        .route(
            "/account/sessions/revoke-others",
            web::post().to(account::revoke_other_sessions),
        )
        .route(
            "/account/sessions/{session_id}/revoke",
            web::post().to(account::revoke_session),
        );
}
