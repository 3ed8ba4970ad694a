//! Planning a project: the list's filters and keyset pages, bulk changes,
//! the board (columns, WIP limits, swimlanes, moves), sprints (no overlap,
//! even between two writers at once; completion carries work over; the
//! burndown), milestone progress, time tracking and its CSV, my work.

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use atrium::projects::models::*;

#[actix_web::test]
async fn the_task_list_filters_and_pages_by_keyset_with_a_count() {
    let mut w = workspace().await;
    let p = w.new_project("Big list", &[]).await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    for i in 1..=55 {
        let extra: Vec<(&str, &str)> = if i % 5 == 0 {
            vec![("assignee_id", bob_id.as_str()), ("tags", "perf")]
        } else {
            vec![]
        };
        w.new_task(&p, &format!("Task number {i}"), &extra).await;
    }
    let url = format!("{}/{p}/tasks", w.base());
    let first = w.ann.get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.contains("55 in all"), "a count on the page");
    assert!(first.contains("Task number 55") && !first.contains("Task number 5<"));
    let next = first.next_link().expect("a second page");
    let second = w.ann.get(&format!("{url}{next}")).await;
    assert!(second.contains("Task number 5<") && !second.contains("Task number 55"));
    assert!(second.prev_link().is_some());

    let mine = w.bob.get(&format!("{url}?assignee=me")).await;
    assert!(mine.contains("11 in all"), "{}", mine.body);
    let tagged = w.ann.get(&format!("{url}?tag=perf&q=number%205")).await;
    assert!(tagged.contains("Task number 5<") && tagged.contains("Task number 50"));
    assert!(tagged.contains("3 in all"), "5, 50, 55: {}", tagged.body);
    let frag = w.ann.hx_get(&format!("{url}?status=done")).await;
    assert!(frag.contains("No tasks match.") && !frag.contains("<html"));
}

