//! The notification centre's pages: the list (all or unread, keyset pages,
//! htmx swaps the list only), opening a notice, marking read, and the
//! person's preferences. Every member reaches their own notices only.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::centre::{self, ListQuery, Row};
use super::prefs::{self, PrefLine};
use super::NotificationId;
use crate::error::AppResult;
use crate::web::{self as w, Ctx, Flash, FormErrors, HxRequest, Keyset, Member, PageCtx};

/// Mounted at `/w/{slug}/notifications`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("/", web::get().to(list))
        .route("/read-all", web::post().to(read_all))
        .route("/preferences", web::get().to(preferences))
        .route("/preferences", web::post().to(save_preferences))
        .route("/{notification_id}/open", web::post().to(open))
        .route("/{notification_id}/read", web::post().to(read));
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    page: PageCtx,
    slug: String,
    q: ListQuery,
    rows: Keyset<Row>,
}

#[derive(Template)]
#[template(path = "notifications/_list.html")]
struct ListFragment {
    page: PageCtx,
    slug: String,
    q: ListQuery,
    rows: Keyset<Row>,
}

#[derive(Template)]
#[template(path = "notifications/preferences.html")]
struct PrefsPage {
    page: PageCtx,
    slug: String,
    lines: Vec<PrefLine>,
    errors: FormErrors,
}

/// `GET …/notifications`: the member's notices, newest first.
pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let (m, query) = (member.clone(), q.clone());
    let rows = web::block(move || {
        let me = m.user_id();
        m.conn()?.read(|c, t| centre::page(c, t, me, &query))
    })
    .await??;
    let slug = member.workspace.slug.clone();
    let page = ctx.workspace("Notifications", &member);
    if hx.0 {
        return w::ok(&ListFragment {
            page,
            slug,
            q,
            rows,
        });
    }
    w::ok(&ListPage {
        page,
        slug,
        q,
        rows,
    })
}

/// Where a form on the list sends the member back to (`show` kept).
#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    #[serde(default)]
    pub show: String,
}

fn back_to_list(slug: &str, back: &BackForm) -> HttpResponse {
    if back.show == "unread" {
        w::redirect(&format!("/w/{slug}/notifications?show=unread"))
    } else {
        w::redirect(&format!("/w/{slug}/notifications"))
    }
}

/// `POST …/{id}/open`: marks the notice read and follows its link.
pub async fn open(
    member: Member,
    path: web::Path<(String, NotificationId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let n = member
        .write(move |c, t, me| centre::mark_read(c, t, me, id))
        .await?;
    Ok(w::redirect(&centre::target(&member.workspace.slug, &n)))
}

/// `POST …/{id}/read`: marks one notice read, back to the list.
pub async fn read(
    member: Member,
    path: web::Path<(String, NotificationId)>,
    form: web::Form<BackForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    member
        .write(move |c, t, me| centre::mark_read(c, t, me, id))
        .await?;
    Ok(back_to_list(&member.workspace.slug, &form))
}

/// `POST …/read-all`.
pub async fn read_all(
    ctx: Ctx,
    member: Member,
    form: web::Form<BackForm>,
) -> AppResult<HttpResponse> {
    let n = member.write(centre::mark_all_read).await?;
    Flash::success(
        &ctx.session,
        match n {
            0 => "Nothing was unread.".to_string(),
            1 => "1 notification marked read.".to_string(),
            n => format!("{n} notifications marked read."),
        },
    );
    Ok(back_to_list(&member.workspace.slug, &form))
}

/// `GET …/preferences`.
pub async fn preferences(ctx: Ctx, member: Member) -> AppResult<HttpResponse> {
    let m = member.clone();
    let lines = web::block(move || {
        let me = m.user_id();
        m.conn()?.read(|c, _| prefs::lines(c, me))
    })
    .await??;
    w::ok(&PrefsPage {
        page: ctx.workspace("Notification preferences", &member),
        slug: member.workspace.slug.clone(),
        lines,
        errors: FormErrors::default(),
    })
}

/// `POST …/preferences`: every kind at once; a refused choice shows the
/// form again with what was posted and a message beside it.
pub async fn save_preferences(
    ctx: Ctx,
    member: Member,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let posted = form.into_inner();
    let slug = member.workspace.slug.clone();
    match prefs::parse(&posted) {
        Ok(choices) => {
            member
                .write(move |c, _, me| prefs::save(c, me, &choices))
                .await?;
            Flash::success(&ctx.session, "Notification preferences saved.");
            Ok(w::redirect(&format!("/w/{slug}/notifications/preferences")))
        }
        Err(errors) => {
            let lines = prefs::lines_from_form(&posted);
            w::invalid(&PrefsPage {
                page: ctx.workspace("Notification preferences", &member),
                slug,
                lines,
                errors,
            })
        }
    }
}
