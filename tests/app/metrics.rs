//! `/metrics`: off without a token, bearer-protected with one, and what it
//! shows: requests by route pattern, database time charged to the request
//! that spent it, the pool, and the job queue.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::{Resp, TestApp};

const TOKEN: &str = "metrics-token-for-tests-0123456789";

async fn app_with_metrics() -> TestApp {
    TestApp::with_config(|c| c.metrics_token = Some(TOKEN.into())).await
}

async fn scrape(app: &TestApp, authorization: Option<&str>) -> Resp {
    let mut req = TestRequest::get().uri("/metrics");
    if let Some(a) = authorization {
        req = req.insert_header(("Authorization", a));
    }
    app.browser().send(req).await
}

async fn scrape_ok(app: &TestApp) -> String {
    let res = scrape(app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?.strip_prefix(' ')?;
        rest.split(' ').next()?.parse().ok()
    })
}

#[actix_web::test]
async fn metrics_are_a_404_when_no_token_is_configured() {
    let app = TestApp::new().await;
    let res = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("atrium_http_requests"));
}

#[actix_web::test]
async fn metrics_refuse_a_missing_or_wrong_token_with_a_bearer_challenge() {
    let app = app_with_metrics().await;
    let (basic, longer) = (format!("Basic {TOKEN}"), format!("Bearer {TOKEN}x"));
    for auth in [
        None,
        Some("Bearer wrong-token"),
        Some("Bearer "),
        Some(basic.as_str()),
        Some(longer.as_str()),
    ] {
        let res = scrape(&app, auth).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "with {auth:?}");
        assert!(
            res.header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")),
            "with {auth:?}: {:?}",
            res.headers
        );
        assert!(!res.contains("atrium_"), "with {auth:?}");
    }
    // The scheme's case does not matter; the token's does.
    let lower = format!("bearer {TOKEN}");
    assert_eq!(scrape(&app, Some(&lower)).await.status, StatusCode::OK);
    let upper = format!("Bearer {}", TOKEN.to_uppercase());
    assert_eq!(
        scrape(&app, Some(&upper)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_not_by_path() {
    let app = app_with_metrics().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme Corp").await;
    for _ in 0..2 {
        let page = owner.get(&format!("/w/{slug}/")).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    assert_eq!(
        owner.get("/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    let body = scrape_ok(&app).await;
    assert_eq!(
        sample(
            &body,
            r#"atrium_http_requests_total{method="GET",route="/w/{slug}/",status="200"}"#
        ),
        Some(2.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            r#"atrium_http_request_duration_seconds_count{method="GET",route="/w/{slug}/",status_class="2xx"}"#
        ),
        Some(2.0),
        "{body}"
    );
    assert!(
        sample(
            &body,
            r#"atrium_http_requests_total{method="POST",route="/login",status="303"}"#
        )
        .is_some(),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            r#"atrium_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0),
        "{body}"
    );
    // Raw paths never become labels.
    assert!(!body.contains(&format!("/w/{slug}/\"")), "{body}");
    assert!(!body.contains("/no/such/page"), "{body}");
}

#[actix_web::test]
async fn database_time_is_charged_to_the_request_that_spent_it() {
    let app = app_with_metrics().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme Corp").await;
    assert_eq!(app.browser().get("/healthz").await.status, StatusCode::OK);
    assert_eq!(
        owner.get(&format!("/w/{slug}/")).await.status,
        StatusCode::OK
    );
    let body = scrape_ok(&app).await;
    // The health check runs exactly one statement, on the blocking pool.
    let health = r#"{method="GET",route="/healthz"}"#;
    assert_eq!(
        sample(
            &body,
            &format!("atrium_http_request_db_statements_sum{health}")
        ),
        Some(1.0),
        "{body}"
    );
    let seconds = sample(
        &body,
        &format!("atrium_http_request_db_seconds_sum{health}"),
    );
    assert!(seconds.is_some_and(|s| s > 0.0), "{body}");
    // A workspace page reads the session, the membership and the page.
    let dashboard = r#"{method="GET",route="/w/{slug}/"}"#;
    let statements = sample(
        &body,
        &format!("atrium_http_request_db_statements_sum{dashboard}"),
    );
    assert!(statements.is_some_and(|n| n >= 3.0), "{body}");
    assert!(
        sample(&body, "atrium_db_statement_duration_seconds_count").is_some_and(|n| n >= 4.0),
        "{body}"
    );
}

#[actix_web::test]
async fn metrics_show_the_pool_and_the_job_queue_by_kind() {
    let app = app_with_metrics().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme Corp").await;
    let tenant =
        atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("c"), &slug)
            .expect("q")
            .expect("ws")
            .id;
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
            .expect("tc");
    for _ in 0..2 {
        tc.write(|c, t| atrium::jobs::enqueue(c, t, "email.send", serde_json::json!({}), None))
            .expect("enqueue");
    }
    drop(tc);
    // One of them has been due for a long time.
    app.raw_exec(
        "UPDATE jobs SET run_after = '2020-01-01T00:00:00.000000Z' \
         WHERE id = (SELECT id FROM jobs WHERE kind = 'email.send' ORDER BY id LIMIT 1)",
    );

    let body = scrape_ok(&app).await;
    assert_eq!(
        sample(&body, r#"atrium_jobs_queued{kind="email.send"}"#),
        Some(2.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, r#"atrium_jobs_running{kind="email.send"}"#),
        Some(0.0),
        "{body}"
    );
    let age = sample(
        &body,
        r#"atrium_jobs_oldest_queued_age_seconds{kind="email.send"}"#,
    );
    assert!(age.is_some_and(|a| a > 86_400.0 * 365.0), "{body}");
    // The pool: 4 connections at most in tests.
    assert_eq!(sample(&body, "atrium_db_pool_max_connections"), Some(4.0));
    let open = sample(&body, "atrium_db_pool_connections").expect("connections");
    let idle = sample(&body, "atrium_db_pool_connections_idle").expect("idle");
    let in_use = sample(&body, "atrium_db_pool_connections_in_use").expect("in use");
    assert!(open >= 1.0, "{body}");
    assert_eq!(open, idle + in_use);
    assert_eq!(sample(&body, "atrium_db_pool_waiting"), Some(0.0), "{body}");
    assert!(
        sample(&body, "atrium_db_pool_wait_seconds_count").is_some_and(|n| n >= 1.0),
        "{body}"
    );

    // Once finished, the kind drops out of the queue.
    app.raw_exec("UPDATE jobs SET status = 'done'");
    let body = scrape_ok(&app).await;
    assert_eq!(
        sample(&body, r#"atrium_jobs_queued{kind="email.send"}"#),
        None,
        "{body}"
    );
}
