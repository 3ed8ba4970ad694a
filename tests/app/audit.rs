//! The audit log: written with each change, immutable in the database,
//! filterable, paginated, exportable.

use actix_web::http::StatusCode;

use crate::common::TestApp;

#[actix_web::test]
async fn changes_are_recorded_with_actor_and_detail() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let mut bob = app
        .member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let mid = crate::workspaces::membership_id(
        &ann.get(&format!("/w/{slug}/members")).await.body,
        "bob@example.com",
    );
    ann.post(
        &format!("/w/{slug}/members/{mid}/role"),
        &[("role", "viewer")],
    )
    .await;
    bob.post("/logout", &[]).await;
    let page = ann.get(&format!("/w/{slug}/audit")).await;
    assert_eq!(page.status, StatusCode::OK);
    for action in [
        "workspace.create",
        "member.invite",
        "member.accept",
        "member.role_change",
    ] {
        assert!(page.contains(&format!("<code>{action}</code>")), "{action}");
    }
    assert!(
        page.contains("[&#34;member&#34;,&#34;viewer&#34;]"),
        "before/after of the role change"
    );
    // Global events (sign-in, sign-out) are not in a workspace's log.
    assert!(!page.contains("auth.logout"));
    assert!(app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.logout' AND tenant_id IS NULL") == 1);
    assert!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.login'") >= 2
    );
    app.browser()
        .post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.login_failed' AND severity = 'warning'"), 1);
}

#[actix_web::test]
async fn the_database_refuses_to_change_or_delete_audit_events() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.workspace(&mut ann, "Acme").await;
    let before = app.raw_count("SELECT COUNT(*) AS n FROM audit_events");
    assert!(before > 0);
    // Through the app's own connection (on Postgres: the application role).
    let mut conn = app.pool().get().expect("conn");
    use diesel::RunQueryDsl;
    let upd = diesel::sql_query("UPDATE audit_events SET action = 'forged'").execute(&mut *conn);
    assert!(upd.is_err(), "UPDATE must be refused");
    assert!(upd
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("append-only"));
    let del = diesel::sql_query("DELETE FROM audit_events").execute(&mut *conn);
    assert!(del.is_err(), "DELETE must be refused");
    // And even for the database owner / superuser.
    let upd = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.raw_exec("UPDATE audit_events SET action = 'forged'")
    }));
    assert!(upd.is_err());
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events"),
        before
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'forged'"),
        0
    );
}

#[actix_web::test]
async fn the_log_filters_paginates_and_exports_csv() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    for i in 0..60 {
        let r = ann
            .post(
                &format!("/w/{slug}/teams"),
                &[("name", &format!("Team {i:02}")), ("description", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    ann.invite(&slug, "bob@example.com", "member").await;
    // The teams list pages too.
    let teams = ann.get(&format!("/w/{slug}/teams")).await;
    assert!(
        teams.contains("1–50 of 60") && teams.contains("Team 49") && !teams.contains("Team 50")
    );
    let teams2 = ann.get(&format!("/w/{slug}/teams?page=2")).await;
    assert!(teams2.contains("51–60 of 60") && teams2.contains("Team 59"));
    // The log pages by keyset: 50 newest first, then Next until the oldest,
    // every event exactly once.
    let pages = ann.all_pages(&format!("/w/{slug}/audit"), false).await;
    assert_eq!(pages.len(), 2);
    let rows: usize = pages
        .iter()
        .map(|p| p.body.matches("<tr>").count() - 1)
        .sum();
    assert_eq!(rows, 62, "every event once");
    assert!(pages[0].prev_link().is_none());
    assert!(
        pages[1].contains("workspace.create"),
        "oldest event on the last page"
    );
    assert!(!pages[0].contains("workspace.create"));
    // Previous from the second page is the first page again.
    let prev = pages[1].prev_link().expect("previous");
    let back = ann.get(&format!("/w/{slug}/audit{prev}")).await;
    assert_eq!(back.body.matches("<tr>").count(), 51);
    assert!(back.contains("member.invite"));
    // htmx gets just the table.
    let frag = ann.hx_get(&format!("/w/{slug}/audit?action=member.")).await;
    assert!(
        !frag.contains("<html") && frag.contains("member.invite") && !frag.contains("team.create")
    );
    assert_eq!(frag.body.matches("<tr>").count(), 2);
    assert!(frag.next_link().is_none());
    // Filters: actor, dates.
    let none = ann.get(&format!("/w/{slug}/audit?actor=nobody")).await;
    assert!(none.contains("No events match"));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let dated = ann
        .get(&format!(
            "/w/{slug}/audit?from={today}&to={today}&actor=ann"
        ))
        .await;
    assert!(dated.contains("team.create") && dated.next_link().is_some());
    let bad = ann.get(&format!("/w/{slug}/audit?from=yesterday")).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.contains("must be a date"));
    // CSV of the filter, header first.
    let csv = ann.get(&format!("/w/{slug}/audit.csv?action=team.")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "time,actor,action,resource_type,resource_id,ip,severity,changes"
    );
    assert_eq!(lines.len(), 61);
    assert!(lines[1..].iter().all(|l| l.contains(",team.create,")));
}

#[actix_web::test]
async fn csv_export_streams_past_one_chunk_in_order() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant =
        atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("c"), &slug)
            .expect("q")
            .expect("ws")
            .id;
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
            .expect("tc");
    tc.write(|c, t| {
        for i in 0..2500 {
            atrium::audit::record(
                c,
                atrium::audit::NewEvent::tenant(t, "test.bulk").resource("n", i),
            )?;
        }
        Ok(())
    })
    .expect("bulk events");
    let csv = ann.get(&format!("/w/{slug}/audit.csv?action=test.")).await;
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 2500, "every row, across three chunks");
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|r| r.split(',').nth(4).unwrap_or(""))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "no row twice");
}
