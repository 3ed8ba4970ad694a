//! A conversation's own settings: adding people, leaving, muting, renaming.
//! Each is a form post that returns to the conversation with a message.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::publish;
use crate::accounts::UserId;
use crate::error::{AppError, AppResult};
use crate::messages::conversations;
use crate::messages::models::ConversationId;
use crate::web::{self as w, Ctx, Editor, Flash, Member};
use crate::AppState;

fn back(m: &Member, id: ConversationId) -> String {
    format!("/w/{}/messages/{id}", m.workspace.slug)
}

/// Adds the ticked members (repeated `people` fields).
pub async fn add_people(
    ctx: Ctx,
    member: Editor,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let people: Vec<UserId> = pairs
        .iter()
        .filter(|(k, _)| k == "people")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let r = member
        .write(move |c, t, uid| conversations::add_people(c, t, uid, id, &people))
        .await?;
    match r {
        Ok(events) => {
            publish(&state, events).await;
            Flash::success(&ctx.session, "Added to the conversation.");
        }
        Err(errors) => {
            let why = errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default();
            Flash::error(&ctx.session, why);
        }
    }
    Ok(w::redirect(&format!("{}#people", back(&member, id))))
}

pub async fn leave(
    ctx: Ctx,
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let events = member
        .write(move |c, t, uid| conversations::leave(c, t, uid, id))
        .await?;
    publish(&state, events).await;
    Flash::success(&ctx.session, "You left the conversation.");
    Ok(w::redirect(&format!(
        "/w/{}/messages",
        member.workspace.slug
    )))
}

#[derive(Debug, Deserialize)]
pub struct MuteForm {
    #[serde(default)]
    muted: String,
}

pub async fn mute(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ConversationId)>,
    form: web::Form<MuteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let muted = form.muted == "on" || form.muted == "true" || form.muted == "1";
    member
        .write(move |c, t, uid| conversations::set_muted(c, t, uid, id, muted))
        .await?;
    Flash::success(
        &ctx.session,
        if muted {
            "Muted: only mentions will notify you."
        } else {
            "Unmuted."
        },
    );
    Ok(w::redirect(&back(&member, id)))
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    title: String,
}

pub async fn rename(
    ctx: Ctx,
    member: Editor,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId)>,
    form: web::Form<RenameForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let title = form.into_inner().title;
    let r = member
        .write(move |c, t, uid| conversations::rename(c, t, uid, id, &title))
        .await?;
    match r {
        Ok(events) => {
            publish(&state, events).await;
            Flash::success(&ctx.session, "Conversation renamed.");
        }
        Err(errors) => {
            let why = errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default();
            Flash::error(&ctx.session, why);
        }
    }
    Ok(w::redirect(&back(&member, id)))
}
