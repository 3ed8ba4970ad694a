//! "Validate names": each name parsed against a rule's field, with the failing
//! part and why; uploads; the 10,000-name limit; paging; roles; isolation.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::naming_rules::{
    add_part, create_rule, dimension, past, value, workspace, Ws, CAMPAIGN, META,
};
use crate::common::{Browser, Resp};

/// Acme with rule "Std" on Meta: Campaign = Channel _ Country
/// (Channel: fb, google, and "old" expired; Country: de, fr). Returns the target key.
async fn setup() -> (Ws, String) {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Std", META, true).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let co = dimension(&w.app, w.tenant, "Country", "LIST");
    for v in ["fb", "google"] {
        value(&w.app, w.tenant, ch, v, None);
    }
    value(&w.app, w.tenant, ch, "old", Some(past()));
    for v in ["de", "fr"] {
        value(&w.app, w.tenant, co, v, None);
    }
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    add_part(&mut w.ann, &s, &id, CAMPAIGN, co, "_").await;
    (w, format!("{id}:{CAMPAIGN}"))
}

/// A multipart body (boundary `X`) of text fields and an optional file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--X\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        body.extend_from_slice(
            format!(
                "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--X--\r\n");
    body
}

async fn post_multipart(b: &mut Browser, slug: &str, body: Vec<u8>) -> Resp {
    if b.csrf.is_none() {
        b.get(&format!("/w/{slug}/naming/validate")).await;
    }
    let token = b.csrf.clone().expect("csrf");
    let mut payload = crate::common::csrf_part("X", &token).into_bytes();
    payload.extend_from_slice(&body);
    b.send(
        TestRequest::post()
            .uri(&format!("/w/{slug}/naming/validate"))
            .insert_header(("content-type", "multipart/form-data; boundary=X"))
            .set_payload(payload),
    )
    .await
}

/// The CSV report's rows (without the header), split naively (no commas in these names).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    body.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[actix_web::test]
async fn each_name_is_reported_as_conforming_or_with_the_failing_part_and_why() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let names = "fb_de\n\nxx_de\nfb-de\nfb\nold_fr\ngoogle_fr_extra\n";
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[
                ("target", key.as_str()),
                ("names", names),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let rows = csv_rows(&res.body);
    assert_eq!(rows.len(), 6, "blank lines ignored: {}", res.body);
    let row = |name: &str| rows.iter().find(|r| r[1] == name).expect(name).clone();
    let ok = row("fb_de");
    assert_eq!(ok[2], "yes");
    assert_eq!(ok[6], "Channel = fb; Country = de");
    let unknown = row("xx_de");
    assert_eq!(
        (
            unknown[2].as_str(),
            unknown[3].as_str(),
            unknown[4].as_str()
        ),
        ("no", "Channel", "Unknown value")
    );
    assert!(
        unknown[5].contains("“xx” is not a value of Channel"),
        "{unknown:?}"
    );
    let delim = row("fb-de");
    assert_eq!(
        (delim[3].as_str(), delim[4].as_str()),
        ("Channel", "Wrong delimiter")
    );
    assert!(
        delim[6].contains("Channel = fb"),
        "recognised before the failure: {delim:?}"
    );
    let missing = row("fb");
    assert_eq!(
        (missing[3].as_str(), missing[4].as_str()),
        ("Country", "Missing part")
    );
    let expired = row("old_fr");
    assert_eq!(
        (expired[3].as_str(), expired[4].as_str()),
        ("Channel", "Expired value")
    );
    let trailing = row("google_fr_extra");
    assert_eq!(trailing[4], "Trailing text");

    // The page: totals, failing rows first, ✓ / ✗.
    let page = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", key.as_str()), ("names", names)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("<strong>6</strong> <span class=\"muted\">names</span>"));
    assert!(page.contains("<strong>1</strong> <span class=\"muted\">conform</span>"));
    assert!(
        page.contains("<strong>5</strong> <span class=\"muted\">don&#x27;t</span>")
            || page.contains("<strong>5</strong> <span class=\"muted\">don&#39;t</span>")
            || page.contains("<strong>5</strong> <span class=\"muted\">don't</span>"),
        "{}",
        page.body
    );
    let first_fail = page.body.find("<code>xx_de</code>").expect("xx_de shown");
    let the_ok = page.body.find("<code>fb_de</code>").expect("fb_de shown");
    assert!(first_fail < the_ok, "problems first");
    let only = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[
                ("target", key.as_str()),
                ("names", names),
                ("failing_only", "1"),
            ],
        )
        .await;
    assert!(!only.contains("<code>fb_de</code>") && only.contains("<code>xx_de</code>"));
}

