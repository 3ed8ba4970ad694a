//! Batch-update fixtures for the `naming_batch*` tests: two workspaces with
//! the demo naming setup and generated UTM links, the batch form, and
//! starting a batch as the owner.

use actix_web::http::StatusCode;

use atrium::naming::demo::{self, Demo};
use atrium::naming::generate::Outcome;

use super::naming::utm_links;
use super::{Browser, TestApp};

/// Acme (Ann owner, Bob member, Val viewer) with the demo setup and five
/// UTM links, three with source "fb"; Globex (Gus owner) with its own.
pub struct World {
    pub app: TestApp,
    pub ann: Browser,
    pub bob: Browser,
    pub val: Browser,
    pub gus: Browser,
    pub acme: String,
    pub globex: String,
    pub demo: Demo,
}

pub async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme").await;
    let bob = app
        .member(&mut ann, &acme, "bob@example.com", "member")
        .await;
    let val = app
        .member(&mut ann, &acme, "val@example.com", "viewer")
        .await;
    let demo = app.naming_demo(&acme, "ann@example.com");
    for req in [
        utm_links(&demo, "Spring", &["fb", "ig"], "cpc", "spring"),
        utm_links(&demo, "News", &["fb"], "email", "news"),
        utm_links(&demo, "Summer", &["fb", "nl"], "social", "summer"),
    ] {
        let out = app.generate(&acme, "ann@example.com", &req);
        assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    }
    let mut gus = app.user("gus@globex.test", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    let gdemo = app.naming_demo(&globex, "gus@globex.test");
    let out = app.generate(
        &globex,
        "gus@globex.test",
        &utm_links(&gdemo, "Hidden", &["fb"], "cpc", "zeppelin"),
    );
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    World {
        app,
        ann,
        bob,
        val,
        gus,
        acme,
        globex,
        demo,
    }
}

/// The form for `dimension`: `old` → `new` in the UTM rule's link field.
pub fn form(
    w: &World,
    dimension: &str,
    old: (&str, &str),
    new: (&str, &str),
) -> Vec<(String, String)> {
    vec![
        ("rule".into(), w.demo.utm_rule.to_string()),
        ("field".into(), demo::UTM_LINK.into()),
        ("dimension".into(), w.demo.dim(dimension).to_string()),
        ("old_value".into(), w.demo.value(old.0, old.1).to_string()),
        ("new_value".into(), w.demo.value(new.0, new.1).to_string()),
    ]
}

pub fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

pub fn fb_to_ig(w: &World) -> Vec<(String, String)> {
    form(w, "Source", ("Source", "fb"), ("Source", "ig"))
}

/// Starts fb → ig as Ann; returns the batch's page.
pub async fn start_batch(w: &mut World) -> String {
    let f = fb_to_ig(w);
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = res.location();
    assert!(page.starts_with(&format!("/w/{}/naming/batches/", w.acme)));
    page
}

pub fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(&format!("SELECT COUNT(*) AS n FROM {sql}"))
}
