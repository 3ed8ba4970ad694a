//! A submission's page lists its strings 100 at a time in tree order (a
//! parent right before its children, depths kept across the page break);
//! another workspace's member gets 404 on every page and sees no string.

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};

/// Ann's workspace with the bulk submission: de_bulk, 60 ad sets de_s0000…
/// de_s0059 and one ad under each (de_s0000_c00, …): 121 strings.
async fn world() -> (TestApp, Browser, String, String) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    app.bulk_tree(&slug, "ann@example.com", &demo, 60, 1);
    let path = format!("/w/{slug}/naming/submissions/{}", app.submission_id("Bulk"));
    (app, ann, slug, path)
}

/// The shown strings as (depth, value), in page order.
fn shown(body: &str) -> Vec<(usize, String)> {
    body.split("<li class=\"depth-")
        .skip(1)
        .map(|li| {
            let depth = li[..li.find('"').unwrap_or(0)].parse().unwrap_or(99);
            let value = li
                .split("<code>")
                .nth(1)
                .and_then(|c| c.split("</code>").next())
                .unwrap_or("")
                .to_string();
            (depth, value)
        })
        .collect()
}

#[actix_web::test]
async fn a_big_submission_pages_its_strings_in_tree_order() {
    let (app, mut ann, _slug, path) = world().await;
    // A draft, so that the page offers to delete it.
    app.raw_exec("UPDATE naming_submissions SET status = 'DRAFT' WHERE name = 'Bulk'");
    let res = ann.get(&path).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains("Strings (121)"), "{}", res.body);
    assert!(res.contains("Page 1 of 2"));
    assert!(res.contains("page=2#strings"), "{}", res.body);
    assert!(
        res.contains("its 121 string(s)"),
        "the delete confirmation counts all"
    );
    let page1 = shown(&res.body);
    assert_eq!(page1.len(), 100);
    assert_eq!(page1[0], (0, "de_bulk".to_string()));
    assert_eq!(page1[1], (1, "de_s0000".to_string()));
    assert_eq!(page1[2], (2, "de_s0000_c00".to_string()));
    assert_eq!(page1[99], (1, "de_s0049".to_string()));

    let res = ann.get(&format!("{path}?page=2")).await;
    let page2 = shown(&res.body);
    assert_eq!(page2.len(), 21);
    assert_eq!(
        page2[0],
        (2, "de_s0049_c00".to_string()),
        "its parent ended page 1"
    );
    assert_eq!(page2[20], (2, "de_s0059_c00".to_string()));
    assert!(res.contains("Page 2 of 2"));

    let res = ann.get(&format!("{path}?page=9")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(shown(&res.body).is_empty());
    assert!(res.contains("No strings on this page"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_page() {
    let (app, _ann, slug, path) = world().await;
    let mut gus = app.user("gus@example.com", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    for p in [path.clone(), format!("{path}?page=2")] {
        let res = gus.get(&p).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(!res.contains("de_s00"));
        let res = gus.get(&p.replace(&slug, &globex)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(!res.contains("de_s00"));
    }
}
