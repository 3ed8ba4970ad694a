//! Submissions through the pages: the form and its levels, generation,
//! the preview, collisions and missing values (422, nothing written), the
//! dependent dropdowns, the review flow and its roles, delete, and another
//! workspace's members getting 404.

use actix_web::http::StatusCode;
use atrium::naming::demo::{self, Demo};

use crate::common::naming::{as_form, meta_campaign, meta_form};
use crate::common::{Browser, TestApp};

struct World {
    app: TestApp,
    ann: Browser,
    slug: String,
    demo: Demo,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    World {
        app,
        ann,
        slug,
        demo,
    }
}

fn count(app: &TestApp, table: &str) -> i64 {
    app.raw_count(&format!("SELECT COUNT(*) AS n FROM {table}"))
}

#[actix_web::test]
async fn the_form_shows_each_level_with_inherited_dimensions_and_filtered_regions() {
    let mut w = world().await;
    let base = format!(
        "/w/{}/naming/submissions/new?rule={}",
        w.slug, w.demo.meta_rule
    );
    let res = w.ann.get(&base).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for legend in [
        "<legend>Campaign</legend>",
        "<legend>Ad set</legend>",
        "<legend>Ad</legend>",
    ] {
        assert!(res.contains(legend), "{legend}");
    }
    assert!(res.contains("inherited from Campaign"));
    assert!(res.contains("inherited from Ad set"));
    let country = format!("v.{}.{}", demo::META_CAMPAIGN, w.demo.dim("Country"));
    assert!(res.contains(&format!("name=\"{country}\"")));
    // Every region before a country is chosen; the expired objective is not offered.
    assert!(res.contains("idf — Île-de-France") && res.contains("by — Bavaria"));
    // (By its label: "bf23" alone can turn up inside a random id or token.)
    assert!(!res.contains("Black Friday 2023"));
    // With Germany chosen, only German regions (server-side), and the
    // region select reloads from the options endpoint when the country changes.
    let de = w.demo.value("Country", "de");
    let res = w.ann.get(&format!("{base}&{country}={de}")).await;
    assert!(res.contains("by — Bavaria") && !res.contains("idf — Île-de-France"));
    assert!(res.contains(&format!(
        "/naming/dimensions/{}/options",
        w.demo.dim("Region")
    )));
    // htmx (rule or field changed): just the levels.
    let frag = w.ann.hx_get(&base).await;
    assert!(frag.body.trim_start().starts_with("<div id=\"levels\">"));
    assert!(!frag.contains("<html"));
}

#[actix_web::test]
async fn posting_the_form_generates_the_tree_and_redirects_with_a_count() {
    let mut w = world().await;
    let form = meta_form(
        &w.demo,
        "Spring",
        &["de"],
        "spring",
        &["broad", "lal"],
        "video1",
    );
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sid = w.app.submission_id("Spring");
    assert_eq!(
        res.location(),
        format!("/w/{}/naming/submissions/{sid}", w.slug)
    );
    let page = w.ann.get(&res.location()).await;
    assert!(page.contains("5 names generated."), "{}", page.body);
    assert!(page.contains("SUBMITTED"));
    assert_eq!(count(&w.app, "naming_strings"), 5);
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings s JOIN naming_strings p \
             ON p.tenant_id = s.tenant_id AND p.id = s.parent_id \
             WHERE (s.value = 'de_broad' AND p.value = 'de_aw_spring') \
                OR (s.value = 'de_lal' AND p.value = 'de_aw_spring') \
                OR (s.value = 'de_broad_video1' AND p.value = 'de_broad') \
                OR (s.value = 'de_lal_video1' AND p.value = 'de_lal')"
        ),
        4
    );
    // Details record the value or the free text behind each part.
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_string_details d JOIN naming_strings s \
             ON s.tenant_id = d.tenant_id AND s.id = d.string_id \
             WHERE s.value = 'de_broad_video1' AND d.dimension_value_freetext = 'video1'"
        ),
        1
    );
    // The page shows the strings as a tree.
    assert!(page.contains("depth-2") && page.contains("de_lal_video1"));
}

#[actix_web::test]
async fn several_values_make_one_string_per_combination() {
    let mut w = world().await;
    let form = meta_form(
        &w.demo,
        "Wide",
        &["de", "fr"],
        "wide",
        &["broad", "lal", "rt"],
        "v1",
    );
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // 2 campaigns, 2 × 3 ad sets, one ad under each ad set.
    assert_eq!(count(&w.app, "naming_strings"), 2 + 6 + 6);
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE value LIKE 'fr\\_%' ESCAPE '\\'"
        ),
        7
    );
    let page = w.ann.get(&res.location()).await;
    assert!(page.contains("14 names generated."));
}

