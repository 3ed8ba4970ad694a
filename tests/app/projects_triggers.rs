//! What starts a workflow besides its Run button: a run started on a task
//! (linked both ways), a task entering a status (event), a schedule through
//! the job queue, and a signed webhook.

use actix_web::http::StatusCode;

use crate::common::projects::{last_segment, workspace, Ws};
use atrium::projects::models::*;
use atrium::projects::triggers;

const SIMPLE: &str = r#"{"start": "check", "steps": [
  {"key": "check", "kind": "task", "next": {"done": "end"}},
  {"key": "end", "kind": "end"}]}"#;

/// Creates a workflow as Ann (an admin); returns its id.
async fn workflow(w: &mut Ws, name: &str, extra: &[(&str, &str)]) -> WorkflowId {
    let mut form = vec![
        ("name", name),
        ("kind", "review"),
        ("status", "active"),
        ("trigger_kind", "manual"),
        ("approval_days", "7"),
        ("definition", SIMPLE),
    ];
    for (k, v) in extra {
        form.retain(|(fk, _)| fk != k);
        form.push((k, v));
    }
    let url = format!("{}/workflows", w.base());
    let r = w.ann.post(&url, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    last_segment(&r.location()).parse().expect("workflow id")
}

fn runs_of(w: &Ws, id: WorkflowId) -> Vec<Execution> {
    w.read(|c, t| atrium::projects::workflows::executions(c, t, id))
}

#[actix_web::test]
async fn a_run_started_on_a_task_links_both_ways() {
    let mut w = workspace().await;
    let p = w.new_project("Linked", &[("key", "LN")]).await;
    let t = w.new_task(&p, "Ship the beta", &[]).await;
    let id = workflow(&mut w, "Beta check", &[]).await;
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let page = w.bob.get(&url).await;
    assert!(page.contains("Beta check"), "the workflow is offered");
    let r = w
        .bob
        .post(&format!("{url}/runs"), &[("workflow_id", &id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let run = w.bob.get(&r.location()).await;
    assert!(run.contains("LN-1 Ship the beta"), "the run names its task");
    let runs = runs_of(&w, id);
    assert_eq!(runs[0].task_id.map(|x| x.to_string()), Some(t.clone()));
    let page = w.bob.get(&url).await;
    assert!(
        page.contains(&format!("/runs/{}", runs[0].id)),
        "the task lists its run"
    );
    // A non-manual workflow cannot be started by hand.
    let ev = workflow(
        &mut w,
        "Event only",
        &[("trigger_kind", "event"), ("trigger_status", "done")],
    )
    .await;
    let r = w
        .bob
        .post(&format!("{url}/runs"), &[("workflow_id", &ev.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Only a manually triggered workflow"));
}

#[actix_web::test]
async fn a_task_entering_a_status_starts_the_event_workflows_waiting_for_it() {
    let mut w = workspace().await;
    let p = w.new_project("Events", &[("key", "EV")]).await;
    let other = w.new_project("Other", &[("key", "OT")]).await;
    // The settings an event needs are checked.
    let url = format!("{}/workflows", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[
                ("name", "Broken"),
                ("kind", "review"),
                ("status", "active"),
                ("trigger_kind", "event"),
                ("approval_days", "7"),
                ("definition", SIMPLE),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Choose the status a task enters"));
    let review = workflow(
        &mut w,
        "Review gate",
        &[
            ("trigger_kind", "event"),
            ("trigger_status", "in_review"),
            ("trigger_project", &p),
        ],
    )
    .await;
    let anywhere = workflow(
        &mut w,
        "Done anywhere",
        &[("trigger_kind", "event"), ("trigger_status", "done")],
    )
    .await;
    let t = w.new_task(&p, "Feature", &[]).await;
    let o = w.new_task(&other, "Elsewhere", &[]).await;
    for to in ["todo", "in_progress", "in_review"] {
        w.move_task(&p, &t, to).await;
        w.move_task(&other, &o, to).await;
    }
    let runs = runs_of(&w, review);
    assert_eq!(runs.len(), 1, "only the watched project's task");
    assert_eq!(runs[0].task_id.map(|x| x.to_string()), Some(t.clone()));
    assert_eq!(runs[0].started_by, Some(w.app.user_id("ann@example.com")));
    // Back and into review again while the run is open: no second run.
    w.move_task(&p, &t, "in_progress").await;
    w.move_task(&p, &t, "in_review").await;
    assert_eq!(runs_of(&w, review).len(), 1);
    // Done in any project starts the other one for each task.
    w.move_task(&p, &t, "done").await;
    w.move_task(&other, &o, "done").await;
    assert_eq!(runs_of(&w, anywhere).len(), 2);
    // A paused workflow starts nothing.
    let e = w.new_task(&p, "Later", &[]).await;
    w.app.raw_exec(&format!(
        "UPDATE projects_workflows SET status = 'paused' WHERE id = '{review}'"
    ));
    for to in ["todo", "in_progress", "in_review"] {
        w.move_task(&p, &e, to).await;
    }
    assert_eq!(runs_of(&w, review).len(), 1);
}

#[actix_web::test]
async fn a_scheduled_workflow_runs_through_the_job_queue_once_per_due_time() {
    let mut w = workspace().await;
    let r = w
        .ann
        .post(
            &format!("{}/workflows", w.base()),
            &[
                ("name", "No hours"),
                ("kind", "review"),
                ("status", "active"),
                ("trigger_kind", "scheduled"),
                ("approval_days", "7"),
                ("definition", SIMPLE),
            ],
        )
        .await;
    assert!(r.contains("how many hours apart"), "{}", r.body);
    let id = workflow(
        &mut w,
        "Nightly",
        &[("trigger_kind", "scheduled"), ("every_hours", "24")],
    )
    .await;
    let wf = w.read(|c, t| atrium::projects::workflows::find(c, t, id));
    let next = wf.next_run_at.expect("a next run");
    let ahead = next.0 - chrono::Utc::now();
    assert!(ahead > chrono::Duration::hours(23), "a day ahead");
    assert_eq!(w.app.run_jobs(), 0, "nothing is due yet");
    // Time passes: the job comes due (and the workflow's next run with it).
    let past = "2026-01-01T00:00:00Z";
    move_schedule(&w, id, past);
    assert!(w.app.run_jobs() >= 1);
    let runs = runs_of(&w, id);
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].started_by, runs[0].task_id), (None, None));
    let wf = w.read(|c, t| atrium::projects::workflows::find(c, t, id));
    let following = wf.next_run_at.expect("the next one");
    assert!(
        following.0 > chrono::Utc::now(),
        "the next run is ahead, not a backlog"
    );
    // The same due time again (a retried job): no second run.
    let t = w.tenant();
    let due = atrium::db::UtcTime(
        chrono::DateTime::parse_from_rfc3339(past)
            .expect("time")
            .with_timezone(&chrono::Utc),
    );
    let again = atrium::db::TenantConn::open(w.app.pool(), &atrium::db::tenant_scope_for_tests(t))
        .expect("conn")
        .write(|c, t| triggers::scheduled_run(c, t, id, Some(due), atrium::db::UtcTime::now()))
        .expect("run");
    assert_eq!(again, None);
    assert_eq!(runs_of(&w, id).len(), 1);
    // Paused: the due job does nothing.
    w.app.raw_exec(&format!(
        "UPDATE projects_workflows SET status = 'paused' WHERE id = '{id}'"
    ));
    move_schedule(&w, id, past);
    w.app.run_jobs();
    assert_eq!(runs_of(&w, id).len(), 1);
}

/// Moves the workflow's next run, and every queued schedule job of it, to `at`.
fn move_schedule(w: &Ws, id: WorkflowId, at: &str) {
    let sqlite = w.app.backend() == atrium::db::Backend::Sqlite;
    let payload = if sqlite {
        format!("json_set(payload, '$.at', '{at}')")
    } else {
        format!("jsonb_set(payload, '{{at}}', '\"{at}\"')")
    };
    let when = if sqlite {
        format!("'{at}'")
    } else {
        format!("TIMESTAMPTZ '{at}'")
    };
    w.app.raw_exec(&format!(
        "UPDATE projects_workflows SET next_run_at = {when} WHERE id = '{id}'"
    ));
    w.app.raw_exec(&format!(
        "UPDATE jobs SET run_after = {when}, payload = {payload} \
         WHERE kind = '{}' AND status = 'queued'",
        triggers::SCHEDULE_KIND
    ));
}

/// A webhook call: `secret` signs `timestamp.body`.
async fn hook(
    w: &Ws,
    tenant: &str,
    id: WorkflowId,
    secret: &str,
    timestamp: i64,
    body: &str,
) -> crate::common::Resp {
    let ts = timestamp.to_string();
    let sig = triggers::sign(secret, &ts, body.as_bytes());
    let mut b = w.app.browser();
    b.send(
        actix_web::test::TestRequest::post()
            .uri(&format!("/hooks/projects/{tenant}/workflows/{id}"))
            .insert_header(("content-type", "application/json"))
            .insert_header(("x-atrium-timestamp", ts))
            .insert_header(("x-atrium-signature", sig))
            .set_payload(body.to_string()),
    )
    .await
}

#[actix_web::test]
async fn a_signed_webhook_starts_a_run_and_anything_else_is_refused() {
    let mut w = workspace().await;
    let p = w.new_project("Deploys", &[("key", "DEP")]).await;
    w.new_task(&p, "Release 1.4", &[]).await;
    let id = workflow(&mut w, "Deploy sign-off", &[("trigger_kind", "webhook")]).await;
    let wf = w.read(|c, t| atrium::projects::workflows::find(c, t, id));
    let secret = wf.hook_secret.clone();
    assert!(secret.len() >= 32, "a secret was made");
    // Admins see the URL and secret; members do not see the secret.
    let page = w.ann.get(&format!("{}/workflows/{id}", w.base())).await;
    assert!(page.contains(&secret) && page.contains("/hooks/projects/"));
    let page = w.bob.get(&format!("{}/workflows/{id}", w.base())).await;
    assert!(!page.contains(&secret));
    let tenant = w.tenant().to_string();
    let now = chrono::Utc::now().timestamp();

    let r = hook(&w, &tenant, id, &secret, now, r#"{"task": "dep-1"}"#).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let runs = runs_of(&w, id);
    assert_eq!(runs.len(), 1);
    assert!(r.contains(&runs[0].id.to_string()));
    assert!(runs[0].task_id.is_some(), "linked to DEP-1");
    let r = hook(&w, &tenant, id, &secret, now, "").await;
    assert_eq!(r.status, StatusCode::CREATED, "an empty body is fine");

    // Wrong secret, stale timestamp, unknown task, bad JSON.
    let r = hook(&w, &tenant, id, "not-the-secret", now, "{}").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = hook(&w, &tenant, id, &secret, now - 3_600, "{}").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.contains("five minutes"));
    let r = hook(&w, &tenant, id, &secret, now, r#"{"task": "DEP-99"}"#).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = hook(&w, &tenant, id, &secret, now, "not json").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Too large.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let r = hook(&w, &tenant, id, &secret, now, &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(runs_of(&w, id).len(), 2);

    // Another workspace's id in the address: 404, even with the secret.
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let globex_id = w.app.tenant(&globex).to_string();
    let r = hook(&w, &globex_id, id, &secret, now, "{}").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.contains("Deploy sign-off"));
    // A deactivated workspace: 404.
    w.app.raw_exec(&format!(
        "UPDATE tenants SET status = 'inactive' WHERE id = '{tenant}'"
    ));
    let r = hook(&w, &tenant, id, &secret, now, "{}").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    w.app.raw_exec(&format!(
        "UPDATE tenants SET status = 'active' WHERE id = '{tenant}'"
    ));
    // A paused workflow refuses with 409.
    w.app.raw_exec(&format!(
        "UPDATE projects_workflows SET status = 'paused' WHERE id = '{id}'"
    ));
    let r = hook(&w, &tenant, id, &secret, now, "{}").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(runs_of(&w, id).len(), 2);
    // Changing the trigger away drops the secret.
    let wf = w.read(|c, t| atrium::projects::workflows::current(c, t, id));
    let mut form = atrium::projects::workflows::WorkflowForm::from_workflow(&wf.0, &wf.1);
    form.trigger_kind = "manual".into();
    form.status = "active".into();
    let pairs = [
        ("name", form.name.as_str()),
        ("kind", form.kind.as_str()),
        ("status", form.status.as_str()),
        ("trigger_kind", form.trigger_kind.as_str()),
        ("approval_days", form.approval_days.as_str()),
        ("definition", form.definition.as_str()),
    ];
    let r = w
        .ann
        .post(&format!("{}/workflows/{id}", w.base()), &pairs)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let wf = w.read(|c, t| atrium::projects::workflows::find(c, t, id));
    assert!(wf.hook_secret.is_empty());
    let r = hook(&w, &tenant, id, &secret, now, "{}").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn another_workspace_gets_404_when_starting_a_run_on_a_task() {
    let mut w = workspace().await;
    let p = w.new_project("Secret Zeppelin", &[("key", "ZEP")]).await;
    let t = w.new_task(&p, "Zeppelin launch", &[]).await;
    let id = workflow(&mut w, "Zeppelin check", &[]).await;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for slug in [w.slug.as_str(), globex.as_str()] {
        let url = format!("/w/{slug}/projects/{p}/tasks/{t}/runs");
        let r = gus.post(&url, &[("workflow_id", &id.to_string())]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {url}");
        assert!(!r.contains("eppelin"));
    }
    assert!(runs_of(&w, id).is_empty());
}
