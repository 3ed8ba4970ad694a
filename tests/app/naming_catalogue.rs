//! The naming catalogue under `/admin/naming/platforms`: superadmins list,
//! search, create, edit and delete platforms and their fields; the field
//! chain re-links itself; deletes in use are refused; everyone else gets 404.

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};

pub const META: &str = "019a0000-0000-7000-8000-000000000001";
pub const META_CAMPAIGN: &str = "019a0000-0000-7000-8000-000000000101";
pub const META_AD_SET: &str = "019a0000-0000-7000-8000-000000000102";
const TS: &str = "2026-01-01T00:00:00.000000Z";

/// The tenant id of a workspace, by slug.
pub fn tenant_of(app: &TestApp, slug: &str) -> String {
    atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("conn"), slug)
        .expect("query")
        .expect("workspace")
        .id
        .to_string()
}

/// Inserts a rule for `platform` straight into the database; returns its id.
pub fn insert_rule(app: &TestApp, tenant: &str, platform: &str, name: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let slug = format!("r-{}", &id[id.len() - 8..]);
    app.raw_exec(&format!(
        "INSERT INTO naming_rules (tenant_id, id, platform_id, name, slug, description, status, is_default, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', '{platform}', '{name}', '{slug}', '', 'ACTIVE', FALSE, '{TS}', '{TS}')"
    ));
    id
}

/// Inserts one part of a rule (a dimension on a field).
pub fn insert_rule_detail(app: &TestApp, tenant: &str, rule: &str, field: &str, dimension: &str) {
    let id = uuid::Uuid::now_v7();
    app.raw_exec(&format!(
        "INSERT INTO naming_rule_details (tenant_id, id, rule_id, field_id, dimension_id, prefix, suffix, delimiter, dimension_order, is_required, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', '{rule}', '{field}', '{dimension}', '', '', '-', 0, TRUE, '{TS}', '{TS}')"
    ));
}

/// Inserts a submission and one string of it on `field`; returns the string id.
pub fn insert_string(app: &TestApp, tenant: &str, rule: &str, field: &str, value: &str) -> String {
    let sub = uuid::Uuid::now_v7().to_string();
    let id = uuid::Uuid::now_v7().to_string();
    app.raw_exec(&format!(
        "INSERT INTO naming_submissions (tenant_id, id, rule_id, starting_field_id, name, slug, description, status, review_comment, created_at, updated_at) \
         VALUES ('{tenant}', '{sub}', '{rule}', '{field}', 'sub {value}', 's-{}', '', 'DRAFT', '', '{TS}', '{TS}')",
        &sub[sub.len() - 12..]
    ));
    app.raw_exec(&format!(
        "INSERT INTO naming_strings (tenant_id, id, parent_id, field_id, submission_id, rule_id, value, is_auto_generated, generation_metadata, version, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', NULL, '{field}', '{sub}', '{rule}', '{value}', FALSE, '{{}}', 1, '{TS}', '{TS}')"
    ));
    // What the app moves when it inserts strings (db::counters).
    app.raw_exec(&format!(
        "INSERT INTO tenant_counters (tenant_id, name, value) VALUES ('{tenant}', 'naming.strings', 1) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + excluded.value"
    ));
    id
}

/// Records that `string` uses `value` (a value id) of `dimension`.
pub fn insert_string_detail(
    app: &TestApp,
    tenant: &str,
    string: &str,
    dimension: &str,
    value: &str,
) {
    let id = uuid::Uuid::now_v7();
    app.raw_exec(&format!(
        "INSERT INTO naming_string_details (tenant_id, id, string_id, dimension_id, dimension_value_id, dimension_value_freetext, is_inherited, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', '{string}', '{dimension}', '{value}', NULL, FALSE, '{TS}', '{TS}')"
    ));
}

async fn with_root() -> (TestApp, Browser) {
    let app = TestApp::new().await;
    let root = app.superadmin("root@example.com").await;
    (app, root)
}

/// The id in `…/platforms/{id}` after creating a platform.
fn platform_id(location: &str) -> String {
    location.rsplit('/').next().expect("id").to_string()
}

/// The field id whose edit form carries `name`.
fn field_id(body: &str, platform: &str, name: &str) -> String {
    let prefix = format!("action=\"/admin/naming/platforms/{platform}/fields/");
    for part in body.split(&prefix).skip(1) {
        let (id, rest) = part.split_once('"').expect("quote");
        if id.ends_with("/delete") {
            continue;
        }
        let form = rest.split("</form>").next().unwrap_or("");
        if form.contains(&format!("name=\"name\" value=\"{name}\"")) {
            return id.to_string();
        }
    }
    panic!("no field {name}")
}

