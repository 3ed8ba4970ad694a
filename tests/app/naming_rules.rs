//! Naming rules: CRUD, one default per platform, delete refused while in
//! use, duplicating with parts, and tenant isolation of every rules route
//! (builder included). The rule builder itself is in `naming_rule_builder`.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::naming_rules::{
    add_part, count, create_rule, dimension, parts, tc, workspace, ADSET, CAMPAIGN, GOOGLE, META,
};
use crate::common::TestApp;
use atrium::db::UtcTime;
use atrium::naming::models::{Submission, SubmissionId};

#[actix_web::test]
async fn members_create_list_filter_and_edit_rules() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Meta standard", META, true).await;
    create_rule(&mut w.ann, &s, "Search", GOOGLE, false).await;
    let page = w.ann.get(&format!("/w/{s}/naming/rules")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Meta standard") && page.contains("Search"));
    assert!(page.contains("Meta Ads") && page.contains(">Default<"));
    let filtered = w
        .ann
        .get(&format!("/w/{s}/naming/rules?platform={GOOGLE}"))
        .await;
    assert!(filtered.contains("Search") && !filtered.contains("Meta standard"));
    let searched = w.ann.get(&format!("/w/{s}/naming/rules?q=META")).await;
    assert!(searched.contains("Meta standard") && !searched.contains(">Search<"));
    let inactive = w
        .ann
        .get(&format!("/w/{s}/naming/rules?status=INACTIVE"))
        .await;
    assert!(inactive.contains("No rule matches"));

    let edit = w.ann.get(&format!("/w/{s}/naming/rules/{id}/edit")).await;
    assert!(edit.contains("value=\"Meta standard\""));
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules/{id}/edit"),
            &[
                ("name", "Meta 2027"),
                ("description", "New year"),
                ("status", "ACTIVE"),
                ("is_default", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.ann.get(&format!("/w/{s}/naming/rules/{id}")).await;
    assert!(page.contains("Meta 2027") && page.contains("New year"));
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.rule.create'"
        ),
        2
    );
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.rule.update'"
        ),
        1
    );
}

