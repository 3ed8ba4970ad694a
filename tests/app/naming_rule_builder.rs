//! The rule builder: parts added / edited / moved / removed with htmx
//! (fragments) and without (303), messages beside the controls (422), the
//! preview is what the core composes, warnings, and viewers read only.

use actix_web::http::StatusCode;
use std::collections::HashMap;

use crate::common::naming_rules::{
    add_part, count, create_rule, dimension, hx_post, parts, past, tc, value, workspace, CAMPAIGN,
    META,
};
use atrium::naming::models::{FieldId, RuleId};

#[actix_web::test]
async fn the_builder_adds_edits_moves_and_removes_parts_with_htmx_fragments() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Builder", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let co = dimension(&w.app, w.tenant, "Country", "LIST");
    value(&w.app, w.tenant, ch, "fb", None);
    value(&w.app, w.tenant, co, "de", None);
    w.ann.get(&format!("/w/{s}/naming/rules/{id}")).await;
    let base = format!("/w/{s}/naming/rules/{id}");
    for d in [ch, co] {
        let d = d.to_string();
        let res = hx_post(
            &mut w.ann,
            &format!("{base}/fields/{CAMPAIGN}/parts"),
            &[
                ("dimension_id", &d),
                ("prefix", ""),
                ("suffix", ""),
                ("delimiter", "_"),
                ("is_required", "on"),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(!res.contains("<html"), "a fragment, not a page");
        assert!(res.contains(&format!("id=\"field-{CAMPAIGN}\"")));
        assert!(
            res.contains("hx-swap-oob"),
            "page warnings travel out of band"
        );
    }
    let now = parts(&w.app, w.tenant, &id, CAMPAIGN);
    assert_eq!(
        now.iter().map(|p| p.dimension_id).collect::<Vec<_>>(),
        vec![ch, co]
    );
    // Move Country up: the swap passes the unique (rule, field, order) key.
    let country = now[1].id.to_string();
    let res = hx_post(
        &mut w.ann,
        &format!("{base}/parts/{country}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.contains("<code class=\"preview-string\">de_fb</code>"),
        "{}",
        res.body
    );
    let now = parts(&w.app, w.tenant, &id, CAMPAIGN);
    assert_eq!(
        now.iter().map(|p| p.dimension_id).collect::<Vec<_>>(),
        vec![co, ch]
    );
    // Up again at the top: nothing moves.
    hx_post(
        &mut w.ann,
        &format!("{base}/parts/{country}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN)[0].dimension_id, co);
    // Edit inline.
    let res = hx_post(
        &mut w.ann,
        &format!("{base}/parts/{country}"),
        &[("prefix", "c-"), ("suffix", ""), ("delimiter", "__")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains("c-de__fb"), "{}", res.body);
    let p = &parts(&w.app, w.tenant, &id, CAMPAIGN)[0];
    assert_eq!(
        (p.prefix.as_str(), p.delimiter.as_str(), p.is_required),
        ("c-", "__", false)
    );
    // Remove.
    let res = hx_post(&mut w.ann, &format!("{base}/parts/{country}/remove"), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.contains("<html"));
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN).len(), 1);
    for action in ["create", "move", "update", "delete"] {
        assert!(
            count(&w.app, &format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.rule_detail.{action}'")) >= 1,
            "audited: {action}"
        );
    }
}

#[actix_web::test]
async fn without_javascript_builder_forms_post_and_redirect_back() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Plain", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let co = dimension(&w.app, w.tenant, "Country", "LIST");
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    add_part(&mut w.ann, &s, &id, CAMPAIGN, co, "_").await;
    let first = parts(&w.app, w.tenant, &id, CAMPAIGN)[0].id.to_string();
    let base = format!("/w/{s}/naming/rules/{id}");
    let res = w
        .ann
        .post(
            &format!("{base}/parts/{first}/move"),
            &[("direction", "down")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("{base}#field-{CAMPAIGN}"));
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN)[1].dimension_id, ch);
    let res = w
        .ann
        .post(
            &format!("{base}/parts/{first}"),
            &[
                ("prefix", "x"),
                ("suffix", "y"),
                ("delimiter", "-"),
                ("is_required", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w
        .ann
        .post(&format!("{base}/parts/{first}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN).len(), 1);
}

#[actix_web::test]
async fn bad_part_input_gets_its_message_beside_the_control_with_the_input_kept() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Strict", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let co = dimension(&w.app, w.tenant, "Country", "LIST");
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    let part = parts(&w.app, w.tenant, &id, CAMPAIGN)[0].id.to_string();
    let base = format!("/w/{s}/naming/rules/{id}");
    w.ann.get(&base).await;

    // A delimiter over 10 characters, with htmx: the fragment, 422, input kept.
    let res = hx_post(
        &mut w.ann,
        &format!("{base}/parts/{part}"),
        &[
            ("prefix", "pre"),
            ("suffix", ""),
            ("delimiter", "ABCDEFGHIJK"),
            ("is_required", "on"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!res.contains("<html"));
    assert!(
        res.contains("value=\"ABCDEFGHIJK\" size=\"3\" class=\"invalid\""),
        "{}",
        res.body
    );
    assert!(res.contains("A delimiter has at most 10 characters."));
    assert!(res.contains("value=\"pre\""));
    assert_eq!(
        parts(&w.app, w.tenant, &id, CAMPAIGN)[0].delimiter,
        "_",
        "nothing saved"
    );

    // The same without htmx: the whole page, 422.
    let res = w
        .ann
        .post(
            &format!("{base}/parts/{part}"),
            &[
                ("prefix", "p".repeat(21).as_str()),
                ("suffix", ""),
                ("delimiter", "_"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("<html") && res.contains("A prefix has at most 20 characters."));

    // Adding a dimension already in the field; a suffix too long.
    let d = ch.to_string();
    let res = hx_post(
        &mut w.ann,
        &format!("{base}/fields/{CAMPAIGN}/parts"),
        &[
            ("dimension_id", &d),
            ("prefix", ""),
            ("suffix", ""),
            ("delimiter", "_"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.contains("Channel is already in Campaign."),
        "{}",
        res.body
    );
    let d = co.to_string();
    let long = "s".repeat(21);
    let res = hx_post(
        &mut w.ann,
        &format!("{base}/fields/{CAMPAIGN}/parts"),
        &[
            ("dimension_id", &d),
            ("prefix", ""),
            ("suffix", long.as_str()),
            ("delimiter", "_"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("A suffix has at most 20 characters."));
    assert!(
        res.contains(&format!("value=\"{long}\"")),
        "typed suffix kept"
    );
    assert!(
        res.contains(&format!("<option value=\"{co}\" selected>")),
        "chosen dimension kept"
    );
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN).len(), 1);
}

#[actix_web::test]
async fn the_preview_is_exactly_what_compose_gives_and_own_values_can_be_tried() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Preview", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let nm = dimension(&w.app, w.tenant, "Campaign name", "TEXT");
    value(&w.app, w.tenant, ch, "aa", Some(past()));
    value(&w.app, w.tenant, ch, "fb", None);
    value(&w.app, w.tenant, ch, "google", None);
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    add_part(&mut w.ann, &s, &id, CAMPAIGN, nm, "_").await;

    let rule: RuleId = id.parse().expect("id");
    let field: FieldId = CAMPAIGN.parse().expect("id");
    let today = atrium::naming::parts::today();
    let core_parts = tc(&w.app, w.tenant)
        .read(|c, t| {
            Ok(atrium::naming::parts::RuleParts::load(c, t, rule)?.core_parts(field, today))
        })
        .expect("parts");
    let sample: HashMap<String, String> = [
        ("Channel".to_string(), "fb".to_string()),
        ("Campaign name".to_string(), "CAMPAIGNNAME".to_string()),
    ]
    .into();
    let expected = atrium::naming::core::compose(&core_parts, &sample).expect("compose");
    assert_eq!(expected, "fb_CAMPAIGNNAME");
    let page = w.ann.get(&format!("/w/{s}/naming/rules/{id}")).await;
    assert!(
        page.contains(&format!("<code class=\"preview-string\">{expected}</code>")),
        "{}",
        page.body
    );

    let (chk, nmk) = (format!("value_{ch}"), format!("value_{nm}"));
    let res = hx_post(
        &mut w.ann,
        &format!("/w/{s}/naming/rules/{id}/fields/{CAMPAIGN}/try"),
        &[(chk.as_str(), "google"), (nmk.as_str(), "spring")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.contains("<code class=\"preview-string\">google_spring</code>"),
        "{}",
        res.body
    );
    let res = hx_post(
        &mut w.ann,
        &format!("/w/{s}/naming/rules/{id}/fields/{CAMPAIGN}/try"),
        &[(chk.as_str(), "aa"), (nmk.as_str(), "spring")],
    )
    .await;
    assert!(res.contains("outside its validity window"), "{}", res.body);
    assert!(res.contains("value=\"aa\""), "typed value kept");
}

#[actix_web::test]
async fn the_builder_warns_about_empty_fields_and_lists_with_no_usable_value() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Warn", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    value(&w.app, w.tenant, ch, "old", Some(past()));
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    let page = w.ann.get(&format!("/w/{s}/naming/rules/{id}")).await;
    assert!(
        page.contains("Ad set has no dimensions: strings can&#x27;t be generated for it.")
            || page.contains("Ad set has no dimensions: strings can't be generated for it.")
            || page.contains("Ad set has no dimensions: strings can&#39;t be generated for it."),
        "{}",
        page.body
    );
    assert!(!page.contains("Campaign has no dimensions"));
    assert!(page.contains("Channel has no value usable today"));
}

#[actix_web::test]
async fn viewers_see_the_builder_read_only_and_get_403_on_every_post() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Seen", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    let part = parts(&w.app, w.tenant, &id, CAMPAIGN)[0].id.to_string();
    let mut vic = w
        .app
        .member(&mut w.ann, &s, "vic@example.com", "viewer")
        .await;
    let page = vic.get(&format!("/w/{s}/naming/rules/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Channel"));
    assert!(
        !page.contains("/parts\"") && !page.contains("/remove\"") && !page.contains("/move\""),
        "no edit forms"
    );
    let list = vic.get(&format!("/w/{s}/naming/rules")).await;
    assert!(!list.contains("New rule"));
    let d = ch.to_string();
    let base = format!("/w/{s}/naming/rules/{id}");
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/w/{s}/naming/rules"),
            vec![("platform_id", META), ("name", "V")],
        ),
        (format!("{base}/edit"), vec![("name", "V")]),
        (format!("{base}/default"), vec![]),
        (format!("{base}/status"), vec![("status", "INACTIVE")]),
        (format!("{base}/duplicate"), vec![("name", "V")]),
        (format!("{base}/delete"), vec![]),
        (
            format!("{base}/fields/{CAMPAIGN}/parts"),
            vec![("dimension_id", d.as_str())],
        ),
        (format!("{base}/parts/{part}"), vec![("delimiter", "-")]),
        (
            format!("{base}/parts/{part}/move"),
            vec![("direction", "down")],
        ),
        (format!("{base}/parts/{part}/remove"), vec![]),
    ];
    for (path, form) in &posts {
        let res = vic.post(path, form).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        let res = hx_post(&mut vic, path, form).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} (htmx)");
    }
    assert_eq!(
        vic.get(&format!("{base}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN).len(), 1);
    assert_eq!(count(&w.app, "SELECT COUNT(*) AS n FROM naming_rules"), 1);
}