/// (name, level, next field's name) of each field in level order, from the database.
fn chain(app: &TestApp, platform: &str) -> Vec<(String, i32, Option<String>)> {
    let mut c = app.pool().get().expect("conn");
    let p: atrium::naming::models::PlatformId = platform.parse().expect("id");
    let fields = atrium::naming::catalogue::fields(&mut c, p).expect("fields");
    fields
        .iter()
        .map(|f| {
            let next = f
                .next_field_id
                .and_then(|n| fields.iter().find(|x| x.id == n))
                .map(|x| x.name.clone());
            (f.name.clone(), f.field_level, next)
        })
        .collect()
}

#[actix_web::test]
async fn superadmins_list_and_search_the_starter_platforms() {
    let (_app, mut root) = with_root().await;
    let page = root.get("/admin/naming/platforms").await;
    assert_eq!(page.status, StatusCode::OK);
    for name in ["Meta Ads", "Google Ads", "GA4 / UTM", "LinkedIn Ads"] {
        assert!(page.contains(name), "{name} listed");
    }
    let found = root.hx_get("/admin/naming/platforms?q=google").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.contains("Google Ads"));
    assert!(!found.contains("Meta Ads"));
    assert!(!found.contains("<html"), "htmx gets the table only");
    let none = root
        .get("/admin/naming/platforms?q=nothing-like-this")
        .await;
    assert!(none.contains("No platforms match."));
    let csv = root.get("/admin/naming/platforms.csv?q=meta").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .body
        .starts_with("id,platform_type,name,slug,icon_name,fields,rules"));
    assert!(csv.contains("Meta Ads,meta-ads,meta,3,0"));
}