#[actix_web::test]
async fn a_csv_file_is_checked_by_its_first_column() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let file = b"fb_de,spring campaign\n\"google_fr\",x\nnope,y\n";
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(
            &[("target", &key), ("names", ""), ("format", "csv")],
            Some(("names.csv", file)),
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows = csv_rows(&res.body);
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        got,
        vec![("fb_de", "yes"), ("google_fr", "yes"), ("nope", "no")]
    );
    // Shown as a page, the file's names land in the textarea (kept for paging).
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key)], Some(("names.csv", file))),
    )
    .await;
    assert!(
        res.contains("fb_de\ngoogle_fr\nnope</textarea>"),
        "{}",
        res.body
    );
}

#[actix_web::test]
async fn a_csv_file_with_an_unclosed_quote_is_refused_with_its_line() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let file = b"fb_de,x\n\"google_fr,y\nnope,z\n";
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key)], Some(("names.csv", file))),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.contains("That CSV file: Line 2: a quoted field is never closed."),
        "{}",
        res.body
    );
    assert!(!res.contains("<code>fb_de</code>"), "{}", res.body);
}

#[actix_web::test]
async fn ten_thousand_names_are_checked_and_paged_and_one_more_is_refused_with_input_kept() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let mut names: Vec<String> = (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                "fb_de".to_string()
            } else {
                format!("bad{i}_de")
            }
        })
        .collect();
    let text = names.join("\n");
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key), ("names", &text)], None),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{}",
        &res.body[..res.body.len().min(2000)]
    );
    assert!(res.contains("<strong>10000</strong>"));
    assert!(res.contains("1–200 of 10000"));
    assert!(res.contains("name=\"page\" value=\"50\""));
    let page2 = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key), ("names", &text), ("page", "2")], None),
    )
    .await;
    assert!(page2.contains("201–400 of 10000"));

    names.push("fb_fr".into());
    let text = names.join("\n");
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key), ("names", &text)], None),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("That is 10001 names: check at most 10000 at a time."));
    assert!(res.contains("bad9999_de\nfb_fr</textarea>"), "input kept");
    assert!(res.contains(&format!("<option value=\"{key}\" selected>")));
}

#[actix_web::test]
async fn more_than_two_mebibytes_is_refused_with_a_clear_message() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let big = "x".repeat(2 * 1024 * 1024 + 100 * 1024);
    let res = post_multipart(
        &mut w.ann,
        &s,
        multipart(&[("target", &key), ("names", &big)], None),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("more than 2 MiB"));
}

#[actix_web::test]
async fn input_problems_are_shown_beside_the_fields() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let page = w.ann.get(&format!("/w/{s}/naming/validate")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("Std — Campaign"),
        "rule — field pairs with parts"
    );
    assert!(
        !page.contains("Std — Ad set"),
        "fields without parts are not offered"
    );
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", ""), ("names", "fb_de")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a rule and field"));
    assert!(res.contains(">fb_de</textarea>"));
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", key.as_str()), ("names", "\n \n")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Paste at least one name"));
}

