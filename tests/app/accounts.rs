//! Accounts: setup, sign-up, sign-in, throttling, sessions, CSRF, headers.

use actix_web::http::StatusCode;

use crate::common::{TestApp, PASSWORD};

#[actix_web::test]
async fn health_check_answers_ok_with_the_database_up() {
    let app = TestApp::new().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "ok");
}

#[actix_web::test]
async fn first_visitor_creates_the_superadmin_then_setup_closes() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let res = b.get("/login").await;
    assert_eq!(res.location(), "/setup");
    let res = b
        .post(
            "/setup",
            &[
                ("name", "Root"),
                ("email", "root@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("at least 8 characters"));
    assert!(
        res.contains("root@example.com"),
        "the form keeps what was typed"
    );
    let res = b
        .post(
            "/setup",
            &[
                ("name", "Root"),
                ("email", "root@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        b.get("/admin").await.status.is_success(),
        "the first account is a superadmin"
    );
    let mut other = app.browser();
    assert_eq!(other.get("/setup").await.status, StatusCode::NOT_FOUND);
    let res = other
        .post(
            "/setup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn sign_up_refuses_weak_common_and_duplicate_input_with_messages() {
    let app = TestApp::new().await;
    app.create_account("taken@example.com", "Taken", false);
    let mut b = app.browser();
    let res = b
        .post(
            "/signup",
            &[
                ("name", ""),
                ("email", "not-an-email"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Tell us your name"));
    assert!(res.contains("valid email"));
    assert!(res.contains("most common"));
    let res = b
        .post(
            "/signup",
            &[
                ("name", "Dup"),
                ("email", "Taken@Example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("already exists"));
    let res = b
        .post(
            "/signup",
            &[
                ("name", "New"),
                ("email", "new@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/w/new");
    assert!(b.get("/account").await.contains("new@example.com"));
}

#[actix_web::test]
async fn login_answers_the_same_for_a_wrong_password_and_an_unknown_email() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    let wrong = b
        .post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    let unknown = b
        .post(
            "/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status, unknown.status);
    let msg = "That email and password don&#39;t match an active account.";
    assert!(wrong.contains(msg), "{}", wrong.body);
    assert!(unknown.contains(msg));
}

#[actix_web::test]
async fn the_sixth_failed_login_in_a_minute_is_throttled_with_a_message() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    for _ in 0..5 {
        let r = b
            .post(
                "/login",
                &[("email", "ann@example.com"), ("password", "nope nope nope")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = b
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.contains("Too many failed sign-in attempts"));
    // Another account from the same address is not blocked by Ann's failures.
    app.create_account("bob@example.com", "Bob", false);
    let r = b
        .post(
            "/login",
            &[("email", "bob@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn logout_revokes_the_session_and_a_replayed_cookie_is_refused() {
    let app = TestApp::new().await;
    let mut b = app.user("ann@example.com", "Ann").await;
    let stolen = b.cookies.clone();
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
    let res = b.post("/logout", &[]).await;
    assert_eq!(res.location(), "/login");
    let mut thief = app.browser();
    thief.cookies = stolen;
    let res = thief.get("/account").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
}

#[actix_web::test]
async fn after_a_revoked_session_the_sign_in_page_posts() {
    let app = TestApp::new().await;
    let mut b = app.user("ann@example.com", "Ann").await;
    let before = b.cookies.clone();
    app.raw_exec("UPDATE user_sessions SET revoked_at = created_at");
    // The sign-in page is the first to see the revoked session: it drops the
    // sign-in from the cookie, and the form it renders must still post.
    b.csrf = None;
    let page = b.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_ne!(before, b.cookies, "the cookie id is renewed");
    let res = b
        .post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account");
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn the_session_id_is_renewed_at_login() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    let mut b = app.browser();
    b.get("/login").await;
    let before = b.cookies.clone();
    b.login("ann@example.com", PASSWORD).await;
    assert_ne!(before, b.cookies);
    // The pre-login cookie carries no session.
    let mut old = app.browser();
    old.cookies = before;
    assert_eq!(old.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn changing_the_password_signs_out_other_sessions_only() {
    let app = TestApp::new().await;
    let mut laptop = app.user("ann@example.com", "Ann").await;
    let mut phone = app.browser();
    phone.login("ann@example.com", PASSWORD).await;
    let bad = laptop
        .post(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "a new long passphrase"),
                ("confirm_password", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("not your current password"));
    let ok = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long passphrase"),
                ("confirm_password", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK);
    assert_eq!(phone.get("/account").await.status, StatusCode::SEE_OTHER);
    let mut again = app.browser();
    again
        .login("ann@example.com", "a new long passphrase")
        .await;
}

#[actix_web::test]
async fn my_sessions_lists_them_and_signs_out_one_or_all_others() {
    let app = TestApp::new().await;
    let mut a = app.user("ann@example.com", "Ann").await;
    let mut b = app.browser();
    b.login("ann@example.com", PASSWORD).await;
    let mut c = app.browser();
    c.login("ann@example.com", PASSWORD).await;
    let page = a.get("/account/sessions").await;
    assert_eq!(
        page.body.matches("/revoke\"").count(),
        3,
        "three sessions listed"
    );
    assert!(page.contains("this session"));
    let res = a.post("/account/sessions/revoke-others", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(a.get("/account").await.status, StatusCode::OK);
    // Someone else's session id is not found.
    let mut eve = app.user("eve@example.com", "Eve").await;
    let page = a.get("/account/sessions").await;
    let id = page
        .body
        .split("action=\"/account/sessions/")
        .skip(1)
        .map(|s| s.split('/').next().unwrap_or_default())
        .find(|s| s.len() == 36)
        .expect("session id")
        .to_string();
    assert_eq!(
        eve.post(&format!("/account/sessions/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(a.get("/account").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn profile_keeps_valid_changes_and_explains_invalid_ones() {
    let app = TestApp::new().await;
    let mut a = app.user("ann@example.com", "Ann").await;
    let res = a
        .post(
            "/account",
            &[("name", "Ann B."), ("timezone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose a timezone"));
    let res = a
        .post(
            "/account",
            &[("name", "Ann B."), ("timezone", "Europe/Berlin")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = a.get("/account").await;
    assert!(page.contains("Ann B."));
    assert!(page.contains("value=\"Europe/Berlin\" selected"));
}

#[actix_web::test]
async fn unsafe_requests_without_a_valid_csrf_token_or_origin_are_refused() {
    let app = TestApp::new().await;
    let mut a = app.user("ann@example.com", "Ann").await;
    let res = a.post_without_csrf("/w/new", &[("name", "Sneaky")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.contains("Form expired"));
    let res = a
        .post_without_csrf("/w/new", &[("name", "Sneaky"), ("csrf_token", "forged")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let token = a.csrf.clone().expect("token");
    let res = a
        .send(
            actix_web::test::TestRequest::post()
                .uri("/w/new")
                .insert_header(("origin", "https://evil.example"))
                .insert_header(("x-csrf-token", token.as_str()))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload("name=Sneaky"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The htmx header form of the token works.
    let res = a
        .send(
            actix_web::test::TestRequest::post()
                .uri("/w/new")
                .insert_header(("x-csrf-token", token.as_str()))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload("name=Real"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = a.get("/").await;
    assert!(home.contains("Real") && !home.contains("Sneaky"));
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    for path in ["/login", "/healthz", "/nope", "/static/app.css"] {
        let res = b.get(path).await;
        assert_eq!(
            res.header("content-security-policy").as_deref(),
            Some("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
            "{path}"
        );
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            res.header("referrer-policy").as_deref(),
            Some("same-origin")
        );
        assert_eq!(
            res.header("cross-origin-opener-policy").as_deref(),
            Some("same-origin")
        );
        assert!(res.header("x-request-id").is_some());
        assert!(
            res.header("strict-transport-security").is_none(),
            "no HSTS without https"
        );
    }
    assert!(
        !b.get("/login").await.body.contains("style="),
        "no inline styles"
    );
}

#[actix_web::test]
async fn https_public_url_turns_on_hsts_and_secure_host_cookies() {
    let app =
        TestApp::with_config(|c| c.public_url = Some("https://atrium.example.com".into())).await;
    let mut b = app.browser();
    let res = b.get("/login").await;
    assert!(res.header("strict-transport-security").is_some());
    let cookie = res.header("set-cookie").expect("session cookie");
    assert!(cookie.starts_with("__Host-atrium="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax")
    );
}

#[actix_web::test]
async fn unknown_pages_get_a_real_404_page_and_htmx_gets_a_fragment() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let res = b.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.contains("<html") && res.contains("Not found") && res.contains("request id"));
    let res = b.hx_get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("<html") && res.contains("Not found"));
}

#[actix_web::test]
async fn invite_only_instances_refuse_open_sign_up_but_accept_invitees() {
    let app = TestApp::new().await;
    let mut root = app.superadmin("root@example.com").await;
    let res = root
        .post(
            "/admin/settings",
            &[
                ("signup_mode", "invite_only"),
                ("session_idle_minutes", "10080"),
                ("session_absolute_hours", "720"),
                ("per_account_minute", "5"),
                ("per_account_hour", "100"),
                ("per_ip_minute", "30"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let slug = app.workspace(&mut root, "Acme").await;
    let token = root.invite(&slug, "bob@example.com", "member").await;
    let mut stranger = app.browser();
    let res = stranger
        .post(
            "/signup",
            &[
                ("name", "S"),
                ("email", "s@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("invite-only"));
    let next = format!("/invite/{token}");
    let mut bob = app.browser();
    let res = bob
        .post(
            "/signup",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), next);
}

#[actix_web::test]
async fn a_disabled_account_is_signed_out_and_cannot_sign_in() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let user = {
        let mut conn = app.pool().get().expect("conn");
        atrium::accounts::models::find_by_email(&mut conn, "ann@example.com")
            .expect("q")
            .expect("ann")
    };
    let meta = atrium::web::extract::RequestMeta {
        ip: "test".into(),
        user_agent: None,
    };
    atrium::accounts::models::set_active(
        &mut app.pool().get().expect("conn"),
        user.id,
        user.id,
        false,
        &meta,
    )
    .expect("disable");
    assert_eq!(ann.get("/account").await.status, StatusCode::SEE_OTHER);
    let res = app
        .browser()
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn an_idle_session_expires_and_so_does_an_old_one() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    // Idle for longer than the idle lifetime (7 days by default).
    app.raw_exec("UPDATE user_sessions SET last_seen_at = '2020-01-01T00:00:00.000000Z'");
    assert_eq!(ann.get("/account").await.status, StatusCode::SEE_OTHER);
    let mut ann = app.browser();
    ann.login("ann@example.com", PASSWORD).await;
    assert_eq!(ann.get("/account").await.status, StatusCode::OK);
    // Past the absolute lifetime, however active.
    app.raw_exec("UPDATE user_sessions SET expires_at = '2020-01-01T00:00:00.000000Z'");
    assert_eq!(ann.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn a_hundred_failures_in_an_hour_lock_the_account_for_the_hour() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    // 100 failures spread over the last hour, none in the last minute.
    let values: Vec<String> = (0..100)
        .map(|i| {
            let at = chrono::Utc::now() - chrono::Duration::minutes(2 + (i % 50));
            format!(
                "('{}', 'ann@example.com', '10.0.0.{}', {}, '{}')",
                uuid::Uuid::now_v7(),
                i % 200,
                if app.backend() == atrium::db::Backend::Postgres {
                    "false"
                } else {
                    "0"
                },
                atrium::db::UtcTime(at).to_db_text()
            )
        })
        .collect();
    app.raw_exec(&format!(
        "INSERT INTO login_attempts (id, email, ip, succeeded, created_at) VALUES {}",
        values.join(",")
    ));
    let res = app
        .browser()
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.contains("in the last hour"));
}

#[actix_web::test]
async fn an_error_page_keeps_the_signed_in_users_navigation() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann Example").await;
    let res = ann.get("/w/nowhere/").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.contains("Ann Example") && res.contains("Sign out"));
    // Its sign-out form works (it carries the session's CSRF token).
    let out = ann.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
}