#[actix_web::test]
async fn a_platform_is_created_edited_and_its_slug_must_be_unique() {
    let (app, mut root) = with_root().await;
    let bad = root
        .post(
            "/admin/naming/platforms",
            &[
                ("platform_type", ""),
                ("name", "TikTok Ads"),
                ("slug", "Bad Slug!"),
                ("icon_name", "tiktok"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Say what kind of platform this is"));
    assert!(bad.contains("Use up to 50 lowercase letters"));
    assert!(bad.contains("value=\"TikTok Ads\""), "input kept");
    let dup = root
        .post(
            "/admin/naming/platforms",
            &[
                ("platform_type", "Paid social"),
                ("name", "Meta again"),
                ("slug", "meta-ads"),
                ("icon_name", ""),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("Another platform already has that slug."));
    let made = root
        .post(
            "/admin/naming/platforms",
            &[
                ("platform_type", "Paid social"),
                ("name", "TikTok Ads"),
                ("slug", ""),
                ("icon_name", "tiktok"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = platform_id(&made.location());
    let page = root.get(&made.location()).await;
    assert!(page.contains("TikTok Ads"));
    assert!(
        page.contains("value=\"tiktok-ads\""),
        "slug made from the name"
    );
    let saved = root
        .post(
            &format!("/admin/naming/platforms/{id}"),
            &[
                ("platform_type", "Short video"),
                ("name", "TikTok"),
                ("slug", "tiktok"),
                ("icon_name", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_platforms WHERE id = '{id}' AND name = 'TikTok' AND slug = 'tiktok' AND platform_type = 'Short video' AND icon_name IS NULL"
        )),
        1
    );
    let clash = root
        .post(
            &format!("/admin/naming/platforms/{id}"),
            &[
                ("platform_type", "Short video"),
                ("name", "TikTok"),
                ("slug", "google-ads"),
                ("icon_name", ""),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(clash.contains("Another platform already has that slug."));
    assert!(clash.contains("value=\"google-ads\""));
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('naming.platform.create', 'naming.platform.update') AND tenant_id IS NULL"),
        2
    );
}

#[actix_web::test]
async fn fields_are_added_edited_deleted_and_always_chained_by_level() {
    let (app, mut root) = with_root().await;
    let made = root
        .post(
            "/admin/naming/platforms",
            &[
                ("platform_type", "Search"),
                ("name", "Bing Ads"),
                ("slug", ""),
                ("icon_name", ""),
            ],
        )
        .await;
    let id = platform_id(&made.location());
    let url = format!("/admin/naming/platforms/{id}/fields");
    for (level, name) in [("2", "Ad group"), ("1", "Campaign"), ("3", "Ad")] {
        let r = root
            .post(&url, &[("field_level", level), ("name", name)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(
        chain(&app, &id),
        vec![
            ("Campaign".into(), 1, Some("Ad group".into())),
            ("Ad group".into(), 2, Some("Ad".into())),
            ("Ad".into(), 3, None),
        ]
    );
    let taken = root
        .post(&url, &[("field_level", "2"), ("name", "Keyword")])
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.contains("Level 2 already has a field"));
    assert!(taken.contains("value=\"Keyword\""));
    let bad = root
        .post(&url, &[("field_level", "99"), ("name", "")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("from 1 (top) to 20"));
    assert!(bad.contains("Give the field a name"));

    // Move "Ad" to level 4 and add a level-3 keyword: the chain follows.
    let page = root.get(&format!("/admin/naming/platforms/{id}")).await;
    let ad = field_id(&page.body, &id, "Ad");
    let moved = root
        .post(
            &format!("{url}/{ad}"),
            &[("field_level", "4"), ("name", "Ad")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    root.post(&url, &[("field_level", "3"), ("name", "Keyword")])
        .await;
    assert_eq!(
        chain(&app, &id),
        vec![
            ("Campaign".into(), 1, Some("Ad group".into())),
            ("Ad group".into(), 2, Some("Keyword".into())),
            ("Keyword".into(), 3, Some("Ad".into())),
            ("Ad".into(), 4, None),
        ]
    );
    let page = root.get(&format!("/admin/naming/platforms/{id}")).await;
    let kw = field_id(&page.body, &id, "Keyword");
    let clash = root
        .post(
            &format!("{url}/{kw}"),
            &[("field_level", "1"), ("name", "Keyword!")],
        )
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(clash.contains("Level 1 already has a field"));
    assert!(clash.contains("value=\"Keyword!\""));
    let gone = root.post(&format!("{url}/{kw}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(
        chain(&app, &id),
        vec![
            ("Campaign".into(), 1, Some("Ad group".into())),
            ("Ad group".into(), 2, Some("Ad".into())),
            ("Ad".into(), 4, None),
        ]
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'naming.field.%'"),
        6
    );
}

#[actix_web::test]
async fn deleting_a_platform_or_field_in_use_is_refused_and_says_how_much_uses_it() {
    let (app, mut root) = with_root().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    let rule = insert_rule(&app, &tenant, META, "Meta rule");
    insert_rule(&app, &tenant, META, "Another");
    insert_string(&app, &tenant, &rule, META_AD_SET, "spring_adset");
    let refused = root
        .post(&format!("/admin/naming/platforms/{META}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.contains("2 rules in workspaces use it"),
        "{}",
        refused.body
    );
    let field = root
        .post(
            &format!("/admin/naming/platforms/{META}/fields/{META_AD_SET}/delete"),
            &[],
        )
        .await;
    assert_eq!(field.status, StatusCode::CONFLICT);
    assert!(field.contains("1 string"), "{}", field.body);
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_fields WHERE platform_id = '{META}'"
        )),
        3
    );
    // An unused platform goes, with its fields.
    let li = "019a0000-0000-7000-8000-000000000004";
    let ok = root
        .post(&format!("/admin/naming/platforms/{li}/delete"), &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_fields WHERE platform_id = '{li}'"
        )),
        0
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.platform.delete'"
        ),
        1
    );
}

#[actix_web::test]
async fn nobody_but_a_superadmin_reaches_the_catalogue_pages() {
    let app = TestApp::new().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme").await;
    let mut admin = app
        .member(&mut owner, &slug, "admin@example.com", "admin")
        .await;
    let gets = [
        "/admin/naming/platforms".to_string(),
        "/admin/naming/platforms.csv".into(),
        format!("/admin/naming/platforms/{META}"),
    ];
    let posts = [
        "/admin/naming/platforms".to_string(),
        format!("/admin/naming/platforms/{META}"),
        format!("/admin/naming/platforms/{META}/delete"),
        format!("/admin/naming/platforms/{META}/fields"),
        format!("/admin/naming/platforms/{META}/fields/{META_CAMPAIGN}"),
        format!("/admin/naming/platforms/{META}/fields/{META_CAMPAIGN}/delete"),
    ];
    for b in [&mut owner, &mut admin] {
        for g in &gets {
            let r = b.get(g).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {g}");
            assert!(!r.contains("Meta Ads"));
        }
        for p in &posts {
            let r = b
                .post(
                    p,
                    &[
                        ("name", "X"),
                        ("platform_type", "X"),
                        ("slug", "x"),
                        ("field_level", "1"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {p}");
        }
    }
    let mut anon = app.browser();
    assert_eq!(
        anon.get("/admin/naming/platforms").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM naming_platforms"),
        4,
        "nothing changed"
    );
    assert_eq!(
        app.raw_count(&format!("SELECT COUNT(*) AS n FROM naming_fields WHERE id = '{META_CAMPAIGN}' AND name = 'Campaign'")),
        1
    );
}

#[actix_web::test]
async fn an_unknown_platform_or_a_field_of_another_platform_is_404() {
    let (_app, mut root) = with_root().await;
    let unknown = "019a0000-0000-7000-8000-0000000000ff";
    assert_eq!(
        root.get(&format!("/admin/naming/platforms/{unknown}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        root.get("/admin/naming/platforms/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    let google = "019a0000-0000-7000-8000-000000000002";
    let r = root
        .post(
            &format!("/admin/naming/platforms/{google}/fields/{META_CAMPAIGN}"),
            &[("field_level", "1"), ("name", "Hijack")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
