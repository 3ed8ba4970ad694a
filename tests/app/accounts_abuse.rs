//! Sign-in abuse: the bound on password hashing, atomic throttles (sign-in,
//! current password, token links, sign-up), what failed sign-ins leave in the
//! audit log, and the body limit of the forms an outsider can post.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::{Browser, Resp, TestApp, PASSWORD};
use atrium::db::Backend;

/// POSTs a form as `b` from the client address `ip`.
async fn post_from(b: &mut Browser, ip: &str, path: &str, form: &[(&str, &str)]) -> Resp {
    for page in ["/login", "/setup"] {
        if b.csrf.is_none() {
            b.get(page).await;
        }
    }
    let token = b.csrf.clone().expect("csrf token");
    let mut fields = form.to_vec();
    fields.push(("csrf_token", &token));
    let body = serde_urlencoded::to_string(&fields).expect("form");
    let addr = format!("{ip}:40000").parse().expect("socket address");
    b.send(
        TestRequest::post()
            .uri(path)
            .peer_addr(addr)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body),
    )
    .await
}

fn signup_form(email: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Someone"),
        ("email", email),
        ("password", PASSWORD),
        ("next", ""),
    ]
}

#[actix_web::test]
async fn a_full_password_hashing_queue_answers_503_with_retry_after_on_a_real_page() {
    let app = TestApp::with_config(|c| c.hash_queue = 0).await;
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    let res = b
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.header("retry-after").is_some(), "{:?}", res.headers);
    assert!(
        res.contains("<html") && res.contains("busy"),
        "{}",
        res.body
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM login_attempts"),
        0,
        "an attempt turned away unchecked is no guess"
    );
    let res = b.post("/signup", &signup_form("new@example.com")).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.header("retry-after").is_some());
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM users WHERE email = 'new@example.com'"),
        0
    );
}

#[actix_web::test]
async fn a_hashing_queue_of_one_still_signs_people_in() {
    let app = TestApp::with_config(|c| c.hash_queue = 1).await;
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    b.login("ann@example.com", PASSWORD).await;
}

#[actix_web::test]
async fn a_concurrent_burst_of_wrong_logins_gets_only_five_passwords_checked() {
    // Room for every hash, so that only the throttle turns requests away.
    let app = TestApp::with_config(|c| c.hash_queue = 64).await;
    app.create_account("ann@example.com", "Ann", false);
    let mut browsers = Vec::new();
    for _ in 0..12 {
        let mut b = app.browser();
        b.get("/login").await;
        browsers.push(b);
    }
    let results = futures_util::future::join_all(browsers.iter_mut().map(|b| {
        b.post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", "wrong guess 123"),
            ],
        )
    }))
    .await;
    let checked = results
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = results
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        checked,
        5,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(throttled, 7);
    assert!(results
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .all(|r| r.header("retry-after").is_some()));
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM login_attempts"), 5);
}

#[actix_web::test]
async fn wrong_current_passwords_on_change_password_are_throttled() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let new = "a brand new passphrase";
    let change = |current: &'static str| {
        vec![
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", new),
        ]
    };
    // A right one is forgiven: it does not use up the allowance.
    for _ in 0..5 {
        let res = ann
            .post("/account/password", &change("wrong current pw"))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.contains("not your current password"));
    }
    let res = ann.post("/account/password", &change(PASSWORD)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!(res.contains("Too many wrong current passwords"));
    assert!(res.header("retry-after").is_some());
    // The password did not change.
    app.browser().login("ann@example.com", PASSWORD).await;
}

