//! The superadmin area: who may enter, the list machinery (search, filters,
//! sort, pages, bulk over selected or all matching, CSV), and each action.

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp, PASSWORD};

async fn with_root() -> (TestApp, Browser) {
    let app = TestApp::new().await;
    let root = app.superadmin("root@example.com").await;
    (app, root)
}

fn id_in(body: &str, prefix: &str, label: &str) -> String {
    // The id in the first `href="{prefix}{id}"` link whose text is `label`.
    for part in body.split(&format!("href=\"{prefix}")).skip(1) {
        let (id, rest) = part.split_once('"').unwrap_or(("", ""));
        if rest.trim_start_matches('>').starts_with(label) {
            return id.to_string();
        }
    }
    panic!("no link to {label} under {prefix}")
}

#[actix_web::test]
async fn only_superadmins_see_the_admin_area_and_others_get_404() {
    let (app, mut root) = with_root().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme").await;
    let mut admin = app
        .member(&mut owner, &slug, "admin@example.com", "admin")
        .await;
    let mut member = app
        .member(&mut owner, &slug, "member@example.com", "member")
        .await;
    let mut viewer = app
        .member(&mut owner, &slug, "viewer@example.com", "viewer")
        .await;
    let mut anonymous = app.browser();
    let ws_id = id_in(
        &root.get("/admin/workspaces").await.body,
        "/admin/workspaces/",
        "Acme",
    );
    let user_id = id_in(
        &root.get("/admin/users?q=viewer").await.body,
        "/admin/users/",
        "viewer@example.com",
    );
    let plan_page = root.get("/admin/plans").await;
    let plan_id = plan_page
        .body
        .split("action=\"/admin/plans/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("plan id")
        .to_string();
    let gets = [
        "/admin".to_string(),
        "/admin/workspaces".into(),
        "/admin/workspaces.csv".into(),
        format!("/admin/workspaces/{ws_id}"),
        "/admin/users".into(),
        "/admin/users.csv".into(),
        format!("/admin/users/{user_id}"),
        "/admin/audit".into(),
        "/admin/audit.csv".into(),
        "/admin/plans".into(),
        "/admin/settings".into(),
    ];
    for path in &gets {
        assert_eq!(
            root.get(path).await.status,
            StatusCode::OK,
            "superadmin GET {path}"
        );
        for b in [&mut owner, &mut admin, &mut member, &mut viewer] {
            let res = b.get(path).await;
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "non-superadmin GET {path}"
            );
            assert!(!res.contains("Acme"));
        }
        let res = anonymous.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous GET {path}");
        assert!(res.location().starts_with("/login"));
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/admin/settings".into(),
            vec![("signup_mode", "invite_only")],
        ),
        (
            "/admin/plans".into(),
            vec![
                ("name", "evil"),
                ("seat_limit", "1"),
                ("storage_limit_mb", "1"),
                ("max_upload_mb", "1"),
            ],
        ),
        (
            format!("/admin/plans/{plan_id}"),
            vec![
                ("name", "evil"),
                ("seat_limit", "1"),
                ("storage_limit_mb", "1"),
                ("max_upload_mb", "1"),
            ],
        ),
        (
            format!("/admin/workspaces/{ws_id}/plan"),
            vec![("plan", "team"), ("seat_limit", "99")],
        ),
        (
            format!("/admin/workspaces/{ws_id}/status"),
            vec![("status", "inactive")],
        ),
        (
            "/admin/workspaces/bulk".into(),
            vec![("action", "deactivate"), ("scope", "all"), ("confirm", "1")],
        ),
        (
            format!("/admin/users/{user_id}/action"),
            vec![("action", "deactivate")],
        ),
        (format!("/admin/users/{user_id}/reset"), vec![]),
        (
            "/admin/users/bulk".into(),
            vec![("action", "deactivate"), ("scope", "all"), ("confirm", "1")],
        ),
    ];
    for (path, form) in &posts {
        for b in [&mut owner, &mut admin, &mut member, &mut viewer] {
            assert_eq!(
                b.post(path, form).await.status,
                StatusCode::NOT_FOUND,
                "non-superadmin POST {path}"
            );
        }
        let res = anonymous.post(path, form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous POST {path}");
    }
    // Nothing changed.
    assert_eq!(
        viewer.get(&format!("/w/{slug}/")).await.status,
        StatusCode::OK
    );
    assert!(
        root.get("/admin/plans").await.contains("free")
            && !root.get("/admin/plans").await.contains("evil")
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM tenants WHERE status = 'inactive'"),
        0
    );
}

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
    assert!(p1.contains("1–50 of 56"));
    let (first, last) = (
        p1.body.find("user00@").expect("user00"),
        p1.body.find("user48@").expect("user48"),
    );
    assert!(
        first < last && !p1.contains("user49@"),
        "ascending by email, 50 a page"
    );
    let p2 = root.get("/admin/users?sort=email&dir=asc&page=2").await;
    assert!(p2.contains("51–56 of 56") && p2.contains("user54@example.com"));
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
            && found.contains("1–1 of 1")
    );
    let supers = root.get("/admin/users?role=superadmin").await;
    assert!(supers.contains("root@example.com") && supers.contains("of 1"));
    let csv = root.get("/admin/users.csv?q=user0").await;
    assert_eq!(csv.body.lines().count(), 11, "header + user00..user09");
}

