//! Generating strings through the model: the tree, inheritance, details,
//! first versions, collisions and required dimensions.

use atrium::naming::generate::Outcome;

use crate::common::naming::meta_campaign;
use crate::common::TestApp;

async fn world() -> (TestApp, String, atrium::naming::demo::Demo) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    (app, slug, demo)
}

#[actix_web::test]
async fn a_campaign_with_two_ad_sets_generates_a_tree_with_inherited_country() {
    let (app, slug, demo) = world().await;
    let req = meta_campaign(&demo, "Spring", "de", "spring", &["broad", "lal"], "video1");
    let out = app.generate(&slug, "ann@example.com", &req);
    let Outcome::Created { strings, .. } = out else {
        panic!("not created: {out:?}")
    };
    assert_eq!(strings, 5);
    for v in [
        "de_aw_spring",
        "de_broad",
        "de_lal",
        "de_broad_video1",
        "de_lal_video1",
    ] {
        assert_eq!(
            app.raw_count(&format!(
                "SELECT COUNT(*) AS n FROM naming_strings WHERE value = '{v}'"
            )),
            1,
            "{v}"
        );
    }
    // Ad sets hang under the campaign, ads under their ad set.
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings s JOIN naming_strings p \
             ON p.tenant_id = s.tenant_id AND p.id = s.parent_id \
             WHERE (s.value = 'de_broad' AND p.value = 'de_aw_spring') \
                OR (s.value = 'de_lal_video1' AND p.value = 'de_lal')"
        ),
        2
    );
    // Country is inherited below the campaign; every string has version 1.
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM naming_string_details WHERE is_inherited = true"),
        2 + 2 * 2
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_string_modifications \
             WHERE version = 1 AND change_type = 'CREATE'"
        ),
        5
    );
}

#[actix_web::test]
async fn a_name_that_exists_is_a_collision_linked_to_the_existing_string_and_writes_nothing() {
    let (app, slug, demo) = world().await;
    let first = meta_campaign(&demo, "Spring", "de", "spring", &["broad"], "v1");
    assert!(matches!(
        app.generate(&slug, "ann@example.com", &first),
        Outcome::Created { .. }
    ));
    let again = meta_campaign(&demo, "Spring again", "de", "spring", &["rt"], "v2");
    let Outcome::Invalid(problems) = app.generate(&slug, "ann@example.com", &again) else {
        panic!("collision not reported")
    };
    assert!(problems
        .iter()
        .any(|p| p.existing.is_some() && p.message.contains("de_aw_spring")));
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM naming_submissions"),
        1
    );
}

#[actix_web::test]
async fn missing_required_dimensions_are_reported_and_nothing_is_written() {
    let (app, slug, demo) = world().await;
    let mut req = meta_campaign(&demo, "Spring", "de", "spring", &[], "v1");
    req.choices.retain(|(_, d), _| *d != demo.dim("Objective"));
    let Outcome::Invalid(problems) = app.generate(&slug, "ann@example.com", &req) else {
        panic!("accepted")
    };
    let text: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        text.iter().any(|m| m.contains("Objective is required")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|m| m.contains("Audience is required")),
        "{text:?}"
    );
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM naming_strings"), 0);
}

#[actix_web::test]
async fn an_expired_value_cant_be_chosen() {
    let (app, slug, demo) = world().await;
    let mut req = meta_campaign(&demo, "Old", "de", "old", &["broad"], "v1");
    let campaign: atrium::naming::models::FieldId =
        atrium::naming::demo::id(atrium::naming::demo::META_CAMPAIGN);
    req.choices.insert(
        (campaign, demo.dim("Objective")),
        vec![demo.value("Objective", "bf23").to_string()],
    );
    let Outcome::Invalid(problems) = app.generate(&slug, "ann@example.com", &req) else {
        panic!("accepted")
    };
    assert!(problems[0].message.contains("outside its validity window"));
}

#[derive(diesel::QueryableByName, Debug)]
struct TenantRow {
    #[diesel(sql_type = atrium::db::sql::Uuid)]
    tenant_id: atrium::db::TenantId,
}

#[actix_web::test]
async fn row_level_security_shows_a_tenant_conn_only_its_own_naming_rows() {
    let (app, acme, demo) = world().await;
    let mut gus = app.user("gus@example.com", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    let globex_demo = app.naming_demo(&globex, "gus@example.com");
    for (slug, email, d) in [
        (&acme, "ann@example.com", &demo),
        (&globex, "gus@example.com", &globex_demo),
    ] {
        let req = meta_campaign(d, "Spring", "de", "spring", &["broad"], "v1");
        assert!(matches!(
            app.generate(slug, email, &req),
            Outcome::Created { .. }
        ));
    }
    if app.backend() != atrium::db::Backend::Postgres {
        return; // The row wall is a Postgres feature; SQLite relies on the first two.
    }
    let tables = [
        "naming_dimensions",
        "naming_dimension_values",
        "naming_rules",
        "naming_rule_details",
        "naming_submissions",
        "naming_strings",
        "naming_string_details",
        "naming_string_modifications",
        "naming_string_inheritance_updates",
        "naming_string_update_batches",
        "naming_string_backups",
        "naming_propagation_jobs",
        "naming_propagation_errors",
        "naming_propagation_settings",
    ];
    for slug in [&acme, &globex] {
        let tenant = app.tenant(slug);
        for table in tables {
            let rows: Vec<TenantRow> = app.tenant_write(slug, |c, _| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(format!("SELECT tenant_id FROM {table}")).load(c)?)
            });
            assert!(
                rows.iter().all(|r| r.tenant_id == tenant),
                "{table} leaked another workspace's rows"
            );
            if table == "naming_strings" {
                assert_eq!(rows.len(), 3, "{table}");
            }
        }
    }
}
