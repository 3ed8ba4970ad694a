//! Keyset pages: following Next through a list shows every row exactly once,
//! also while rows are being added; filters stay on every page; a tampered
//! cursor shows the first page (never an error); counts stop early; another
//! workspace's member gets 404 whatever the cursor.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use atrium::db::Backend;

use crate::common::{Browser, TestApp};

/// Acme with one approved Meta campaign (its top-level string is
/// `de_aw_spring`), as the naming tests build it.
async fn acme() -> (TestApp, Browser, String) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let de =
        crate::common::naming::meta_campaign(&demo, "Spring", "de", "spring", &["broad"], "video1");
    app.generate(&slug, "ann@example.com", &de);
    (app, ann, slug)
}

/// Adds `n` top-level strings `{tag}_{i}` copied from `de_aw_spring`, the
/// i-th made `i` seconds before `base` (seconds since the epoch).
fn add_roots(app: &TestApp, tag: &str, n: usize, base: i64) {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let at = chrono::DateTime::from_timestamp(base - i as i64, 0)
                .expect("time")
                .format("%Y-%m-%dT%H:%M:%S%.6fZ");
            format!("('{}', '{tag}_{i:04}', '{at}')", uuid::Uuid::now_v7())
        })
        .collect();
    let (id, at) = match app.backend() {
        Backend::Postgres => ("CAST(v.column1 AS uuid)", "CAST(v.column3 AS timestamptz)"),
        Backend::Sqlite => ("v.column1", "v.column3"),
    };
    for chunk in rows.chunks(400) {
        app.raw_exec(&format!(
            "INSERT INTO naming_strings (tenant_id, id, parent_id, field_id, submission_id, rule_id, value, \
             is_auto_generated, generation_metadata, version, created_at, updated_at) \
             SELECT s.tenant_id, {id}, NULL, s.field_id, s.submission_id, s.rule_id, v.column2, \
             s.is_auto_generated, s.generation_metadata, 1, {at}, {at} \
             FROM naming_strings s, (VALUES {}) AS v WHERE s.value = 'de_aw_spring'",
            chunk.join(", ")
        ));
        // What the app moves when it inserts strings (db::counters).
        app.raw_exec(&format!(
            "INSERT INTO tenant_counters (tenant_id, name, value) \
             SELECT s.tenant_id, 'naming.strings', {} FROM naming_strings s WHERE s.value = 'de_aw_spring' \
             ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + excluded.value",
            chunk.len()
        ));
    }
}