#[actix_web::test]
async fn deactivating_a_user_signs_them_out_and_reset_links_work_once() {
    let (app, mut root) = with_root().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let ann_id = id_in(
        &root.get("/admin/users").await.body,
        "/admin/users/",
        "ann@example.com",
    );
    root.post(
        &format!("/admin/users/{ann_id}/action"),
        &[("action", "deactivate")],
    )
    .await;
    assert_eq!(ann.get("/account").await.status, StatusCode::SEE_OTHER);
    let res = app
        .browser()
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    root.post(
        &format!("/admin/users/{ann_id}/action"),
        &[("action", "reactivate")],
    )
    .await;
    let mut ann = app.browser();
    ann.login("ann@example.com", PASSWORD).await;
    // Force a reset: link shown once to the admin, Ann signed out.
    let res = root
        .post(&format!("/admin/users/{ann_id}/reset"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = root.get(&format!("/admin/users/{ann_id}")).await;
    let link = page
        .body
        .split("id=\"reset-link\" readonly value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("link")
        .to_string();
    assert!(
        !root
            .get(&format!("/admin/users/{ann_id}"))
            .await
            .contains("reset-link"),
        "shown once"
    );
    assert_eq!(ann.get("/account").await.status, StatusCode::SEE_OTHER);
    let path = link
        .split_once("/reset/")
        .map(|(_, t)| format!("/reset/{t}"))
        .expect("path");
    let mut anon = app.browser();
    assert!(anon.get(&path).await.contains("ann@example.com"));
    let weak = anon
        .post(
            &path,
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = anon
        .post(
            &path,
            &[
                ("new_password", "brand new passphrase"),
                ("confirm_password", "brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/login");
    assert_eq!(
        anon.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "used once"
    );
    app.browser()
        .login("ann@example.com", "brand new passphrase")
        .await;
}

#[actix_web::test]
async fn the_last_superadmin_cannot_be_removed() {
    let (app, mut root) = with_root().await;
    let root_id = id_in(
        &root.get("/admin/users").await.body,
        "/admin/users/",
        "root@example.com",
    );
    root.post(
        &format!("/admin/users/{root_id}/action"),
        &[("action", "revoke_superadmin")],
    )
    .await;
    assert!(root
        .get(&format!("/admin/users/{root_id}"))
        .await
        .contains("last active superadmin"));
    root.post(
        &format!("/admin/users/{root_id}/action"),
        &[("action", "deactivate")],
    )
    .await;
    assert_eq!(
        root.get("/admin").await.status,
        StatusCode::OK,
        "still a superadmin, still active"
    );
    // With a second superadmin it works.
    app.create_account("ann@example.com", "Ann", false);
    let ann_id = id_in(
        &root.get("/admin/users").await.body,
        "/admin/users/",
        "ann@example.com",
    );
    root.post(
        &format!("/admin/users/{ann_id}/action"),
        &[("action", "grant_superadmin")],
    )
    .await;
    let mut ann = app.browser();
    ann.login("ann@example.com", PASSWORD).await;
    assert_eq!(ann.get("/admin").await.status, StatusCode::OK);
    root.post(
        &format!("/admin/users/{root_id}/action"),
        &[("action", "revoke_superadmin")],
    )
    .await;
    assert_eq!(root.get("/admin").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'security.superadmin_%'"
        ),
        2
    );
}

#[actix_web::test]
async fn plans_and_workspace_seats_are_managed_with_validation() {
    let (app, mut root) = with_root().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let ws = id_in(
        &root.get("/admin/workspaces").await.body,
        "/admin/workspaces/",
        "Acme",
    );
    let bad = root
        .post(
            &format!("/admin/workspaces/{ws}/plan"),
            &[("plan", "platinum"), ("seat_limit", "zero")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Choose a plan") && bad.contains("Enter a number of seats"));
    let res = root
        .post(
            &format!("/admin/workspaces/{ws}/plan"),
            &[("plan", "team"), ("seat_limit", "2")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    ann.invite(&slug, "bob@example.com", "member").await;
    let full = ann
        .post(
            &format!("/w/{slug}/invitations"),
            &[("email", "carol@example.com"), ("role", "member")],
        )
        .await;
    assert!(full.contains("2 seats"), "the new limit applies");
    // Plans: create, duplicate refused, rename carries workspaces along.
    let res = root
        .post(
            "/admin/plans",
            &[
                ("name", "enterprise"),
                ("seat_limit", "1000"),
                ("storage_limit_mb", "1000000"),
                ("max_upload_mb", "1000"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let dup = root
        .post(
            "/admin/plans",
            &[
                ("name", "enterprise"),
                ("seat_limit", "1"),
                ("storage_limit_mb", "1"),
                ("max_upload_mb", "1"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = root.get("/admin/plans").await;
    let team_id = page
        .body
        .split("action=\"/admin/plans/")
        .skip(1)
        .find(|s| page.body.contains("value=\"team\"") && s.contains("value=\"team\""))
        .and_then(|s| s.split('"').next())
        .expect("team plan")
        .to_string();
    root.post(
        &format!("/admin/plans/{team_id}"),
        &[
            ("name", "teams"),
            ("seat_limit", "60"),
            ("storage_limit_mb", "20480"),
            ("max_upload_mb", "50"),
        ],
    )
    .await;
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM tenants WHERE plan = 'teams'"),
        1
    );
    let detail = root.get(&format!("/admin/workspaces/{ws}")).await;
    assert!(
        detail.contains("ann@example.com") && detail.contains("admin.workspace_plan"),
        "members and history"
    );
}

#[actix_web::test]
async fn settings_change_signup_sessions_and_throttling_at_once() {
    let (app, mut root) = with_root().await;
    let bad = root
        .post(
            "/admin/settings",
            &[
                ("signup_mode", "open"),
                ("session_idle_minutes", "1"),
                ("session_absolute_hours", "x"),
                ("per_account_minute", "5"),
                ("per_account_hour", "100"),
                ("per_ip_minute", "30"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("from 5 to") && bad.contains("from 1 to"));
    let ok = root
        .post(
            "/admin/settings",
            &[
                ("signup_mode", "invite_only"),
                ("session_idle_minutes", "60"),
                ("session_absolute_hours", "24"),
                ("per_account_minute", "2"),
                ("per_account_hour", "100"),
                ("per_ip_minute", "30"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(!app.state.settings().signup_open);
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    for _ in 0..2 {
        b.post(
            "/login",
            &[("email", "ann@example.com"), ("password", "wrong wrong")],
        )
        .await;
    }
    let res = b
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the new per-minute limit (2) applies"
    );
    let res = app
        .browser()
        .post(
            "/signup",
            &[
                ("name", "X"),
                ("email", "x@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(res.contains("invite-only"));
    // Idle limit 60 minutes: a session idle for two hours is gone.
    let mut carol = app.user("carol@example.com", "Carol").await;
    app.raw_exec(&format!(
        "UPDATE user_sessions SET last_seen_at = '{}' WHERE revoked_at IS NULL",
        atrium::db::UtcTime(chrono::Utc::now() - chrono::Duration::hours(2)).to_db_text()
    ));
    assert_eq!(carol.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.settings_update'"
        ),
        1
    );
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
    assert!(acme.contains("of 1") && acme.contains(">acme<"));
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
