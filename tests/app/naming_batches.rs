//! Batch updates: the preview counts strings and lists collisions; the job
//! backs up, replaces the value in every matching string as a new version
//! and skips collisions; rollback restores the backup as new versions and
//! leaves strings changed since alone; validation, roles and isolation.

use actix_web::http::StatusCode;

use atrium::naming::demo::{self, Demo};
use atrium::naming::generate::Outcome;

use crate::common::naming::utm_links;
use crate::common::{Browser, TestApp};

/// Acme (Ann owner, Bob member, Val viewer) with the demo setup and five
/// UTM links, three with source "fb"; Globex (Gus owner) with its own.
struct World {
    app: TestApp,
    ann: Browser,
    bob: Browser,
    val: Browser,
    gus: Browser,
    acme: String,
    globex: String,
    demo: Demo,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme").await;
    let bob = app
        .member(&mut ann, &acme, "bob@example.com", "member")
        .await;
    let val = app
        .member(&mut ann, &acme, "val@example.com", "viewer")
        .await;
    let demo = app.naming_demo(&acme, "ann@example.com");
    for req in [
        utm_links(&demo, "Spring", &["fb", "ig"], "cpc", "spring"),
        utm_links(&demo, "News", &["fb"], "email", "news"),
        utm_links(&demo, "Summer", &["fb", "nl"], "social", "summer"),
    ] {
        let out = app.generate(&acme, "ann@example.com", &req);
        assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    }
    let mut gus = app.user("gus@globex.test", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    let gdemo = app.naming_demo(&globex, "gus@globex.test");
    let out = app.generate(
        &globex,
        "gus@globex.test",
        &utm_links(&gdemo, "Hidden", &["fb"], "cpc", "zeppelin"),
    );
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    World {
        app,
        ann,
        bob,
        val,
        gus,
        acme,
        globex,
        demo,
    }
}

/// The form for `dimension`: `old` → `new` in the UTM rule's link field.
fn form(w: &World, dimension: &str, old: (&str, &str), new: (&str, &str)) -> Vec<(String, String)> {
    vec![
        ("rule".into(), w.demo.utm_rule.to_string()),
        ("field".into(), demo::UTM_LINK.into()),
        ("dimension".into(), w.demo.dim(dimension).to_string()),
        ("old_value".into(), w.demo.value(old.0, old.1).to_string()),
        ("new_value".into(), w.demo.value(new.0, new.1).to_string()),
    ]
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn fb_to_ig(w: &World) -> Vec<(String, String)> {
    form(w, "Source", ("Source", "fb"), ("Source", "ig"))
}

/// Starts fb → ig as Ann; returns the batch's page.
async fn start_batch(w: &mut World) -> String {
    let f = fb_to_ig(w);
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = res.location();
    assert!(page.starts_with(&format!("/w/{}/naming/batches/", w.acme)));
    page
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(&format!("SELECT COUNT(*) AS n FROM {sql}"))
}

#[actix_web::test]
async fn the_preview_counts_the_strings_and_lists_old_to_new_and_collisions() {
    let mut w = world().await;
    let f = fb_to_ig(&w);
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches/preview", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains("<strong>3</strong> strings"), "{}", res.body);
    assert!(res.contains("<strong>2</strong> would change"));
    assert!(res.contains("<strong>1</strong> would be skipped"));
    assert!(res.contains("<code>fb|email|news</code></td><td><code>ig|email|news</code>"));
    assert!(res.contains("<code>fb|social|summer</code></td><td><code>ig|social|summer</code>"));
    assert!(res.contains("“ig|cpc|spring” already exists"));
    assert!(res.contains("Run the batch update"));
    // The htmx preview is the form's fragment, not a whole page.
    let token = w.ann.csrf.clone().unwrap_or_default();
    let mut fields = pairs(&f);
    fields.push(("csrf_token", token.as_str()));
    let body = serde_urlencoded::to_string(&fields).unwrap_or_default();
    let frag = w
        .ann
        .send(
            actix_web::test::TestRequest::post()
                .uri(&format!("/w/{}/naming/batches/preview", w.acme))
                .insert_header(("hx-request", "true"))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await;
    assert_eq!(frag.status, StatusCode::OK, "{}", frag.body);
    assert!(frag.contains("id=\"batch-form\"") && !frag.contains("<html"));
    // Nothing was written.
    assert_eq!(count(&w.app, "naming_string_update_batches"), 0);
    assert_eq!(count(&w.app, "naming_string_backups"), 0);
}

#[actix_web::test]
async fn the_new_page_lists_follow_the_chosen_rule_field_and_dimension() {
    let mut w = world().await;
    let base = format!("/w/{}/naming/batches/new", w.acme);
    let page = w.ann.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("UTM link") && page.contains("Meta standard"));
    assert!(!page.contains(">fb — Facebook"));
    let q = format!(
        "{base}?rule={}&field={}&dimension={}",
        w.demo.utm_rule,
        demo::UTM_LINK,
        w.demo.dim("Source")
    );
    let frag = w.ann.hx_get(&q).await;
    assert_eq!(frag.status, StatusCode::OK);
    assert!(!frag.contains("<html"));
    assert!(frag.contains(">fb — Facebook") && frag.contains(">nl — Newsletter"));
    // Only list dimensions of the rule and field are offered.
    assert!(frag.contains(">Medium<") && !frag.contains(">Campaign name<"));
}

#[actix_web::test]
async fn running_a_batch_backs_up_and_replaces_the_value_in_every_matching_string() {
    let mut w = world().await;
    let page = start_batch(&mut w).await;
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'PENDING' AND total_strings = 3"
        ),
        1
    );
    // While pending, the progress fragment polls.
    let frag = w.val.hx_get(&page).await;
    assert!(frag.contains("hx-trigger=\"every 1s\""), "{}", frag.body);
    assert!(w.app.run_jobs() >= 1);

    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'COMPLETED' AND total_strings = 3 \
             AND processed_strings = 3 AND failed_strings = 1 AND backup_id IS NOT NULL \
             AND completed_at IS NOT NULL"
        ),
        1
    );
    // Values and details changed, versions bumped.
    for v in ["ig|email|news", "ig|social|summer"] {
        assert_eq!(
            count(
                &w.app,
                &format!("naming_strings WHERE value = '{v}' AND version = 2")
            ),
            1,
            "{v}"
        );
    }
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value LIKE 'fb|email%' OR value LIKE 'fb|social%'"
        ),
        0
    );
    // The collision stayed as it was.
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value = 'fb|cpc|spring' AND version = 1"
        ),
        1
    );
    let fb = w.demo.value("Source", "fb");
    let ig = w.demo.value("Source", "ig");
    assert_eq!(
        count(
            &w.app,
            &format!("naming_string_details WHERE dimension_value_id = '{fb}'")
        ),
        1, // the collision
    );
    assert_eq!(
        count(
            &w.app,
            &format!("naming_string_details WHERE dimension_value_id = '{ig}'")
        ),
        3
    );
    // BATCH versions with the batch id, and the backup of all three strings.
    assert_eq!(
        count(
            &w.app,
            "naming_string_modifications m JOIN naming_string_update_batches b \
             ON b.tenant_id = m.tenant_id AND b.id = m.batch_id \
             WHERE m.change_type = 'BATCH' AND m.version = 2 AND m.parent_version_id IS NOT NULL"
        ),
        2
    );
    assert_eq!(
        count(
            &w.app,
            "naming_string_modifications WHERE change_type = 'BATCH' \
             AND string_value IN ('ig|email|news', 'ig|social|summer')"
        ),
        2
    );
    assert_eq!(
        count(
            &w.app,
            "naming_string_backups k JOIN naming_string_update_batches b \
             ON b.tenant_id = k.tenant_id AND b.backup_id = k.backup_id \
             WHERE k.version = 1 AND k.value LIKE 'fb|%'"
        ),
        3
    );
    for action in ["naming.batch.start", "naming.batch.finish"] {
        assert_eq!(
            count(&w.app, &format!("audit_events WHERE action = '{action}'")),
            1,
            "{action}"
        );
    }
    // The page: counts, the skipped string with its reason, old → new.
    let res = w.val.get(&page).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains("COMPLETED"));
    assert!(res.contains("Skipped: 1 strings"));
    assert!(res.contains("<code>fb|cpc|spring</code>: “ig|cpc|spring” already exists"));
    assert!(res.contains("<code>fb|email|news</code>"));
    assert!(res.contains("<code>ig|email|news</code>"));
    // Finished: the fragment stops polling and asks for a reload.
    let frag = w.val.hx_get(&format!("{page}?poll=1")).await;
    assert!(!frag.contains("hx-trigger"));
    assert_eq!(frag.header("hx-refresh").as_deref(), Some("true"));
    // The list shows it, and filters by status.
    let list = w.val.get(&format!("/w/{}/naming/batches", w.acme)).await;
    assert!(list.contains("<code>fb</code> → <code>ig</code>"));
    let none = w
        .val
        .get(&format!("/w/{}/naming/batches?status=FAILED", w.acme))
        .await;
    assert!(none.contains("No batch update with this status."));
}

