//! Sign-up with SMTP configured: the address is verified by email, and the
//! page never tells whether the address already has an account.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::{Resp, TestApp, PASSWORD};

pub(crate) async fn smtp_app() -> TestApp {
    // Nothing is sent in these tests (no jobs run): the outbox is read instead.
    TestApp::with_config(|c| {
        c.smtp_url = Some("smtp://127.0.0.1:9".into());
        c.public_url = Some("https://atrium.example.com".into());
    })
    .await
}

/// (recipient, body) of each queued account email, oldest first.
pub(crate) fn outbox(app: &TestApp) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Mail {
        #[diesel(sql_type = diesel::sql_types::Text)]
        recipient: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
    let mut conn = app.pool().get().expect("conn");
    diesel::sql_query("SELECT recipient, body FROM mail_outbox ORDER BY created_at, id")
        .load::<Mail>(&mut *conn)
        .expect("outbox")
        .into_iter()
        .map(|m| (m.recipient, m.body))
        .collect()
}

/// The verification token in the last email to `to`.
fn link_token(app: &TestApp, to: &str) -> String {
    let (_, body) = outbox(app)
        .into_iter()
        .rev()
        .find(|(r, _)| r == to)
        .expect("an email to that address");
    let at = body.find("/verify/").expect("a verification link") + "/verify/".len();
    body[at..at + 64].to_string()
}

async fn sign_up(app: &TestApp, email: &str) -> (Resp, String) {
    let mut b = app.browser();
    let res = b
        .post(
            "/signup",
            &[
                ("name", "Someone"),
                ("email", email),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    // The page as anyone would see it: without this browser's own CSRF token.
    let csrf = b.csrf.clone().unwrap_or_default();
    let page = res.body.replace(&csrf, "CSRF").replace(email, "EMAIL");
    (res, page)
}

#[actix_web::test]
async fn with_smtp_sign_up_for_a_new_and_an_existing_address_gives_identical_pages() {
    let app = smtp_app().await;
    app.create_account("taken@example.com", "Taken", false);
    let (new, new_page) = sign_up(&app, "new@example.com").await;
    let (taken, taken_page) = sign_up(&app, "taken@example.com").await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert_eq!(taken.status, new.status);
    assert_eq!(new_page, taken_page);
    assert!(new.contains("Check your email"));
    assert!(!taken.contains("already exists"));
    let mails = outbox(&app);
    assert_eq!(mails.len(), 2);
    let (to, body) = &mails[0];
    assert_eq!(to, "new@example.com");
    assert!(
        body.contains("https://atrium.example.com/verify/"),
        "{body}"
    );
    let (to, body) = &mails[1];
    assert_eq!(to, "taken@example.com");
    assert!(
        body.contains("already has one") && !body.contains("/verify/"),
        "{body}"
    );
    // The existing account is untouched and still signs in.
    app.browser().login("taken@example.com", PASSWORD).await;
}

#[actix_web::test]
async fn an_unverified_account_cannot_sign_in_until_its_link_is_confirmed() {
    let app = smtp_app().await;
    sign_up(&app, "new@example.com").await;
    let mut b = app.browser();
    let res = b
        .post(
            "/login",
            &[("email", "new@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.contains("Confirm your email address first"),
        "{}",
        res.body
    );
    // A wrong password learns nothing about the pending account.
    let res = b
        .post(
            "/login",
            &[
                ("email", "new@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert!(res.contains("don&#39;t match an active account"));
    let token = link_token(&app, "new@example.com");
    let res = b.get(&format!("/verify/{token}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains("Confirm my address") && res.contains("new@example.com"));
    // Opening the link (what a mail scanner does) confirms nothing yet.
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM users WHERE pending_verification"),
        1
    );
    let res = b.post(&format!("/verify/{token}"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login");
    b.login("new@example.com", PASSWORD).await;
}

#[actix_web::test]
async fn a_used_or_expired_verification_link_is_refused() {
    let app = smtp_app().await;
    sign_up(&app, "used@example.com").await;
    let token = link_token(&app, "used@example.com");
    let mut b = app.browser();
    assert_eq!(
        b.post(&format!("/verify/{token}"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        b.get(&format!("/verify/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/verify/{token}"), &[]).await.status,
        StatusCode::NOT_FOUND
    );

    sign_up(&app, "late@example.com").await;
    let token = link_token(&app, "late@example.com");
    app.raw_exec("UPDATE email_verifications SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE used_at IS NULL");
    assert_eq!(
        b.get(&format!("/verify/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/verify/{token}"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let res = b
        .post(
            "/login",
            &[("email", "late@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn a_squatted_unverified_address_goes_to_whoever_signs_up_once_its_link_expired() {
    let app = smtp_app().await;
    sign_up(&app, "victim@example.com").await;
    // While the first link lives, a second sign-up only gets a notice.
    sign_up(&app, "victim@example.com").await;
    let mails = outbox(&app);
    assert_eq!(mails.len(), 2);
    assert!(!mails[1].1.contains("/verify/"));
    app.raw_exec("UPDATE email_verifications SET expires_at = '2020-01-01T00:00:00.000000Z'");
    let mut b = app.browser();
    let res = b
        .post(
            "/signup",
            &[
                ("name", "Real Owner"),
                ("email", "victim@example.com"),
                ("password", "the real owners passphrase"),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let token = link_token(&app, "victim@example.com");
    b.post(&format!("/verify/{token}"), &[]).await;
    b.login("victim@example.com", "the real owners passphrase")
        .await;
}

#[actix_web::test]
async fn a_verification_email_goes_out_through_the_smtp_relay() {
    let (port, received) = crate::jobs::smtp_server("250 ok\r\n");
    let app = TestApp::with_config(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    sign_up(&app, "new@example.com").await;
    assert_eq!(app.run_jobs(), 1);
    let mail = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("an email");
    assert!(mail.contains("RCPT TO:<new@example.com>"));
    assert!(mail.contains("/verify/"));
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NOT NULL"),
        1
    );
}

#[actix_web::test]
async fn an_invitee_who_signs_up_lands_on_the_invitation_after_confirming() {
    let app = smtp_app().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Acme").await;
    let invite = owner.invite(&slug, "new@example.com", "member").await;
    let next = format!("/invite/{invite}");
    let mut b = app.browser();
    let res = b
        .post(
            "/signup",
            &[
                ("name", "New"),
                ("email", "new@example.com"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (_, mail) = outbox(&app)
        .into_iter()
        .rev()
        .find(|(r, _)| r == "new@example.com")
        .expect("a verification email");
    let token = link_token(&app, "new@example.com");
    assert!(
        mail.contains(&format!("/verify/{token}?next=/invite/{invite}")),
        "{mail}"
    );
    let res = b
        .get(&format!("/verify/{token}?next=/invite/{invite}"))
        .await;
    assert!(
        res.contains(&format!("name=\"next\" value=\"{next}\"")),
        "{}",
        res.body
    );
    let res = b
        .post(&format!("/verify/{token}"), &[("next", &next)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("/login?next=/invite/{invite}"));
    // The invitation still waits, and accepting it joins the workspace.
    let res = b
        .post(
            "/login",
            &[
                ("email", "new@example.com"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(res.location(), next);
    assert!(b.get(&next).await.contains("Acme"));
    let res = b.post(&next, &[]).await;
    assert_eq!(res.location(), format!("/w/{slug}/"), "{}", res.body);

    // A link that names somewhere else entirely goes to the plain sign-in.
    let res = b
        .post(&format!("/verify/{token}"), &[("next", "//evil.example")])
        .await;
    assert_ne!(res.location(), "/login?next=%2F%2Fevil.example");
}
