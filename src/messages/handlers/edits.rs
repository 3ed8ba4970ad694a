//! One message: its fragment (what a live "changed" event refetches),
//! editing it, deleting it, and its edit history.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_moderate, page, publish};
use crate::error::AppResult;
use crate::messages::conversations::{self, Room};
use crate::messages::models::*;
use crate::messages::posts;
use crate::messages::reading::{self, MessageRow};
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member, PageCtx};
use crate::AppState;

#[derive(Template)]
#[template(path = "messages/_one.html")]
struct OneFragment {
    page: PageCtx,
    slug: String,
    room: Room,
    r: MessageRow,
}

pub async fn one(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ConversationId, MessageId)>,
) -> AppResult<HttpResponse> {
    let (_, id, mid) = path.into_inner();
    let (m, me, moderate) = (member.clone(), member.user_id(), can_moderate(&member));
    let (room, r) = web::block(move || {
        m.conn()?.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let r = reading::one(c, t, me, &room, mid, moderate)?;
            Ok((room, r))
        })
    })
    .await??;
    w::ok(&OneFragment {
        page: page(&ctx, &member, &room.title.clone()),
        slug: member.workspace.slug.clone(),
        room,
        r,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub body: String,
}

#[derive(Template)]
#[template(path = "messages/edit.html")]
struct EditPage {
    page: PageCtx,
    slug: String,
    room: Room,
    r: MessageRow,
    f: EditForm,
    errors: FormErrors,
}

async fn render_edit(
    ctx: &Ctx,
    member: &Member,
    id: ConversationId,
    mid: MessageId,
    f: Option<EditForm>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (m, me) = (member.clone(), member.user_id());
    let (room, r) = web::block(move || {
        m.conn()?.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let r = reading::one(c, t, me, &room, mid, false)?;
            Ok((room, r))
        })
    })
    .await??;
    if !r.mine || r.deleted() {
        return Err(crate::error::AppError::Forbidden(
            "Only its author can edit a message, and not once it is deleted.".into(),
        ));
    }
    let f = f.unwrap_or_else(|| EditForm {
        body: r.m.body.clone(),
    });
    let refused = !errors.is_empty();
    let body = EditPage {
        page: page(ctx, member, "Edit message"),
        slug: member.workspace.slug.clone(),
        room,
        r,
        f,
        errors,
    };
    w::form_page(&body, refused)
}

pub async fn edit_form(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ConversationId, MessageId)>,
) -> AppResult<HttpResponse> {
    let (_, id, mid) = path.into_inner();
    render_edit(&ctx, &editor, id, mid, None, FormErrors::default()).await
}

/// Where a message lives: its thread's page, or the conversation's.
async fn place(member: &Member, id: ConversationId, mid: MessageId) -> AppResult<String> {
    let m = member.clone();
    let thread = web::block(move || {
        m.conn()?
            .read(|c, t| Ok(reading::find(c, t, id, mid)?.thread_id))
    })
    .await??;
    let slug = &member.workspace.slug;
    Ok(match thread {
        Some(root) => format!("/w/{slug}/messages/{id}/threads/{root}#m-{mid}"),
        None => format!("/w/{slug}/messages/{id}#m-{mid}"),
    })
}

pub async fn save(
    ctx: Ctx,
    editor: Editor,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId, MessageId)>,
    form: web::Form<EditForm>,
) -> AppResult<HttpResponse> {
    let (_, id, mid) = path.into_inner();
    let f = form.into_inner();
    let body = f.body.clone();
    let r = editor
        .write(move |c, t, uid| posts::edit(c, t, uid, id, mid, &body))
        .await?;
    match r {
        Ok(events) => {
            publish(&state, events).await;
            Flash::success(&ctx.session, "Message edited.");
            Ok(w::redirect(&place(&editor, id, mid).await?))
        }
        Err(errors) => render_edit(&ctx, &editor, id, mid, Some(f), errors).await,
    }
}

pub async fn delete(
    ctx: Ctx,
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId, MessageId)>,
) -> AppResult<HttpResponse> {
    let (_, id, mid) = path.into_inner();
    let moderate = can_moderate(&member);
    let deleted = member
        .write(move |c, t, uid| posts::delete(c, t, uid, moderate, id, mid))
        .await?;
    publish(&state, deleted.events).await;
    super::files::forget(&state, member.workspace.id, deleted.orphans).await;
    Flash::success(&ctx.session, "Message deleted.");
    Ok(w::redirect(&place(&member, id, mid).await?))
}

#[derive(Template)]
#[template(path = "messages/history.html")]
struct HistoryPage {
    page: PageCtx,
    slug: String,
    room: Room,
    r: MessageRow,
    edits: Vec<Edit>,
}

pub async fn history(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ConversationId, MessageId)>,
) -> AppResult<HttpResponse> {
    let (_, id, mid) = path.into_inner();
    let (m, me) = (member.clone(), member.user_id());
    let (room, (r, edits)) = web::block(move || {
        m.conn()?.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let h = reading::history(c, t, me, &room, mid)?;
            Ok((room, h))
        })
    })
    .await??;
    w::ok(&HistoryPage {
        page: page(&ctx, &member, "Edit history"),
        slug: member.workspace.slug.clone(),
        room,
        r,
        edits,
    })
}
