//! A conversation's page: the newest messages with "Load older", what
//! arrived since the page loaded (fetched when a live event says so),
//! posting, a thread's page, and the live event stream itself.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_moderate, can_write, page, publish};
use crate::error::AppResult;
use crate::messages::conversations::{self, Room};
use crate::messages::models::*;
use crate::messages::posts::{self, PostForm};
use crate::messages::reading::{self, MessageRow, Stream};
use crate::projects::project::{people, Person};
use crate::web::{self as w, Ctx, Editor, FormErrors, HxRequest, Member, PageCtx};
use crate::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoomQuery {
    #[serde(default)]
    pub before: String,
}

#[derive(Template)]
#[template(path = "messages/room.html")]
struct RoomPage {
    page: PageCtx,
    slug: String,
    room: Room,
    stream: Stream,
    /// The id the live tail fetches after.
    newest: String,
    f: PostForm,
    errors: FormErrors,
    can_write: bool,
    priorities: &'static [MessagePriority],
    /// Members who can be added (not in it now).
    room_choices: Vec<Person>,
}

#[derive(Template)]
#[template(path = "messages/_older.html")]
struct OlderFragment {
    page: PageCtx,
    slug: String,
    room: Room,
    stream: Stream,
}

#[derive(Template)]
#[template(path = "messages/_post_form.html")]
struct FormFragment {
    page: PageCtx,
    slug: String,
    room: Room,
    f: PostForm,
    errors: FormErrors,
    priorities: &'static [MessagePriority],
}

/// The id a live tail starts after: the newest shown, or (none shown) the
/// nil id, which every message sorts after.
fn newest_of(rows: &[MessageRow]) -> String {
    rows.last()
        .map(|r| r.m.id.to_string())
        .unwrap_or_else(|| uuid::Uuid::nil().to_string())
}

/// The conversation's page with a refused upload's message beside its form.
pub async fn render_refused(
    ctx: &Ctx,
    member: &Member,
    id: ConversationId,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_room_as(
        ctx,
        member,
        false,
        id,
        None,
        PostForm::default(),
        errors,
        Some(status),
    )
    .await
}

async fn render_room(
    ctx: &Ctx,
    member: &Member,
    hx: bool,
    id: ConversationId,
    before: Option<MessageId>,
    f: PostForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    render_room_as(ctx, member, hx, id, before, f, errors, None).await
}

#[allow(clippy::too_many_arguments)]
async fn render_room_as(
    ctx: &Ctx,
    member: &Member,
    hx: bool,
    id: ConversationId,
    before: Option<MessageId>,
    f: PostForm,
    errors: FormErrors,
    status: Option<StatusCode>,
) -> AppResult<HttpResponse> {
    let (m, me, moderate) = (member.clone(), member.user_id(), can_moderate(member));
    let (room, stream, room_choices) = web::block(move || {
        let mut conn = m.conn()?;
        let read = conn.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let stream = reading::stream(c, t, me, &room, before, moderate)?;
            let mut choices = Vec::new();
            if before.is_none() && room.is_open() {
                choices = people(c, t)?;
                choices.retain(|p| !room.people.iter().any(|q| q.id == p.id));
            }
            Ok((room, stream, choices))
        })?;
        if before.is_none() && posts::unseen(&read.0) {
            conn.write(|c, t| posts::mark_read(c, t, me, &read.0))?;
        }
        Ok::<_, crate::error::AppError>(read)
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let title = room.title.clone();
    if hx && before.is_some() {
        return w::ok(&OlderFragment {
            page: page(ctx, member, &title),
            slug,
            room,
            stream,
        });
    }
    let refused = !errors.is_empty();
    let body = RoomPage {
        page: page(ctx, member, &title),
        slug,
        newest: newest_of(&stream.rows),
        room,
        stream,
        f,
        errors,
        can_write: can_write(member),
        priorities: MessagePriority::ALL,
        room_choices,
    };
    match status {
        Some(status) => w::html(status, &body),
        None => w::form_page(&body, refused),
    }
}

