//! One's own account details: first and last name and a phone in E.164;
//! and changing the email address, only with the password confirmed in the
//! last ten minutes; with SMTP, only once the new address's owner opens the
//! link (the old address is told); never onto another account's address.
//! The change signs out the other sessions and is audited.

use actix_web::http::StatusCode;

use crate::accounts_signup::{outbox, smtp_app};
use crate::common::{Browser, TestApp, PASSWORD};

/// Confirms the password for the next ten minutes.
async fn reauth(b: &mut Browser) {
    b.get("/account").await;
    let r = b
        .post(
            "/account/confirm",
            &[("password", PASSWORD), ("next", "/account")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

fn user_email(app: &TestApp, id: &str) -> i64 {
    app.raw_count(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM users WHERE email = '{id}'"
    ))
}

#[actix_web::test]
async fn without_smtp_the_address_changes_after_the_password_and_signs_out_the_rest() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut other = app.browser();
    other.login("ann@example.com", PASSWORD).await;
    app.user("bob@example.com", "Bob").await;
    // Signed in more than ten minutes ago: off to the password page.
    app.raw_exec("UPDATE user_sessions SET password_confirmed_at = NULL");
    ann.get("/account").await;
    let r = ann
        .post("/account/email", &[("new_email", "ann@new.example")])
        .await;
    assert!(
        r.location().starts_with("/account/confirm"),
        "{}",
        r.location()
    );
    reauth(&mut ann).await;
    for (bad, why) in [
        ("not an address", "Enter a valid email address."),
        ("ANN@example.com", "That is already your address."),
        (
            "bob@example.com",
            "That address belongs to another account.",
        ),
    ] {
        let r = ann.post("/account/email", &[("new_email", bad)]).await;
        assert_eq!(r.location(), "/account");
        let page = ann.get("/account").await;
        assert!(page.contains(why), "{bad}: {}", page.body);
    }
    let r = ann
        .post("/account/email", &[("new_email", " Ann@New.Example ")])
        .await;
    assert_eq!(r.location(), "/account");
    let page = ann.get("/account").await;
    assert!(page.contains("Email address changed; 1 other session(s) signed out."));
    assert!(page.contains("ann@new.example"));
    assert_eq!(user_email(&app, "ann@new.example"), 1);
    let gone = other.get("/account").await;
    assert_eq!(
        gone.status,
        StatusCode::SEE_OTHER,
        "the other session is out"
    );
    let mut again = app.browser();
    let r = again.login("ann@new.example", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "signs in with the new address"
    );
    assert_eq!(
        app.raw_count(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_events WHERE action = 'auth.email_changed'"
        ),
        1
    );
}

#[actix_web::test]
async fn with_smtp_the_new_address_confirms_by_link_and_the_old_one_is_told() {
    let app = smtp_app().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut bob = app.user("bob@example.com", "Bob").await;
    reauth(&mut ann).await;
    let r = ann
        .post("/account/email", &[("new_email", "ann@new.example")])
        .await;
    assert_eq!(r.location(), "/account");
    assert!(ann
        .get("/account")
        .await
        .contains("We sent a link to ann@new.example"));
    assert_eq!(
        user_email(&app, "ann@example.com"),
        1,
        "nothing changed yet"
    );
    let (_, body) = outbox(&app)
        .into_iter()
        .rev()
        .find(|(to, _)| to == "ann@new.example")
        .expect("a link to the new address");
    let at = body.find("/account/email/").expect("the link") + "/account/email/".len();
    let token = body[at..at + 64].to_string();
    let url = format!("/account/email/{token}");
    // Another account's browser cannot use it.
    assert_eq!(bob.get(&url).await.status, StatusCode::NOT_FOUND);
    let page = ann.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("ann@new.example"));
    let r = bob.post(&url, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = ann.post(&url, &[]).await;
    assert_eq!(r.location(), "/account");
    assert!(ann
        .get("/account")
        .await
        .contains("Your email address is now ann@new.example."));
    assert_eq!(user_email(&app, "ann@new.example"), 1);
    assert!(
        outbox(&app).iter().any(|(to, body)| to == "ann@example.com"
            && body.contains("now signs in as ann@new.example")),
        "the old address is told"
    );
    // Used once.
    assert_eq!(ann.get(&url).await.status, StatusCode::NOT_FOUND);
    // A second request voids the first link.
    reauth(&mut ann).await;
    ann.post("/account/email", &[("new_email", "ann@third.example")])
        .await;
    ann.post("/account/email", &[("new_email", "ann@fourth.example")])
        .await;
    let links: Vec<String> = outbox(&app)
        .into_iter()
        .filter(|(to, _)| to == "ann@third.example")
        .map(|(_, body)| {
            let at = body.find("/account/email/").expect("link") + "/account/email/".len();
            body[at..at + 64].to_string()
        })
        .collect();
    let stale = ann.get(&format!("/account/email/{}", links[0])).await;
    assert_eq!(
        stale.status,
        StatusCode::NOT_FOUND,
        "a newer request voids it"
    );
}

#[actix_web::test]
async fn the_profile_keeps_first_and_last_name_and_a_phone_in_e164() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let r = ann
        .post(
            "/account",
            &[
                ("name", "Ann"),
                ("first_name", "Ann"),
                ("last_name", "Lovelace"),
                ("phone", "0049 30 123-4567"),
                ("timezone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ann.get("/account").await;
    assert!(page.contains("value=\"Lovelace\"") && page.contains("value=\"+49301234567\""));
    let bad = ann
        .post(
            "/account",
            &[
                ("name", "Ann"),
                ("first_name", "Ann"),
                ("last_name", "L"),
                ("phone", "030 1234567"),
                ("timezone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("with its country code") && bad.contains("value=\"030 1234567\""));
    assert_eq!(
        app.raw_count(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM users WHERE last_name = 'Lovelace' AND phone = '+49301234567'"
        ),
        1,
        "the refused form changed nothing"
    );
}