#[actix_web::test]
async fn bulk_changes_apply_to_ticked_tasks_or_to_all_matching_and_keep_the_state_machine() {
    let mut w = workspace().await;
    let p = w.new_project("Bulk", &[]).await;
    let a = w.new_task(&p, "Alpha", &[]).await;
    let b = w.new_task(&p, "Beta", &[]).await;
    let c = w.new_task(&p, "Gamma", &[]).await;
    let url = format!("{}/{p}/tasks/bulk", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("action", "status:todo"),
                ("scope", "selected"),
                ("task", &a),
                ("task", &b),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(w.task(&p, &a).status, TaskStatus::Todo);
    assert_eq!(w.task(&p, &c).status, TaskStatus::Backlog, "not ticked");
    // All matching "Gamma": one task; then a move the machine refuses.
    w.ann
        .post(
            &url,
            &[("action", "status:todo"), ("scope", "all"), ("q", "gamma")],
        )
        .await;
    assert_eq!(w.task(&p, &c).status, TaskStatus::Todo);
    let r = w
        .ann
        .post(&url, &[("action", "status:done"), ("scope", "all")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.task(&p, &a).status,
        TaskStatus::Todo,
        "refused moves leave tasks be"
    );
    let page = w.ann.get(&r.location()).await;
    assert!(
        page.contains("0 task(s) changed; 3 refused"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn the_board_shows_columns_wip_limits_swimlanes_and_moves_cards() {
    let mut w = workspace().await;
    let p = w.new_project("Kanban", &[("wip_in_progress", "1")]).await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let a = w.new_task(&p, "Card A", &[("assignee_id", &bob_id)]).await;
    let b = w.new_task(&p, "Card B", &[]).await;
    for t in [&a, &b] {
        w.move_task(&p, t, "todo").await;
        w.move_task(&p, t, "in_progress").await;
    }
    let board = w.ann.get(&format!("{}/{p}/board", w.base())).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.contains("Over the WIP limit."),
        "2 in progress, limit 1"
    );
    assert!(board.contains("data-status=\"in_review\""));
    // The card's buttons post the move and come back to the board.
    let url = format!("{}/{p}/tasks/{a}/status", w.base());
    let r = w
        .ann
        .post(&url, &[("status", "in_review"), ("back", "board")])
        .await;
    assert_eq!(r.location(), format!("{}/{p}/board", w.base()));
    assert_eq!(w.task(&p, &a).status, TaskStatus::InReview);
    // A refused move (as a drag to a far column would post) comes back with why.
    let r = w
        .ann
        .post(&url, &[("status", "backlog"), ("back", "board")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = w.ann.get(&r.location()).await;
    assert!(again.contains("A task cannot go from In review to Backlog"));
    let lanes = w
        .ann
        .get(&format!("{}/{p}/board?lanes=assignee", w.base()))
        .await;
    assert!(
        lanes.contains("<h2>bob</h2>") && lanes.contains("<h2>Unassigned</h2>"),
        "{}",
        lanes.body
    );
    // Swimlanes by epic: a subtask two levels under an epic sits in its lane.
    let epic = w.new_task(&p, "Checkout epic", &[("kind", "epic")]).await;
    let story = w.new_task(&p, "Pay button", &[("parent_id", &epic)]).await;
    w.new_task(&p, "Pay button copy", &[("parent_id", &story)])
        .await;
    let lanes = w
        .ann
        .get(&format!("{}/{p}/board?lanes=epic", w.base()))
        .await;
    let key = w.project(&p).key;
    let epic_lane = format!("<h2>{key}-3 Checkout epic</h2>");
    let (at_epic, at_none) = (
        lanes.body.find(&epic_lane).expect("the epic's lane"),
        lanes
            .body
            .find("<h2>No epic</h2>")
            .expect("the lane of the rest"),
    );
    assert!(at_epic < at_none, "epics first");
    let epic_part = &lanes.body[at_epic..at_none];
    assert!(epic_part.contains("Pay button copy") && epic_part.contains("Pay button"));
    assert!(!epic_part.contains("Card B"), "Card B is under no epic");
}

#[actix_web::test]
async fn sprints_of_a_project_may_not_overlap_and_end_after_they_start() {
    let mut w = workspace().await;
    let p = w.new_project("Sprinting", &[]).await;
    let url = format!("{}/{p}/sprints", w.base());
    let sprint = |name: &'static str, start: &'static str, end: &'static str| {
        vec![
            ("name", name),
            ("start_date", start),
            ("end_date", end),
            ("goal", ""),
        ]
    };
    let r = w
        .ann
        .post(&url, &sprint("S1", "2026-03-01", "2026-03-14"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = w
        .ann
        .post(&url, &sprint("S2", "2026-03-14", "2026-03-28"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("These dates overlap “S1”"), "{}", r.body);
    let r = w
        .ann
        .post(&url, &sprint("S2", "2026-04-10", "2026-04-01"))
        .await;
    assert!(r.contains("The sprint ends after it starts."));
    let r = w
        .ann
        .post(&url, &sprint("S1", "2026-05-01", "2026-05-14"))
        .await;
    assert!(r.contains("Another sprint of this project has this name."));
    let r = w
        .ann
        .post(&url, &sprint("S2", "2026-03-15", "2026-03-28"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the day after is free");
    // Another project's sprints do not count.
    let q = w.new_project("Other", &[]).await;
    let r = w
        .ann
        .post(
            &format!("{}/{q}/sprints", w.base()),
            &sprint("S1", "2026-03-01", "2026-03-14"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn two_writers_planning_overlapping_sprints_at_once_leave_one_sprint() {
    let mut w = workspace().await;
    let p = w.new_project("Race", &[]).await;
    let pid: ProjectId = p.parse().expect("id");
    let tenant = w.tenant();
    let ann = w.app.user_id("ann@example.com");
    let pool = w.app.pool().clone();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            std::thread::spawn(move || {
                let scope = atrium::db::tenant_scope_for_tests(tenant);
                let mut conn = atrium::db::TenantConn::open(&pool, &scope).expect("conn");
                barrier.wait();
                conn.write(|c, t| {
                    atrium::projects::sprints::create(
                        c,
                        t,
                        ann,
                        pid,
                        &atrium::projects::sprints::SprintForm {
                            name: format!("Racer {i}"),
                            goal: String::new(),
                            start_date: "2026-06-01".into(),
                            end_date: format!("2026-06-1{i}"),
                        },
                        &atrium::web::extract::RequestMeta {
                            ip: "test".into(),
                            user_agent: None,
                        },
                    )
                })
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let created = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(created, 1, "exactly one sprint wins: {results:?}");
    let sprints = w.read(|c, t| atrium::projects::sprints::all(c, t, pid));
    assert_eq!(sprints.len(), 1);
}

#[actix_web::test]
async fn completing_a_sprint_carries_unfinished_tasks_over_and_the_burndown_draws() {
    let mut w = workspace().await;
    let p = w.new_project("Carry", &[]).await;
    let url = format!("{}/{p}/sprints", w.base());
    let today = chrono::Utc::now().date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let (s1_start, s1_end, s2_start, s2_end) = (d(-3), d(10), d(11), d(24));
    let s1 = w
        .ann
        .post(
            &url,
            &[
                ("name", "One"),
                ("start_date", &s1_start),
                ("end_date", &s1_end),
            ],
        )
        .await
        .location();
    let s1 = s1.rsplit('/').next().unwrap_or("").to_string();
    let s2 = w
        .ann
        .post(
            &url,
            &[
                ("name", "Two"),
                ("start_date", &s2_start),
                ("end_date", &s2_end),
            ],
        )
        .await
        .location();
    let s2 = s2.rsplit('/').next().unwrap_or("").to_string();
    let done = w
        .new_task(&p, "Finished", &[("sprint_id", &s1), ("story_points", "3")])
        .await;
    let open = w
        .new_task(
            &p,
            "Unfinished",
            &[("sprint_id", &s1), ("story_points", "5")],
        )
        .await;
    w.finish_task(&p, &done).await;

    let r = w
        .ann
        .post(&format!("{url}/{s1}/finish"), &[("action", "complete")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a planned sprint is started first"
    );
    w.ann.post(&format!("{url}/{s1}/start"), &[]).await;
    let r = w.ann.post(&format!("{url}/{s2}/start"), &[]).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "one running sprint at a time"
    );
    assert!(r.contains("is still running"));

    let page = w.ann.get(&format!("{url}/{s1}")).await;
    assert!(page.contains("<svg class=\"burndown\""));
    assert!(page.contains("5 of 8 points remaining"), "{}", page.body);

    let r = w
        .ann
        .post(
            &format!("{url}/{s1}/finish"),
            &[("action", "complete"), ("carry_to", &s2)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s2_id: SprintId = s2.parse().expect("id");
    assert_eq!(w.task(&p, &open).sprint_id, Some(s2_id), "carried over");
    let s1_id: SprintId = s1.parse().expect("id");
    assert_eq!(w.task(&p, &done).sprint_id, Some(s1_id), "done work stays");
    let sprints = w.read(|c, t| atrium::projects::sprints::all(c, t, p.parse().expect("id")));
    assert_eq!(sprints[0].status, SprintStatus::Completed);
}

#[actix_web::test]
async fn milestone_progress_counts_done_tasks_of_those_not_cancelled() {
    let mut w = workspace().await;
    let p = w.new_project("Milestones", &[]).await;
    let url = format!("{}/{p}/milestones", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("title", "Beta"),
                ("status", "open"),
                ("due_date", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let dup = w
        .ann
        .post(&url, &[("title", "Beta"), ("status", "open")])
        .await;
    assert!(dup.contains("Another milestone of this project has this title."));
    let pid: ProjectId = p.parse().expect("id");
    let m = w.read(|c, t| atrium::projects::milestones::all(c, t, pid))[0]
        .milestone
        .id
        .to_string();
    let a = w.new_task(&p, "A", &[("milestone_id", &m)]).await;
    w.new_task(&p, "B", &[("milestone_id", &m)]).await;
    let c = w.new_task(&p, "C", &[("milestone_id", &m)]).await;
    w.new_task(&p, "D", &[("milestone_id", &m)]).await;
    w.finish_task(&p, &a).await;
    w.move_task(&p, &c, "cancelled").await;
    let page = w.ann.get(&url).await;
    assert!(page.contains("33% (1 of 3 done)"), "{}", page.body);
}

#[actix_web::test]
async fn time_adds_up_on_the_task_and_project_and_exports_as_csv() {
    let mut w = workspace().await;
    let p = w.new_project("Hours", &[("key", "HRS")]).await;
    let t = w.new_task(&p, "Timed work", &[]).await;
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let r = w
        .ann
        .post(
            &format!("{url}/time"),
            &[
                ("date", "2026-03-02"),
                ("duration", "1h30"),
                ("note", "pairing"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    w.bob
        .post(
            &format!("{url}/time"),
            &[("date", "2026-03-03"), ("duration", "45")],
        )
        .await;
    let bad = w
        .ann
        .post(
            &format!("{url}/time"),
            &[("date", "2026-03-03"), ("duration", "soon")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter a duration such as 45, 1:30 or 1h30."));
    assert_eq!(w.task(&p, &t).logged_minutes, 135);
    assert_eq!(w.project(&p).logged_minutes, 135);
    let page = w.ann.get(&url).await;
    assert!(page.contains("2 h 15 min logged"));

    // A timer: start, then stop (it logs whole minutes, here 0).
    w.ann.post(&format!("{url}/timer/start"), &[]).await;
    assert!(w.ann.get(&url).await.contains("Stop timer"));
    w.ann.post(&format!("{url}/timer/stop"), &[]).await;
    assert!(w.ann.get(&url).await.contains("Start timer"));

    let csv = w.ann.get(&format!("{}/{p}/time.csv", w.base())).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .body
        .starts_with("date,task,title,person,minutes,hours,note\r\n"));
    assert!(
        csv.contains("2026-03-02,HRS-1,Timed work,Ann,90,1.50,pairing"),
        "{}",
        csv.body
    );
    assert!(csv.contains("2026-03-03,HRS-1,Timed work,bob,45,0.75,"));

    // Bob may not delete Ann's entry; deleting his own takes the minutes off.
    let tid: TaskId = t.parse().expect("id");
    let ann_id = w.app.user_id("ann@example.com");
    let entries = w.read(|c, tn| atrium::projects::time::for_task(c, tn, tid, ann_id));
    let anns = entries
        .iter()
        .find(|e| e.entry.minutes == Some(90))
        .expect("entry");
    let bobs = entries
        .iter()
        .find(|e| e.entry.minutes == Some(45))
        .expect("entry");
    let r = w
        .bob
        .post(&format!("{url}/time/{}/delete", anns.entry.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    w.bob
        .post(&format!("{url}/time/{}/delete", bobs.entry.id), &[])
        .await;
    assert_eq!(w.task(&p, &t).logged_minutes, 90);
}

#[actix_web::test]
async fn my_work_lists_my_open_tasks_across_projects() {
    let mut w = workspace().await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let p = w.new_project("First", &[("key", "FST")]).await;
    let q = w.new_project("Second", &[("key", "SND")]).await;
    w.new_task(&p, "Bob one", &[("assignee_id", &bob_id)]).await;
    let done = w
        .new_task(&q, "Bob done", &[("assignee_id", &bob_id)])
        .await;
    w.new_task(&q, "Bob two", &[("assignee_id", &bob_id)]).await;
    w.new_task(&q, "Ann's", &[]).await;
    w.finish_task(&q, &done).await;
    let page = w.bob.get(&format!("{}/my", w.base())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("FST-1") && page.contains("SND-2"));
    assert!(!page.contains("Bob done") && !page.contains("Ann&#39;s") && !page.contains("Ann's"));
}

#[actix_web::test]
async fn the_calendar_shows_tasks_on_their_due_days_and_the_list_filters_by_due_date() {
    let mut w = workspace().await;
    let p = w.new_project("Dates", &[]).await;
    w.new_task(&p, "Due on the third", &[("due_date", "2026-02-03")])
        .await;
    w.new_task(&p, "Due in March", &[("due_date", "2026-03-01")])
        .await;
    w.new_task(&p, "No date", &[]).await;
    let cal = w
        .ann
        .get(&format!("{}/{p}/calendar?month=2026-02", w.base()))
        .await;
    assert_eq!(cal.status, StatusCode::OK);
    assert!(cal.contains("February 2026"));
    assert!(cal.contains("Due on the third") && !cal.contains("No date"));
    // March 1st is in the grid's last week (a Sunday), shown muted.
    assert!(
        cal.contains("Due in March"),
        "the grid's trailing days show their tasks"
    );
    assert!(cal.contains("month=2026-01") && cal.contains("month=2026-03"));
    let bad = w
        .ann
        .get(&format!("{}/{p}/calendar?month=nonsense", w.base()))
        .await;
    assert_eq!(bad.status, StatusCode::OK, "a bad month is this month");
    let list = w
        .ann
        .get(&format!(
            "{}/{p}/tasks?due_from=2026-02-01&due_to=2026-02-28",
            w.base()
        ))
        .await;
    assert!(list.contains("Due on the third") && !list.contains("Due in March"));
    assert!(list.contains("1 in all"));
}
