//! Running batch updates: the job backs up, replaces the value in every
//! matching string as a new version and skips collisions, resumes chunk after
//! chunk, and records a failure; rollback restores the backup as new versions
//! and leaves strings changed since alone.

use actix_web::http::StatusCode;

use atrium::naming::generate::Outcome;

use crate::common::naming::utm_links;
use crate::common::naming_batches::{count, fb_to_ig, pairs, start_batch, world};

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
    assert!(res.contains(">Completed<"));
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
    assert!(res.contains(">Rolled back<") && res.contains("2 strings restored"));
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
        res.contains(">Failed<") && res.contains("is gone"),
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
