//! The strings page: the tree and its pagination, every filter, copy
//! buttons and flags, UTM links, the CSV and JSON exports, roles, and
//! another workspace's members getting 404.

use actix_web::http::StatusCode;
use atrium::naming::demo::{self, Demo};

use crate::common::naming::{meta_campaign, utm_request};
use crate::common::{Browser, TestApp};

struct World {
    app: TestApp,
    ann: Browser,
    slug: String,
    demo: Demo,
}

/// Acme with two Meta campaigns (de: 2 ad sets, approved; fr: 1 ad set,
/// submitted) and a draft of UTM links.
async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let de = meta_campaign(&demo, "Spring", "de", "spring", &["broad", "lal"], "video1");
    app.generate(&slug, "ann@example.com", &de);
    let fr = meta_campaign(&demo, "Summer", "fr", "summer", &["rt"], "img2");
    app.generate(&slug, "ann@example.com", &fr);
    let links = utm_request(&demo, "Links", &["fb"], &["cpc"], "Spring Sale");
    app.generate(&slug, "ann@example.com", &links);
    let sid = app.submission_id("Spring");
    let res = ann
        .post(
            &format!("/w/{slug}/naming/submissions/{sid}/approve"),
            &[("comment", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    World {
        app,
        ann,
        slug,
        demo,
    }
}

/// The string values shown in the tree, in order.
fn values(body: &str) -> Vec<String> {
    body.split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .filter(|v| !v.starts_with("http"))
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn the_tree_nests_descendants_under_their_top_level_string() {
    let mut w = world().await;
    let res = w.ann.get(&format!("/w/{}/naming/strings", w.slug)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v = values(&res.body);
    // Newest tree first; children after their parent.
    let pos = |s: &str| {
        v.iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s}: {v:?}"))
    };
    assert!(pos("de_aw_spring") < pos("de_broad") && pos("de_broad") < pos("de_broad_video1"));
    assert!(pos("de_broad_video1") < pos("de_lal"));
    assert!(pos("fb|cpc|Spring Sale") < pos("fr_aw_summer"));
    assert!(res.contains("<li class=\"depth-2\">"));
    assert!(res.contains("data-copy-text=\"de_lal_video1\""));
    assert!(
        res.contains("badge-approved")
            && res.contains("badge-submitted")
            && res.contains("badge-draft")
    );
    let id = w.app.string_id("de_aw_spring");
    assert!(res.contains(&format!("/w/{}/naming/strings/{id}\"", w.slug)));
    assert!(res.contains(&format!("/w/{}/naming/submissions/new?parent={id}", w.slug)));
    assert!(res.contains("9 matching strings"));
}

#[actix_web::test]
async fn the_tree_paginates_by_top_level_string() {
    let mut w = world().await;
    // 3 × 3 links per submission, three submissions: 27 more top-level strings.
    for n in 0..3 {
        let req = utm_request(
            &w.demo,
            &format!("Batch {n}"),
            &["fb", "ig", "nl"],
            &["cpc", "social", "email"],
            &format!("b{n}"),
        );
        w.app.generate(&w.slug, "ann@example.com", &req);
    }
    let base = format!("/w/{}/naming/strings", w.slug);
    let first = w.ann.get(&base).await;
    assert!(first.prev_link().is_none(), "{}", first.body);
    let next = first.next_link().expect("a second page");
    let second = w.ann.hx_get(&format!("{base}{next}")).await;
    assert!(!second.contains("<html"));
    assert!(second.next_link().is_none() && second.prev_link().is_some());
    // The oldest trees, whole, on page 2.
    let v = values(&second.body);
    assert!(v.contains(&"de_broad_video1".to_string()), "{v:?}");
    assert!(v.contains(&"fr_rt_img2".to_string()));
    // The three oldest trees (5 + 3 + 1) and the two oldest links of batch 0.
    assert_eq!(v.len(), 11, "{v:?}");
}

#[actix_web::test]
async fn each_filter_narrows_the_tree_and_matches_keep_their_ancestors() {
    let mut w = world().await;
    let base = format!("/w/{}/naming/strings", w.slug);
    let get = |q: String| format!("{base}?{q}");

    // Value contains: the match, under its (greyed) ancestors.
    let res = w.ann.get(&get("q=lal_video".into())).await;
    assert_eq!(
        values(&res.body),
        ["de_aw_spring", "de_lal", "de_lal_video1"]
    );
    assert!(res.contains("depth-0 context") && res.contains("1 matching string."));

    let res = w.ann.get(&get(format!("rule={}", w.demo.utm_rule))).await;
    assert_eq!(values(&res.body), ["fb|cpc|Spring Sale"]);

    let res = w
        .ann
        .get(&get(format!("platform={}", demo::META_ADS)))
        .await;
    assert_eq!(values(&res.body).len(), 8);

    let res = w
        .ann
        .get(&get(format!("field={}", demo::META_AD_SET)))
        .await;
    let v = values(&res.body);
    assert!(v.contains(&"de_broad".to_string()) && v.contains(&"fr_rt".to_string()));
    assert!(res.contains("3 matching strings"));

    let res = w
        .ann
        .get(&get(format!("value={}", w.demo.value("Audience", "rt"))))
        .await;
    assert_eq!(values(&res.body), ["fr_aw_summer", "fr_rt", "fr_rt_img2"]);
    assert!(res.contains("2 matching strings"));

    let res = w.ann.get(&get("status=APPROVED".into())).await;
    let v = values(&res.body);
    assert_eq!(v.len(), 5);
    assert!(v.iter().all(|s| s.starts_with("de_")));

    let today = chrono::Utc::now().date_naive();
    let res = w.ann.get(&get(format!("from={today}&to={today}"))).await;
    assert_eq!(values(&res.body).len(), 9);
    let res = w.ann.get(&get("to=2020-01-01".into())).await;
    assert!(values(&res.body).is_empty() && res.contains("No strings match"));
    let res = w.ann.get(&get("from=yesterday".into())).await;
    assert!(res.contains("must be a date"));
    // A made-up id matches nothing rather than everything.
    let res = w.ann.get(&get("rule=nonsense".into())).await;
    assert!(values(&res.body).is_empty());
}

#[actix_web::test]
async fn utm_strings_show_the_tagged_url_from_the_values_utm_codes() {
    let mut w = world().await;
    let base = format!("/w/{}/naming/strings?rule={}", w.slug, w.demo.utm_rule);
    let res = w.ann.get(&base).await;
    assert!(
        res.contains("https://example.com/?utm_source=facebook&#38;utm_medium=cpc&#38;utm_campaign=Spring%20Sale"),
        "{}",
        res.body
    );
    let res = w
        .ann
        .get(&format!("{base}&landing=https%3A%2F%2Fshop.example%2Fsale"))
        .await;
    assert!(res.contains("https://shop.example/sale?utm_source=facebook"));
    // Meta strings get none.
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings?q=de_", w.slug))
        .await;
    assert!(!res.contains("utm_source"));
}

#[actix_web::test]
async fn strings_using_a_value_that_expired_since_are_flagged() {
    let mut w = world().await;
    w.app
        .raw_exec("UPDATE naming_dimension_values SET status = 'INACTIVE' WHERE value = 'fr'");
    let res = w.ann.get(&format!("/w/{}/naming/strings", w.slug)).await;
    assert!(res.contains("⚠ uses expired value fr"), "{}", res.body);
    assert!(!res.contains("uses expired value de"));
}

#[actix_web::test]
async fn the_exports_hold_exactly_the_filtered_strings() {
    let mut w = world().await;
    // Everything matching, not one page: CSV with a column per dimension.
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.csv", w.slug))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let lines: Vec<&str> = res.body.lines().collect();
    assert_eq!(lines.len(), 1 + 9, "{}", res.body);
    assert!(lines[0].starts_with(
        "id,parent_id,rule,platform,field,level,value,version,status,submission,created_at,"
    ));
    assert!(lines[0]
        .contains("Audience,Campaign name,Country,Creative,Medium,Objective,Source,utm_url"));
    let row = lines
        .iter()
        .find(|l| l.contains(",de_lal_video1,"))
        .expect("row");
    assert!(
        row.contains(",APPROVED,Spring,") && row.contains(",lal,,de,video1,"),
        "{row}"
    );

    let q = format!("value={}", w.demo.value("Audience", "rt"));
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.csv?{q}", w.slug))
        .await;
    let lines: Vec<&str> = res.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", res.body);
    assert!(lines[1..].iter().all(|l| l.contains(",fr_rt")));
    assert!(!lines[0].contains("Source"));

    let res = w
        .ann
        .get(&format!(
            "/w/{}/naming/strings.json?rule={}",
            w.slug, w.demo.utm_rule
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let rows: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["value"], "fb|cpc|Spring Sale");
    assert_eq!(rows[0]["details"]["Source"], "fb");
    assert_eq!(rows[0]["status"], "DRAFT");
    assert_eq!(
        rows[0]["utm_url"],
        "https://example.com/?utm_source=facebook&utm_medium=cpc&utm_campaign=Spring%20Sale"
    );
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.json?q=lal", w.slug))
        .await;
    let rows: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let mut got: Vec<&str> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["value"].as_str())
        .collect();
    got.sort();
    assert_eq!(got, ["de_lal", "de_lal_video1"]);
    assert!(rows[0]["parent_id"].is_string());
}

#[actix_web::test]
async fn viewers_read_strings_and_exports() {
    let mut w = world().await;
    let mut vic = w
        .app
        .member(&mut w.ann, &w.slug, "vic@example.com", "viewer")
        .await;
    let res = vic.get(&format!("/w/{}/naming/strings", w.slug)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains("de_aw_spring") && !res.contains("add children"));
    assert_eq!(
        vic.get(&format!("/w/{}/naming/strings.csv", w.slug))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_the_strings_pages_and_exports() {
    let w = world().await;
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for path in [
        format!("/w/{}/naming/strings", w.slug),
        format!("/w/{}/naming/strings?q=de", w.slug),
        format!("/w/{}/naming/strings.csv", w.slug),
        format!("/w/{}/naming/strings.json", w.slug),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("de_aw_spring"));
    }
    // Their own workspace, filtered by Acme's ids, shows and exports nothing.
    let q = format!(
        "rule={}&value={}",
        w.demo.meta_rule,
        w.demo.value("Country", "de")
    );
    for path in [
        format!("/w/{globex}/naming/strings?{q}"),
        format!("/w/{globex}/naming/strings"),
        format!("/w/{globex}/naming/strings.csv"),
        format!("/w/{globex}/naming/strings.json?{q}"),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(
            !res.contains("de_aw_spring") && !res.contains("Meta standard"),
            "{path}"
        );
    }
}