#[actix_web::test]
async fn a_rollback_restores_every_string_from_the_backup_as_new_versions() {
    let mut w = world().await;
    let page = start_batch(&mut w).await;
    w.app.run_jobs();
    let confirm = w.ann.get(&format!("{page}/rollback")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.contains("<strong>2</strong> strings get their value"));
    let res = w.ann.post(&format!("{page}/rollback"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'ROLLING_BACK'"
        ),
        1
    );
    w.app.run_jobs();
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'ROLLED_BACK'"
        ),
        1
    );
    // Every backed-up string has exactly its backed-up value again.
    assert_eq!(
        count(
            &w.app,
            "naming_strings s JOIN naming_string_backups k \
             ON k.tenant_id = s.tenant_id AND k.string_id = s.id WHERE s.value = k.value"
        ),
        3
    );
    for v in ["fb|email|news", "fb|social|summer"] {
        assert_eq!(
            count(
                &w.app,
                &format!("naming_strings WHERE value = '{v}' AND version = 3")
            ),
            1,
            "{v}"
        );
    }
    let fb = w.demo.value("Source", "fb");
    assert_eq!(
        count(
            &w.app,
            &format!("naming_string_details WHERE dimension_value_id = '{fb}'")
        ),
        3
    );
    assert_eq!(
        count(
            &w.app,
            "naming_string_modifications WHERE change_type = 'BATCH_ROLLBACK' AND version = 3 \
             AND batch_id IS NOT NULL AND string_value LIKE 'fb|%'"
        ),
        2
    );
    for action in ["naming.batch.rollback", "naming.batch.rollback_finish"] {
        assert_eq!(
            count(&w.app, &format!("audit_events WHERE action = '{action}'")),
            1,
            "{action}"
        );
    }
    let res = w.val.get(&page).await;
    assert!(res.contains("ROLLED_BACK") && res.contains("2 strings restored"));
    assert!(!res.contains("Roll back…"));
    // Twice is refused, with the reason.
    let again = w.ann.post(&format!("{page}/rollback"), &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("already been rolled back"));
}

