//! The seeded demo fills the projects module (every table has rows, every
//! page of it opens), and the workspace export carries every projects table
//! with the workspace's rows only.

use actix_web::http::StatusCode;

use super::exports::{download, file, job, start_export, tenant_of, unzip};
use crate::common::TestApp;
use atrium::db::TenantId;

fn rows_in(app: &TestApp, table: &str, t: TenantId) -> i64 {
    app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = '{t}'"
    ))
}

/// The `href` of the link whose text starts with `text`.
fn link_to(body: &str, text: &str) -> String {
    let i = body.find(&format!("\">{text}")).expect("the link");
    let head = &body[..i];
    head[head.rfind("href=\"").expect("href") + "href=\"".len()..].to_string()
}

/// The first `href` of the body that starts with `prefix`.
fn first_link(body: &str, prefix: &str) -> String {
    let start = body
        .find(&format!("href=\"{prefix}"))
        .map(|i| i + "href=\"".len())
        .expect("a link");
    body[start..].split('"').next().unwrap_or("").to_string()
}

#[actix_web::test]
async fn the_demo_fills_every_projects_page_and_the_export_carries_every_table() {
    let app = TestApp::new().await;
    atrium::seed::seed_demo(app.pool(), &app.state.config.data_dir).expect("seed the demo");
    let mut owner = app.browser();
    owner
        .login("owner@demo.atrium.test", "demo-password-123")
        .await;
    let acme = tenant_of(&app, "acme");
    let module = atrium::modules::all()
        .iter()
        .find(|m| m.key == "projects")
        .expect("registered");
    for table in module.tenant_tables {
        assert!(rows_in(&app, table, acme) > 0, "demo rows in {table}");
    }
    assert!(rows_in(&app, "projects_tasks", acme) >= 300);

    // Every page of the module opens from the demo.
    let list = owner.get("/w/acme/projects").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("Mobile app 2.0") && list.contains("Website relaunch"));
    let app_url = link_to(&list.body, "Mobile app 2.0");
    let overview = owner.get(&app_url).await;
    assert!(overview.contains("Public beta") && overview.contains("Sprint 2"));
    let tasks = owner.get(&format!("{app_url}/tasks")).await;
    assert!(tasks.contains(" in all"), "a count");
    assert!(tasks.next_link().is_some(), "more than a page of tasks");
    let task_url = first_link(&tasks.body, &format!("{app_url}/tasks/0"));
    let task = owner.get(&task_url).await;
    assert_eq!(task.status, StatusCode::OK);
    let board = owner.get(&format!("{app_url}/board")).await;
    assert!(board.contains("board-column") && board.contains("In review"));
    let sprints = owner.get(&format!("{app_url}/sprints")).await;
    let sprint_url = link_to(&sprints.body, "Sprint 2<");
    let sprint = owner.get(&sprint_url).await;
    assert!(
        sprint.contains("<polyline class=\"actual\""),
        "a burndown with a history"
    );
    for path in [
        "/milestones",
        "/edit",
        "/tasks/new",
        "/time.csv",
        "/board?lanes=assignee",
        "/calendar",
    ] {
        let r = owner.get(&format!("{app_url}{path}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    for path in ["/w/acme/projects/my", "/w/acme/projects?show=templates"] {
        let r = owner.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    assert!(owner.get("/w/acme/").await.contains("2 active projects"));

    // Custom fields, saved views, a file and triggered workflows.
    let fields = owner.get(&format!("{app_url}/fields")).await;
    assert!(fields.contains("Platform") && fields.contains("Customer impact"));
    let tasks = owner.get(&format!("{app_url}/tasks")).await;
    let view = link_to(&tasks.body, "iOS bugs");
    let ios = owner.get(&view.replace("&amp;", "&")).await;
    assert_eq!(ios.status, StatusCode::OK);
    assert!(
        ios.contains(" in all"),
        "the view lists tasks: {}",
        ios.body
    );
    assert_eq!(rows_in(&app, "projects_task_files", acme), 1);
    for name in ["Review gate", "Nightly triage", "Deploy sign-off"] {
        let list = owner.get("/w/acme/projects/workflows").await;
        let url = link_to(&list.body, name);
        let page = owner.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
    }
    let gate = owner.get("/w/acme/projects/workflows").await;
    let gate = owner.get(&link_to(&gate.body, "Review gate")).await;
    assert!(gate.contains("/runs/"), "the event started a run");

    // Another workspace's project must not reach the export.
    let mut gus = app.user("gus@globex.test", "Gus Globex").await;
    let globex = app.workspace(&mut gus, "Globex Hidden").await;
    let gus_id = app.user_id("gus@globex.test").to_string();
    let r = gus
        .post(
            &format!("/w/{globex}/projects"),
            &[
                ("name", "Zeppelin"),
                ("status", "active"),
                ("priority", "low"),
                ("manager_id", &gus_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let other = tenant_of(&app, &globex);

    let id = start_export(&mut owner, "acme").await;
    app.run_jobs();
    let done = job(&app, acme, id.parse().expect("job id"));
    assert_eq!(
        done.status,
        atrium::jobs::JobStatus::Done,
        "{:?}",
        done.last_error
    );
    let res = download(&owner, &format!("/w/acme/export/{id}.zip")).await;
    let files = unzip(&res.body);
    for table in module.tenant_tables {
        let csv = file(&files, &format!("{table}.csv"));
        assert!(csv.starts_with("tenant_id,id,"), "{table}");
        let rows = csv.matches(&format!("\r\n{acme},")).count() as i64;
        assert_eq!(rows, rows_in(&app, table, acme), "{table}: every row");
    }
    for (name, text) in &files {
        assert!(
            !text.contains(&other.to_string()),
            "Globex leaked into {name}"
        );
        assert!(
            !text.contains("Zeppelin"),
            "Globex's project leaked into {name}"
        );
    }
}
