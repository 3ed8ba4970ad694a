//! Workspace settings: a changed address redirects members (only) from the
//! old one, and who may take an old address. The logo upload is in
//! `settings_logo`, social links in `settings_links`, roles and isolation of
//! every settings route in `settings_access`.

use actix_web::http::StatusCode;

use crate::common::settings::{count, world};

#[actix_web::test]
async fn settings_slug_change_sends_members_from_the_old_address_to_the_new_one() {
    let mut w = world().await;
    let res = w
        .ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme-corp/settings");
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM slug_redirects WHERE old_slug = 'acme'"
        ),
        1
    );
    // Path and query are kept; the answer is never cached (it depends on who asks).
    let res = w.bob.get("/w/acme/members?page=2&q=x").await;
    assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(res.location(), "/w/acme-corp/members?page=2&q=x");
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(w.bob.get("/w/acme").await.location(), "/w/acme-corp");
    assert_eq!(w.bob.get("/w/acme/").await.location(), "/w/acme-corp/");
    let res = w.bob.hx_get("/w/acme/teams").await;
    assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        res.header("hx-redirect").as_deref(),
        Some("/w/acme-corp/teams")
    );
    assert_eq!(w.bob.get("/w/acme-corp/").await.status, StatusCode::OK);
    // A form posted to the old address is not replayed at the new one.
    let res = w
        .ann
        .post("/w/acme/teams", &[("name", "Late"), ("description", "")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn settings_old_address_is_not_found_for_non_members_and_sends_visitors_to_login() {
    let mut w = world().await;
    w.ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    for path in ["/w/acme/", "/w/acme/members?page=2", "/w/acme/logo"] {
        let res = w.gus.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(
            !res.contains("acme-corp"),
            "GET {path} leaked the new address"
        );
        assert!(res.location().is_empty());
        let mut visitor = w.app.browser();
        let res = visitor.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "visitor GET {path}");
        assert!(
            res.location().starts_with("/login?next="),
            "{}",
            res.location()
        );
        assert!(!res.location().contains("acme-corp"));
        assert!(!res.contains("acme-corp"));
    }
    // An address that is not a valid slug is "not found" before any lookup.
    assert_eq!(w.bob.get("/w/Acme/").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn settings_a_workspace_can_take_its_old_address_back() {
    let mut w = world().await;
    let res = w
        .ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme-corp/settings");
    let res = w
        .ann
        .post(
            "/w/acme-corp/settings",
            &[("name", "Acme"), ("slug", "acme")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme/settings");
    assert_eq!(w.bob.get("/w/acme/").await.status, StatusCode::OK);
    assert_eq!(w.bob.get("/w/acme-corp/").await.location(), "/w/acme/");
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM slug_redirects"),
        1,
        "only acme-corp redirects now"
    );
}

#[actix_web::test]
async fn settings_a_redirected_address_is_taken_for_other_workspaces() {
    let mut w = world().await;
    w.ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    let res = w
        .gus
        .post("/w/new", &[("name", "Acme"), ("slug", "acme")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("taken"));
    let res = w
        .gus
        .post(
            "/w/globex/settings",
            &[("name", "Globex"), ("slug", "acme")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("taken"));
    // A generated address steps around it too.
    let res = w
        .gus
        .post("/w/new", &[("name", "Acme"), ("slug", "")])
        .await;
    assert_eq!(res.location(), "/w/acme-2/");
    // And Bob still lands in Acme.
    assert_eq!(w.bob.get("/w/acme/").await.location(), "/w/acme-corp/");
}
