//! Propagation through a big tree: over the inline limit the job runs in the
//! background worker, in chunks (written in parallel on PostgreSQL), level by
//! level; a name taken while the job runs becomes a collision error for that
//! one string, not a failed job.

use actix_web::http::StatusCode;
use diesel::prelude::*;
use serde_json::json;

use crate::common::{Browser, TestApp};
use atrium::db::{Json, UtcTime};
use atrium::naming::demo::{self, Demo};
use atrium::naming::models::*;
use atrium::schema::naming_strings;

/// Ann's workspace with the demo setup and a bulk campaign "de_bulk" of
/// `ad_sets` ad sets with `ads` ads each.
async fn world(ad_sets: usize, ads: usize) -> (TestApp, Browser, String, Demo, StringId) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let (_, campaign) = app.bulk_tree(&slug, "ann@example.com", &demo, ad_sets, ads);
    (app, ann, slug, demo, campaign)
}

/// Sets the campaign's country to France through the edit form.
async fn campaign_to_france(
    ann: &mut Browser,
    slug: &str,
    demo: &Demo,
    campaign: StringId,
) -> crate::common::Resp {
    let fr = demo.value("Country", "fr").to_string();
    ann.post(
        &format!("/w/{slug}/naming/strings/{campaign}/edit"),
        &[(&format!("dim_{}", demo.dim("Country")), &fr)],
    )
    .await
}

#[actix_web::test]
async fn a_change_above_the_inline_limit_runs_in_the_background_through_every_chunk_and_level() {
    // 1,050 ad sets and 1,050 ads: two chunks on each level.
    let (app, mut ann, slug, demo, campaign) = world(1_050, 1).await;
    let res = campaign_to_france(&mut ann, &slug, &demo, campaign).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs \
             WHERE processing_method = 'BACKGROUND' AND status = 'PENDING'"
        ),
        1,
        "over the inline limit, the request only queues the job"
    );
    assert!(app.has_string(&slug, "de_s0000"), "nothing changed yet");
    let queued = app.raw_text("SELECT CAST(id AS TEXT) AS s FROM jobs");
    let page = ann.get(&format!("/w/{slug}/jobs/{queued}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("Propagating a naming change"),
        "{}",
        page.body
    );

    assert_eq!(app.run_jobs(), 1);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs WHERE status = 'COMPLETED' \
             AND total_strings = 2100 AND processed_strings = 2100 AND failed_strings = 0"
        ),
        1
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE value LIKE 'fr!_s%' ESCAPE '!'"
        ),
        2_100,
        "every ad set and ad, across chunks and levels"
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE value LIKE 'de!_s%' ESCAPE '!'"
        ),
        0
    );
    assert!(app.has_string(&slug, "fr_s1049_c00"));
    for sql in [
        "SELECT COUNT(*) AS n FROM naming_string_modifications \
         WHERE change_type = 'PROPAGATION' AND version = 2",
        "SELECT COUNT(*) AS n FROM naming_string_inheritance_updates",
    ] {
        assert_eq!(app.raw_count(sql), 2_100, "{sql}");
    }
    let job = app.raw_text("SELECT CAST(id AS TEXT) AS s FROM naming_propagation_jobs");
    let page = ann
        .get(&format!("/w/{slug}/naming/propagation/{job}"))
        .await;
    assert!(
        page.contains("2,100") || page.contains("2100"),
        "{}",
        page.body
    );
    assert!(page.contains(">Completed<"));
}

#[actix_web::test]
async fn a_name_taken_while_the_job_runs_is_a_collision_for_that_string_only() {
    let (app, mut ann, slug, demo, campaign) = world(1_050, 0).await;
    let (submission, rule) = app.tenant_write(&slug, |c, t| {
        Ok(naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::id.eq(campaign))
            .select((naming_strings::submission_id, naming_strings::rule_id))
            .first::<(SubmissionId, RuleId)>(c)?)
    });
    let ad_set_field: FieldId = demo::id(demo::META_AD_SET);
    let user = app.user_id("ann@example.com");

    // Someone else saves "fr_s0700" and holds the transaction open for a
    // moment: on PostgreSQL the job's chunk waits for it on the unique key,
    // fails, and is tried again alone; on SQLite the job waits for the lock.
    let blocker = app.hold(&slug, move |c, t| {
        let now = UtcTime::now();
        let id = StringId::new();
        diesel::insert_into(naming_strings::table)
            .values(NamingString {
                tenant_id: t,
                id,
                parent_id: None,
                field_id: ad_set_field,
                submission_id: submission,
                rule_id: rule,
                value: "fr_s0700".into(),
                is_auto_generated: false,
                generation_metadata: Json(json!({})),
                version: 1,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
        Ok(id)
    });
    let res = campaign_to_france(&mut ann, &slug, &demo, campaign).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(app.run_jobs(), 1);
    let blocker = blocker.join().expect("blocker thread");

    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs WHERE status = 'PARTIAL' \
             AND processed_strings = 1050 AND failed_strings = 1"
        ),
        1,
        "one failure, every string examined once"
    );
    assert!(
        app.has_string(&slug, "de_s0700"),
        "the colliding ad set keeps its name"
    );
    assert!(app.has_string(&slug, "fr_s0699") && app.has_string(&slug, "fr_s0701"));
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM naming_strings WHERE value LIKE 'fr!_s%' ESCAPE '!'"
        ),
        1_050,
        "1,049 renamed, plus the blocker"
    );
    let existing = app.raw_text(
        "SELECT CAST(context_data AS TEXT) AS s FROM naming_propagation_errors \
         WHERE error_type = 'COLLISION' AND is_retryable = true",
    );
    assert!(
        existing.contains(&blocker.to_string()),
        "the error links the string that took the name: {existing}"
    );
}
