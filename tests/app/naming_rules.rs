//! Naming rules and the rule builder: CRUD, one default per platform, delete
//! refused while in use, parts added / edited / moved / removed with htmx
//! (fragments) and without (303), messages beside the controls (422), the
//! preview is what the core composes, roles, and tenant isolation.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chrono::NaiveDate;
use diesel::prelude::*;
use std::collections::HashMap;

use crate::common::{Browser, Resp, TestApp};
use atrium::db::{TenantConn, TenantId, UtcTime};
use atrium::naming::models::{
    Dimension, DimensionId, DimensionValue, DimensionValueId, FieldId, RuleDetail, RuleId,
    Submission, SubmissionId,
};
use atrium::schema::{naming_dimension_values, naming_dimensions, naming_rule_details};

pub const META: &str = "019a0000-0000-7000-8000-000000000001";
pub const GOOGLE: &str = "019a0000-0000-7000-8000-000000000002";
pub const CAMPAIGN: &str = "019a0000-0000-7000-8000-000000000101";
pub const ADSET: &str = "019a0000-0000-7000-8000-000000000102";

pub struct Ws {
    pub app: TestApp,
    pub ann: Browser,
    pub slug: String,
    pub tenant: TenantId,
}

pub fn tenant(app: &TestApp, slug: &str) -> TenantId {
    atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("conn"), slug)
        .expect("query")
        .expect("workspace")
        .id
}

/// Acme, owned by Ann.
pub async fn workspace() -> Ws {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant(&app, &slug);
    Ws {
        app,
        ann,
        slug,
        tenant,
    }
}

pub fn tc(app: &TestApp, t: TenantId) -> TenantConn {
    TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(t)).expect("conn")
}

/// Inserts an ACTIVE dimension (LIST or TEXT).
pub fn dimension(app: &TestApp, t: TenantId, name: &str, kind: &str) -> DimensionId {
    let now = UtcTime::now();
    let d = Dimension {
        tenant_id: t,
        id: DimensionId::new(),
        parent_id: None,
        name: name.into(),
        slug: name.to_lowercase().replace(' ', "-"),
        description: String::new(),
        kind: kind.into(),
        status: "ACTIVE".into(),
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    let id = d.id;
    tc(app, t)
        .write(|c, _| {
            diesel::insert_into(naming_dimensions::table)
                .values(&d)
                .execute(c)?;
            Ok(())
        })
        .expect("dimension");
    id
}

/// Inserts a value; `valid_until` in the past makes it expired.
pub fn value(
    app: &TestApp,
    t: TenantId,
    dim: DimensionId,
    value: &str,
    valid_until: Option<NaiveDate>,
) {
    let now = UtcTime::now();
    let v = DimensionValue {
        tenant_id: t,
        id: DimensionValueId::new(),
        dimension_id: dim,
        parent_id: None,
        value: value.into(),
        label: value.into(),
        utm: value.into(),
        description: String::new(),
        valid_from: None,
        valid_until,
        status: "ACTIVE".into(),
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    tc(app, t)
        .write(|c, _| {
            diesel::insert_into(naming_dimension_values::table)
                .values(&v)
                .execute(c)?;
            Ok(())
        })
        .expect("value");
}

pub fn past() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).expect("date")
}

/// Creates a rule through the app; returns its id.
pub async fn create_rule(
    b: &mut Browser,
    slug: &str,
    name: &str,
    platform: &str,
    default: bool,
) -> String {
    let mut form = vec![
        ("platform_id", platform),
        ("name", name),
        ("description", ""),
        ("status", "ACTIVE"),
    ];
    if default {
        form.push(("is_default", "on"));
    }
    let res = b.post(&format!("/w/{slug}/naming/rules"), &form).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "create rule: {}",
        res.body
    );
    res.location().rsplit('/').next().expect("id").to_string()
}

/// POST as htmx does: `HX-Request` and the CSRF token in a header.
pub async fn hx_post(b: &mut Browser, path: &str, form: &[(&str, &str)]) -> Resp {
    let token = b.csrf.clone().expect("a CSRF token from an earlier page");
    let body = serde_urlencoded::to_string(form).expect("form");
    b.send(
        TestRequest::post()
            .uri(path)
            .insert_header(("hx-request", "true"))
            .insert_header(("x-csrf-token", token))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body),
    )
    .await
}

/// Adds a part through the app (plain post).
pub async fn add_part(
    b: &mut Browser,
    slug: &str,
    rule: &str,
    field: &str,
    dim: DimensionId,
    delimiter: &str,
) {
    let d = dim.to_string();
    let res = b
        .post(
            &format!("/w/{slug}/naming/rules/{rule}/fields/{field}/parts"),
            &[
                ("dimension_id", d.as_str()),
                ("prefix", ""),
                ("suffix", ""),
                ("delimiter", delimiter),
                ("is_required", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "add part: {}", res.body);
}

/// A rule's parts for a field, in order.
pub fn parts(app: &TestApp, t: TenantId, rule: &str, field: &str) -> Vec<RuleDetail> {
    let rule: RuleId = rule.parse().expect("rule id");
    let field: FieldId = field.parse().expect("field id");
    tc(app, t)
        .read(|c, t| {
            Ok(naming_rule_details::table
                .filter(naming_rule_details::tenant_id.eq(t))
                .filter(naming_rule_details::rule_id.eq(rule))
                .filter(naming_rule_details::field_id.eq(field))
                .order(naming_rule_details::dimension_order)
                .select(RuleDetail::as_select())
                .load(c)?)
        })
        .expect("parts")
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(sql)
}

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
        status: "DRAFT".into(),
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