#[actix_web::test]
async fn a_string_changed_after_the_batch_is_left_alone_by_the_rollback_and_reported() {
    let mut w = world().await;
    let page = start_batch(&mut w).await;
    w.app.run_jobs();
    // Someone edits one of the changed strings (a newer version).
    w.app.raw_exec(
        "UPDATE naming_strings SET value = 'ig|email|news-v2', version = version + 1 \
         WHERE value = 'ig|email|news'",
    );
    let confirm = w.ann.get(&format!("{page}/rollback")).await;
    assert!(confirm.contains("<strong>1</strong> strings were changed again"));
    w.ann.post(&format!("{page}/rollback"), &[]).await;
    w.app.run_jobs();
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value = 'ig|email|news-v2' AND version = 3"
        ),
        1
    );
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value = 'fb|social|summer' AND version = 3"
        ),
        1
    );
    assert_eq!(
        count(
            &w.app,
            "naming_string_modifications WHERE change_type = 'BATCH_ROLLBACK'"
        ),
        1
    );
    let res = w.val.get(&page).await;
    assert!(res.contains("1 strings restored"));
    assert!(res.contains("Changed since the batch: 1 strings"));
    assert!(
        res.contains("<code>ig|email|news-v2</code>: now at version 3; the batch made version 2")
    );
}

