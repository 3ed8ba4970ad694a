//! Team messages (the Campfire/Mattermost model): direct conversations (one
//! per pair of people), groups, and conversations for a team or a project;
//! messages in Markdown with priorities, replies in threads, @mentions that
//! notify, edits with their history, deletes that leave a placeholder,
//! unread counts and read receipts, full-text search, and live updates over
//! server-sent events (`web::live`) with a plain-HTML fallback.
//!
//! Pages live under `/w/{slug}/messages/…`; a conversation exists only for
//! its current participants.

pub mod attachments;
pub mod conversations;
pub mod demo;
pub mod handlers;
pub mod models;
pub mod module;
pub mod notify;
pub mod posts;
pub mod reading;
pub mod search;

pub use module::MODULE;

use actix_web::web;

/// The workspace pages, mounted by the core inside `/w/{slug}/messages`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("", web::get().to(inbox::inbox))
        .route("", web::post().to(inbox::create))
        .route("/", web::get().to(inbox::inbox))
        .route("/new", web::get().to(inbox::new_form))
        .route("/search", web::get().to(inbox::search))
        .route("/direct/{user_id}", web::post().to(inbox::direct))
        .route("/{conversation_id}", web::get().to(room::show))
        .route("/{conversation_id}", web::post().to(room::post))
        .route("/{conversation_id}/since", web::get().to(room::since))
        .route("/{conversation_id}/files", web::post().to(files::upload))
        .route(
            "/{conversation_id}/files/{attachment_id}",
            web::get().to(files::download),
        )
        .route("/{conversation_id}/live", web::get().to(room::live))
        .route(
            "/{conversation_id}/people",
            web::post().to(settings::add_people),
        )
        .route("/{conversation_id}/leave", web::post().to(settings::leave))
        .route("/{conversation_id}/mute", web::post().to(settings::mute))
        .route(
            "/{conversation_id}/rename",
            web::post().to(settings::rename),
        )
        .route(
            "/{conversation_id}/threads/{message_id}",
            web::get().to(room::thread),
        )
        .route(
            "/{conversation_id}/m/{message_id}",
            web::get().to(edits::one),
        )
        .route(
            "/{conversation_id}/m/{message_id}/edit",
            web::get().to(edits::edit_form),
        )
        .route(
            "/{conversation_id}/m/{message_id}/edit",
            web::post().to(edits::save),
        )
        .route(
            "/{conversation_id}/m/{message_id}/delete",
            web::post().to(edits::delete),
        )
        .route(
            "/{conversation_id}/m/{message_id}/history",
            web::get().to(edits::history),
        );
}