#[actix_web::test]
async fn a_right_current_password_does_not_count_against_the_limit() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (a, b) = ("first new passphrase", "second new passphrase");
    for (current, new) in [(PASSWORD, a), (a, b), (b, a), (a, b), (b, a), (a, b)] {
        let res = ann
            .post(
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
}

#[actix_web::test]
async fn reset_links_that_lead_nowhere_are_throttled_per_client_address() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    for i in 0..20 {
        let res = b.get(&format!("/reset/{:064x}", i)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
    let res = b.get(&format!("/reset/{:064x}", 99)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.contains("Too many links"));
    let res = b
        .post(
            &format!("/reset/{:064x}", 98),
            &[("new_password", PASSWORD), ("confirm_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client address is not affected.
    let mut other = app.browser();
    other.get("/login").await;
    let res = other
        .send(
            TestRequest::get()
                .uri(&format!("/reset/{:064x}", 97))
                .peer_addr("10.1.2.3:5000".parse().expect("addr")),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn invitation_links_that_lead_nowhere_are_throttled_per_client_address() {
    let app = TestApp::new().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme").await;
    let token = owner.invite(&slug, "bob@example.com", "member").await;
    let mut bob = app.user("bob@example.com", "Bob").await;
    // A live link is forgiven: opening it often costs nothing.
    for _ in 0..25 {
        assert_eq!(
            bob.get(&format!("/invite/{token}")).await.status,
            StatusCode::OK
        );
    }
    for i in 0..20 {
        let res = bob.get(&format!("/invite/{:080x}", i)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
    let res = bob.post(&format!("/invite/{:080x}", 99), &[]).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let res = bob.get(&format!("/invite/{token}")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

fn changes_text(app: &TestApp) -> &'static str {
    match app.backend() {
        Backend::Postgres => "changes::text",
        Backend::Sqlite => "changes",
    }
}

#[actix_web::test]
async fn failed_sign_ins_record_a_short_lower_cased_address_and_never_the_password() {
    let app = TestApp::new().await;
    let long = format!("  ANN@Example.COM{}", "x".repeat(3000));
    let secret = "hunter2-typed-into-the-password-box";
    let mut b = app.browser();
    // Five are checked and fail; the rest are refused unchecked, and only the
    // first refusal this minute is written down.
    for _ in 0..12 {
        let res = b
            .post("/login", &[("email", &long), ("password", secret)])
            .await;
        assert!(
            res.status == StatusCode::UNPROCESSABLE_ENTITY
                || res.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            res.status
        );
    }
    let changes = changes_text(&app);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('auth.login_failed', 'security.login_throttled')"
        ),
        6
    );
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'security.login_throttled'"
        ),
        1,
        "seven refusals in a minute from one address, one row"
    );
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE length({changes}) > 300"
        )),
        0,
        "no audit row carries the whole submitted address"
    );
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE {changes} LIKE '%\"ann@example.comxxx%'"
        )),
        6,
        "the address is trimmed and lower-cased"
    );
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE {changes} LIKE '%hunter2%'"
        )),
        0
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM login_attempts WHERE length(email) > 254"),
        0
    );
}

#[actix_web::test]
async fn outsider_forms_refuse_bodies_over_a_few_kib_with_a_real_413_page() {
    let app = TestApp::new().await;
    let big = "x".repeat(8 * 1024);
    let mut b = app.browser();
    for path in ["/login", "/signup", "/setup"] {
        let res = b
            .post(
                path,
                &[("email", &big), ("password", PASSWORD), ("name", "N")],
            )
            .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(
            res.contains("<html") && res.contains("larger than"),
            "{path}"
        );
    }
    let res = b
        .post(
            &format!("/reset/{:064x}", 1),
            &[("new_password", &big), ("confirm_password", &big)],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A normal sign-in form still fits.
    app.create_account("ann@example.com", "Ann", false);
    b.login("ann@example.com", PASSWORD).await;
}

#[actix_web::test]
async fn sign_up_is_throttled_per_client_address_before_any_hashing() {
    let app = TestApp::with_config(|c| c.signup_per_ip_hour = 2).await;
    // Invalid input costs nothing and is not counted.
    let res = app
        .browser()
        .post(
            "/signup",
            &[("name", ""), ("email", "bad"), ("password", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for email in ["one@example.com", "two@example.com"] {
        let res = app.browser().post("/signup", &signup_form(email)).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let res = app
        .browser()
        .post("/signup", &signup_form("three@example.com"))
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.contains("Too many sign-ups from your network"));
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM users WHERE email = 'three@example.com'"),
        0
    );
    // Another client address may still sign up.
    let res = post_from(
        &mut app.browser(),
        "10.9.8.7",
        "/signup",
        &signup_form("three@example.com"),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

#[actix_web::test]
async fn sign_up_is_throttled_across_the_instance_too() {
    let app = TestApp::with_config(|c| c.signup_per_hour = 2).await;
    for (i, ip) in ["10.0.0.1", "10.0.0.2"].iter().enumerate() {
        let email = format!("user{i}@example.com");
        let res = post_from(&mut app.browser(), ip, "/signup", &signup_form(&email)).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let res = post_from(
        &mut app.browser(),
        "10.0.0.3",
        "/signup",
        &signup_form("user3@example.com"),
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.contains("Too many sign-ups right now"));
}

#[actix_web::test]
async fn sixteen_sign_in_attempts_released_at_once_admit_only_five() {
    // The same check-and-record as above, without the app's small test pool
    // in between: sixteen connections start together at a barrier.
    let app = TestApp::new().await;
    let pool = atrium::db::connect_pool(&app.db.url, 16).expect("pool");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("conn");
                barrier.wait();
                atrium::accounts::throttle::admit_login(
                    &mut conn,
                    "ann@example.com",
                    "10.0.0.1",
                    atrium::accounts::throttle::Limits::default(),
                )
                .expect("admit")
            })
        })
        .collect();
    let admitted = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .filter(|a| matches!(a, atrium::accounts::throttle::Admission::Allowed(_)))
        .count();
    assert_eq!(admitted, 5, "{:?}", app.backend());
}
