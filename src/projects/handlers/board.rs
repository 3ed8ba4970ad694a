//! The kanban board of a project (columns by status, WIP limits, swimlanes
//! by assignee or epic; cards move with buttons, or by drag and drop where
//! JavaScript runs), the calendar of due dates, and "my work" across
//! projects.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{can_edit, page};
use crate::error::AppResult;
use crate::projects::board::{self as board_model, Lane, Lanes};
use crate::projects::calendar::{self, Day};
use crate::projects::models::*;
use crate::projects::project as projects_model;
use crate::projects::task_lists::{self, MyTask, TaskFilter};
use crate::projects::tasks::next_statuses;
use crate::web::{self as w, Ctx, Keyset, Member, PageCtx, SeekParams};

/// The board's query: the list's filters plus `lanes=assignee` or
/// `lanes=epic`.
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
    /// `""`, `assignee` or `epic`.
    split: &'static str,
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
    let split = Lanes::parse(&q.lanes);
    let (m, me) = (member.clone(), member.user_id());
    let (p, lanes) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, id)?;
            let lanes = board_model::board(c, t, &p, me, &q.filter, split)?;
            Ok((p, lanes))
        })
    })
    .await??;
    w::ok(&BoardPage {
        page: page(&ctx, &member, &format!("{} — board", p.name)),
        slug: member.workspace.slug.clone(),
        p,
        lanes,
        split: match split {
            Lanes::One => "",
            Lanes::Assignee => "assignee",
            Lanes::Epic => "epic",
        },
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

/// `?month=2026-12`; anything else is this month.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

/// The first day of `raw` (`YYYY-MM`), or of the month of `today`.
pub fn first_of_month(raw: &str, today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

#[derive(Template)]
#[template(path = "projects/calendar.html")]
struct CalendarPage {
    page: PageCtx,
    slug: String,
    p: Project,
    title: String,
    weeks: Vec<Vec<Day>>,
    more: bool,
    prev: String,
    next: String,
    from: String,
    to: String,
}

pub async fn calendar(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, ProjectId)>,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let first = first_of_month(&q.month, chrono::Utc::now().date_naive());
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let prev = first
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(first);
    let last = next.pred_opt().unwrap_or(first);
    let m = member.clone();
    let (p, (tasks, more)) = web::block(move || {
        m.conn()?.read(|c, t| {
            let p = projects_model::find_live(c, t, id)?;
            let (start, end) = calendar::grid_range(first);
            let due = calendar::due_between(c, t, id, start, end)?;
            Ok((p, due))
        })
    })
    .await??;
    w::ok(&CalendarPage {
        page: page(&ctx, &member, &format!("{} — calendar", p.name)),
        slug: member.workspace.slug.clone(),
        p,
        title: first.format("%B %Y").to_string(),
        weeks: calendar::month_grid(first, tasks),
        more,
        prev: prev.format("%Y-%m").to_string(),
        next: next.format("%Y-%m").to_string(),
        from: first.to_string(),
        to: last.to_string(),
    })
}
