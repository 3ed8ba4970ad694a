//! Two-factor sign-in and re-authentication: enrolment by QR code and key,
//! the second step at sign-in (throttled, one use per code, recovery codes),
//! remembered browsers, turning it off, the workspace and superadmin
//! requirements, and the password asked again after ten minutes. The codes
//! are computed here from the key the page shows, with the same crate.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use totp_rs::{Builder, Secret};

use crate::common::{Browser, Resp, TestApp, PASSWORD};
use atrium::db::UtcTime;

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// What an authenticator app shows at `t` for the base32 key.
fn code_at(secret: &str, t: u64) -> String {
    let key = Secret::try_from_base32(secret).expect("a base32 key");
    Builder::new()
        .with_secret(key.as_bytes().to_vec())
        .build()
        .expect("totp")
        .generate(t)
        .to_string()
}

fn code_now(secret: &str) -> String {
    code_at(secret, now())
}

/// The clock moves on past every code used so far (instead of waiting 30
/// seconds for the app's next code).
fn next_code_window(app: &TestApp) {
    app.raw_exec("UPDATE two_factor_secrets SET last_used_step = NULL");
}

pub(crate) fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"
    ))
}

/// Turns two-factor on for the browser's user; returns the key (base32) and
/// the recovery codes the page showed once.
pub(crate) async fn enrol(b: &mut Browser) -> (String, Vec<String>) {
    let res = b.post("/account/two-factor/start", &[("next", "")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account/two-factor/setup");
    let page = b.get("/account/two-factor/setup").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let secret = between(&page.body, "id=\"totp-secret\" class=\"totp-secret\">", "<")
        .expect("the key as text")
        .replace(' ', "");
    let res = b
        .post(
            "/account/two-factor/setup",
            &[("code", &code_now(&secret)), ("next", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = b.get("/account/two-factor").await;
    let list = between(&page.body, "<ul class=\"recovery-codes\">", "</ul>")
        .expect("recovery codes shown");
    let codes: Vec<String> = list
        .split("<code>")
        .skip(1)
        .filter_map(|c| c.split("</code>").next())
        .map(str::to_string)
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Signs in with the password: two-factor on, so the answer is the second step.
async fn password_step(b: &mut Browser, email: &str) {
    // A revoked session's sign-in is dropped on the next page that looks at
    // it (the CSRF token stays valid: see `accounts::after_a_revoked_session…`).
    b.get("/account").await;
    let res = b
        .post(
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/login/two-factor");
}

async fn second_step(b: &mut Browser, code: &str, remember: bool) -> Resp {
    let mut form = vec![("code", code)];
    if remember {
        form.push(("remember", "on"));
    }
    let res = b.post("/login/two-factor", &form).await;
    if res.status == StatusCode::SEE_OTHER {
        // The CSRF token rotates when the session starts.
        b.csrf = None;
    }
    res
}

pub(crate) async fn is_signed_in(b: &mut Browser) -> bool {
    b.get("/account").await.status == StatusCode::OK
}

#[actix_web::test]
async fn enrolling_shows_a_qr_code_and_the_key_and_needs_a_code_from_it() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let page = ann.get("/account/two-factor").await;
    assert!(page.contains("Set up two-factor sign-in"));
    let res = ann.post("/account/two-factor/start", &[("next", "")]).await;
    assert_eq!(res.location(), "/account/two-factor/setup");
    let setup = ann.get("/account/two-factor/setup").await;
    assert!(setup.contains("<svg"), "a QR code drawn on the server");
    assert_eq!(setup.header("cache-control").as_deref(), Some("no-store"));
    assert!(!setup.contains("<?xml"));
    let secret = between(&setup.body, "class=\"totp-secret\">", "<")
        .expect("key")
        .replace(' ', "");
    assert_eq!(secret.len(), 32, "160 bits in base32");

    for bad in ["", "12345", "not a code", "000000"] {
        let res = ann
            .post("/account/two-factor/setup", &[("code", bad), ("next", "")])
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(res.contains("<svg"), "the form comes back with the QR code");
    }
    assert_eq!(audit_count(&app, "auth.2fa_enabled"), 0);
    let res = ann
        .post(
            "/account/two-factor/setup",
            &[("code", &code_now(&secret)), ("next", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = ann.get("/account/two-factor").await;
    assert!(page.contains("Your recovery codes"));
    assert!(page.contains("10 unused recovery codes"));
    let again = ann.get("/account/two-factor").await;
    assert!(!again.contains("Your recovery codes"), "shown only once");
    assert_eq!(audit_count(&app, "auth.2fa_enabled"), 1);
    // The key is sealed at rest and the codes are hashed.
    let plain = app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM two_factor_secrets WHERE secret LIKE '%{secret}%'"
    ));
    assert_eq!(plain, 0);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM two_factor_recovery_codes WHERE used_at IS NULL"),
        10
    );
}

#[actix_web::test]
async fn signing_in_asks_for_a_code_after_the_password_and_a_wrong_one_is_refused() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (secret, _) = enrol(&mut ann).await;
    next_code_window(&app);

    let mut b = app.browser();
    password_step(&mut b, "ann@example.com").await;
    assert!(!is_signed_in(&mut b).await, "not signed in before the code");
    let page = b.get("/login/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let wrong = if code_now(&secret) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let res = second_step(&mut b, wrong, false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("That code is not right"));
    let res = second_step(&mut b, "??", false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        audit_count(&app, "auth.2fa_failed"),
        1,
        "a malformed code is no guess"
    );
    let res = second_step(&mut b, &code_now(&secret), false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account", "back to where sign-in began");
    assert!(is_signed_in(&mut b).await);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.login' AND CAST(changes AS TEXT) LIKE '%totp%'"
        ),
        1
    );
    // Without a pending sign-in the second step sends you back to the start.
    let mut c = app.browser();
    let res = c.get("/login/two-factor").await;
    assert_eq!(res.location(), "/login");
}

#[actix_web::test]
async fn a_code_from_the_app_works_only_once() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (secret, _) = enrol(&mut ann).await;
    next_code_window(&app);
    let code = code_now(&secret);

    let mut b = app.browser();
    password_step(&mut b, "ann@example.com").await;
    assert_eq!(
        second_step(&mut b, &code, false).await.status,
        StatusCode::SEE_OTHER
    );
    let mut c = app.browser();
    password_step(&mut c, "ann@example.com").await;
    let res = second_step(&mut c, &code, false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("used already"), "{}", res.body);
    assert!(!is_signed_in(&mut c).await);
}

#[actix_web::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (secret, _) = enrol(&mut ann).await;
    next_code_window(&app);
    let right = code_now(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let mut b = app.browser();
    password_step(&mut b, "ann@example.com").await;
    for _ in 0..5 {
        let res = second_step(&mut b, wrong, false).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = second_step(&mut b, &right, false).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.contains("Too many failed sign-in attempts"));
    assert!(!is_signed_in(&mut b).await);
    assert_eq!(audit_count(&app, "auth.2fa_failed"), 5);
    assert!(audit_count(&app, "security.login_throttled") >= 1);
}

#[actix_web::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (_, codes) = enrol(&mut ann).await;
    let code = codes[3].to_uppercase();

    let mut b = app.browser();
    password_step(&mut b, "ann@example.com").await;
    let res = second_step(&mut b, &code, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = b.get("/account").await;
    assert!(page.contains("recovery code; 9 left"), "{}", page.body);
    assert_eq!(audit_count(&app, "auth.2fa_recovery_code_used"), 1);

    let mut c = app.browser();
    password_step(&mut c, "ann@example.com").await;
    let res = second_step(&mut c, &code, false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!is_signed_in(&mut c).await);
    // Another one still works.
    let res = second_step(&mut c, &codes[4], false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn a_remembered_browser_skips_the_code_until_two_factor_changes() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let (secret, _) = enrol(&mut ann).await;
    next_code_window(&app);

    let mut b = app.browser();
    password_step(&mut b, "ann@example.com").await;
    let res = second_step(&mut b, &code_now(&secret), true).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let cookie = b
        .cookies
        .get("atrium_device")
        .cloned()
        .expect("device cookie");
    assert!(
        res.headers.get_all("set-cookie").any(|v| {
            let v = v.to_str().unwrap_or("");
            v.starts_with("atrium_device=")
                && v.contains("HttpOnly")
                && v.contains("Max-Age=2592000")
        }),
        "an HttpOnly cookie for 30 days"
    );
    assert_eq!(
        app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM two_factor_devices WHERE token_hash = '{cookie}'"
        )),
        0,
        "only the token's hash is stored"
    );
    assert_eq!(b.post("/logout", &[]).await.status, StatusCode::SEE_OTHER);

    // Signing in again on this browser: the password is enough.
    b.csrf = None;
    let res = b
        .post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(res.location(), "/", "no second step");
    b.csrf = None;
    assert!(is_signed_in(&mut b).await);
    // Another browser still needs the code.
    let mut other = app.browser();
    password_step(&mut other, "ann@example.com").await;

    // Turning two-factor off (and on again) forgets the browser.
    next_code_window(&app);
    let res = ann
        .post(
            "/account/two-factor/disable",
            &[("password", PASSWORD), ("code", &code_now(&secret))],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM two_factor_devices WHERE revoked_at IS NULL"),
        0
    );
    let (_, _) = enrol(&mut ann).await;
    let mut b2 = app.browser();
    b2.cookies.insert("atrium_device".into(), cookie);
    password_step(&mut b2, "ann@example.com").await;
}

#[actix_web::test]
async fn turning_two_factor_off_needs_the_password_and_a_code() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut ann_phone = app.browser();
    ann_phone.login("ann@example.com", PASSWORD).await;
    let (secret, codes) = enrol(&mut ann).await;
    next_code_window(&app);
    // Enrolling signed out the other session; sign it in again, with a code.
    password_step(&mut ann_phone, "ann@example.com").await;
    assert_eq!(
        second_step(&mut ann_phone, &code_now(&secret), false)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    next_code_window(&app);

    let res = ann
        .post(
            "/account/two-factor/disable",
            &[
                ("password", "not my password"),
                ("code", &code_now(&secret)),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("That is not your password."));
    let res = ann
        .post(
            "/account/two-factor/disable",
            &[("password", PASSWORD), ("code", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Type the six digits"));
    let res = ann
        .post(
            "/account/two-factor/disable",
            &[("password", PASSWORD), ("code", "abcd-efgh-jkmn")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("That code is not right"));
    assert_eq!(audit_count(&app, "auth.2fa_disabled"), 0);

    // A recovery code does it too (a lost phone).
    let res = ann
        .post(
            "/account/two-factor/disable",
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(audit_count(&app, "auth.2fa_disabled"), 1);
    assert!(
        !is_signed_in(&mut ann_phone).await,
        "other sessions are signed out"
    );
    assert!(is_signed_in(&mut ann).await);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM two_factor_secrets"),
        0
    );
    // Signing in is the password alone again.
    let mut b = app.browser();
    b.login("ann@example.com", PASSWORD).await;
    assert!(is_signed_in(&mut b).await);
}

#[actix_web::test]
async fn enabling_and_new_recovery_codes_sign_out_the_other_sessions_and_are_audited() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut laptop = app.browser();
    laptop.login("ann@example.com", PASSWORD).await;
    let (secret, old_codes) = enrol(&mut ann).await;
    assert!(!is_signed_in(&mut laptop).await);
    assert!(
        is_signed_in(&mut ann).await,
        "the session that enrolled stays"
    );

    next_code_window(&app);
    password_step(&mut laptop, "ann@example.com").await;
    assert_eq!(
        second_step(&mut laptop, &code_now(&secret), false)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let res = ann.post("/account/two-factor/recovery-codes", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = ann.get("/account/two-factor").await;
    assert!(page.contains("Your recovery codes"));
    assert!(!page.contains(&old_codes[0]));
    assert!(!is_signed_in(&mut laptop).await);
    assert_eq!(audit_count(&app, "auth.2fa_recovery_codes_regenerated"), 1);

    let mut c = app.browser();
    password_step(&mut c, "ann@example.com").await;
    let res = second_step(&mut c, &old_codes[1], false).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "old codes stop working"
    );
}

#[actix_web::test]
async fn a_workspace_that_requires_two_factor_sends_members_without_it_to_enrol() {
    let app = TestApp::new().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme").await;
    let mut bob = app
        .member(&mut owner, &slug, "bob@example.com", "member")
        .await;

    let settings = format!("/w/{slug}/settings/security");
    let res = owner.post(&settings, &[("require_two_factor", "on")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Turn on two-factor sign-in for your own account first"));
    let res = bob.post(&settings, &[("require_two_factor", "on")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "admins only");

    enrol(&mut owner).await;
    let res = owner.post(&settings, &[("require_two_factor", "on")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(audit_count(&app, "workspace.require_2fa"), 1);
    assert!(owner
        .get(&format!("/w/{slug}/settings"))
        .await
        .contains("name=\"require_two_factor\" value=\"on\" checked"));

    let res = bob.get(&format!("/w/{slug}/members")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        res.location(),
        format!("/account/two-factor?next=/w/{slug}/members")
    );
    let page = bob.get(&res.location()).await;
    assert!(page.contains("requires two-factor sign-in"));
    // Someone outside the workspace still learns nothing.
    let mut eve = app.user("eve@example.com", "Eve").await;
    assert_eq!(
        eve.get(&format!("/w/{slug}/members")).await.status,
        StatusCode::NOT_FOUND
    );

    // Bob enrols and is sent back where he was going.
    let res = bob
        .post(
            "/account/two-factor/start",
            &[("next", &format!("/w/{slug}/members"))],
        )
        .await;
    let setup = bob.get(&res.location()).await;
    let secret = between(&setup.body, "class=\"totp-secret\">", "<")
        .expect("key")
        .replace(' ', "");
    let next = format!("/w/{slug}/members");
    let res = bob
        .post(
            "/account/two-factor/setup",
            &[("code", &code_now(&secret)), ("next", &next)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = bob.get(&res.location()).await;
    assert!(
        page.contains(&format!("href=\"/w/{slug}/members\"")),
        "continue link"
    );
    assert_eq!(
        bob.get(&format!("/w/{slug}/members")).await.status,
        StatusCode::OK
    );

    // Turning the requirement off lets everyone in again.
    let res = owner.post(&settings, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&app, "workspace.require_2fa"), 2);
}

#[actix_web::test]
async fn superadmins_may_require_two_factor_for_themselves() {
    let app = TestApp::new().await;
    let mut root = app.superadmin("root@example.com").await;
    let mut other = app.superadmin("other@example.com").await;
    let form = [
        ("signup_mode", "open"),
        ("session_idle_minutes", "10080"),
        ("session_absolute_hours", "720"),
        ("per_account_minute", "5"),
        ("per_account_hour", "100"),
        ("per_ip_minute", "30"),
        ("superadmin_two_factor", "on"),
    ];
    let res = root.post("/admin/settings", &form).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Turn on two-factor sign-in for your own account first"));

    enrol(&mut root).await;
    let res = root.post("/admin/settings", &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(root.get("/admin").await.status, StatusCode::OK);
    let res = other.get("/admin").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/account/two-factor?next=/admin");
    // Not a superadmin: still not found.
    let mut ann = app.user("ann@example.com", "Ann").await;
    assert_eq!(ann.get("/admin").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn changing_two_factor_asks_for_the_password_again_after_ten_minutes() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let eleven_minutes_ago = UtcTime(chrono::Utc::now() - chrono::Duration::minutes(11));
    app.raw_exec(&format!(
        "UPDATE user_sessions SET password_confirmed_at = '{}'",
        eleven_minutes_ago.to_db_text()
    ));

    let res = ann.post("/account/two-factor/start", &[("next", "")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/account/confirm?next=/account");
    let res = ann.get("/account/two-factor/setup").await;
    assert_eq!(
        res.location(),
        "/account/confirm?next=/account/two-factor/setup"
    );
    // A form posted from the two-factor page comes back to it.
    let res = ann
        .send(
            actix_web::test::TestRequest::post()
                .uri("/account/two-factor/recovery-codes")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .insert_header(("referer", "http://localhost:8080/account/two-factor"))
                .set_payload(format!("csrf_token={}", ann.csrf.clone().expect("token"))),
        )
        .await;
    assert_eq!(res.location(), "/account/confirm?next=/account/two-factor");

    let page = ann.get("/account/confirm?next=/account/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let res = ann
        .post(
            "/account/confirm",
            &[
                ("password", "wrong password!"),
                ("next", "/account/two-factor"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("That is not your password."));
    let res = ann
        .post(
            "/account/confirm",
            &[("password", PASSWORD), ("next", "https://evil.example/")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/", "only a local next is followed");
    assert_eq!(audit_count(&app, "auth.reauthenticated"), 1);
    // Confirmed: the change goes through, and the code is asked for as usual.
    let (_, _) = enrol(&mut ann).await;

    // Ten minutes later, new recovery codes need the password again too.
    app.raw_exec(&format!(
        "UPDATE user_sessions SET password_confirmed_at = '{}'",
        eleven_minutes_ago.to_db_text()
    ));
    let res = ann.post("/account/two-factor/recovery-codes", &[]).await;
    assert_eq!(res.location(), "/account/confirm?next=/account");
}

#[actix_web::test]
async fn a_session_from_before_the_column_must_confirm_its_password() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.raw_exec("UPDATE user_sessions SET password_confirmed_at = NULL");
    let res = ann.get("/account/two-factor/setup").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/account/confirm"));
    // Changing the password (which asks for the current one) counts as confirming.
    let res = ann
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = ann.get("/account/two-factor/setup").await;
    assert_ne!(res.status, StatusCode::OK, "no set-up started yet");
    assert_eq!(res.location(), "/account/two-factor");
}
