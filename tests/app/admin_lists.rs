//! The admin list machinery: search, filters, sort, pages, bulk over
//! selected or all matching rows, and the instance audit log with its CSV.

use actix_web::http::StatusCode;

use crate::common::admin::{id_in, with_root};

#[actix_web::test]
async fn bulk_over_all_matching_changes_exactly_the_filtered_set() {
    let (app, mut root) = with_root().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut bob = app.user("bob@example.com", "Bob").await;
    app.workspace(&mut ann, "Alpha One").await;
    app.workspace(&mut bob, "Alpha Two").await;
    app.workspace(&mut ann, "Beta").await;
    app.raw_exec("UPDATE tenants SET plan = 'team' WHERE slug = 'alpha-two'");
    // Filter: name contains "alpha" AND plan = free → only Alpha One.
    let list = root.get("/admin/workspaces?q=alpha&plan=free").await;
    assert!(list.contains("Alpha One") && !list.contains("Alpha Two") && !list.contains(">Beta<"));
    assert!(list.contains("Apply to all 1 matching"));
    let form = [
        ("action", "deactivate"),
        ("scope", "all"),
        ("q", "alpha"),
        ("plan", "free"),
    ];
    let confirm = root.post("/admin/workspaces/bulk", &form).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.contains("<strong>1</strong> row(s) will change"),
        "{}",
        confirm.body
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM tenants WHERE status = 'inactive'"),
        0,
        "nothing before confirming"
    );
    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "1"));
    let res = root.post("/admin/workspaces/bulk", &confirmed).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM tenants WHERE status = 'inactive'"),
        1
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM tenants WHERE status = 'inactive' AND slug = 'alpha-one'"
        ),
        1
    );
    // Second filter: status=inactive → reactivate all matching (just Alpha One again).
    let res = root
        .post(
            "/admin/workspaces/bulk",
            &[
                ("action", "reactivate"),
                ("scope", "all"),
                ("status", "inactive"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM tenants WHERE status = 'inactive'"),
        0
    );
    // Users: all matching "example.com" AND active, but never the last superadmin.
    let res = root
        .post(
            "/admin/users/bulk",
            &[
                ("action", "signout"),
                ("scope", "all"),
                ("q", "bob@"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bob.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "Bob signed out"
    );
    assert_eq!(
        ann.get("/account").await.status,
        StatusCode::OK,
        "Ann untouched"
    );
    // Selected rows only.
    let users = root.get("/admin/users").await;
    let ann_id = id_in(&users.body, "/admin/users/", "ann@example.com");
    let res = root
        .post(
            "/admin/users/bulk",
            &[
                ("action", "deactivate"),
                ("scope", "selected"),
                ("ids", &ann_id),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM users WHERE is_active = false"),
        1
    );
    assert_eq!(
        ann.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "deactivation signs out at once"
    );
    // Every change is in the audit log.
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'workspace.deactivate'"
        ),
        1
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.user_signout'"),
        1
    );
}

#[actix_web::test]
async fn lists_search_filter_sort_and_page() {
    let (app, mut root) = with_root().await;
    for i in 0..55 {
        app.create_account(
            &format!("user{i:02}@example.com"),
            &format!("User {i:02}"),
            false,
        );
    }
    let p1 = root.get("/admin/users?sort=email&dir=asc").await;
    assert!(p1.contains("56 in all"), "{}", p1.body);
    let (first, last) = (
        p1.body.find("user00@").expect("user00"),
        p1.body.find("user48@").expect("user48"),
    );
    assert!(
        first < last && !p1.contains("user49@"),
        "ascending by email, 50 a page"
    );
    let next = p1.next_link().expect("a next page");
    assert!(
        next.contains("sort=email") && next.contains("dir=asc"),
        "{next}"
    );
    let p2 = root.get(&format!("/admin/users{next}")).await;
    assert!(p2.contains("user54@example.com") && !p2.contains("user48@"));
    assert!(p2.next_link().is_none() && p2.prev_link().is_some());
    let desc = root.get("/admin/users?sort=email&dir=desc").await;
    let (a, b) = (
        desc.body.find("user54@").expect("54"),
        desc.body.find("user53@").expect("53"),
    );
    assert!(a < b, "descending order");
    let found = root.hx_get("/admin/users?q=USER07").await;
    assert!(
        !found.contains("<html")
            && found.contains("user07@example.com")
            && found.contains("1 in all")
    );
    let supers = root.get("/admin/users?role=superadmin").await;
    assert!(supers.contains("root@example.com") && supers.contains("1 in all"));
    let csv = root.get("/admin/users.csv?q=user0").await;
    assert_eq!(csv.body.lines().count(), 11, "header + user00..user09");
}

#[actix_web::test]
async fn the_instance_audit_log_filters_across_workspaces() {
    let (app, mut root) = with_root().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.workspace(&mut ann, "Acme").await;
    app.workspace(&mut ann, "Globex").await;
    app.browser()
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", "wrong wrong")],
        )
        .await;
    let all = root.get("/admin/audit").await;
    assert!(all.contains("workspace.create") && all.contains("auth.login_failed"));
    let acme = root.get("/admin/audit?workspace=acme").await;
    assert!(acme.contains(">acme<") && acme.next_link().is_none() && acme.prev_link().is_none());
    assert_eq!(
        acme.body.matches("<code>workspace.create</code>").count(),
        1
    );
    let sec = root.get("/admin/audit?preset=security").await;
    assert!(sec.contains("auth.login_failed") && !sec.contains("workspace.create"));
    let warn = root.hx_get("/admin/audit?severity=warning").await;
    assert!(warn.contains("auth.login_failed") && !warn.contains("auth.login<"));
    let csv = root.get("/admin/audit.csv?preset=security").await;
    assert!(csv
        .body
        .lines()
        .skip(1)
        .all(|l| l.contains(",auth.") || l.contains(",security.")));
    assert!(csv.body.lines().count() > 2);
}

#[actix_web::test]
async fn csv_export_of_a_hundred_thousand_audit_events_streams_every_row() {
    let (app, mut root) = with_root().await;
    let sql = match app.backend() {
        atrium::db::Backend::Postgres => "INSERT INTO audit_events (id, action, resource_type, resource_id, changes, severity, created_at) \
             SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'bulk.test', 'n', g::text, '{}', 'info', now() - (g || ' seconds')::interval \
             FROM generate_series(1, 100000) AS g"
            .to_string(),
        atrium::db::Backend::Sqlite => "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) \
             INSERT INTO audit_events (id, action, resource_type, resource_id, changes, severity, created_at) \
             SELECT printf('01900000-0000-7000-8000-%012x', n), 'bulk.test', 'n', n, '{}', 'info', \
             strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '-' || n || ' seconds') FROM g"
            .to_string(),
    };
    app.raw_exec(&sql);
    let csv = root.get("/admin/audit.csv?action=bulk.").await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 100_000);
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|r| r.split(',').nth(4).unwrap_or(""))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 100_000, "each row once across 100 chunks");
}
