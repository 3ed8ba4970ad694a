//! The calendar's read: a project's tasks due in a month, laid out in
//! whole weeks from Monday.

use diesel::prelude::*;

use super::models::*;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::schema::projects_tasks;

/// A month of the calendar shows at most this many tasks.
pub const CALENDAR_CAP: i64 = 1_000;

/// A project's live tasks due from `from` to `to` (inclusive), by due date;
/// at most [`CALENDAR_CAP`], and whether more were left out.
pub fn due_between(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> AppResult<(Vec<Task>, bool)> {
    let mut rows: Vec<Task> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(project))
        .filter(projects_tasks::deleted_at.is_null())
        .filter(projects_tasks::due_date.ge(from))
        .filter(projects_tasks::due_date.le(to))
        .order((projects_tasks::due_date.asc(), projects_tasks::number.asc()))
        .limit(CALENDAR_CAP + 1)
        .select(Task::as_select())
        .load(c)?;
    let more = rows.len() as i64 > CALENDAR_CAP;
    rows.truncate(CALENDAR_CAP as usize);
    Ok((rows, more))
}

/// One day cell of the month grid.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: chrono::NaiveDate,
    /// False for the days of the neighbouring months that fill the weeks.
    pub in_month: bool,
    pub tasks: Vec<Task>,
}

/// The first and last day the month grid of `first`'s month shows (whole
/// weeks, Monday to Sunday).
pub fn grid_range(first: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let weeks = month_grid(first, Vec::new());
    let start = weeks
        .first()
        .and_then(|w| w.first())
        .map_or(first, |d| d.date);
    let end = weeks
        .last()
        .and_then(|w| w.last())
        .map_or(first, |d| d.date);
    (start, end)
}

/// The weeks (Monday first) covering `month`'s first day's month, each day
/// with its tasks.
pub fn month_grid(first: chrono::NaiveDate, tasks: Vec<Task>) -> Vec<Vec<Day>> {
    use chrono::Datelike;
    let start = first - chrono::Duration::days(first.weekday().num_days_from_monday() as i64);
    let mut weeks = Vec::new();
    let mut day = start;
    let mut tasks = tasks.into_iter().peekable();
    loop {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            let mut due = Vec::new();
            while let Some(t) = tasks.next_if(|t| t.due_date.is_some_and(|d| d <= day)) {
                if t.due_date == Some(day) {
                    due.push(t);
                }
            }
            week.push(Day {
                date: day,
                in_month: day.month() == first.month(),
                tasks: due,
            });
            day += chrono::Duration::days(1);
        }
        weeks.push(week);
        if day.month() != first.month() || weeks.len() >= 6 {
            break;
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::month_grid;
    use chrono::NaiveDate;

    #[test]
    fn a_month_grid_is_whole_weeks_from_monday() {
        let first = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default();
        let weeks = month_grid(first, Vec::new());
        assert!(weeks.iter().all(|w| w.len() == 7));
        assert_eq!(
            weeks[0][0].date,
            NaiveDate::from_ymd_opt(2026, 1, 26).unwrap_or_default()
        );
        assert!(
            !weeks[0][0].in_month && weeks[0][6].in_month,
            "Feb 1st 2026 is a Sunday"
        );
        let last = weeks.last().and_then(|w| w.last()).map(|d| d.date);
        assert_eq!(last, NaiveDate::from_ymd_opt(2026, 3, 1));
    }
}
