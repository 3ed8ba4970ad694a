//! A string's history in pages of 20, newest first, each version with its
//! diff and rollback button; rolling back from a later page works, the
//! other list's page is kept in the pager links, and another workspace's
//! member gets 404 on every page.

use actix_web::http::StatusCode;

use crate::common::naming::meta_campaign;
use crate::common::{Browser, TestApp};
use atrium::naming::models::StringId;

/// Ann's campaign "de_aw_spring" with 25 versions: the campaign name
/// "spring", then "n01" … "n24".
async fn world() -> (TestApp, Browser, String, StringId) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let req = meta_campaign(&demo, "Spring", "de", "spring", &["broad"], "video1");
    app.generate(&slug, "ann@example.com", &req);
    let id = app.string_in(&slug, "de_aw_spring");
    let text = format!("dim_{}", demo.dim("Campaign name"));
    for i in 1..=24 {
        let res = ann
            .post(
                &format!("/w/{slug}/naming/strings/{id}/edit"),
                &[(&text, &format!("n{i:02}"))],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    assert_eq!(app.versions_of(&slug, id).len(), 25);
    (app, ann, slug, id)
}

fn versions_shown(body: &str) -> usize {
    body.matches("<strong>Version ").count()
}

#[actix_web::test]
async fn the_history_shows_20_versions_newest_first_then_the_other_5_on_page_2() {
    let (_app, mut ann, slug, id) = world().await;
    let page = ann.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(versions_shown(&page.body), 20, "{}", page.body);
    let newest = page.body.find("Version 25</strong>").expect("version 25");
    let oldest = page.body.find("Version 6</strong>").expect("version 6");
    assert!(newest < oldest, "newest first");
    assert!(!page.contains("Version 5</strong>"));
    assert!(page.contains("1–20 of 25"));
    assert!(page.contains("?history_page=2#history"), "{}", page.body);
    assert!(
        page.contains("<del>n19</del> → <ins>n20</ins>"),
        "diff per version"
    );

    let two = ann
        .get(&format!("/w/{slug}/naming/strings/{id}?history_page=2"))
        .await;
    assert_eq!(two.status, StatusCode::OK);
    assert_eq!(versions_shown(&two.body), 5, "{}", two.body);
    assert!(two.contains("Version 5</strong>") && two.contains("Version 1</strong>"));
    assert!(!two.contains("Version 6</strong>"));
    assert!(two.contains("21–25 of 25"));
    assert!(two.contains("<del>spring</del> → <ins>n01</ins>"));
    assert!(two.contains("<del>de_aw_spring</del> → <ins>de_aw_n01</ins>"));
    assert!(two.contains(&format!(
        "/w/{slug}/naming/strings/{id}/versions/1/rollback"
    )));

    // The children's page stays in the history's pager links.
    let both = ann
        .get(&format!(
            "/w/{slug}/naming/strings/{id}?page=2&history_page=2"
        ))
        .await;
    assert!(
        both.contains("?page=2&#38;history_page=1#history"),
        "{}",
        both.body
    );
}

#[actix_web::test]
async fn rolling_back_from_page_2_restores_that_version_as_the_newest() {
    let (app, mut ann, slug, id) = world().await;
    let two = ann
        .get(&format!("/w/{slug}/naming/strings/{id}?history_page=2"))
        .await;
    let action = format!("/w/{slug}/naming/strings/{id}/versions/3/rollback");
    assert!(two.contains(&action));
    let res = ann.post(&action, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(app.has_string(&slug, "de_aw_n02"));
    let versions = app.versions_of(&slug, id);
    assert_eq!(versions.len(), 26);
    assert_eq!(versions[25].change_type, "ROLLBACK");
    let page = ann.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert!(page.contains("Version 26</strong>"));
    assert!(page.contains("<del>n24</del> → <ins>n02</ins>"));
    assert!(page.contains("1–20 of 26"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_page_of_the_history() {
    let (app, _ann, slug, id) = world().await;
    let mut eve = app.user("eve@example.com", "Eve").await;
    let eve_slug = app.workspace(&mut eve, "Evil").await;
    for base in [format!("/w/{slug}"), format!("/w/{eve_slug}")] {
        for q in ["", "?history_page=2"] {
            let page = eve.get(&format!("{base}/naming/strings/{id}{q}")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{base}{q}");
            assert!(!page.contains("de_aw_n") && !page.contains("Version 2"));
        }
        let res = eve
            .post(
                &format!("{base}/naming/strings/{id}/versions/3/rollback"),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{base}");
    }
    assert_eq!(app.versions_of(&slug, id).len(), 25);
}
