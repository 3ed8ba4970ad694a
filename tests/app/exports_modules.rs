//! The workspace export carries every module's tables: the seeded demo
//! workspace, with naming rows in every naming table, exports them all as
//! CSV files — and not one row of another workspace's naming data.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use super::exports::{download, file, job, start_export, tenant_of, unzip};
use crate::common::naming::meta_campaign;
use crate::common::{Browser, TestApp};
use atrium::db::TenantId;
use atrium::naming::demo::{self, Demo};
use atrium::naming::models::{DimensionId, DimensionValueId, PlatformId, RuleId};
use atrium::schema::{naming_dimension_values, naming_dimensions, naming_rules};

/// The `Demo` handle of a workspace seeded by `seed-demo`, read back by name.
fn demo_of(app: &TestApp, slug: &str) -> Demo {
    app.tenant_write(slug, |c, t| {
        let dims: Vec<(DimensionId, String)> = naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .select((naming_dimensions::id, naming_dimensions::name))
            .load(c)?;
        let mut d = Demo::default();
        for (id, name) in &dims {
            d.dimensions.insert(name.clone(), *id);
            let values: Vec<(DimensionValueId, String)> = naming_dimension_values::table
                .filter(naming_dimension_values::tenant_id.eq(t))
                .filter(naming_dimension_values::dimension_id.eq(*id))
                .select((naming_dimension_values::id, naming_dimension_values::value))
                .load(c)?;
            for (vid, value) in values {
                d.values.insert((name.clone(), value), vid);
            }
        }
        let rule =
            |c: &mut atrium::db::DbConn, platform: &str| -> atrium::error::AppResult<RuleId> {
                Ok(naming_rules::table
                    .filter(naming_rules::tenant_id.eq(t))
                    .filter(naming_rules::platform_id.eq(demo::id::<PlatformId>(platform)))
                    .select(naming_rules::id)
                    .first(c)?)
            };
        d.meta_rule = rule(c, demo::META_ADS)?;
        d.utm_rule = rule(c, demo::GA4_UTM)?;
        Ok(d)
    })
}

/// Rows of `table` in workspace `t`, counted as the database owner.
fn rows_in(app: &TestApp, table: &str, t: TenantId) -> i64 {
    app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = '{t}'"
    ))
}

/// Fills the naming tables the demo leaves empty, through the app: the
/// propagation settings, a propagation that collides once (a job, an
/// error, inheritance rows, versions), and a batch update (a batch, its
/// backups).
async fn use_the_demo(app: &TestApp, owner: &mut Browser) {
    let d = demo_of(app, "acme");
    let res = owner
        .post(
            "/w/acme/naming/propagation/settings",
            &[("mode", "auto"), ("max_depth", "5")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // "fr_broad" blocks the demo's "de_broad" from following its campaign to fr.
    let blocker = meta_campaign(&d, "Blocker", "fr", "blocker", &["broad"], "still");
    app.generate("acme", "owner@demo.atrium.test", &blocker);
    let campaign = app.string_in("acme", "de_aw_spring");
    let fr = d.value("Country", "fr").to_string();
    let res = owner
        .post(
            &format!("/w/acme/naming/strings/{campaign}/edit"),
            &[(&format!("dim_{}", d.dim("Country")), &fr)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let batch = [
        ("rule", d.utm_rule.to_string()),
        ("field", demo::UTM_LINK.to_string()),
        ("dimension", d.dim("Source").to_string()),
        ("old_value", d.value("Source", "fb").to_string()),
        ("new_value", d.value("Source", "nl").to_string()),
    ];
    let form: Vec<(&str, &str)> = batch.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = owner.post("/w/acme/naming/batches", &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    app.run_jobs();
}

#[actix_web::test]
async fn the_demo_workspaces_export_holds_every_naming_tables_rows_and_none_of_another_workspaces()
{
    let app = TestApp::new().await;
    atrium::seed::seed_demo(app.pool(), &app.state.config.data_dir).expect("seed the demo");
    let mut owner = app.browser();
    owner
        .login("owner@demo.atrium.test", "demo-password-123")
        .await;
    use_the_demo(&app, &mut owner).await;

    // Another workspace with naming data of its own.
    let mut gus = app.user("gus@globex.test", "Gus Globex").await;
    let globex = app.workspace(&mut gus, "Globex Hidden").await;
    let gdemo = app.naming_demo(&globex, "gus@globex.test");
    app.generate(
        &globex,
        "gus@globex.test",
        &crate::common::naming::utm_links(&gdemo, "Hidden", &["fb"], "cpc", "zeppelin"),
    );

    let naming = atrium::modules::all()
        .iter()
        .find(|m| m.key == "naming")
        .expect("the naming module is registered");
    let acme = tenant_of(&app, "acme");
    let other = tenant_of(&app, &globex);
    for table in naming.tenant_tables {
        assert!(
            rows_in(&app, table, acme) > 0,
            "the demo workspace has rows in {table}"
        );
    }
    let exported: Vec<&str> = naming.exports.iter().map(|e| e.table).collect();
    assert_eq!(
        exported, naming.tenant_tables,
        "every naming table is exported"
    );

    let id = start_export(&mut owner, "acme").await;
    app.run_jobs();
    let done = job(&app, acme, id.parse().expect("job id"));
    assert_eq!(
        done.status,
        atrium::jobs::JobStatus::Done,
        "{:?}",
        done.last_error
    );
    assert_eq!(done.progress_done, done.progress_total);
    let res = download(&owner, &format!("/w/acme/export/{id}.zip")).await;
    assert_eq!(res.status, StatusCode::OK);
    let files = unzip(&res.body);

    for table in naming.tenant_tables {
        let csv = file(&files, &format!("{table}.csv"));
        assert!(csv.starts_with("tenant_id,id,"), "{table}: {csv}");
        // Every row starts with its tenant id (a value may span lines).
        let rows = csv.matches(&format!("\r\n{acme},")).count() as i64;
        assert_eq!(rows, rows_in(&app, table, acme), "{table}: every row");
        assert_eq!(
            csv.matches("\r\n").count() as i64 - 1,
            rows,
            "{table}: nothing but the workspace's rows"
        );
    }
    let strings = file(&files, "naming_strings.csv");
    for value in ["fr_aw_spring", "fr_lal", "de_broad", "fr_broad"] {
        assert!(strings.contains(&format!(",{value},")), "{value} exported");
    }
    for (name, text) in &files {
        assert!(
            !text.contains(&other.to_string()),
            "Globex's tenant id leaked into {name}"
        );
        assert!(
            !text.contains("zeppelin"),
            "Globex's names leaked into {name}"
        );
    }
}
