//! The inbox (a person's conversations), starting a conversation, opening a
//! direct one, and search.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::page;
use crate::accounts::UserId;
use crate::error::{AppError, AppResult};
use crate::messages::conversations::choices::{choices, Choices};
use crate::messages::conversations::{self, InboxRow, NewForm};
use crate::messages::search::{self, Results, SearchQuery};
use crate::web::{
    self as w, Ctx, Editor, FormErrors, HxRequest, Keyset, Member, PageCtx, SeekParams,
};

#[derive(Template)]
#[template(path = "messages/inbox.html")]
struct InboxPage {
    page: PageCtx,
    slug: String,
    rows: Keyset<InboxRow>,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "messages/_inbox.html")]
struct InboxFragment {
    slug: String,
    rows: Keyset<InboxRow>,
}

pub async fn inbox(
    ctx: Ctx,
    hx: HxRequest,
    member: Member,
    q: web::Query<SeekParams>,
) -> AppResult<HttpResponse> {
    let (m, me, q) = (member.clone(), member.user_id(), q.into_inner());
    let rows =
        web::block(move || m.conn()?.read(|c, t| conversations::inbox(c, t, me, &q))).await??;
    let slug = member.workspace.slug.clone();
    if hx.0 {
        return w::ok(&InboxFragment { slug, rows });
    }
    w::ok(&InboxPage {
        page: page(&ctx, &member, "Messages"),
        slug,
        rows,
        can_write: super::can_write(&member),
    })
}

#[derive(Template)]
#[template(path = "messages/new.html")]
struct NewPage {
    page: PageCtx,
    slug: String,
    f: NewForm,
    choices: Choices,
    errors: FormErrors,
    me: UserId,
}

impl NewPage {
    fn picked(&self, id: &UserId) -> bool {
        self.f.people.contains(id)
    }
}

async fn render_new(
    ctx: &Ctx,
    member: &Member,
    f: NewForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let choices = web::block(move || m.conn()?.read(choices)).await??;
    let refused = !errors.is_empty();
    let body = NewPage {
        page: page(ctx, member, "New conversation"),
        slug: member.workspace.slug.clone(),
        f,
        choices,
        errors,
        me: member.user_id(),
    };
    w::form_page(&body, refused)
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    kind: String,
}

pub async fn new_form(
    ctx: Ctx,
    editor: Editor,
    q: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let f = NewForm {
        kind: if q.kind.is_empty() {
            "group".into()
        } else {
            q.kind.clone()
        },
        ..Default::default()
    };
    render_new(&ctx, &editor, f, FormErrors::default()).await
}

/// Reads the form, gathering the repeated `people` fields.
fn read_new_form(body: &[u8]) -> AppResult<NewForm> {
    let bad = || AppError::BadRequest("The form could not be read.".into());
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| bad())?;
    let mut f = NewForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v,
            "title" => f.title = v,
            "team_id" => f.team_id = v,
            "project_id" => f.project_id = v,
            "people" => {
                if let Ok(id) = v.parse() {
                    f.people.push(id);
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

pub async fn create(ctx: Ctx, editor: Editor, body: web::Bytes) -> AppResult<HttpResponse> {
    let f = read_new_form(&body)?;
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| conversations::create(c, t, uid, &g))
        .await?;
    match r {
        Ok(id) => Ok(w::redirect(&format!(
            "/w/{}/messages/{id}",
            editor.workspace.slug
        ))),
        Err(errors) => render_new(&ctx, &editor, f, errors).await,
    }
}

/// Opens (or starts) the direct conversation with a member.
pub async fn direct(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, UserId)>,
) -> AppResult<HttpResponse> {
    let with = path.into_inner().1;
    let r = editor
        .write(move |c, t, uid| conversations::open_direct(c, t, uid, with))
        .await?;
    match r {
        Ok(id) => Ok(w::redirect(&format!(
            "/w/{}/messages/{id}",
            editor.workspace.slug
        ))),
        Err(errors) => {
            let f = NewForm {
                kind: "direct".into(),
                people: vec![with],
                ..Default::default()
            };
            render_new(&ctx, &editor, f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "messages/search.html")]
struct SearchPage {
    page: PageCtx,
    slug: String,
    q: SearchQuery,
    results: Results,
    too_long: bool,
}

impl SearchPage {
    fn next_href(&self) -> String {
        self.results
            .next
            .map(|n| format!("?q={}&after={n}", crate::support::url_encode(&self.q.q)))
            .unwrap_or_default()
    }
}

pub async fn search(
    ctx: Ctx,
    member: Member,
    q: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let too_long = q.q.chars().count() > search::MAX_QUERY;
    let (m, me, sq) = (member.clone(), member.user_id(), q.clone());
    let results =
        web::block(move || m.conn()?.read(|c, t| search::search(c, t, me, &sq))).await??;
    w::ok(&SearchPage {
        page: page(&ctx, &member, "Search messages"),
        slug: member.workspace.slug.clone(),
        q,
        results,
        too_long,
    })
}
