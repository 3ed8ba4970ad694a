//! Accounts: users, passwords, server-side sessions, login throttling, and the
//! pages to sign up, sign in, sign out and manage one's own account.

pub mod account;
pub mod email_change;
pub mod forms;
pub mod handlers;
pub mod models;
pub mod passwords;
pub mod reset;
pub mod sessions;
pub mod signup;
pub mod throttle;
pub mod two_factor;
pub mod verify;

pub use models::{CurrentUser, NewUser, User, UserId};

use actix_web::web;

/// Largest body the sign-in, sign-up, setup, reset and verify forms accept
/// (413 past it): their fields fit in far less, and nothing an outsider posts
/// there should cost more to read.
pub const SMALL_FORM_LIMIT: usize = 4 * 1024;

fn small_form() -> web::FormConfig {
    web::FormConfig::default()
        .limit(SMALL_FORM_LIMIT)
        .error_handler(|e, _| match e {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                crate::error::AppError::PayloadTooLarge.into()
            }
            other => {
                crate::error::AppError::BadRequest(format!("The form could not be read: {other}"))
                    .into()
            }
        })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    // Forms an outsider can post: small bodies only.
    let small = |path: &str| web::resource(path.to_string()).app_data(small_form());
    cfg.service(
        small("/setup")
            .route(web::get().to(setup_form))
            .route(web::post().to(setup)),
    )
    .service(
        small("/signup")
            .route(web::get().to(signup::signup_form))
            .route(web::post().to(signup::signup)),
    )
    .service(
        small("/login")
            .route(web::get().to(login_form))
            .route(web::post().to(login)),
    )
    .service(
        small("/login/two-factor")
            .route(web::get().to(two_factor::login::form))
            .route(web::post().to(two_factor::login::submit)),
    )
    .service(
        small("/reset/{token}")
            .route(web::get().to(reset::form))
            .route(web::post().to(reset::submit)),
    )
    .service(
        small("/verify/{token}")
            .route(web::get().to(verify::form))
            .route(web::post().to(verify::submit)),
    )
    .route("/logout", web::post().to(logout))
    .route("/account", web::get().to(account::profile))
    .route("/account", web::post().to(account::update_profile))
    .route(
        "/account/password",
        web::post().to(account::change_password),
    )
    .route("/account/email", web::post().to(email_change::submit))
    .route("/account/email/{token}", web::get().to(email_change::form))
    .route(
        "/account/email/{token}",
        web::post().to(email_change::confirm_submit),
    )
    .route("/account/sessions", web::get().to(account::list_sessions))
    .route(
        "/account/sessions/revoke-others",
        web::post().to(account::revoke_other_sessions),
    )
    .route(
        "/account/sessions/{session_id}/revoke",
        web::post().to(account::revoke_session),
    )
    .route("/account/confirm", web::get().to(two_factor::reauth::form))
    .route(
        "/account/confirm",
        web::post().to(two_factor::reauth::submit),
    )
    .route(
        "/account/two-factor",
        web::get().to(two_factor::handlers::page),
    )
    .route(
        "/account/two-factor/start",
        web::post().to(two_factor::handlers::start),
    )
    .route(
        "/account/two-factor/setup",
        web::get().to(two_factor::handlers::setup_form),
    )
    .route(
        "/account/two-factor/setup",
        web::post().to(two_factor::handlers::confirm_setup),
    )
    .route(
        "/account/two-factor/recovery-codes",
        web::post().to(two_factor::handlers::regenerate),
    )
    .route(
        "/account/two-factor/disable",
        web::post().to(two_factor::handlers::disable),
    );
}