#[actix_web::test]
async fn the_preview_shows_the_planned_names_and_writes_nothing() {
    let mut w = world().await;
    let form = meta_form(
        &w.demo,
        "Spring",
        &["de"],
        "spring",
        &["broad", "lal"],
        "video1",
    );
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions/preview", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains("Preview: 5 names"), "{}", res.body);
    assert!(res.contains("<code>de_aw_spring</code>"));
    assert!(res.contains("class=\"depth-2\""));
    assert!(res.contains("<code>de_lal_video1</code>"));
    assert_eq!(count(&w.app, "naming_submissions"), 0);
    assert_eq!(count(&w.app, "naming_strings"), 0);
    // Problems are previewed too.
    let mut bad = form.clone();
    bad.retain(|(k, _)| !k.ends_with(&w.demo.dim("Objective").to_string()));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions/preview", w.slug),
            &as_form(&bad),
        )
        .await;
    assert!(res.contains("Objective is required"), "{}", res.body);
}

#[actix_web::test]
async fn a_collision_is_422_with_a_link_to_the_existing_string_and_writes_nothing() {
    let mut w = world().await;
    let first = meta_campaign(&w.demo, "First", "de", "spring", &["broad"], "v1");
    w.app.generate(&w.slug, "ann@example.com", &first);
    let existing = w.app.string_id("de_aw_spring");
    let form = meta_form(&w.demo, "Again", &["de"], "spring", &["rt"], "v2");
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains("already exists"));
    assert!(res.contains(&format!("/w/{}/naming/strings/{existing}", w.slug)));
    // What the user typed is kept.
    assert!(res.contains("value=\"Again\"") && res.contains("value=\"v2\""));
    assert_eq!(count(&w.app, "naming_submissions"), 1);
    assert_eq!(count(&w.app, "naming_strings"), 3);
}

#[actix_web::test]
async fn missing_required_values_are_422_with_messages_beside_the_controls_and_values_kept() {
    let mut w = world().await;
    let mut form = meta_form(&w.demo, "Spring", &["de"], "spring", &[], "video1");
    let objective = w.demo.dim("Objective").to_string();
    form.retain(|(k, _)| !k.ends_with(&objective));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains("<span class=\"field-error\">Objective is required for Campaign."));
    assert!(res.contains("Audience is required for Ad set."));
    let de = w.demo.value("Country", "de");
    assert!(res.contains(&format!("<option value=\"{de}\" selected>")));
    assert!(res.contains("value=\"spring\"") && res.contains("value=\"video1\""));
    assert_eq!(count(&w.app, "naming_submissions"), 0);
}

#[actix_web::test]
async fn a_region_not_under_the_chosen_country_is_refused() {
    let mut w = world().await;
    let mut form = meta_form(&w.demo, "Wrong", &["de"], "x", &["broad"], "v1");
    form.push((
        format!("v.{}.{}", demo::META_CAMPAIGN, w.demo.dim("Region")),
        w.demo.value("Region", "idf").to_string(),
    ));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("does not belong under"), "{}", res.body);
    assert_eq!(count(&w.app, "naming_strings"), 0);
}

#[actix_web::test]
async fn adding_children_under_an_existing_string_prefills_rule_and_level() {
    let mut w = world().await;
    let first = meta_campaign(&w.demo, "First", "de", "spring", &["broad"], "v1");
    w.app.generate(&w.slug, "ann@example.com", &first);
    let parent = w.app.string_id("de_aw_spring");
    let res = w
        .ann
        .get(&format!(
            "/w/{}/naming/submissions/new?parent={parent}",
            w.slug
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains(&format!("<option value=\"{parent}\" selected>de_aw_spring")));
    assert!(res.contains("inherited from Campaign de_aw_spring"));
    assert!(!res.contains("<legend>Campaign</legend>"));
    let mut form = vec![
        ("rule".to_string(), w.demo.meta_rule.to_string()),
        ("field".to_string(), demo::META_AD_SET.to_string()),
        ("parent".to_string(), parent.clone()),
        ("name".to_string(), "More".to_string()),
        ("action".to_string(), "draft".to_string()),
    ];
    form.push((
        format!("v.{}.{}", demo::META_AD_SET, w.demo.dim("Audience")),
        w.demo.value("Audience", "rt").to_string(),
    ));
    form.push((
        format!("v.{}.{}", demo::META_AD, w.demo.dim("Creative")),
        "v9".to_string(),
    ));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE value = 'de_rt' AND CAST(parent_id AS TEXT) = '{parent}'"
        )),
        1
    );
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_submissions WHERE name = 'More' AND status = 'DRAFT'"
        ),
        1
    );
}

