//! Admin plans and workspace seats (with validation), and the instance
//! settings: sign-up, sessions and throttling.

use actix_web::http::StatusCode;

use crate::common::admin::{id_in, with_root};
use crate::common::PASSWORD;

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
    assert!(
        root.get("/admin/plans")
            .await
            .contains("<a href=\"/admin/workspaces?plan=teams\">1</a>"),
        "the renamed plan lists its workspace"
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.plan_create' \
             AND resource_type = 'plan' AND resource_id = 'enterprise'"
        ),
        1,
        "one create audited (the refused duplicate is not)"
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.plan_update' \
             AND resource_type = 'plan' AND resource_id = 'teams'"
        ),
        1
    );
    // The overview counts what is there.
    let overview = root.get("/admin").await;
    for (table, label) in [("tenants", "workspaces"), ("users", "users")] {
        let n = app.raw_count(&format!("SELECT COUNT(*) AS n FROM {table}"));
        assert!(
            overview.contains(&format!("<strong>{n}</strong><span>{label}</span>")),
            "overview shows {n} {label}"
        );
    }
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