pub async fn show(
    ctx: Ctx,
    hx: HxRequest,
    member: Member,
    path: web::Path<(String, ConversationId)>,
    q: web::Query<RoomQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let before = q.before.parse().ok();
    render_room(
        &ctx,
        &member,
        hx.0,
        id,
        before,
        PostForm::default(),
        FormErrors::default(),
    )
    .await
}

/// Posts a message (or a reply). With htmx: 204 and an `atrium:posted`
/// trigger (the live tail then shows it); without: back to the page.
pub async fn post(
    ctx: Ctx,
    hx: HxRequest,
    editor: Editor,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId)>,
    form: web::Form<PostForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| posts::post(c, t, uid, id, &g))
        .await?;
    let slug = editor.workspace.slug.clone();
    match r {
        Ok((mid, events)) => {
            publish(&state, events).await;
            if hx.0 {
                return Ok(HttpResponse::NoContent()
                    .insert_header(("HX-Trigger", "atrium:posted"))
                    .finish());
            }
            let to = match f.reply_to.parse::<MessageId>() {
                Ok(_) => {
                    let (m, me) = (editor.clone(), editor.user_id());
                    let root = web::block(move || {
                        m.conn()?.read(|c, t| {
                            conversations::find(c, t, me, id)?;
                            Ok(reading::find(c, t, id, mid)?.thread_id)
                        })
                    })
                    .await??;
                    match root {
                        Some(root) => format!("/w/{slug}/messages/{id}/threads/{root}#m-{mid}"),
                        None => format!("/w/{slug}/messages/{id}#m-{mid}"),
                    }
                }
                Err(_) => format!("/w/{slug}/messages/{id}#m-{mid}"),
            };
            Ok(w::redirect(&to))
        }
        Err(errors) if hx.0 => {
            let (m, me) = (editor.clone(), editor.user_id());
            let room = web::block(move || m.conn()?.read(|c, t| conversations::room(c, t, me, id)))
                .await??;
            w::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormFragment {
                    page: page(&ctx, &editor, &room.title.clone()),
                    slug,
                    room,
                    f,
                    errors,
                    priorities: MessagePriority::ALL,
                },
            )
        }
        Err(errors) => match f.reply_to.parse::<MessageId>() {
            Ok(parent) if errors.get("reply_to").is_none() => {
                let at = ThreadAt {
                    of: parent,
                    answer: Some(parent),
                    after: None,
                };
                render_thread(&ctx, &editor, id, at, f, errors).await
            }
            _ => render_room(&ctx, &editor, false, id, None, f, errors).await,
        },
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SinceQuery {
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub thread: String,
}

#[derive(Template)]
#[template(path = "messages/_since.html")]
struct SinceFragment {
    page: PageCtx,
    slug: String,
    room: Room,
    rows: Vec<MessageRow>,
    more: bool,
    reload: String,
}

/// Everything after `after` in the main stream (or a thread): the live
/// tail's content, which replaces itself whole, so fetching twice is
/// harmless. Seeing it marks the conversation read.
pub async fn since(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ConversationId)>,
    q: web::Query<SinceQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let after: MessageId = q
        .after
        .parse()
        .unwrap_or(MessageId(crate::db::Id(uuid::Uuid::nil())));
    let thread: Option<MessageId> = q.thread.parse().ok();
    let (m, me, moderate) = (member.clone(), member.user_id(), can_moderate(&member));
    let (room, (rows, more)) = web::block(move || {
        let mut conn = m.conn()?;
        let read = conn.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let found = reading::since(c, t, me, &room, after, thread, moderate)?;
            Ok((room, found))
        })?;
        if posts::unseen(&read.0) {
            conn.write(|c, t| posts::mark_read(c, t, me, &read.0))?;
        }
        Ok::<_, crate::error::AppError>(read)
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let reload = match thread {
        Some(root) => format!("/w/{slug}/messages/{id}/threads/{root}"),
        None => format!("/w/{slug}/messages/{id}"),
    };
    w::ok(&SinceFragment {
        page: page(&ctx, &member, &room.title.clone()),
        slug,
        room,
        rows,
        more,
        reload,
    })
}

