//! Workflows with approvals: validation that names the broken step, versions
//! that runs keep, a run through approval to the end, the reject path,
//! approvals that expire through the job runner, who may decide, and
//! isolation of every workflow route.

use actix_web::http::StatusCode;

use crate::common::projects::{workspace, Ws};
use atrium::projects::models::*;

pub(crate) fn definition(approver: &str) -> String {
    format!(
        r#"{{"start": "review", "steps": [
            {{"key": "review", "kind": "approval", "approvers": ["{approver}"],
              "next": {{"approved": "publish", "rejected": "rework"}}}},
            {{"key": "rework", "kind": "task", "next": {{"done": "review"}}}},
            {{"key": "publish", "kind": "end"}}]}}"#
    )
}

/// Creates an active manual workflow as Ann; returns its id.
pub(crate) async fn new_workflow(w: &mut Ws, name: &str, def: &str) -> String {
    let r = w
        .ann
        .post(
            &format!("{}/workflows", w.base()),
            &[
                ("name", name),
                ("kind", "approval"),
                ("status", "active"),
                ("trigger_kind", "manual"),
                ("approval_days", "7"),
                ("definition", def),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap_or("").to_string()
}

fn last(url: &str) -> String {
    url.rsplit('/').next().unwrap_or("").to_string()
}

fn execution(w: &Ws, id: &str) -> Execution {
    let id: ExecutionId = id.parse().expect("id");
    w.read(|c, t| {
        use atrium::schema::projects_workflow_executions as we;
        use diesel::prelude::*;
        Ok(we::table
            .filter(we::tenant_id.eq(t))
            .filter(we::id.eq(id))
            .select(Execution::as_select())
            .first(c)?)
    })
}

pub(crate) async fn start_run(w: &mut Ws, wf: &str) -> String {
    let r = w
        .bob
        .post(&format!("{}/workflows/{wf}/run", w.base()), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    last(&r.location())
}

#[actix_web::test]
async fn a_broken_definition_is_refused_with_the_step_named_and_the_input_kept() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let bad = definition(&bob).replace("\"approved\": \"publish\"", "\"approved\": \"pubish\"");
    let r = w
        .ann
        .post(
            &format!("{}/workflows", w.base()),
            &[
                ("name", "Launch approval"),
                ("kind", "approval"),
                ("status", "active"),
                ("trigger_kind", "manual"),
                ("approval_days", "0"),
                ("definition", &bad),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Step “review”: next “approved” points at “pubish”, which is not a step."),
        "{}",
        r.body
    );
    assert!(r.contains("value=\"Launch approval\""), "the name is kept");
    assert!(r.contains("pubish"), "the definition is kept");
    let stranger = "0190a3c2-0000-7000-8000-00000000abcd";
    let r = w
        .ann
        .post(
            &format!("{}/workflows", w.base()),
            &[
                ("name", "Launch approval"),
                ("kind", "approval"),
                ("status", "active"),
                ("trigger_kind", "manual"),
                ("approval_days", "7"),
                ("definition", &definition(stranger)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Step “review”: approver") && r.contains("is not a member of this workspace")
    );
    let r = w
        .ann
        .post(
            &format!("{}/workflows", w.base()),
            &[
                ("name", "x"),
                ("kind", "approval"),
                ("status", "active"),
                ("trigger_kind", "manual"),
                ("approval_days", "7"),
                ("definition", "{not json"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("not valid JSON"));
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_workflows"),
        0
    );
}

#[actix_web::test]
async fn a_run_is_approved_to_the_end_and_keeps_its_version_after_an_edit() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    let ex = execution(&w, &e);
    assert_eq!(ex.status, ExecutionStatus::Running);
    assert_eq!(ex.current_step, "review");
    assert_eq!(ex.version, 1);
    let page = w
        .bob
        .get(&format!("{}/workflows/{wf}/runs/{e}", w.base()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Your approval") && page.contains("<svg"));

    // An edit of the definition is version 2; the running run stays on 1.
    let v2 = definition(&bob)
        .replace("\"key\": \"publish\"", "\"key\": \"live\"")
        .replace("\"approved\": \"publish\"", "\"approved\": \"live\"");
    let r = w
        .ann
        .post(
            &format!("{}/workflows/{wf}", w.base()),
            &[
                ("name", "Launch approval"),
                ("kind", "approval"),
                ("status", "active"),
                ("trigger_kind", "manual"),
                ("approval_days", "7"),
                ("definition", &v2),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_workflow_versions"),
        2
    );

    let r = w
        .bob
        .post(
            &format!("{}/workflows/{wf}/runs/{e}/decide", w.base()),
            &[("decision", "approve"), ("comment", "Ship it")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ex = execution(&w, &e);
    assert_eq!(ex.status, ExecutionStatus::Completed);
    assert_eq!(ex.current_step, "publish", "the step of version 1");
    assert!(ex.finished_at.is_some());
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'workflow.approve'"),
        1
    );
    let again = start_run(&mut w, &wf).await;
    assert_eq!(execution(&w, &again).version, 2);
}

#[actix_web::test]
async fn a_rejection_follows_the_rejected_step_and_the_task_step_returns_to_review() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    let base = format!("{}/workflows/{wf}/runs/{e}", w.base());
    w.bob
        .post(
            &format!("{base}/decide"),
            &[("decision", "reject"), ("comment", "Not yet")],
        )
        .await;
    let ex = execution(&w, &e);
    assert_eq!(
        (ex.status, ex.current_step.as_str()),
        (ExecutionStatus::Running, "rework")
    );
    w.bob.post(&format!("{base}/done"), &[]).await;
    let ex = execution(&w, &e);
    assert_eq!(ex.current_step, "review");
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM projects_workflow_approvals WHERE status = 'pending'"
        ),
        1,
        "a fresh approval is asked"
    );
    w.bob.post(&format!("{base}/cancel"), &[]).await;
    assert_eq!(execution(&w, &e).status, ExecutionStatus::Cancelled);
}

#[actix_web::test]
async fn an_overdue_approval_expires_through_the_job_runner_and_fails_the_run() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    w.app.run_jobs();
    assert_eq!(
        execution(&w, &e).status,
        ExecutionStatus::Running,
        "not due yet"
    );
    w.app.raw_exec(
        "UPDATE projects_workflow_approvals SET expires_at = '2020-01-01T00:00:00.000000Z'",
    );
    w.app.raw_exec("UPDATE jobs SET run_after = '2020-01-01T00:00:00.000000Z' WHERE kind = 'projects.workflow_expiry'");
    assert!(w.app.run_jobs() >= 1);
    let ex = execution(&w, &e);
    assert_eq!(ex.status, ExecutionStatus::Failed);
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM projects_workflow_approvals WHERE status = 'expired'"
        ),
        1
    );
    let r = w
        .bob
        .post(
            &format!("{}/workflows/{wf}/runs/{e}/decide", w.base()),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an expired approval cannot be given"
    );
}

#[actix_web::test]
async fn someone_who_is_not_an_approver_cannot_decide_and_viewers_cannot_run() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    let url = format!("{}/workflows/{wf}/runs/{e}/decide", w.base());
    let r = w.ann.post(&url, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.vic.post(&url, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .vic
        .post(&format!("{}/workflows/{wf}/run", w.base()), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.bob.get(&format!("{}/workflows/new", w.base())).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "members do not write workflows"
    );
    let r = w.vic.get(&format!("{}/workflows/{wf}", w.base())).await;
    assert_eq!(r.status, StatusCode::OK, "viewers read");
    assert_eq!(execution(&w, &e).status, ExecutionStatus::Running);
}

#[actix_web::test]
async fn a_paused_run_takes_no_answer_and_its_approvals_wait_until_it_resumes() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    let run = format!("{}/workflows/{wf}/runs/{e}", w.base());
    // A viewer cannot, nor a member who did not start it; Bob started it.
    let r = w.vic.post(&format!("{run}/pause"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let slug = w.slug.clone();
    let mut cat = w
        .app
        .member(&mut w.ann, &slug, "cat@example.com", "member")
        .await;
    let r = cat.post(&format!("{run}/pause"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.bob.post(&format!("{run}/pause"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(execution(&w, &e).status, ExecutionStatus::Paused);
    let page = w.bob.get(&run).await;
    assert!(!page.contains("Your approval"), "no answer while paused");
    let r = w
        .bob
        .post(&format!("{run}/decide"), &[("decision", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Overdue while paused: nothing expires.
    w.app.raw_exec(
        "UPDATE projects_workflow_approvals SET expires_at = '2020-01-01T00:00:00.000000Z'",
    );
    w.app.raw_exec("UPDATE jobs SET run_after = '2020-01-01T00:00:00.000000Z' WHERE kind = 'projects.workflow_expiry'");
    w.app.run_jobs();
    assert_eq!(execution(&w, &e).status, ExecutionStatus::Paused);
    let r = w.ann.post(&format!("{run}/pause"), &[]).await;
    let again = w.ann.get(&r.location()).await;
    assert!(
        again.contains("Only a running run can be paused"),
        "{}",
        again.body
    );
    // Resuming queues the expiry at once: the overdue approval expires.
    let r = w.ann.post(&format!("{run}/resume"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(w.app.run_jobs() >= 1);
    assert_eq!(execution(&w, &e).status, ExecutionStatus::Failed);
    let steps = w.ann.get(&run).await;
    assert!(steps.contains("paused") && steps.contains("resumed"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_workflow_route_and_changes_nothing() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let wf = new_workflow(&mut w, "Zeppelin approval", &definition(&bob)).await;
    let e = start_run(&mut w, &wf).await;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let gets = [
        "workflows".to_string(),
        "workflows/new".to_string(),
        format!("workflows/{wf}"),
        format!("workflows/{wf}/edit"),
        format!("workflows/{wf}/runs/{e}"),
    ];
    let posts = [
        format!("workflows/{wf}"),
        format!("workflows/{wf}/run"),
        format!("workflows/{wf}/runs/{e}/decide"),
        format!("workflows/{wf}/runs/{e}/done"),
        format!("workflows/{wf}/runs/{e}/cancel"),
        format!("workflows/{wf}/runs/{e}/pause"),
        format!("workflows/{wf}/runs/{e}/resume"),
    ];
    for path in &gets {
        let theirs = gus.get(&format!("/w/{}/projects/{path}", w.slug)).await;
        assert_eq!(
            theirs.status,
            StatusCode::NOT_FOUND,
            "{path} under Acme's slug"
        );
        if path != "workflows" && path != "workflows/new" {
            let mine = gus.get(&format!("/w/{globex}/projects/{path}")).await;
            assert_eq!(mine.status, StatusCode::NOT_FOUND, "{path} under Globex");
            assert!(!mine.contains("Zeppelin"));
        }
    }
    let form = [
        ("decision", "approve"),
        ("name", "Stolen"),
        ("kind", "approval"),
        ("status", "active"),
        ("trigger_kind", "manual"),
        ("approval_days", "7"),
        ("definition", "{}"),
    ];
    for path in &posts {
        let theirs = gus
            .post(&format!("/w/{}/projects/{path}", w.slug), &form)
            .await;
        assert_eq!(
            theirs.status,
            StatusCode::NOT_FOUND,
            "POST {path} under Acme's slug"
        );
        let mine = gus
            .post(&format!("/w/{globex}/projects/{path}"), &form)
            .await;
        assert_eq!(
            mine.status,
            StatusCode::NOT_FOUND,
            "POST {path} under Globex"
        );
    }
    let r = gus
        .post(&format!("/w/{}/projects/workflows", w.slug), &form)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let ex = execution(&w, &e);
    assert_eq!(
        (ex.status, ex.current_step.as_str()),
        (ExecutionStatus::Running, "review")
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_workflows"),
        1
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_workflow_executions"),
        1
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM projects_workflow_versions"),
        1
    );
}

#[actix_web::test]
async fn an_approver_who_leaves_closes_their_approval_and_the_run_moves_on() {
    let mut w = workspace().await;
    let ann = w.app.user_id("ann@example.com").to_string();
    let bob = w.app.user_id("bob@example.com").to_string();
    // Bob alone approves the first workflow; Ann and Bob the second.
    let alone = new_workflow(&mut w, "Bob alone", &definition(&bob)).await;
    let both_def =
        definition(&bob).replace(&format!("[\"{bob}\"]"), &format!("[\"{ann}\", \"{bob}\"]"));
    let both = new_workflow(&mut w, "Ann and Bob", &both_def).await;
    let e_alone = start_run(&mut w, &alone).await;
    let e_both = start_run(&mut w, &both).await;
    let r = w
        .ann
        .post(
            &format!("{}/workflows/{both}/runs/{e_both}/decide", w.base()),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        execution(&w, &e_both).current_step,
        "review",
        "Bob's answer is missing"
    );

    let slug = w.slug.clone();
    let r = w.bob.post(&format!("/w/{slug}/leave"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Nobody is left to approve the first: it ends as if it had expired.
    assert_eq!(execution(&w, &e_alone).status, ExecutionStatus::Failed);
    // Ann approved the second: it goes on to the end.
    let ex = execution(&w, &e_both);
    assert_eq!(ex.status, ExecutionStatus::Completed, "{ex:?}");
    assert_eq!(ex.current_step, "publish");
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM projects_workflow_approvals \
             WHERE status = 'pending'"
        ),
        0
    );
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'workflow.approver_left'"
        ),
        2
    );
    let page = w
        .ann
        .get(&format!("{}/workflows/{alone}/runs/{e_alone}", w.base()))
        .await;
    assert!(
        page.contains("the approver left the workspace"),
        "{}",
        page.body
    );
}
