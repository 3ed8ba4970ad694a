//! Two starts at the same instant: another transaction starts a timer (or a
//! sprint) and stays open while the app starts one too. On PostgreSQL the
//! app's write waits on the key and answers with a message (409), never a 500
//! or a second running timer or active sprint; on SQLite the write lock makes
//! the app wait and it then sees the other start.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::projects::{last_segment, workspace};
use atrium::db::{Backend, UtcTime};
use atrium::projects::models::*;
use atrium::schema::{projects_sprints, projects_time_entries};

#[actix_web::test]
async fn a_timer_started_twice_at_once_runs_once() {
    let mut w = workspace().await;
    let p = w.new_project("Racing", &[]).await;
    let task = w.new_task(&p, "Time me", &[]).await;
    let ann = w.app.user_id("ann@example.com");
    let task_id: TaskId = task.parse().expect("task id");
    let blocker = w.app.hold(&w.slug, move |c, t| {
        let now = UtcTime::now();
        Ok(diesel::insert_into(projects_time_entries::table)
            .values(TimeEntry {
                tenant_id: t,
                id: TimeEntryId::new(),
                task_id,
                user_id: ann,
                started_at: now,
                ended_at: None,
                minutes: None,
                note: String::new(),
                created_at: now,
            })
            .execute(c)?)
    });
    let url = format!("{}/{p}/tasks/{task}/timer/start", w.base());
    let r = w.ann.post(&url, &[]).await;
    blocker.join().expect("blocker");
    match w.app.backend() {
        Backend::Postgres => {
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
            assert!(r.contains("started at the same moment"), "{}", r.body);
        }
        Backend::Sqlite => assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body),
    }
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_time_entries WHERE ended_at IS NULL"),
        1,
        "one running timer"
    );
}

#[actix_web::test]
async fn two_sprints_started_at_once_leave_one_active() {
    let mut w = workspace().await;
    let p = w.new_project("Racing", &[]).await;
    let url = format!("{}/{p}/sprints", w.base());
    let mut ids = Vec::new();
    for (name, start, end) in [
        ("S1", "2026-03-01", "2026-03-14"),
        ("S2", "2026-03-15", "2026-03-28"),
    ] {
        let r = w
            .ann
            .post(
                &url,
                &[
                    ("name", name),
                    ("start_date", start),
                    ("end_date", end),
                    ("goal", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        ids.push(last_segment(&r.location()));
    }
    let first: SprintId = ids[0].parse().expect("sprint id");
    let blocker = w.app.hold(&w.slug, move |c, t| {
        Ok(diesel::update(
            projects_sprints::table
                .filter(projects_sprints::tenant_id.eq(t))
                .filter(projects_sprints::id.eq(first)),
        )
        .set(projects_sprints::status.eq(SprintStatus::Active))
        .execute(c)?)
    });
    let r = w.ann.post(&format!("{url}/{}/start", ids[1]), &[]).await;
    blocker.join().expect("blocker");
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_sprints WHERE status = 'active'"),
        1
    );
    // The same sprint started twice: the second is told, and audited once.
    let r = w.ann.post(&format!("{url}/{}/start", ids[0]), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.contains("Only a planned sprint can start"), "{}", r.body);
}