/// The live event stream of a conversation (server-sent events), for its
/// participants only. The membership check's connection goes back to the
/// pool before the stream starts: an open stream holds no connection.
pub async fn live(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, ConversationId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let (m, me) = (member.clone(), member.user_id());
    web::block(move || {
        m.conn()?
            .read(|c, t| conversations::find(c, t, me, id).map(|_| ()))
    })
    .await??;
    let rx = state.live.subscribe();
    let hub = state.live.clone();
    if !web::block(move || hub.wait_listening(std::time::Duration::from_secs(3))).await? {
        tracing::warn!("live events: the listener is not listening yet");
    }
    let body =
        crate::web::live::event_stream(rx, member.workspace.id, id.0 .0, format!("gone-{me}"));
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ThreadQuery {
    #[serde(default)]
    pub reply_to: String,
    /// The reply a page of the thread starts after.
    #[serde(default)]
    pub after: String,
}

#[derive(Template)]
#[template(path = "messages/thread.html")]
struct ThreadPage {
    page: PageCtx,
    slug: String,
    room: Room,
    head: MessageRow,
    replies: Vec<MessageRow>,
    more: bool,
    /// Whether this page starts after the first replies.
    paged: bool,
    newest: String,
    /// The reply being answered, when it is not the thread's first message.
    answering: Option<MessageRow>,
    f: PostForm,
    errors: FormErrors,
    can_write: bool,
    priorities: &'static [MessagePriority],
}

/// Which page of which thread: the thread of `of` (its first message or any
/// reply), its replies after `after`, the form answering `answer` when that
/// is one of them.
struct ThreadAt {
    of: MessageId,
    answer: Option<MessageId>,
    after: Option<MessageId>,
}

async fn render_thread(
    ctx: &Ctx,
    member: &Member,
    id: ConversationId,
    at: ThreadAt,
    mut f: PostForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let ThreadAt { of, answer, after } = at;
    let (m, me, moderate) = (member.clone(), member.user_id(), can_moderate(member));
    let (room, head, replies, more, answering) = web::block(move || {
        let mut conn = m.conn()?;
        let read = conn.read(|c, t| {
            let room = conversations::room(c, t, me, id)?;
            let target = reading::find(c, t, id, of)?;
            let root = target.thread_id.unwrap_or(target.id);
            let (head, replies, more) = reading::thread(c, t, me, &room, root, after, moderate)?;
            let answering = answer
                .and_then(|a| replies.iter().find(|r| r.m.id == a))
                .filter(|r| !r.deleted())
                .cloned();
            Ok((room, head, replies, more, answering))
        })?;
        if posts::unseen(&read.0) {
            conn.write(|c, t| posts::mark_read(c, t, me, &read.0))?;
        }
        Ok::<_, crate::error::AppError>(read)
    })
    .await??;
    f.reply_to = answering
        .as_ref()
        .map_or_else(|| head.m.id.to_string(), |a| a.m.id.to_string());
    let refused = !errors.is_empty();
    let newest = replies
        .last()
        .map_or_else(|| head.m.id.to_string(), |r| r.m.id.to_string());
    let body = ThreadPage {
        page: page(ctx, member, &format!("Thread in {}", room.title)),
        slug: member.workspace.slug.clone(),
        room,
        head,
        replies,
        more,
        paged: after.is_some(),
        newest,
        answering,
        f,
        errors,
        can_write: can_write(member),
        priorities: MessagePriority::ALL,
    };
    w::form_page(&body, refused)
}

pub async fn thread(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ConversationId, MessageId)>,
    q: web::Query<ThreadQuery>,
) -> AppResult<HttpResponse> {
    let (_, id, root) = path.into_inner();
    let at = ThreadAt {
        of: root,
        answer: q.reply_to.parse().ok(),
        after: q.after.parse().ok(),
    };
    render_thread(
        &ctx,
        &member,
        id,
        at,
        PostForm::default(),
        FormErrors::default(),
    )
    .await
}