/// The tagged values a page shows.
fn tagged(body: &str, tag: &str) -> Vec<String> {
    body.split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .filter(|v| v.starts_with(tag))
        .map(str::to_string)
        .collect()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[actix_web::test]
async fn following_next_shows_every_top_level_string_once_while_strings_are_added() {
    let (app, mut ann, slug) = acme().await;
    // Some strings share their second, so the id breaks ties.
    add_roots(&app, "k", 70, now() - 3600);
    add_roots(&app, "t", 10, now() - 1800);
    add_roots(&app, "u", 10, now() - 1800);
    let base = format!("/w/{slug}/naming/strings");
    let mut seen = Vec::new();
    let mut next = Some(base.clone());
    let mut pages = 0;
    while let Some(url) = next.take() {
        let page = ann.hx_get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(tagged(&page.body, "k_"));
        seen.extend(tagged(&page.body, "t_"));
        seen.extend(tagged(&page.body, "u_"));
        // Someone adds strings while the reader pages.
        if pages == 0 {
            add_roots(&app, "new", 30, now());
        }
        pages += 1;
        next = page.next_link().map(|q| format!("{base}{q}"));
        assert!(pages < 20);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no string twice");
    assert_eq!(seen.len(), 90, "every string once");
    assert!(pages >= 4, "25 top-level strings a page");

    // Previous walks back to the first page, which has no Previous.
    let last = ann.get(&base).await;
    let second = ann
        .get(&format!("{base}{}", last.next_link().expect("next")))
        .await;
    let back = ann
        .get(&format!("{base}{}", second.prev_link().expect("prev")))
        .await;
    assert!(back.prev_link().is_none());
    assert_eq!(tagged(&back.body, "new_"), tagged(&last.body, "new_"));
}

#[actix_web::test]
async fn filters_stay_on_every_page_and_each_match_shows_once() {
    let (app, mut ann, slug) = acme().await;
    add_roots(&app, "k", 60, now() - 60);
    add_roots(&app, "other", 40, now() - 30);
    let base = format!("/w/{slug}/naming/strings");
    let pages = ann.all_pages(&format!("{base}?q=k_"), true).await;
    assert_eq!(pages.len(), 3);
    let mut seen: Vec<String> = Vec::new();
    for p in &pages {
        assert!(tagged(&p.body, "other_").is_empty(), "the filter holds");
        assert!(p.contains("60 matching strings"));
        seen.extend(tagged(&p.body, "k_"));
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (60, 60));
    // The links keep the filter.
    assert!(pages[0].next_link().expect("next").contains("q=k_"));
}

#[actix_web::test]
async fn a_tampered_cursor_shows_the_first_page() {
    let (app, mut ann, slug) = acme().await;
    add_roots(&app, "k", 30, now() - 60);
    let base = format!("/w/{slug}/naming/strings");
    let first = ann.get(&base).await;
    let id = uuid::Uuid::now_v7();
    for q in [
        "after=garbage".to_string(),
        format!("after={id}.not-a-time"),
        format!("before={id}.2026-13-45T99:00:00Z"),
        "before=%00%FF".to_string(),
        format!("after={}", "9".repeat(5000)),
        "after=&before=".to_string(),
    ] {
        for path in [
            format!("{base}?{q}"),
            format!("{base}?q=k_&{q}"),
            format!("/w/{slug}/audit?{q}"),
        ] {
            let res = ann.get(&path).await;
            assert_eq!(res.status, StatusCode::OK, "{path}");
            assert!(res.prev_link().is_none(), "{path}: the first page");
        }
        let res = ann.get(&format!("{base}?{q}")).await;
        assert_eq!(tagged(&res.body, "k_"), tagged(&first.body, "k_"));
    }
}

#[actix_web::test]
async fn counts_stop_early_and_a_broad_filter_says_so() {
    let (app, mut ann, slug) = acme().await;
    add_roots(&app, "k", 1005, now() - 60);
    let base = format!("/w/{slug}/naming/strings");
    // Unfiltered, the exact number comes from the count kept in the database
    // (no rows counted per view), and the whole list pages.
    let all = ann.get(&base).await;
    let total = app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM naming_strings s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = '{slug}'"
    ));
    assert!(total > 1005);
    let shown = format!(
        "{} matching strings",
        atrium::web::pagination::thousands(total)
    );
    assert!(all.contains(&shown), "{shown}: {}", all.body);
    assert!(!all.contains("narrow the filters"));
    let broad = ann.get(&format!("{base}?q=k_")).await;
    assert!(broad.contains("1,000+ matching strings"));
    assert!(broad.contains("narrow the filters"));
    let narrow = ann.get(&format!("{base}?q=k_0999")).await;
    assert!(narrow.contains("1 matching string."));
    assert!(!narrow.contains("narrow the filters"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_whatever_the_cursor() {
    let (app, mut ann, slug) = acme().await;
    add_roots(&app, "k", 30, now() - 60);
    let first = ann.get(&format!("/w/{slug}/naming/strings")).await;
    let next = first.next_link().expect("next");
    let audit_next = format!(
        "?after={}.2026-01-01T00:00:00.000000Z",
        uuid::Uuid::now_v7()
    );
    let mut gus = app.user("gus@example.com", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    for path in [
        format!("/w/{slug}/naming/strings{next}"),
        format!("/w/{slug}/audit{audit_next}"),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("k_00"));
    }
    // Acme's cursor in Globex's own list shows Globex's (empty) list.
    let own = gus.get(&format!("/w/{globex}/naming/strings{next}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(tagged(&own.body, "k_").is_empty());
}

#[actix_web::test]
async fn huge_page_numbers_clamp_instead_of_failing() {
    let (_app, mut ann, slug) = acme().await;
    let huge = "99999999999999999999999999";
    for path in [
        format!("/w/{slug}/naming/rules?page={huge}"),
        format!("/w/{slug}/naming/dimensions?page={huge}"),
        format!("/w/{slug}/naming/submissions?page={huge}"),
        format!("/w/{slug}/naming/batches?page={huge}"),
        format!("/w/{slug}/naming/propagation?page={huge}"),
        format!("/w/{slug}/members?inv_page={huge}"),
        format!("/w/{slug}/teams?page={huge}"),
        format!("/w/{slug}/naming/rules?page=-5"),
        format!("/w/{slug}/naming/rules?page=abc"),
    ] {
        let res = ann.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }
}