#[actix_web::test]
async fn viewers_may_validate_names() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let mut vic = w
        .app
        .member(&mut w.ann, &s, "vic@example.com", "viewer")
        .await;
    let res = vic
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", key.as_str()), ("names", "fb_de")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains("<strong>1</strong> <span class=\"muted\">conform</span>"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_and_cannot_check_against_a_foreign_rule() {
    let (w, key) = setup().await;
    let s = w.slug.clone();
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let res = gus.get(&format!("/w/{s}/naming/validate")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("Std"));
    let res = gus
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", key.as_str()), ("names", "fb_de")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let own = gus.get(&format!("/w/{globex}/naming/validate")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.contains("Std"), "Acme's rules are not offered");
    let res = gus
        .post(
            &format!("/w/{globex}/naming/validate"),
            &[("target", key.as_str()), ("names", "fb_de")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("Channel"));
}

/// Rule "Loose" on Meta: Campaign = `optional` optional free-text parts then
/// a required Channel (fb), all delimited by "_". Returns the target key.
async fn loose_rule(w: &mut Ws, optional: usize) -> String {
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Loose", META, true).await;
    for i in 0..optional {
        let d = dimension(&w.app, w.tenant, &format!("Free{i}"), "TEXT").to_string();
        let res = w
            .ann
            .post(
                &format!("/w/{s}/naming/rules/{id}/fields/{CAMPAIGN}/parts"),
                &[
                    ("dimension_id", d.as_str()),
                    ("prefix", ""),
                    ("suffix", ""),
                    ("delimiter", "_"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    value(&w.app, w.tenant, ch, "fb", None);
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    format!("{id}:{CAMPAIGN}")
}

#[actix_web::test]
async fn names_that_can_be_read_countless_ways_are_answered_and_the_worst_are_too_ambiguous() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    // Nine optional free-text parts and 31-part names: the old backtracking
    // parser did not finish one such name in a minute.
    let key = loose_rule(&mut w, 9).await;
    let segments = vec!["a"; 30].join("_");
    let names: Vec<String> = (0..50)
        .map(|i| format!("{segments}_x{i}"))
        .chain(["a_b_fb".to_string()])
        .collect();
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[
                ("target", key.as_str()),
                ("names", &names.join("\n")),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows = csv_rows(&res.body);
    assert_eq!(rows.len(), 51);
    let ok = rows.iter().find(|r| r[1] == "a_b_fb").expect("a_b_fb");
    assert_eq!(ok[2], "yes", "{ok:?}");
    let bad = rows.iter().find(|r| r[1] == names[0]).expect("first name");
    assert_eq!(
        (bad[2].as_str(), bad[3].as_str()),
        ("no", "Channel"),
        "{bad:?}"
    );

    // Nineteen such parts and a 300-part name: over the step budget, said so.
    let mut w = workspace().await;
    let s = w.slug.clone();
    let key = loose_rule(&mut w, 19).await;
    let worst = format!("{}_x", vec!["a"; 300].join("_"));
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[("target", key.as_str()), ("names", &format!("{worst}\nfb"))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains("Too ambiguous"), "{}", res.body);
    assert!(res.contains("too many ways"));
    assert!(res.contains("<strong>1</strong> <span class=\"muted\">conform</span>"));
}

#[actix_web::test]
async fn an_overlong_name_is_refused_before_checking_with_input_kept() {
    let (mut w, key) = setup().await;
    let s = w.slug.clone();
    let long = "fb_".repeat(400);
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/validate"),
            &[
                ("target", key.as_str()),
                ("names", &format!("fb_de\n{long}")),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.contains("Name 2 is longer than 1000 characters"),
        "{}",
        res.body
    );
    assert!(res.contains("fb_de\nfb_fb_"), "input kept");
}

#[actix_web::test]
async fn a_field_takes_at_most_twenty_parts() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let key = loose_rule(&mut w, 19).await;
    let (id, _) = key.split_once(':').expect("key");
    let d = dimension(&w.app, w.tenant, "OneTooMany", "TEXT").to_string();
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules/{id}/fields/{CAMPAIGN}/parts"),
            &[("dimension_id", d.as_str()), ("delimiter", "_")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains("already has 20 parts"), "{}", res.body);
}
