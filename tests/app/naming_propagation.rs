//! Propagation: a campaign's country change reaches its ad sets and ads
//! (values, details, inheritance rows, PROPAGATION versions), stops at the
//! depth limit, records collisions as errors that can be retried or
//! resolved, previews without writing, waits when the user asks first, and
//! keeps viewers and other workspaces out.

use actix_web::http::StatusCode;

use crate::common::naming::meta_campaign;
use crate::common::{Browser, TestApp};
use atrium::naming::demo::Demo;

async fn world() -> (TestApp, Browser, String, Demo) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let req = meta_campaign(&demo, "Spring", "de", "spring", &["broad", "lal"], "video1");
    app.generate(&slug, "ann@example.com", &req);
    (app, ann, slug, demo)
}

/// Changes the country of the string `value` through the edit form.
async fn set_country(
    app: &TestApp,
    b: &mut Browser,
    slug: &str,
    demo: &Demo,
    value: &str,
    country: &str,
) -> crate::common::Resp {
    let id = app.string_in(slug, value);
    let c = demo.value("Country", country).to_string();
    b.post(
        &format!("/w/{slug}/naming/strings/{id}/edit"),
        &[(&format!("dim_{}", demo.dim("Country")), &c)],
    )
    .await
}

fn job_id(app: &TestApp) -> String {
    app.raw_text(
        "SELECT CAST(id AS TEXT) AS s FROM naming_propagation_jobs ORDER BY created_at DESC LIMIT 1",
    )
}

fn error_id(app: &TestApp) -> String {
    app.raw_text("SELECT CAST(id AS TEXT) AS s FROM naming_propagation_errors LIMIT 1")
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(sql)
}

#[actix_web::test]
async fn changing_a_campaigns_country_updates_its_ad_sets_and_ads() {
    let (app, mut ann, slug, demo) = world().await;
    let res = set_country(&app, &mut ann, &slug, &demo, "de_aw_spring", "fr").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    for v in [
        "fr_aw_spring",
        "fr_broad",
        "fr_lal",
        "fr_broad_video1",
        "fr_lal_video1",
    ] {
        assert!(app.has_string(&slug, v), "{v}");
    }
    assert!(!app.has_string(&slug, "de_broad"));
    let fr = demo.value("Country", "fr");
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM naming_string_details WHERE dimension_value_id = '{fr}'"
            )
        ),
        5
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_string_inheritance_updates"
        ),
        4
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_string_modifications \
             WHERE change_type = 'PROPAGATION' AND batch_id IS NOT NULL AND version = 2 \
             AND parent_version_id IS NOT NULL"
        ),
        4
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_strings WHERE version = 2"
        ),
        5
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs \
             WHERE status = 'COMPLETED' AND total_strings = 4 AND processed_strings = 4 \
             AND failed_strings = 0 AND processing_method = 'INLINE'"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_events \
             WHERE action IN ('naming.propagation.start', 'naming.propagation.finish')"
        ),
        2
    );
    // The ad's history says where its new value came from.
    let ad = app.string_in(&slug, "fr_lal_video1");
    let page = ann.get(&format!("/w/{slug}/naming/strings/{ad}")).await;
    assert!(page.contains("PROPAGATION"));
    assert!(page.contains("<del>de_lal_video1</del> → <ins>fr_lal_video1</ins>"));
    // The job page and its htmx fragment (no polling once done).
    let job = job_id(&app);
    let page = ann
        .get(&format!("/w/{slug}/naming/propagation/{job}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(">Completed<"));
    let frag = ann
        .hx_get(&format!("/w/{slug}/naming/propagation/{job}"))
        .await;
    assert!(frag.contains("propagation-job"));
    assert!(!frag.contains("every 1s"));
    assert!(!frag.contains("<html"));
    let list = ann
        .get(&format!("/w/{slug}/naming/propagation?status=COMPLETED"))
        .await;
    assert!(list.contains(&job));
}

#[actix_web::test]
async fn rolling_an_ad_set_back_after_propagation_restores_its_country_and_detaches_it() {
    let (app, mut ann, slug, demo) = world().await;
    set_country(&app, &mut ann, &slug, &demo, "de_aw_spring", "fr").await;
    let ad_set = app.string_in(&slug, "fr_broad");
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{ad_set}/versions/1/rollback"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The ad set has its first country again, as its own value, and its ad
    // (which inherits from the ad set) follows.
    assert!(app.has_string(&slug, "de_broad"));
    assert!(app.has_string(&slug, "de_broad_video1"));
    assert!(app.has_string(&slug, "fr_lal"));
    let country = demo.dim("Country");
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM naming_string_details \
                 WHERE string_id = '{ad_set}' AND dimension_id = '{country}' \
                 AND is_inherited = false"
            )
        ),
        1
    );
    // The next change of the campaign leaves the detached ad set alone.
    set_country(&app, &mut ann, &slug, &demo, "fr_aw_spring", "uk").await;
    assert!(app.has_string(&slug, "uk_lal"));
    assert!(app.has_string(&slug, "de_broad"));
}

