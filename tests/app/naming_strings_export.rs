//! The strings page's CSV and JSON exports over more strings than one page of
//! the export (500): streamed a page at a time, every matching string exactly
//! once, the filters applied, another workspace's member kept out.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};
use atrium::naming::demo;

/// Ad sets in the bulk campaign: three pages of the export.
const AD_SETS: usize = 1_200;

struct World {
    app: TestApp,
    ann: Browser,
    slug: String,
    rule: String,
    /// Every string of the workspace (the demo's and the bulk campaign's).
    total: usize,
}

/// Ann's workspace with the demo setup and a bulk campaign "de_bulk" of
/// 1,200 ad sets "de_s0000"…"de_s1199".
async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let (rule, _) = app.bulk_tree(&slug, "ann@example.com", &demo, AD_SETS, 0);
    let total = app.raw_count("SELECT COUNT(*) AS n FROM naming_strings") as usize;
    assert!(total > AD_SETS, "the demo's strings and the campaign too");
    World {
        app,
        ann,
        slug,
        rule: rule.rule.to_string(),
        total,
    }
}

fn ad_set(i: usize) -> String {
    format!("de_s{i:04}")
}

/// How many times each value occurs in an export's values.
fn tally<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut n = HashMap::new();
    for v in values {
        *n.entry(v).or_insert(0) += 1;
    }
    n
}

/// The CSV's rows, split on commas (the bulk strings need no quoting), and
/// the header.
fn csv_rows(body: &str) -> (Vec<&str>, Vec<Vec<&str>>) {
    let mut lines = body.lines();
    let header = lines.next().expect("header").split(',').collect();
    (header, lines.map(|l| l.split(',').collect()).collect())
}

#[actix_web::test]
async fn the_csv_export_streams_a_header_and_every_string_exactly_once() {
    let mut w = world().await;
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.csv", w.slug))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    assert_eq!(
        res.header("content-disposition").as_deref(),
        Some("attachment; filename=\"strings.csv\"")
    );
    let (header, rows) = csv_rows(&res.body);
    assert_eq!(
        header[..11],
        [
            "id",
            "parent_id",
            "rule",
            "platform",
            "field",
            "level",
            "value",
            "version",
            "status",
            "submission",
            "created_at"
        ]
    );
    assert!(header.contains(&"Ad set name") && header.last() == Some(&"utm_url"));
    assert_eq!(
        res.body.matches("id,parent_id,").count(),
        1,
        "one header, not one per page"
    );
    assert_eq!(rows.len(), w.total, "every string, not one page");
    let ids: HashSet<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(ids.len(), w.total, "no string twice");
    let values = tally(rows.iter().map(|r| r[6]));
    for i in 0..AD_SETS {
        assert_eq!(values.get(ad_set(i).as_str()), Some(&1), "{}", ad_set(i));
    }
    assert_eq!(values.get("de_bulk"), Some(&1));
}

#[actix_web::test]
async fn the_json_export_is_one_array_with_every_string_exactly_once() {
    let mut w = world().await;
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.json", w.slug))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        res.header("content-disposition").as_deref(),
        Some("attachment; filename=\"strings.json\"")
    );
    let rows: serde_json::Value = serde_json::from_str(&res.body).expect("valid json");
    let rows = rows.as_array().expect("one array");
    assert_eq!(rows.len(), w.total);
    let ids: HashSet<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), w.total, "no string twice");
    let values = tally(rows.iter().filter_map(|r| r["value"].as_str()));
    for i in 0..AD_SETS {
        assert_eq!(values.get(ad_set(i).as_str()), Some(&1), "{}", ad_set(i));
    }
    let first = rows
        .iter()
        .find(|r| r["value"] == "de_s0000")
        .expect("de_s0000");
    assert_eq!(first["details"]["Ad set name"], "s0000");
    assert!(first["parent_id"].is_string());
}

#[actix_web::test]
async fn the_exports_apply_the_filters_across_pages() {
    let mut w = world().await;
    // The bulk rule: the campaign and its ad sets, over three pages.
    let res = w
        .ann
        .get(&format!(
            "/w/{}/naming/strings.json?rule={}",
            w.slug, w.rule
        ))
        .await;
    let rows: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), AD_SETS + 1);
    assert!(
        rows.iter().all(|r| r["rule"] == "Bulk"),
        "only the bulk rule"
    );

    // Value contains "de_s11": de_s1100…de_s1199.
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.csv?q=DE_S11", w.slug))
        .await;
    let (header, rows) = csv_rows(&res.body);
    assert_eq!(header[0], "id");
    let mut got: Vec<&str> = rows.iter().map(|r| r[6]).collect();
    got.sort();
    let want: Vec<String> = (1_100..1_200).map(ad_set).collect();
    assert_eq!(got, want);

    // The ad set field, and nothing when an id can't be read.
    let field = demo::id::<atrium::naming::models::FieldId>(demo::META_AD_SET).to_string();
    let res = w
        .ann
        .get(&format!(
            "/w/{}/naming/strings.json?field={field}&rule={}",
            w.slug, w.rule
        ))
        .await;
    let rows: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(AD_SETS));
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.json?rule=nope", w.slug))
        .await;
    assert_eq!(res.body, "[]");
    let res = w
        .ann
        .get(&format!("/w/{}/naming/strings.csv?rule=nope", w.slug))
        .await;
    assert_eq!(res.body.lines().count(), 1, "the header alone");
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_and_none_of_the_exported_strings() {
    let w = world().await;
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for path in [
        format!("/w/{}/naming/strings.csv", w.slug),
        format!("/w/{}/naming/strings.json", w.slug),
        format!("/w/{}/naming/strings.json?rule={}", w.slug, w.rule),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("de_s0") && !res.contains("de_bulk"), "{path}");
    }
    // Their own workspace, filtered by Acme's rule: nothing of Acme's.
    for path in [
        format!("/w/{globex}/naming/strings.csv?rule={}", w.rule),
        format!("/w/{globex}/naming/strings.json?rule={}", w.rule),
        format!("/w/{globex}/naming/strings.json"),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(!res.contains("de_s0") && !res.contains("de_bulk"), "{path}");
    }
}
