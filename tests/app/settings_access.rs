//! Who may change workspace settings: viewers and members get 403 on every
//! settings post, another workspace's member 404, and nothing changes.

use actix_web::http::StatusCode;

use crate::common::settings::{count, link_id, logo_files, upload, world, World, GIF, PNG};

/// Every settings POST, as (path, form); the logo upload is sent separately.
fn settings_posts(link: &str) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/w/acme/settings".into(),
            vec![("name", "Pwned"), ("slug", "pwned")],
        ),
        ("/w/acme/settings/logo/remove".into(), vec![]),
        (
            "/w/acme/settings/links".into(),
            vec![("platform", "twitter"), ("url", "https://x.com/pwned")],
        ),
        (format!("/w/acme/settings/links/{link}/remove"), vec![]),
        ("/w/acme/settings/deactivate".into(), vec![]),
        (
            "/w/acme/settings/security".into(),
            vec![("require_two_factor", "on")],
        ),
        (
            "/w/acme/settings/about".into(),
            vec![
                ("description", "Pwned"),
                ("website", "https://pwned.example"),
            ],
        ),
    ]
}

async fn acme_with_logo_and_link(w: &mut World) -> String {
    upload(&mut w.ann, "acme", "logo.png", "image/png", PNG).await;
    w.ann
        .post(
            "/w/acme/settings/links",
            &[("platform", "twitter"), ("url", "https://x.com/acme")],
        )
        .await;
    link_id(&w.ann.get("/w/acme/settings").await.body, "X (Twitter)")
}

#[actix_web::test]
async fn settings_viewers_and_members_get_403_on_every_settings_post() {
    let mut w = world().await;
    let link = acme_with_logo_and_link(&mut w).await;
    let mut member = w
        .app
        .member(&mut w.ann, "acme", "mia@example.com", "member")
        .await;
    for (who, b) in [("viewer", &mut w.bob), ("member", &mut member)] {
        for (path, form) in settings_posts(&link) {
            let res = b.post(&path, &form).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} POST {path}");
        }
        let res = upload(b, "acme", "logo.gif", "image/gif", GIF).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} uploads a logo");
        assert!(res.contains("role"), "refused for the role, not the token");
    }
    // Nothing changed.
    let t = w.app.tenant("acme");
    assert_eq!(logo_files(&w.app), vec![format!("{t}.png")]);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM workspace_links WHERE url = 'https://x.com/acme'"
        ),
        1
    );
    assert!(w.ann.get("/w/acme/").await.contains("Acme"));
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_about"),
        0
    );
}

#[actix_web::test]
async fn settings_another_workspaces_member_gets_404_on_every_new_route() {
    let mut w = world().await;
    let link = acme_with_logo_and_link(&mut w).await;
    let res = w.gus.get("/w/acme/logo").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("PNG"));
    assert_eq!(
        w.gus.hx_get("/w/acme/logo").await.status,
        StatusCode::NOT_FOUND
    );
    for (path, form) in settings_posts(&link) {
        let res = w.gus.post(&path, &form).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let res = upload(&mut w.gus, "acme", "logo.gif", "image/gif", GIF).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Acme's link id inside Gus's own workspace is simply not found.
    let res = w
        .gus
        .post(&format!("/w/globex/settings/links/{link}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let t = w.app.tenant("acme");
    assert_eq!(logo_files(&w.app), vec![format!("{t}.png")]);
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_links"),
        1
    );
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_about"),
        0
    );
}