#[actix_web::test]
async fn members_submit_admins_approve_or_reject_and_illegal_steps_are_refused() {
    let mut w = world().await;
    let mut bob = w
        .app
        .member(&mut w.ann, &w.slug, "bob@example.com", "member")
        .await;
    let mut form = meta_form(&w.demo, "Bobs", &["uk"], "bob", &["broad"], "v1");
    form.retain(|(k, _)| k != "action");
    form.push(("action".into(), "draft".into()));
    let res = bob
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let url = res.location();
    assert!(bob.get(&url).await.contains("DRAFT"));
    // A draft can't be approved.
    let res = w
        .ann
        .post(&format!("{url}/approve"), &[("comment", "")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(
        bob.post(&format!("{url}/submit"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    // Members can't approve.
    let res = bob
        .post(&format!("{url}/approve"), &[("comment", "me")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A rejection needs a reason.
    let res = w
        .ann
        .post(&format!("{url}/reject"), &[("comment", " ")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Say why"));
    let res = w
        .ann
        .post(&format!("{url}/reject"), &[("comment", "Wrong audience")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = bob.get(&url).await;
    assert!(page.contains("REJECTED") && page.contains("Wrong audience") && page.contains("Ann"));
    // Rejected → draft → submitted → approved, with the reviewer recorded.
    assert_eq!(
        bob.post(&format!("{url}/reopen"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        bob.post(&format!("{url}/submit"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let res = w
        .ann
        .post(&format!("{url}/approve"), &[("comment", "Good")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_submissions s JOIN users u ON u.id = s.reviewed_by \
             WHERE s.status = 'APPROVED' AND s.review_comment = 'Good' AND u.email = 'ann@example.com' \
             AND s.reviewed_at IS NOT NULL"
        ),
        1
    );
    // Approved is final: no reopening, no deleting.
    assert_eq!(
        bob.post(&format!("{url}/reopen"), &[]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        bob.post(&format!("{url}/delete"), &[]).await.status,
        StatusCode::CONFLICT
    );
    for action in ["submit", "reject", "reopen", "approve"] {
        assert!(
            w.app.raw_count(&format!(
                "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.submission.{action}'"
            )) >= 1,
            "{action}"
        );
    }
}

#[actix_web::test]
async fn a_draft_is_deleted_with_its_strings_unless_others_build_on_them() {
    let mut w = world().await;
    let mut first = meta_campaign(&w.demo, "First", "de", "spring", &["broad"], "v1");
    first.submit = false;
    w.app.generate(&w.slug, "ann@example.com", &first);
    let first_id = w.app.submission_id("First");
    // Another submission hangs an ad set under the campaign.
    let parent = w.app.string_id("de_aw_spring");
    let mut child = meta_campaign(&w.demo, "Child", "de", "", &["rt"], "v2");
    child.starting_field = demo::id(demo::META_AD_SET);
    child.parent_string = parent.parse().ok();
    child.submit = false;
    w.app.generate(&w.slug, "ann@example.com", &child);
    assert_eq!(count(&w.app, "naming_strings"), 5);
    // The strings page's number is kept in the database: it moves with
    // generation and deletion.
    let strings = format!("/w/{}/naming/strings", w.slug);
    assert!(w.ann.get(&strings).await.contains("5 matching strings"));
    let url = format!("/w/{}/naming/submissions/{first_id}", w.slug);
    assert_eq!(
        w.ann.post(&format!("{url}/delete"), &[]).await.status,
        StatusCode::CONFLICT
    );
    let child_id = w.app.submission_id("Child");
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions/{child_id}/delete", w.slug),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(w.ann.get(&strings).await.contains("3 matching strings"));
    let res = w.ann.post(&format!("{url}/delete"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&w.app, "naming_strings"), 0);
    assert!(w.ann.get(&strings).await.contains("0 matching strings"));
    assert_eq!(count(&w.app, "naming_string_details"), 0);
    assert_eq!(count(&w.app, "naming_submissions"), 0);
}

#[actix_web::test]
async fn the_list_filters_by_status_rule_and_name_and_counts_strings() {
    let mut w = world().await;
    let a = meta_campaign(
        &w.demo,
        "Alpha launch",
        "de",
        "alpha",
        &["broad", "lal"],
        "v1",
    );
    w.app.generate(&w.slug, "ann@example.com", &a);
    let b = crate::common::naming::utm_request(&w.demo, "Beta links", &["fb"], &["cpc"], "beta");
    w.app.generate(&w.slug, "ann@example.com", &b);
    let base = format!("/w/{}/naming/submissions", w.slug);
    let all = w.ann.get(&base).await;
    assert!(all.contains("Alpha launch") && all.contains("Beta links"));
    assert!(all.contains("<td>5</td>") && all.contains("<td>1</td>"));
    let drafts = w.ann.get(&format!("{base}?status=DRAFT")).await;
    assert!(drafts.contains("Beta links") && !drafts.contains("Alpha launch"));
    let meta = w
        .ann
        .get(&format!("{base}?rule={}", w.demo.meta_rule))
        .await;
    assert!(meta.contains("Alpha launch") && !meta.contains("Beta links"));
    let named = w.ann.hx_get(&format!("{base}?q=beta")).await;
    assert!(named.contains("Beta links") && !named.contains("Alpha launch"));
    assert!(!named.contains("<html"));
}

#[actix_web::test]
async fn viewers_read_submissions_but_cannot_create_preview_or_act() {
    let mut w = world().await;
    let mut vic = w
        .app
        .member(&mut w.ann, &w.slug, "vic@example.com", "viewer")
        .await;
    let a = meta_campaign(&w.demo, "Alpha", "de", "alpha", &["broad"], "v1");
    w.app.generate(&w.slug, "ann@example.com", &a);
    let sid = w.app.submission_id("Alpha");
    let base = format!("/w/{}/naming/submissions", w.slug);
    assert_eq!(vic.get(&base).await.status, StatusCode::OK);
    let page = vic.get(&format!("{base}/{sid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("de_aw_alpha") && !page.contains("/approve"));
    assert_eq!(
        vic.get(&format!("{base}/new")).await.status,
        StatusCode::FORBIDDEN
    );
    let form = meta_form(&w.demo, "Vic", &["de"], "vic", &["broad"], "v1");
    assert_eq!(
        vic.post(&base, &as_form(&form)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(&format!("{base}/preview"), &as_form(&form))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(&format!("{base}/{sid}/approve"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(&format!("{base}/{sid}/delete"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&w.app, "naming_submissions"), 1);
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_submission_route_and_sees_nothing() {
    let w = world().await;
    let a = meta_campaign(&w.demo, "Secret launch", "de", "secret", &["broad"], "v1");
    w.app.generate(&w.slug, "ann@example.com", &a);
    let sid = w.app.submission_id("Secret launch");
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let base = format!("/w/{}/naming/submissions", w.slug);
    for path in [
        base.clone(),
        format!("{base}/new"),
        format!("{base}/new?rule={}", w.demo.meta_rule),
        format!("{base}/{sid}"),
    ] {
        let res = gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("Secret launch") && !res.contains("de_aw_secret"));
    }
    let form = meta_form(&w.demo, "Gus", &["de"], "gus", &["broad"], "v1");
    for path in [
        base.clone(),
        format!("{base}/preview"),
        format!("{base}/{sid}/submit"),
        format!("{base}/{sid}/approve"),
        format!("{base}/{sid}/reject"),
        format!("{base}/{sid}/reopen"),
        format!("{base}/{sid}/delete"),
    ] {
        let res = gus.post(&path, &as_form(&form)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("de_aw_secret"));
    }
    // In their own workspace, Acme's rule and submission are simply not there.
    let own = format!("/w/{globex}/naming/submissions");
    assert_eq!(
        gus.get(&format!("{own}/{sid}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = gus.post(&own, &as_form(&form)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = gus.post(&format!("{own}/preview"), &as_form(&form)).await;
    assert!(!res.contains("de_aw_gus"));
    let res = gus
        .get(&format!("{own}/new?rule={}", w.demo.meta_rule))
        .await;
    assert!(!res.contains("Meta standard"));
    assert_eq!(
        gus.post(&format!("{own}/{sid}/approve"), &[("comment", "x")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(count(&w.app, "naming_submissions"), 1);
}

#[actix_web::test]
async fn a_control_sending_thousands_of_values_is_422_beside_it_before_any_combination_is_made() {
    let mut w = world().await;
    let mut form = meta_form(&w.demo, "Huge", &["de"], "spring", &["broad"], "video1");
    let campaign = atrium::naming::demo::META_CAMPAIGN;
    let ad_set = atrium::naming::demo::META_AD_SET;
    let country = (
        format!("v.{campaign}.{}", w.demo.dim("Country")),
        w.demo.value("Country", "de").to_string(),
    );
    let audience = (
        format!("v.{ad_set}.{}", w.demo.dim("Audience")),
        w.demo.value("Audience", "broad").to_string(),
    );
    // 100 countries × 2,000 audiences, about 240 KB of form.
    form.extend(std::iter::repeat_n(country, 99));
    form.extend(std::iter::repeat_n(audience, 1_999));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &res.body[..res.body.len().min(3000)]
    );
    assert!(
        res.contains("<span class=\"field-error\">2000 values chosen here: choose at most 1000."),
        "{}",
        &res.body[..res.body.len().min(3000)]
    );
    assert!(
        res.contains("value=\"spring\"") && res.contains("value=\"Huge\""),
        "input kept"
    );
    assert_eq!(count(&w.app, "naming_submissions"), 0);
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions/preview", w.slug),
            &as_form(&form),
        )
        .await;
    assert!(res.contains("2000 values chosen here"), "{}", res.body);
}
