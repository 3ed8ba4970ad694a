//! String versions through the string page: edits write a version with the
//! right field updates, the history shows a diff per version, rollback
//! restores a version as a new one, collisions write nothing, viewers can't
//! change anything and other workspaces see nothing.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::common::naming::meta_campaign;
use crate::common::{Browser, TestApp};
use atrium::naming::demo::Demo;

async fn world() -> (TestApp, Browser, String, Demo) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let req = meta_campaign(&demo, "Spring", "de", "spring", &["broad", "lal"], "video1");
    app.generate(&slug, "ann@example.com", &req);
    (app, ann, slug, demo)
}

fn objective_field(demo: &Demo) -> String {
    format!("dim_{}", demo.dim("Objective"))
}

#[actix_web::test]
async fn editing_a_value_writes_a_version_with_field_updates_and_original_values() {
    let (app, mut ann, slug, demo) = world().await;
    let id = app.string_in(&slug, "de_aw_spring");
    let page = ann.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(r#"data-copy-text="de_aw_spring""#));
    assert!(page.contains("Meta"), "rule shown");
    assert!(page.contains("de_broad"), "children listed");

    let cv = demo.value("Objective", "cv").to_string();
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/edit"),
            &[(&objective_field(&demo), &cv)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(app.has_string(&slug, "de_cv_spring"));
    assert!(!app.has_string(&slug, "de_aw_spring"));
    let versions = app.versions_of(&slug, id);
    assert_eq!(versions.len(), 2);
    let v2 = &versions[1];
    assert_eq!(v2.version, 2);
    assert_eq!(v2.change_type, "UPDATE");
    assert_eq!(v2.field_updates.0, json!({"Objective": "cv"}));
    assert_eq!(v2.original_values.0, json!({"Objective": "aw"}));
    assert_eq!(v2.string_value, "de_cv_spring");
    assert_eq!(v2.parent_version_id, Some(versions[0].id));
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE id = '{id}' AND version = 2"
        )),
        1
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.string.update'"
        ),
        1
    );
    // Objective is not inherited: no propagation job.
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM naming_propagation_jobs"),
        0
    );
}

#[actix_web::test]
async fn the_history_shows_each_version_with_its_diff_and_rollback_restores_version_one() {
    let (app, mut ann, slug, demo) = world().await;
    let id = app.string_in(&slug, "de_aw_spring");
    let cv = demo.value("Objective", "cv").to_string();
    ann.post(
        &format!("/w/{slug}/naming/strings/{id}/edit"),
        &[(&objective_field(&demo), &cv)],
    )
    .await;
    let text = format!("dim_{}", demo.dim("Campaign name"));
    ann.post(
        &format!("/w/{slug}/naming/strings/{id}/edit"),
        &[(&text, "summer")],
    )
    .await;
    let page = ann.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert!(page.contains("Version 3"));
    assert!(
        page.contains("<del>aw</del> → <ins>cv</ins>"),
        "{}",
        page.body
    );
    assert!(page.contains("<del>spring</del> → <ins>summer</ins>"));
    assert!(page.contains("<del>de_cv_spring</del> → <ins>de_cv_summer</ins>"));
    assert!(page.contains("Rollback to this version"));

    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/versions/1/rollback"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(app.has_string(&slug, "de_aw_spring"));
    let versions = app.versions_of(&slug, id);
    assert_eq!(versions.len(), 4);
    let v4 = &versions[3];
    assert_eq!(v4.change_type, "ROLLBACK");
    assert_eq!(
        v4.field_updates.0,
        json!({"Objective": "aw", "Campaign name": "spring"})
    );
    assert_eq!(
        v4.original_values.0,
        json!({"Objective": "cv", "Campaign name": "summer"})
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.string.rollback'"
        ),
        1
    );
    // Rolling back to what it already is: refused, nothing written.
    let again = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/versions/1/rollback"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.versions_of(&slug, id).len(), 4);
}

#[actix_web::test]
async fn an_edit_that_collides_with_an_existing_string_is_refused_with_a_link_and_writes_nothing() {
    let (app, mut ann, slug, demo) = world().await;
    let other = meta_campaign(&demo, "Autumn", "fr", "spring", &["rt"], "video2");
    app.generate(&slug, "ann@example.com", &other);
    let id = app.string_in(&slug, "de_aw_spring");
    let existing = app.string_in(&slug, "fr_aw_spring");
    let fr = demo.value("Country", "fr").to_string();
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/edit"),
            &[(&format!("dim_{}", demo.dim("Country")), &fr)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("already exists"));
    assert!(res.contains(&format!("/w/{slug}/naming/strings/{existing}")));
    assert_eq!(app.versions_of(&slug, id).len(), 1);
    assert!(app.has_string(&slug, "de_aw_spring"));
    assert!(app.has_string(&slug, "de_broad"));
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'naming.string.%'"),
        0
    );
}

#[actix_web::test]
async fn inherited_values_are_read_only_and_an_unknown_value_is_refused_in_place() {
    let (app, mut ann, slug, demo) = world().await;
    let id = app.string_in(&slug, "de_broad");
    let page = ann.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert!(page.contains("inherited"));
    assert!(page.contains("change it on the parent"));
    // Posting the inherited country anyway changes nothing.
    let fr = demo.value("Country", "fr").to_string();
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/edit"),
            &[(&format!("dim_{}", demo.dim("Country")), &fr)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Nothing changed"));
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/edit"),
            &[(&format!("dim_{}", demo.dim("Audience")), "not-a-value")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a value of Audience"));
    assert_eq!(app.versions_of(&slug, id).len(), 1);
}

#[actix_web::test]
async fn viewers_read_the_string_page_but_cannot_edit_or_roll_back() {
    let (app, mut ann, slug, demo) = world().await;
    let mut vic = app
        .member(&mut ann, &slug, "vic@example.com", "viewer")
        .await;
    let id = app.string_in(&slug, "de_aw_spring");
    let page = vic.get(&format!("/w/{slug}/naming/strings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("Save as a new version"));
    let cv = demo.value("Objective", "cv").to_string();
    let res = vic
        .post(
            &format!("/w/{slug}/naming/strings/{id}/edit"),
            &[(&objective_field(&demo), &cv)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = vic
        .post(
            &format!("/w/{slug}/naming/strings/{id}/versions/1/rollback"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.versions_of(&slug, id).len(), 1);
}

#[actix_web::test]
async fn another_workspace_gets_404_on_the_string_page_edit_and_rollback() {
    let (app, _ann, slug, demo) = world().await;
    let mut eve = app.user("eve@example.com", "Eve").await;
    let eve_slug = app.workspace(&mut eve, "Evil").await;
    let id = app.string_in(&slug, "de_aw_spring");
    let cv = demo.value("Objective", "cv").to_string();
    for base in [format!("/w/{slug}"), format!("/w/{eve_slug}")] {
        let page = eve.get(&format!("{base}/naming/strings/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{base}");
        assert!(!page.contains("de_aw_spring"));
        let res = eve
            .post(
                &format!("{base}/naming/strings/{id}/edit"),
                &[(&objective_field(&demo), &cv)],
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{base}");
        let res = eve
            .post(
                &format!("{base}/naming/strings/{id}/versions/1/rollback"),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{base}");
    }
    assert_eq!(app.versions_of(&slug, id).len(), 1);
}
