//! Projects and tasks: creating projects (names unique among live ones, a
//! trash that frees the name), the task state machine, subtasks three levels
//! deep, story points, assignees from the workspace only, the activity
//! trail, comments rendered safely, templates, and a member leaving.

use actix_web::http::StatusCode;

use crate::common::projects::{last_segment, workspace};
use atrium::projects::models::*;

#[actix_web::test]
async fn a_member_creates_a_project_and_its_manager_leads_the_team() {
    let mut w = workspace().await;
    let p = w.new_project("Website relaunch", &[("key", "web")]).await;
    let project = w.project(&p);
    assert_eq!(project.key, "WEB", "the key is upper-cased");
    assert_eq!(project.status, ProjectStatus::Active);
    let page = w.ann.get(&format!("{}/{p}", w.base())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Website relaunch") && page.contains("Lead"));
    let list = w.bob.get(&w.base()).await;
    assert!(list.contains("Website relaunch"), "members see the project");
    let keyless = w.new_project("Mobile app", &[]).await;
    assert_eq!(w.project(&keyless).key, "MA", "a key is made from the name");
}

#[actix_web::test]
async fn bad_project_input_gets_messages_beside_the_fields_and_keeps_the_input() {
    let mut w = workspace().await;
    let base = w.base();
    let r = w
        .ann
        .post(
            &base,
            &[
                ("name", "Budget test"),
                ("status", "sleeping"),
                ("priority", "medium"),
                ("manager_id", "not-a-user"),
                ("budget", "12.345"),
                ("start_date", "2026-05-01"),
                ("due_date", "2026-04-01"),
                ("key", "!"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Choose a status.",
        "Choose a member of this workspace.",
        "Enter an amount such as 12500 or 12500.50.",
        "The due date is before the start date.",
        "2 to 10 letters or digits",
    ] {
        assert!(r.contains(msg), "{msg}: {}", r.body);
    }
    assert!(r.contains("value=\"Budget test\""), "the name is kept");
}

#[actix_web::test]
async fn project_names_are_unique_among_live_projects_and_the_trash_frees_them() {
    let mut w = workspace().await;
    let first = w.new_project("Apollo", &[("key", "AP")]).await;
    let ann_id = w.app.user_id("ann@example.com").to_string();
    let base = w.base();
    let dup = w
        .ann
        .post(
            &base,
            &[
                ("name", "apollo"),
                ("status", "active"),
                ("priority", "low"),
                ("manager_id", &ann_id),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("Another project has this name."));

    // Members may not trash; admins may.
    let r = w.bob.post(&format!("{base}/{first}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.ann.post(&format!("{base}/{first}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !w.ann.get(&base).await.contains("Apollo"),
        "gone from the list"
    );
    assert!(w
        .ann
        .get(&format!("{base}?show=trash"))
        .await
        .contains("Apollo"));
    let tasks = w.ann.get(&format!("{base}/{first}/tasks")).await;
    assert_eq!(
        tasks.status,
        StatusCode::NOT_FOUND,
        "no work in a trashed project"
    );

    let second = w.new_project("Apollo", &[("key", "AP2")]).await;
    let r = w.ann.post(&format!("{base}/{first}/restore"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the name is taken again");
    assert!(r.contains("rename it before restoring"));
    w.ann.post(&format!("{base}/{second}/delete"), &[]).await;
    let r = w.ann.post(&format!("{base}/{first}/restore"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(w.project(&first).deleted_at.is_none());
}

#[actix_web::test]
async fn tasks_follow_the_state_machine_and_the_project_keeps_count() {
    let mut w = workspace().await;
    let p = w.new_project("Flow", &[]).await;
    let t = w.new_task(&p, "Ship it", &[]).await;
    assert_eq!(w.task(&p, &t).status, TaskStatus::Backlog);
    assert_eq!(w.task(&p, &t).number, 1);
    assert_eq!(w.project(&p).open_tasks, 1);

    // Skipping ahead is refused with the way forward.
    let r = w.move_task(&p, &t, "done").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("A task cannot go from Backlog to Done"),
        "{}",
        r.body
    );
    assert!(r.contains("move it to In review first"));
    assert_eq!(w.task(&p, &t).status, TaskStatus::Backlog);

    for to in ["todo", "in_progress"] {
        assert_eq!(w.move_task(&p, &t, to).await.status, StatusCode::SEE_OTHER);
    }
    let started = w.task(&p, &t).started_at.expect("started when in progress");
    w.move_task(&p, &t, "in_review").await;
    w.move_task(&p, &t, "in_progress").await;
    assert_eq!(
        w.task(&p, &t).started_at,
        Some(started),
        "going back to work keeps the first start"
    );
    w.move_task(&p, &t, "in_review").await;
    w.move_task(&p, &t, "done").await;
    let done = w.task(&p, &t);
    assert!(done.completed_at.is_some());
    let project = w.project(&p);
    assert_eq!((project.open_tasks, project.done_tasks), (0, 1));

    // Reopened, then cancelled, then back to the backlog.
    w.move_task(&p, &t, "in_progress").await;
    assert!(
        w.task(&p, &t).completed_at.is_none(),
        "reopening clears completion"
    );
    w.move_task(&p, &t, "cancelled").await;
    let r = w.move_task(&p, &t, "todo").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("A cancelled task goes back to the backlog first."));
    w.move_task(&p, &t, "backlog").await;
    let project = w.project(&p);
    assert_eq!((project.open_tasks, project.done_tasks), (1, 0));

    // The activity trail has every move, who made it, old → new.
    let page = w.ann.get(&format!("{}/{p}/tasks/{t}", w.base())).await;
    assert!(
        page.contains("changed status from “In review” to “Done”"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn a_viewer_reads_tasks_but_cannot_change_them() {
    let mut w = workspace().await;
    let p = w.new_project("Read only", &[]).await;
    let t = w.new_task(&p, "Look, don't touch", &[]).await;
    let base = w.base();
    let page = w.vic.get(&format!("{base}/{p}/tasks/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("/status\""), "no move buttons for a viewer");
    for (url, form) in [
        (
            format!("{base}/{p}/tasks/{t}/status"),
            vec![("status", "todo")],
        ),
        (
            format!("{base}/{p}/tasks"),
            vec![("title", "x"), ("kind", "task"), ("priority", "low")],
        ),
        (
            format!("{base}/{p}/tasks/{t}/comments"),
            vec![("body", "hi")],
        ),
        (base.clone(), vec![("name", "Mine")]),
    ] {
        let r = w.vic.post(&url, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{url}");
    }
    assert_eq!(w.task(&p, &t).status, TaskStatus::Backlog);
}

#[actix_web::test]
async fn subtasks_go_three_levels_deep_at_most() {
    let mut w = workspace().await;
    let p = w.new_project("Tree", &[]).await;
    let l1 = w.new_task(&p, "Epic", &[("kind", "epic")]).await;
    let l2 = w.new_task(&p, "Story", &[("parent_id", &l1)]).await;
    let l3 = w.new_task(&p, "Step", &[("parent_id", &l2)]).await;
    assert_eq!(w.task(&p, &l3).depth, 3);
    let url = format!("{}/{p}/tasks", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("title", "Too deep"),
                ("kind", "task"),
                ("priority", "low"),
                ("parent_id", &l3),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Subtasks go 3 levels deep at most"),
        "{}",
        r.body
    );
    assert!(r.contains("value=\"Too deep\""), "the title is kept");

    // Deleting the epic takes its subtasks to the trash too.
    let r = w
        .ann
        .post(&format!("{}/{p}/tasks/{l1}/delete", w.base()), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.ann.get(&format!("{}/{p}/tasks/{l3}", w.base())).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(w.project(&p).open_tasks, 0);
}

#[actix_web::test]
async fn story_points_are_positive_and_assignees_are_members_of_this_workspace() {
    let mut w = workspace().await;
    let p = w.new_project("Rules", &[]).await;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    w.app.workspace(&mut gus, "Globex").await;
    let gus_id = w.app.user_id("gus@globex.test").to_string();
    let url = format!("{}/{p}/tasks", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("title", "Points"),
                ("kind", "task"),
                ("priority", "low"),
                ("story_points", "0"),
                ("assignee_id", &gus_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Story points are a positive whole number"));
    assert!(r.contains("Choose a member of this workspace."));
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let t = w
        .new_task(
            &p,
            "Points",
            &[("story_points", "5"), ("assignee_id", &bob_id)],
        )
        .await;
    assert_eq!(w.task(&p, &t).story_points, Some(5));
}

#[actix_web::test]
async fn editing_a_task_records_one_activity_row_per_changed_field() {
    let mut w = workspace().await;
    let p = w.new_project("Edits", &[]).await;
    let t = w.new_task(&p, "Old title", &[("priority", "low")]).await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("title", "New title"),
                ("kind", "bug"),
                ("priority", "low"),
                ("assignee_id", &bob_id),
                ("tags", "UX, ux, api"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let task = w.task(&p, &t);
    assert_eq!(task.tag_list(), vec!["ux", "api"]);
    let id: TaskId = t.parse().expect("id");
    let rows = w.read(|c, tn| atrium::projects::task_lists::activity(c, tn, id, 50));
    let fields: Vec<&str> = rows.iter().map(|r| r.activity.field.as_str()).collect();
    for f in ["title", "type", "assignee", "tags", "created"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        !fields.contains(&"priority"),
        "unchanged fields leave no row"
    );
    let assignee = rows
        .iter()
        .find(|r| r.activity.field == "assignee")
        .expect("row");
    assert_eq!(assignee.activity.new_value, "bob", "names, not ids");
    assert_eq!(assignee.actor, "Ann");
}

#[actix_web::test]
async fn comments_render_markdown_without_scripts_and_only_authors_or_admins_delete_them() {
    let mut w = workspace().await;
    let p = w.new_project("Talk", &[]).await;
    let t = w.new_task(&p, "Discuss", &[]).await;
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let r = w
        .bob
        .post(
            &format!("{url}/comments"),
            &[(
                "body",
                "**agreed** <script>alert(1)</script> [x](javascript:alert(2))",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cid = r
        .location()
        .rsplit("comment-")
        .next()
        .unwrap_or("")
        .to_string();
    let page = w.ann.get(&url).await;
    assert!(page.contains("<strong>agreed</strong>"));
    assert!(!page.contains("<script>alert(1)"), "no script survives");
    assert!(!page.contains("javascript:alert"), "no javascript: link");
    let empty = w
        .bob
        .post(&format!("{url}/comments"), &[("body", "   ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("Write something first."));

    // Vic (viewer) cannot; another member cannot delete Bob's; Ann (owner) can.
    let mut carl = w
        .app
        .member(&mut w.ann, &w.slug, "carl@example.com", "member")
        .await;
    let r = carl
        .post(&format!("{url}/comments/{cid}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .ann
        .post(&format!("{url}/comments/{cid}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.ann.get(&url).await;
    assert!(page.contains("Comment deleted.") && !page.contains("<strong>agreed</strong>"));
}

#[actix_web::test]
async fn a_project_from_a_template_copies_its_task_tree_into_the_backlog() {
    let mut w = workspace().await;
    let tpl = w
        .new_project("Launch checklist", &[("is_template", "on")])
        .await;
    let a = w.new_task(&tpl, "Announce", &[("story_points", "3")]).await;
    let b = w.new_task(&tpl, "Blog post", &[("parent_id", &a)]).await;
    w.new_task(&tpl, "Proofread", &[("parent_id", &b)]).await;
    w.move_task(&tpl, &a, "todo").await;
    assert!(w
        .ann
        .get(&format!("{}?show=templates", w.base()))
        .await
        .contains("Launch checklist"));
    assert!(
        !w.ann.get(&w.base()).await.contains("Launch checklist"),
        "templates are apart"
    );

    let p = w
        .new_project("Spring launch", &[("template_id", &tpl)])
        .await;
    let project = w.project(&p);
    assert_eq!(project.open_tasks, 3);
    assert_eq!(project.next_task_number, 4);
    let pid: ProjectId = p.parse().expect("id");
    let tasks: Vec<Task> = w.read(|c, t| {
        use atrium::schema::projects_tasks;
        use diesel::prelude::*;
        Ok(projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::project_id.eq(pid))
            .order(projects_tasks::number.asc())
            .select(Task::as_select())
            .load(c)?)
    });
    let titles: Vec<(&str, i32, TaskStatus)> = tasks
        .iter()
        .map(|t| (t.title.as_str(), t.depth, t.status))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("Announce", 1, TaskStatus::Backlog),
            ("Blog post", 2, TaskStatus::Backlog),
            ("Proofread", 3, TaskStatus::Backlog)
        ]
    );
    assert_eq!(tasks[1].parent_id, Some(tasks[0].id), "the tree is kept");
    assert_eq!(tasks[0].story_points, Some(3));
    assert_eq!(
        w.task(&tpl, &a).status,
        TaskStatus::Todo,
        "the template is untouched"
    );
}

#[actix_web::test]
async fn a_member_who_leaves_the_workspace_loses_their_assignments_and_team_places() {
    let mut w = workspace().await;
    let p = w.new_project("Handover", &[]).await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let t = w
        .new_task(&p, "Bob's job", &[("assignee_id", &bob_id)])
        .await;
    let r = w
        .ann
        .post(
            &format!("{}/{p}/team", w.base()),
            &[("user_id", &bob_id), ("role", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let members = w.ann.get(&format!("/w/{}/members", w.slug)).await;
    let mid = crate::workspaces::membership_id(&members.body, "bob@example.com");
    let r = w
        .ann
        .post(&format!("/w/{}/members/{mid}/remove", w.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(w.task(&p, &t).assignee_id, None);
    let team = w.ann.get(&format!("{}/{p}", w.base())).await;
    assert!(!team.contains("bob@example.com"), "off the team");
}

#[actix_web::test]
async fn the_dashboard_tile_counts_active_projects() {
    let mut w = workspace().await;
    w.new_project("One", &[]).await;
    w.new_project("Two", &[("status", "planning")]).await;
    let dash = w.ann.get(&format!("/w/{}/", w.slug)).await;
    assert!(dash.contains("1 active project"), "{}", dash.body);
    let _ = last_segment("/x/y");
}