#[actix_web::test]
async fn bad_choices_are_explained_beside_their_controls_with_422_and_kept() {
    let mut w = world().await;
    let url = format!("/w/{}/naming/batches/preview", w.acme);
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            form(&w, "Source", ("Source", "fb"), ("Source", "fb")),
            "would replace itself",
        ),
        (
            form(&w, "Source", ("Source", "fb"), ("Medium", "cpc")),
            "“cpc” is a value of Medium, not of Source.",
        ),
        (
            form(&w, "Campaign name", ("Source", "fb"), ("Source", "ig")),
            "Campaign name is free text",
        ),
        (
            form(&w, "Country", ("Country", "de"), ("Country", "fr")),
            "Choose a list dimension of “UTM link” for Link.",
        ),
    ];
    for (f, message) in cases {
        let res = w.ann.post(&url, &pairs(&f)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(res.contains(message), "{message}: {}", res.body);
        assert!(res.contains("class=\"field-error\""));
        assert!(res.contains(&format!("value=\"{}\" selected", w.demo.utm_rule)));
    }
    // A value no string uses: nothing to change.
    let meta = w.app.add_value(&w.acme, w.demo.dim("Source"), "meta");
    let mut f = fb_to_ig(&w);
    f[3].1 = meta.to_string();
    let res = w.ann.post(&url, &pairs(&f)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("uses “meta”: there is nothing to change."));
    assert!(res.contains(&format!("value=\"{meta}\" selected")));
    // Confirming it anyway is refused the same way, and writes nothing.
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&w.app, "naming_string_update_batches"), 0);
    // No rule at all.
    let res = w.ann.post(&url, &[("rule", "nope")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a rule."));
}

#[actix_web::test]
async fn fb_becomes_meta_when_meta_is_a_new_value_of_source() {
    let mut w = world().await;
    let meta = w.app.add_value(&w.acme, w.demo.dim("Source"), "meta");
    let mut f = fb_to_ig(&w);
    f[4].1 = meta.to_string();
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    w.app.run_jobs();
    assert_eq!(count(&w.app, "naming_strings WHERE value LIKE 'meta|%'"), 3);
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'COMPLETED' AND failed_strings = 0"
        ),
        1
    );
    // A second batch on the same rule and field can start once this one is done.
    let f = form(&w, "Medium", ("Medium", "cpc"), ("Medium", "social"));
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // …but not while it runs.
    let f = form(&w, "Medium", ("Medium", "email"), ("Medium", "social"));
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("is still running"));
}

#[actix_web::test]
async fn members_cant_run_or_roll_back_batches_and_viewers_can_look() {
    let mut w = world().await;
    let page = start_batch(&mut w).await;
    w.app.run_jobs();
    let f = fb_to_ig(&w);
    let base = format!("/w/{}/naming/batches", w.acme);
    for b in [&mut w.bob, &mut w.val] {
        assert_eq!(
            b.get(&format!("{base}/new")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.post(&format!("{base}/preview"), &pairs(&f)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.post(&base, &pairs(&f)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.get(&format!("{page}/rollback")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.post(&format!("{page}/rollback"), &[]).await.status,
            StatusCode::FORBIDDEN
        );
        let list = b.get(&base).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.contains("New batch update"));
        let show = b.get(&page).await;
        assert_eq!(show.status, StatusCode::OK);
        assert!(show.contains("COMPLETED") && !show.contains("Roll back…"));
    }
    assert_eq!(count(&w.app, "naming_string_update_batches"), 1);
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'COMPLETED'"
        ),
        1
    );
    let admin = w.ann.get(&page).await;
    assert!(admin.contains("Roll back…"));
}

#[actix_web::test]
async fn another_workspace_gets_404_on_every_batch_route_and_sees_nothing() {
    let mut w = world().await;
    let page = start_batch(&mut w).await;
    w.app.run_jobs();
    let id = page.rsplit('/').next().unwrap_or_default().to_string();
    let f = fb_to_ig(&w);
    // Acme's pages, asked for by Globex's owner.
    let acme = format!("/w/{}/naming/batches", w.acme);
    for path in [
        acme.clone(),
        format!("{acme}/new"),
        page.clone(),
        format!("{page}/rollback"),
    ] {
        let res = w.gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("fb|email|news"));
    }
    for path in [
        format!("{acme}/preview"),
        acme.clone(),
        format!("{page}/rollback"),
    ] {
        let res = w.gus.post(&path, &pairs(&f)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Acme's batch id under Globex's own address: not found either.
    let globex = format!("/w/{}/naming/batches", w.globex);
    for path in [format!("{globex}/{id}"), format!("{globex}/{id}/rollback")] {
        let res = w.gus.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.contains("fb|email|news"));
    }
    let res = w.gus.hx_get(&format!("{globex}/{id}?poll=1")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = w.gus.post(&format!("{globex}/{id}/rollback"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Acme's ids in Globex's form: Acme's rule is not found there.
    let res = w.gus.post(&format!("{globex}/preview"), &pairs(&f)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a rule."));
    let list = w.gus.get(&globex).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("No batch updates yet."));
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'COMPLETED'"
        ),
        1
    );
    // Globex's own link was not touched by Acme's batch.
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value = 'fb|cpc|zeppelin' AND version = 1"
        ),
        1
    );
}

