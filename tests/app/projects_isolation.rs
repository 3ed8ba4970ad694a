//! Isolation of the projects module: for every route, a member of another
//! workspace gets 404 and sees none of Acme's data, whether they use Acme's
//! address or put Acme's ids under their own workspace; nothing of Acme's
//! changes; on PostgreSQL the row wall hides Acme's rows from Globex.

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use atrium::db::Backend;
use atrium::projects::models::*;

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_projects_route_and_changes_nothing() {
    let mut w = workspace().await;
    let p = w.new_project("Secret Zeppelin", &[("key", "ZEP")]).await;
    let bob_id = w.app.user_id("bob@example.com").to_string();
    let t = w
        .new_task(&p, "Hidden zeppelin task", &[("assignee_id", &bob_id)])
        .await;
    let base = w.base();
    let sprint = w
        .ann
        .post(
            &format!("{base}/{p}/sprints"),
            &[
                ("name", "Zeppelin sprint"),
                ("start_date", "2026-03-01"),
                ("end_date", "2026-03-10"),
            ],
        )
        .await
        .location();
    let s = sprint.rsplit('/').next().unwrap_or("").to_string();
    w.ann
        .post(
            &format!("{base}/{p}/milestones"),
            &[("title", "Zeppelin beta"), ("status", "open")],
        )
        .await;
    let pid: ProjectId = p.parse().expect("id");
    let tid: TaskId = t.parse().expect("id");
    let m = w.read(|c, tn| atrium::projects::milestones::all(c, tn, pid))[0]
        .milestone
        .id
        .to_string();
    let cm = w
        .ann
        .post(
            &format!("{base}/{p}/tasks/{t}/comments"),
            &[("body", "zeppelin comment")],
        )
        .await
        .location();
    let cm = cm.rsplit("comment-").next().unwrap_or("").to_string();
    w.ann
        .post(
            &format!("{base}/{p}/tasks/{t}/time"),
            &[("date", "2026-03-02"), ("duration", "30")],
        )
        .await;
    let ann_id = w.app.user_id("ann@example.com");
    let e = w.read(|c, tn| atrium::projects::time::for_task(c, tn, tid, ann_id))[0]
        .entry
        .id
        .to_string();
    let team = w.read(|c, tn| atrium::projects::project::team(c, tn, pid))[0]
        .member
        .id
        .to_string();

    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let gets = [
        p.clone(),
        format!("{p}/edit"),
        format!("{p}/tasks"),
        format!("{p}/tasks/new"),
        format!("{p}/tasks/{t}"),
        format!("{p}/tasks/{t}/edit"),
        format!("{p}/board"),
        format!("{p}/board?lanes=assignee"),
        format!("{p}/calendar"),
        format!("{p}/time.csv"),
        format!("{p}/sprints"),
        format!("{p}/sprints/{s}"),
        format!("{p}/sprints/{s}/edit"),
        format!("{p}/milestones"),
        format!("{p}/milestones/{m}/edit"),
    ];
    for path in &gets {
        for slug in [w.slug.as_str(), globex.as_str()] {
            let url = format!("/w/{slug}/projects/{path}");
            let r = gus.get(&url).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {url}");
            assert!(!r.contains("eppelin"), "GET {url} shows nothing of Acme's");
        }
    }
    // Acme's address at all: 404, even for lists without ids.
    for path in ["", "/", "/new", "/my", "?show=trash"] {
        let r = gus.get(&format!("/w/{}/projects{path}", w.slug)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            p.clone(),
            vec![
                ("name", "Pwned"),
                ("status", "active"),
                ("priority", "low"),
                ("manager_id", "x"),
            ],
        ),
        (format!("{p}/delete"), vec![]),
        (format!("{p}/restore"), vec![]),
        (
            format!("{p}/team"),
            vec![("user_id", "x"), ("role", "member")],
        ),
        (format!("{p}/team/{team}/remove"), vec![]),
        (
            format!("{p}/tasks"),
            vec![("title", "Pwned"), ("kind", "task"), ("priority", "low")],
        ),
        (
            format!("{p}/tasks/bulk"),
            vec![("action", "status:todo"), ("scope", "all")],
        ),
        (
            format!("{p}/tasks/{t}"),
            vec![("title", "Pwned"), ("kind", "task"), ("priority", "low")],
        ),
        (format!("{p}/tasks/{t}/status"), vec![("status", "todo")]),
        (format!("{p}/tasks/{t}/delete"), vec![]),
        (format!("{p}/tasks/{t}/comments"), vec![("body", "pwned")]),
        (format!("{p}/tasks/{t}/comments/{cm}/delete"), vec![]),
        (format!("{p}/tasks/{t}/timer/start"), vec![]),
        (format!("{p}/tasks/{t}/timer/stop"), vec![]),
        (
            format!("{p}/tasks/{t}/time"),
            vec![("date", "2026-03-02"), ("duration", "30")],
        ),
        (format!("{p}/tasks/{t}/time/{e}/delete"), vec![]),
        (
            format!("{p}/sprints"),
            vec![
                ("name", "P"),
                ("start_date", "2027-01-01"),
                ("end_date", "2027-01-02"),
            ],
        ),
        (
            format!("{p}/sprints/{s}"),
            vec![
                ("name", "P"),
                ("start_date", "2027-01-01"),
                ("end_date", "2027-01-02"),
            ],
        ),
        (format!("{p}/sprints/{s}/start"), vec![]),
        (
            format!("{p}/sprints/{s}/finish"),
            vec![("action", "cancel")],
        ),
        (
            format!("{p}/milestones"),
            vec![("title", "P"), ("status", "open")],
        ),
        (
            format!("{p}/milestones/{m}"),
            vec![("title", "P"), ("status", "open")],
        ),
    ];
    for (path, form) in &posts {
        for slug in [w.slug.as_str(), globex.as_str()] {
            let url = format!("/w/{slug}/projects/{path}");
            let r = gus.post(&url, form).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {url}: {}", r.body);
            assert!(!r.contains("eppelin"), "POST {url} shows nothing of Acme's");
        }
    }
    // Nothing of Acme's changed.
    let project = w.project(&p);
    assert_eq!(project.name, "Secret Zeppelin");
    assert!(project.deleted_at.is_none());
    let task = w.task(&p, &t);
    assert_eq!(
        (task.title.as_str(), task.status),
        ("Hidden zeppelin task", TaskStatus::Backlog)
    );
    assert_eq!(task.logged_minutes, 30);
    let sprints = w.read(|c, tn| atrium::projects::sprints::all(c, tn, pid));
    assert_eq!(
        (sprints.len(), sprints[0].status),
        (1, SprintStatus::Planned)
    );
    let ann_page = w.ann.get(&format!("{base}/{p}/tasks/{t}")).await;
    assert!(ann_page.contains("zeppelin comment") && !ann_page.contains("pwned"));
    // Globex's own pages show none of it.
    for path in ["", "/my", "?show=trash"] {
        let r = gus.get(&format!("/w/{globex}/projects{path}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.contains("eppelin"), "{path}");
    }
}

#[actix_web::test]
async fn on_postgres_the_row_wall_hides_every_projects_table_from_another_workspace() {
    let mut w = workspace().await;
    if w.app.backend() != Backend::Postgres {
        return;
    }
    let p = w.new_project("Walled", &[]).await;
    let t = w.new_task(&p, "Walled task", &[]).await;
    w.ann
        .post(
            &format!("{}/{p}/tasks/{t}/comments", w.base()),
            &[("body", "walled")],
        )
        .await;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let other = w.app.tenant(&globex);
    let mut conn =
        atrium::db::TenantConn::open(w.app.pool(), &atrium::db::tenant_scope_for_tests(other))
            .expect("conn");
    let module = atrium::modules::all()
        .iter()
        .find(|m| m.key == "projects")
        .expect("registered");
    for table in module.tenant_tables {
        let n = conn
            .read(|c, _| {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct N {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let r: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result(c)?;
                Ok(r.n)
            })
            .expect("count");
        assert_eq!(n, 0, "{table}: Globex sees none of Acme's rows");
    }
}
