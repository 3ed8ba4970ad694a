//! The kanban board's read: a column per status (each capped, with its
//! count and WIP limit), split into swimlanes by assignee or by epic.

use diesel::prelude::*;

use super::models::*;
use super::project;
use super::task_lists::{scoped, with_names, TaskFilter, TaskRow};
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::schema::projects_tasks;
use crate::web::pagination::{Count, COUNT_CAP};

/// Cards a board column shows; the rest are a link to the filtered list.
pub const COLUMN_CARDS: i64 = 50;

/// One column of the board.
#[derive(Debug, Clone)]
pub struct Column {
    pub status: TaskStatus,
    pub cards: Vec<TaskRow>,
    /// How many tasks the column holds (stops past [`COUNT_CAP`]).
    pub count: Count,
    pub wip: Option<i64>,
}

impl Column {
    /// More tasks in the column than its WIP limit allows.
    pub fn over_limit(&self) -> bool {
        match (self.wip, self.count) {
            (Some(w), Count::Exact(n)) => n > w,
            (Some(_), Count::Over(_)) => true,
            _ => false,
        }
    }

    pub fn more(&self) -> bool {
        match self.count {
            Count::Exact(n) => n > self.cards.len() as i64,
            Count::Over(_) => true,
        }
    }
}

/// A swimlane: the columns for one assignee (or everyone).
#[derive(Debug, Clone)]
pub struct Lane {
    pub title: String,
    pub columns: Vec<Column>,
}

/// How the board splits its cards into swimlanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    One,
    /// One lane per assignee of the shown cards.
    Assignee,
    /// One lane per epic the shown cards belong to (the nearest epic above
    /// them, or the card itself when it is one), and "No epic".
    Epic,
}

impl Lanes {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "assignee" => Lanes::Assignee,
            "epic" => Lanes::Epic,
            _ => Lanes::One,
        }
    }
}

/// The board: one lane, or swimlanes by assignee or by epic, for the shown
/// cards. Filters apply as on the list.
pub fn board(
    c: &mut DbConn,
    t: TenantId,
    project: &Project,
    me: UserId,
    f: &TaskFilter,
    lanes: Lanes,
) -> AppResult<Vec<Lane>> {
    let mut columns = Vec::with_capacity(TaskStatus::BOARD.len());
    for status in TaskStatus::BOARD {
        let cards: Vec<Task> = scoped(t, project.id, me, f)
            .filter(projects_tasks::status.eq(status))
            .order(projects_tasks::number.asc())
            .limit(COLUMN_CARDS)
            .select(Task::as_select())
            .load(c)?;
        let n = if (cards.len() as i64) < COLUMN_CARDS {
            cards.len() as i64
        } else {
            let seen: Vec<TaskId> = scoped(t, project.id, me, f)
                .filter(projects_tasks::status.eq(status))
                .order(projects_tasks::number.asc())
                .select(projects_tasks::id)
                .limit(COUNT_CAP + 1)
                .load(c)?;
            seen.len() as i64
        };
        columns.push(Column {
            status,
            cards: with_names(c, cards)?,
            count: Count::from_capped(n),
            wip: project::wip_limit(project, status),
        });
    }
    // Each card's lane: its key (sorted) and title.
    let lane_of: std::collections::HashMap<TaskId, (String, String)> = match lanes {
        Lanes::One => {
            return Ok(vec![Lane {
                title: String::new(),
                columns,
            }])
        }
        Lanes::Assignee => columns
            .iter()
            .flat_map(|col| col.cards.iter())
            .map(|r| {
                let who = r.assignee.clone();
                let key = who.clone().unwrap_or_else(|| "\u{10FFFF}".into());
                (r.task.id, (key, who.unwrap_or_else(|| "Unassigned".into())))
            })
            .collect(),
        Lanes::Epic => {
            let cards: Vec<&Task> = columns
                .iter()
                .flat_map(|col| col.cards.iter().map(|r| &r.task))
                .collect();
            let epics = epics_of(c, t, &cards)?;
            cards
                .iter()
                .map(|task| {
                    let lane = match epics.get(&task.id) {
                        Some(e) => (
                            format!("{:012}", e.number),
                            format!("{}-{} {}", project.key, e.number, e.title),
                        ),
                        None => ("\u{10FFFF}".into(), "No epic".into()),
                    };
                    (task.id, lane)
                })
                .collect()
        }
    };
    let mut keys: Vec<&(String, String)> = lane_of.values().collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .map(|lane| Lane {
            title: lane.1.clone(),
            columns: columns
                .iter()
                .map(|col| {
                    let cards: Vec<TaskRow> = col
                        .cards
                        .iter()
                        .filter(|r| lane_of.get(&r.task.id) == Some(lane))
                        .cloned()
                        .collect();
                    Column {
                        status: col.status,
                        count: Count::Exact(cards.len() as i64),
                        cards,
                        wip: col.wip,
                    }
                })
                .collect(),
        })
        .collect())
}

/// The nearest epic at or above each card (cards under no epic are left
/// out): at most two queries, one per level above (subtasks go three deep).
fn epics_of(
    c: &mut DbConn,
    t: TenantId,
    cards: &[&Task],
) -> AppResult<std::collections::HashMap<TaskId, Task>> {
    let mut known: std::collections::HashMap<TaskId, Task> =
        cards.iter().map(|k| (k.id, (*k).clone())).collect();
    let mut wanted: Vec<TaskId> = cards.iter().filter_map(|k| k.parent_id).collect();
    for _ in 1..super::tasks::MAX_DEPTH {
        wanted.retain(|id| !known.contains_key(id));
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let found: Vec<Task> = projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::id.eq_any(&wanted))
            .select(Task::as_select())
            .load(c)?;
        wanted = found.iter().filter_map(|k| k.parent_id).collect();
        known.extend(found.into_iter().map(|k| (k.id, k)));
    }
    let mut out = std::collections::HashMap::new();
    for card in cards {
        let mut at = Some(card.id);
        while let Some(task) = at.and_then(|id| known.get(&id)) {
            if task.kind == TaskKind::Epic {
                out.insert(card.id, task.clone());
                break;
            }
            at = task.parent_id;
        }
    }
    Ok(out)
}