#[actix_web::test]
async fn a_max_depth_of_one_stops_at_the_ad_sets() {
    let (app, mut ann, slug, demo) = world().await;
    let res = ann
        .post(
            &format!("/w/{slug}/naming/propagation/settings"),
            &[("mode", "auto"), ("max_depth", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    set_country(&app, &mut ann, &slug, &demo, "de_aw_spring", "fr").await;
    assert!(app.has_string(&slug, "fr_broad"));
    assert!(app.has_string(&slug, "fr_lal"));
    assert!(app.has_string(&slug, "de_broad_video1"));
    assert!(app.has_string(&slug, "de_lal_video1"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs \
             WHERE max_depth = 1 AND status = 'COMPLETED' AND processed_strings = 2"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_events \
             WHERE action = 'naming.propagation_settings.update'"
        ),
        1
    );
    let bad = ann
        .post(
            &format!("/w/{slug}/naming/propagation/settings"),
            &[("mode", "auto"), ("max_depth", "0")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("A depth from 1 to 100"));
}

/// A second campaign whose ad set "fr_broad" blocks the first's.
async fn blocked(app: &TestApp, ann: &mut Browser, slug: &str, demo: &Demo) {
    let other = meta_campaign(demo, "Summer", "fr", "summer", &["broad"], "video2");
    app.generate(slug, "ann@example.com", &other);
    set_country(app, ann, slug, demo, "de_aw_spring", "fr").await;
}

#[actix_web::test]
async fn a_collision_in_one_child_is_an_error_and_a_retry_after_removing_the_blocker_succeeds() {
    let (app, mut ann, slug, demo) = world().await;
    blocked(&app, &mut ann, &slug, &demo).await;
    assert!(app.has_string(&slug, "fr_lal"));
    assert!(app.has_string(&slug, "fr_lal_video1"));
    assert!(
        app.has_string(&slug, "de_broad"),
        "the colliding child is skipped"
    );
    assert!(
        app.has_string(&slug, "de_broad_video1"),
        "and so is its subtree"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors \
             WHERE error_type = 'COLLISION' AND is_retryable = true AND resolved = false"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs \
             WHERE status = 'PARTIAL' AND failed_strings = 1"
        ),
        1
    );
    let job = job_id(&app);
    let err = error_id(&app);
    let page = ann
        .get(&format!("/w/{slug}/naming/propagation/{job}"))
        .await;
    assert!(page.contains("already exists"));
    assert!(page.contains("Retry"));

    // Still blocked: the retry fails and counts.
    let res = ann
        .post(
            &format!("/w/{slug}/naming/propagation/{job}/errors/{err}/retry"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors \
             WHERE retry_count = 1 AND resolved = false"
        ),
        1
    );

    // Move the blocker to the UK, then retry: the ad set and its ad follow.
    set_country(&app, &mut ann, &slug, &demo, "fr_aw_summer", "uk").await;
    assert!(app.has_string(&slug, "uk_broad_video2"));
    let res = ann
        .post(
            &format!("/w/{slug}/naming/propagation/{job}/errors/{err}/retry"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(app.has_string(&slug, "fr_broad"));
    assert!(app.has_string(&slug, "fr_broad_video1"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors \
             WHERE retry_count = 2 AND resolved = true AND resolved_at IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM naming_propagation_jobs \
             WHERE CAST(id AS TEXT) = '{job}' AND status = 'COMPLETED' AND failed_strings = 0"
            )
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_events \
             WHERE action = 'naming.propagation_error.retry'"
        ),
        2
    );
}

#[actix_web::test]
async fn resolving_an_error_marks_it_resolved_and_completes_the_job() {
    let (app, mut ann, slug, demo) = world().await;
    blocked(&app, &mut ann, &slug, &demo).await;
    let (job, err) = (job_id(&app), error_id(&app));
    let res = ann
        .post(
            &format!("/w/{slug}/naming/propagation/{job}/errors/{err}/resolve"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors \
             WHERE resolved = true AND resolved_by IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs WHERE status = 'COMPLETED'"
        ),
        1
    );
    assert!(
        app.has_string(&slug, "de_broad"),
        "resolving leaves the string as it is"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_events \
             WHERE action = 'naming.propagation_error.resolve'"
        ),
        1
    );
}

#[actix_web::test]
async fn ask_first_waits_for_confirmation_and_the_dry_run_writes_nothing() {
    let (app, mut ann, slug, demo) = world().await;
    ann.post(
        &format!("/w/{slug}/naming/propagation/settings"),
        &[("mode", "ask"), ("max_depth", "10")],
    )
    .await;
    let res = set_country(&app, &mut ann, &slug, &demo, "de_aw_spring", "fr").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().contains("?propagate="), "{}", res.location());
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM naming_propagation_jobs"),
        0
    );
    assert!(app.has_string(&slug, "de_broad"));
    let page = ann.get(&res.location()).await;
    assert!(
        page.contains("4 descendant(s) inherit this change"),
        "{}",
        page.body
    );

    let id = app.string_in(&slug, "fr_aw_spring");
    let before = count(
        &app,
        "SELECT COUNT(*) AS n FROM naming_string_modifications",
    );
    let preview = ann
        .get(&format!(
            "/w/{slug}/naming/strings/{id}/propagation/preview"
        ))
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.contains("de_broad_video1"));
    assert!(preview.contains("fr_broad_video1"));
    assert!(preview.contains("fr_lal"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_string_modifications"
        ),
        before
    );
    assert!(app.has_string(&slug, "de_broad"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM naming_propagation_jobs"),
        0
    );

    // Confirm: the version shown in the preview is propagated.
    let mid = app.versions_of(&slug, id)[1].id.to_string();
    let res = ann
        .post(
            &format!("/w/{slug}/naming/strings/{id}/propagation"),
            &[("modification", &mid)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(app.has_string(&slug, "fr_broad_video1"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_jobs WHERE status = 'COMPLETED'"
        ),
        1
    );
}

#[actix_web::test]
async fn the_dry_run_flags_a_collision() {
    let (app, mut ann, slug, demo) = world().await;
    ann.post(
        &format!("/w/{slug}/naming/propagation/settings"),
        &[("mode", "ask"), ("max_depth", "10")],
    )
    .await;
    blocked(&app, &mut ann, &slug, &demo).await;
    let id = app.string_in(&slug, "fr_aw_spring");
    let preview = ann
        .get(&format!(
            "/w/{slug}/naming/strings/{id}/propagation/preview"
        ))
        .await;
    assert!(preview.contains("already exists"));
    assert!(preview.contains("fr_lal_video1"));
}

#[actix_web::test]
async fn viewers_cannot_start_retry_or_resolve() {
    let (app, mut ann, slug, demo) = world().await;
    blocked(&app, &mut ann, &slug, &demo).await;
    let mut vic = app
        .member(&mut ann, &slug, "vic@example.com", "viewer")
        .await;
    let (job, err) = (job_id(&app), error_id(&app));
    let page = vic
        .get(&format!("/w/{slug}/naming/propagation/{job}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains(">Retry<"));
    for action in ["retry", "resolve"] {
        let res = vic
            .post(
                &format!("/w/{slug}/naming/propagation/{job}/errors/{err}/{action}"),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{action}");
    }
    let id = app.string_in(&slug, "fr_aw_spring");
    let mid = app.versions_of(&slug, id)[1].id.to_string();
    let res = vic
        .post(
            &format!("/w/{slug}/naming/strings/{id}/propagation"),
            &[("modification", &mid)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors WHERE resolved = false"
        ),
        1
    );
}

#[actix_web::test]
async fn another_workspace_gets_404_on_every_propagation_route_and_sees_nothing() {
    let (app, mut ann, slug, demo) = world().await;
    blocked(&app, &mut ann, &slug, &demo).await;
    let (job, err) = (job_id(&app), error_id(&app));
    let id = app.string_in(&slug, "fr_aw_spring");
    let mid = app.versions_of(&slug, id)[1].id.to_string();
    let mut eve = app.user("eve@example.com", "Eve").await;
    let eve_slug = app.workspace(&mut eve, "Evil").await;

    // Their own workspace's lists are empty of Acme's data.
    let list = eve.get(&format!("/w/{eve_slug}/naming/propagation")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.contains(&job));
    assert!(!list.contains("fr_aw_spring"));
    let settings = eve
        .get(&format!("/w/{eve_slug}/naming/propagation/settings"))
        .await;
    assert_eq!(settings.status, StatusCode::OK);

    for base in [format!("/w/{slug}"), format!("/w/{eve_slug}")] {
        for path in [
            format!("{base}/naming/strings/{id}"),
            format!("{base}/naming/strings/{id}/propagation/preview"),
            format!("{base}/naming/propagation/{job}"),
        ] {
            let res = eve.get(&path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!res.contains("fr_aw_spring"), "{path}");
            let res = eve.hx_get(&path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "hx {path}");
        }
        for (path, form) in [
            (
                format!("{base}/naming/propagation/{job}/errors/{err}/retry"),
                vec![],
            ),
            (
                format!("{base}/naming/propagation/{job}/errors/{err}/resolve"),
                vec![],
            ),
            (
                format!("{base}/naming/strings/{id}/propagation"),
                vec![("modification", mid.as_str())],
            ),
        ] {
            let res = eve.post(&path, &form).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    let res = eve.get(&format!("/w/{slug}/naming/propagation")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = eve
        .get(&format!("/w/{slug}/naming/propagation/settings"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM naming_propagation_errors WHERE resolved = false"
        ),
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM naming_propagation_jobs"),
        1
    );
}

/// The job ids a page of the propagation list links to.
fn listed_jobs(body: &str, slug: &str) -> Vec<String> {
    body.split(&format!("<td><a href=\"/w/{slug}/naming/propagation/"))
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn following_next_through_the_propagation_jobs_shows_every_job_once() {
    let (app, mut ann, slug, demo) = world().await;
    set_country(&app, &mut ann, &slug, &demo, "de_aw_spring", "fr").await;
    app.run_jobs();
    // 129 copies of the job, in groups that share their creation second.
    let rows: Vec<String> = (0..129)
        .map(|i| {
            let at = chrono::DateTime::from_timestamp(1_790_000_000 + i / 10, 0)
                .expect("time")
                .format("%Y-%m-%dT%H:%M:%S%.6fZ");
            let status = if i % 2 == 0 { "FAILED" } else { "COMPLETED" };
            let (id, batch) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
            format!("('{id}', '{at}', '{status}', '{batch}')")
        })
        .collect();
    let (id, at) = match app.backend() {
        atrium::db::Backend::Postgres => {
            ("CAST(v.column1 AS uuid)", "CAST(v.column2 AS timestamptz)")
        }
        atrium::db::Backend::Sqlite => ("v.column1", "v.column2"),
    };
    let batch = match app.backend() {
        atrium::db::Backend::Postgres => "CAST(v.column4 AS uuid)",
        atrium::db::Backend::Sqlite => "v.column4",
    };
    app.raw_exec(&format!(
        "INSERT INTO naming_propagation_jobs (tenant_id, id, batch_id, triggered_by, status, started_at, \
         completed_at, total_strings, processed_strings, failed_strings, max_depth, processing_method, \
         metadata, error_message, created_at, updated_at, created_by) \
         SELECT j.tenant_id, {id}, {batch}, j.triggered_by, v.column3, j.started_at, j.completed_at, \
         j.total_strings, j.processed_strings, j.failed_strings, j.max_depth, j.processing_method, \
         j.metadata, j.error_message, {at}, {at}, j.created_by \
         FROM naming_propagation_jobs j, (VALUES {}) AS v",
        rows.join(", ")
    ));
    let base = format!("/w/{slug}/naming/propagation");
    let pages = ann.all_pages(&base, false).await;
    assert_eq!(pages.len(), 3, "130 jobs, 50 a page");
    let mut seen = std::collections::HashSet::new();
    for p in &pages {
        for j in listed_jobs(&p.body, &slug) {
            assert!(seen.insert(j.clone()), "{j} twice");
        }
    }
    assert_eq!(seen.len(), 130);
    // The status filter stays in the links.
    let failed = ann.all_pages(&format!("{base}?status=FAILED"), false).await;
    assert_eq!(failed.len(), 2);
    assert!(failed[0]
        .next_link()
        .expect("next")
        .contains("status=FAILED"));
    let n: usize = failed
        .iter()
        .map(|p| listed_jobs(&p.body, &slug).len())
        .sum();
    assert_eq!(n, 65);
    // Previous, a tampered cursor, and another workspace.
    let back = ann
        .get(&format!("{base}{}", pages[1].prev_link().expect("prev")))
        .await;
    assert_eq!(
        listed_jobs(&back.body, &slug),
        listed_jobs(&pages[0].body, &slug)
    );
    for bad in [
        "after=nope",
        "before=019a0000-0000-7000-8000-000000000001.x",
    ] {
        let res = ann.get(&format!("{base}?{bad}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(
            listed_jobs(&res.body, &slug),
            listed_jobs(&pages[0].body, &slug)
        );
    }
    let mut bob = app.user("bob@example.com", "Bob").await;
    app.workspace(&mut bob, "Globex").await;
    let next = pages[0].next_link().expect("next");
    assert_eq!(
        bob.get(&format!("{base}{next}")).await.status,
        StatusCode::NOT_FOUND
    );
}
