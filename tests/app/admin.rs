//! The superadmin area: who may enter, deactivating users (and their reset
//! links), and keeping the last superadmin. The list machinery is in
//! `admin_lists`, plans and instance settings in `admin_settings`.

use actix_web::http::StatusCode;

use crate::common::admin::{id_in, with_root};
use crate::common::PASSWORD;

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