#[actix_web::test]
async fn a_rule_name_taken_on_the_platform_is_refused_beside_the_field_with_input_kept() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    create_rule(&mut w.ann, &s, "Standard", META, false).await;
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules"),
            &[
                ("platform_id", META),
                ("name", "Standard"),
                ("description", "kept text"),
                ("status", "ACTIVE"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("A rule with that name already exists for this platform."));
    assert!(res.contains("kept text"));
    // Another platform may use the same name.
    create_rule(&mut w.ann, &s, "Standard", GOOGLE, false).await;
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules"),
            &[("platform_id", ""), ("name", ""), ("status", "ACTIVE")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a platform.") && res.contains("Give the rule a name."));
}

#[actix_web::test]
async fn making_a_rule_default_unsets_the_platforms_previous_default() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let a = create_rule(&mut w.ann, &s, "A", META, true).await;
    let b = create_rule(&mut w.ann, &s, "B", META, true).await;
    let g = create_rule(&mut w.ann, &s, "G", GOOGLE, true).await;
    let default_of = |app: &TestApp, id: &str| {
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_rules WHERE id = '{id}' AND is_default"
        ))
    };
    assert_eq!(default_of(&w.app, &a), 0, "B took over");
    assert_eq!(default_of(&w.app, &b), 1);
    assert_eq!(default_of(&w.app, &g), 1, "other platforms keep theirs");
    let res = w
        .ann
        .post(&format!("/w/{s}/naming/rules/{a}/default"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(default_of(&w.app, &a), 1);
    assert_eq!(default_of(&w.app, &b), 0);
    // Deactivating drops the flag; an inactive rule can't be made default.
    w.ann
        .post(
            &format!("/w/{s}/naming/rules/{a}/status"),
            &[("status", "INACTIVE")],
        )
        .await;
    assert_eq!(default_of(&w.app, &a), 0);
    w.ann
        .post(&format!("/w/{s}/naming/rules/{a}/default"), &[])
        .await;
    assert_eq!(default_of(&w.app, &a), 0);
    let page = w.ann.get(&format!("/w/{s}/naming/rules/{a}")).await;
    assert!(
        page.contains("can&#x27;t be the default")
            || page.contains("can't be the default")
            || page.contains("can&#39;t be the default"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn deleting_a_rule_in_use_is_refused_with_counts_and_an_unused_one_goes_with_its_parts() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let used = create_rule(&mut w.ann, &s, "Used", META, false).await;
    let unused = create_rule(&mut w.ann, &s, "Unused", META, false).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    add_part(&mut w.ann, &s, &unused, CAMPAIGN, ch, "_").await;
    let now = UtcTime::now();
    let sub = Submission {
        tenant_id: w.tenant,
        id: SubmissionId::new(),
        rule_id: used.parse().expect("id"),
        selected_parent_string_id: None,
        starting_field_id: CAMPAIGN.parse().expect("id"),
        name: "Spring".into(),
        slug: "spring".into(),
        description: String::new(),
        status: atrium::naming::models::SubmissionStatus::Draft,
        review_comment: String::new(),
        reviewed_by: None,
        reviewed_at: None,
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    tc(&w.app, w.tenant)
        .write(|c, _| {
            diesel::insert_into(atrium::schema::naming_submissions::table)
                .values(&sub)
                .execute(c)?;
            Ok(())
        })
        .expect("submission");
    let res = w
        .ann
        .post(&format!("/w/{s}/naming/rules/{used}/delete"), &[])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("used by 1 submission"), "{}", res.body);
    assert!(res.contains("Deactivate it instead"));
    assert_eq!(
        count(
            &w.app,
            &format!("SELECT COUNT(*) AS n FROM naming_rules WHERE id = '{used}'")
        ),
        1
    );

    let res = w
        .ann
        .post(&format!("/w/{s}/naming/rules/{unused}/delete"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &w.app,
            &format!("SELECT COUNT(*) AS n FROM naming_rules WHERE id = '{unused}'")
        ),
        0
    );
    assert_eq!(
        count(
            &w.app,
            &format!("SELECT COUNT(*) AS n FROM naming_rule_details WHERE rule_id = '{unused}'")
        ),
        0
    );
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.rule.delete'"
        ),
        1
    );
}

#[actix_web::test]
async fn duplicating_a_rule_copies_its_parts_but_not_the_default_flag() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Original", META, true).await;
    let ch = dimension(&w.app, w.tenant, "Channel", "LIST");
    let co = dimension(&w.app, w.tenant, "Country", "LIST");
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    add_part(&mut w.ann, &s, &id, CAMPAIGN, co, "_").await;
    add_part(&mut w.ann, &s, &id, ADSET, co, "-").await;
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules/{id}/duplicate"),
            &[("name", "Original")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("already exists"));
    let res = w
        .ann
        .post(
            &format!("/w/{s}/naming/rules/{id}/duplicate"),
            &[("name", "Copy")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let copy = res.location().rsplit('/').next().expect("id").to_string();
    let theirs = parts(&w.app, w.tenant, &copy, CAMPAIGN);
    assert_eq!(
        theirs.iter().map(|p| p.dimension_id).collect::<Vec<_>>(),
        vec![ch, co]
    );
    assert_eq!(parts(&w.app, w.tenant, &copy, ADSET).len(), 1);
    assert_eq!(
        count(
            &w.app,
            &format!("SELECT COUNT(*) AS n FROM naming_rules WHERE id = '{copy}' AND is_default")
        ),
        0
    );
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_rules_route_and_sees_nothing() {
    let mut w = workspace().await;
    let s = w.slug.clone();
    let id = create_rule(&mut w.ann, &s, "Secret plan", META, true).await;
    let ch = dimension(&w.app, w.tenant, "Secret channel", "LIST");
    add_part(&mut w.ann, &s, &id, CAMPAIGN, ch, "_").await;
    let part = parts(&w.app, w.tenant, &id, CAMPAIGN)[0].id.to_string();
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let base = format!("/w/{s}/naming/rules/{id}");
    for path in [
        format!("/w/{s}/naming/rules"),
        base.clone(),
        format!("{base}/edit"),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("Secret"));
    }
    let d = ch.to_string();
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/w/{s}/naming/rules"),
            vec![("platform_id", META), ("name", "X")],
        ),
        (format!("{base}/edit"), vec![("name", "X")]),
        (format!("{base}/default"), vec![]),
        (format!("{base}/status"), vec![("status", "INACTIVE")]),
        (format!("{base}/duplicate"), vec![("name", "X")]),
        (format!("{base}/delete"), vec![]),
        (
            format!("{base}/fields/{CAMPAIGN}/parts"),
            vec![("dimension_id", d.as_str())],
        ),
        (format!("{base}/fields/{CAMPAIGN}/try"), vec![]),
        (format!("{base}/parts/{part}"), vec![("delimiter", "-")]),
        (
            format!("{base}/parts/{part}/move"),
            vec![("direction", "down")],
        ),
        (format!("{base}/parts/{part}/remove"), vec![]),
    ];
    for (path, form) in &posts {
        let res = gus.post(path, form).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("Secret"));
        // Acme's ids through Gus's own workspace: not found either.
        if path.ends_with("/naming/rules") {
            continue;
        }
        let own = path.replace(&format!("/w/{s}/"), &format!("/w/{globex}/"));
        let res = gus.post(&own, form).await;
        assert!(
            matches!(
                res.status,
                StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{own}: {}",
            res.status
        );
        assert!(!res.contains("Secret"));
    }
    let own = gus.get(&format!("/w/{globex}/naming/rules/{id}")).await;
    assert_eq!(own.status, StatusCode::NOT_FOUND);
    let list = gus.get(&format!("/w/{globex}/naming/rules")).await;
    assert!(!list.contains("Secret"));
    assert_eq!(parts(&w.app, w.tenant, &id, CAMPAIGN).len(), 1);
    assert_eq!(
        count(
            &w.app,
            &format!("SELECT COUNT(*) AS n FROM naming_rules WHERE id = '{id}' AND is_default")
        ),
        1
    );
}
