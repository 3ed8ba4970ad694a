//! Batch updates: the preview counts strings and lists collisions; the form
//! explains bad choices; a new value can replace an old one; roles and
//! isolation. Running and rolling back batches is in `naming_batch_runs`.

use actix_web::http::StatusCode;

use atrium::naming::demo;

use crate::common::naming_batches::{count, fb_to_ig, form, pairs, start_batch, world};

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
        assert!(show.contains(">Completed<") && !show.contains("Roll back…"));
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

/// The batch ids a page of the batch list links to.
fn listed_batches(body: &str, slug: &str) -> Vec<String> {
    body.split(&format!("<td><a href=\"/w/{slug}/naming/batches/"))
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn following_next_through_the_batch_updates_shows_every_batch_once() {
    let mut w = world().await;
    start_batch(&mut w).await;
    w.app.run_jobs();
    // 119 copies in groups that share their start second.
    let rows: Vec<String> = (0..119)
        .map(|i| {
            let at = chrono::DateTime::from_timestamp(1_790_000_000 + i / 10, 0)
                .expect("time")
                .format("%Y-%m-%dT%H:%M:%S%.6fZ");
            let status = if i % 2 == 0 { "FAILED" } else { "COMPLETED" };
            format!("('{}', '{at}', '{status}')", uuid::Uuid::now_v7())
        })
        .collect();
    let (id, at) = match w.app.backend() {
        atrium::db::Backend::Postgres => {
            ("CAST(v.column1 AS uuid)", "CAST(v.column2 AS timestamptz)")
        }
        atrium::db::Backend::Sqlite => ("v.column1", "v.column2"),
    };
    w.app.raw_exec(&format!(
        "INSERT INTO naming_string_update_batches (tenant_id, id, rule_id, field_id, initiated_by, \
         initiated_at, completed_at, status, total_strings, processed_strings, failed_strings, \
         backup_id, metadata, created_at, updated_at, created_by) \
         SELECT b.tenant_id, {id}, b.rule_id, b.field_id, b.initiated_by, {at}, b.completed_at, \
         v.column3, b.total_strings, b.processed_strings, b.failed_strings, NULL, b.metadata, {at}, \
         {at}, b.created_by FROM naming_string_update_batches b, (VALUES {}) AS v",
        rows.join(", ")
    ));
    let base = format!("/w/{}/naming/batches", w.acme);
    let pages = w.ann.all_pages(&base, false).await;
    assert_eq!(pages.len(), 3, "120 batches, 50 a page");
    let mut seen = std::collections::HashSet::new();
    for p in &pages {
        for b in listed_batches(&p.body, &w.acme) {
            assert!(seen.insert(b.clone()), "{b} twice");
        }
    }
    assert_eq!(seen.len(), 120);
    let failed = w
        .ann
        .all_pages(&format!("{base}?status=FAILED"), false)
        .await;
    assert!(failed[0]
        .next_link()
        .expect("next")
        .contains("status=FAILED"));
    let n: usize = failed
        .iter()
        .map(|p| listed_batches(&p.body, &w.acme).len())
        .sum();
    assert_eq!(n, 60);
    let back = w
        .ann
        .get(&format!("{base}{}", pages[1].prev_link().expect("prev")))
        .await;
    assert_eq!(
        listed_batches(&back.body, &w.acme),
        listed_batches(&pages[0].body, &w.acme)
    );
    let res = w.ann.get(&format!("{base}?after=nope")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        listed_batches(&res.body, &w.acme),
        listed_batches(&pages[0].body, &w.acme)
    );
    let next = pages[0].next_link().expect("next");
    assert_eq!(
        w.gus.get(&format!("{base}{next}")).await.status,
        StatusCode::NOT_FOUND
    );
}
