//! The kanban board of a project (columns by status, WIP limits, swimlanes
//! by assignee; cards move with buttons, or by drag and drop where
//! JavaScript runs) and "my work" across projects.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_edit, page};
use crate::error::AppResult;
use crate::projects::models::*;
use crate::projects::project as projects_model;
use crate::projects::task_lists::{self, Lane, MyTask, TaskFilter};
use crate::projects::tasks::next_statuses;
use crate::web::{self as w, Ctx, Keyset, Member, PageCtx, SeekParams};

/// The board's query: the list's filters plus `lanes=assignee`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    pub lanes: String,
    #[serde(flatten)]
    pub filter: TaskFilter,
}

#[derive(Template)]
#[template(path = "projects/board.html")]
struct BoardPage {
    page: PageCtx,
    slug: String,
    p: Project,
    lanes: Vec<Lane>,
    by_assignee: bool,
    can_edit: bool,
}

impl BoardPage {
    /// The buttons a card shows: the moves its status allows.
    fn moves(&self, s: &TaskStatus) -> Vec<TaskStatus> {
        next_statuses(*s)
    }
}

pub async fn board(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let q = q.into_inner();
    let by_assignee = q.lanes == "assignee";
    let (m, me) = (member.clone(), member.user_id());
    let (p, lanes) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, id)?;
            let lanes = task_lists::board(c, t, &p, me, &q.filter, by_assignee)?;
            Ok((p, lanes))
        })
    })
    .await??;
    w::ok(&BoardPage {
        page: page(&ctx, &member, &format!("{} — board", p.name)),
        slug: member.workspace.slug.clone(),
        p,
        lanes,
        by_assignee,
        can_edit: can_edit(&member),
    })
}

#[derive(Template)]
#[template(path = "projects/my_work.html")]
struct MyWorkPage {
    page: PageCtx,
    slug: String,
    k: Keyset<MyTask>,
}

pub async fn my_work(
    ctx: Ctx,
    member: Member,
    q: web::Query<SeekParams>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let (m, me) = (member.clone(), member.user_id());
    let k = web::block(move || {
        m.conn()?
            .read(|c, t| task_lists::my_work(c, t, me, &q.after, &q.before, 50))
    })
    .await??;
    w::ok(&MyWorkPage {
        page: page(&ctx, &member, "My work"),
        slug: member.workspace.slug.clone(),
        k,
    })
}