#[actix_web::test]
async fn a_batch_larger_than_a_chunk_resumes_chunk_after_chunk_to_the_end() {
    let mut w = world().await;
    let n = atrium::naming::batch::CHUNK + 20;
    for i in 0..n {
        let req = utm_links(
            &w.demo,
            &format!("Bulk {i}"),
            &["fb"],
            "cpc",
            &format!("bulk{i}"),
        );
        assert!(matches!(
            w.app.generate(&w.acme, "ann@example.com", &req),
            Outcome::Created { .. }
        ));
    }
    start_batch(&mut w).await;
    w.app.run_jobs();
    let total = n as i64 + 3;
    assert_eq!(
        count(
            &w.app,
            &format!(
                "naming_string_update_batches WHERE status = 'COMPLETED' \
                 AND total_strings = {total} AND processed_strings = {total} AND failed_strings = 1"
            )
        ),
        1
    );
    assert_eq!(
        count(
            &w.app,
            "naming_strings WHERE value LIKE 'ig|cpc|bulk%' AND version = 2"
        ),
        n as i64
    );
    assert_eq!(
        count(
            &w.app,
            "naming_string_modifications WHERE change_type = 'BATCH'"
        ),
        total - 1
    );
    assert_eq!(
        count(
            &w.app,
            &format!(
                "jobs WHERE kind = 'naming.batch' AND status = 'done' \
                 AND progress_done = {total} AND progress_total = {total}"
            )
        ),
        1
    );
}

#[actix_web::test]
async fn an_unexpected_error_marks_the_batch_failed_with_its_message() {
    let mut w = world().await;
    let meta = w.app.add_value(&w.acme, w.demo.dim("Source"), "meta");
    let mut f = fb_to_ig(&w);
    f[4].1 = meta.to_string();
    let res = w
        .ann
        .post(&format!("/w/{}/naming/batches", w.acme), &pairs(&f))
        .await;
    let page = res.location();
    // The replacement value vanishes before the job runs.
    w.app.raw_exec(&format!(
        "DELETE FROM naming_dimension_values WHERE id = '{meta}'"
    ));
    w.app.run_jobs();
    assert_eq!(
        count(
            &w.app,
            "naming_string_update_batches WHERE status = 'FAILED' AND backup_id IS NULL"
        ),
        1
    );
    assert_eq!(count(&w.app, "naming_string_backups"), 0);
    assert_eq!(count(&w.app, "naming_strings WHERE version > 1"), 0);
    let res = w.val.get(&page).await;
    assert!(
        res.contains("FAILED") && res.contains("is gone"),
        "{}",
        res.body
    );
    assert_eq!(
        count(
            &w.app,
            "audit_events WHERE action = 'naming.batch.finish' AND CAST(changes AS TEXT) LIKE '%FAILED%'"
        ),
        1
    );
}
