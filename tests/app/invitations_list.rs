//! The pending invitations on the members page: 20 a page with their own
//! pager, a search by email (case-insensitive, `%` and `_` literal) that
//! keeps the members list's own search, only for admins; another
//! workspace's member sees none of them.

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};

/// Ann's workspace "Acme" with `n` pending invitations, guest00@… to
/// guest{n-1}@…, the newest last (written directly: they would exceed the
/// free plan's seats), and one through the app.
async fn acme(n: usize) -> (TestApp, Browser, String) {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    ann.invite(&slug, "Invited.Through@Form.test", "viewer")
        .await;
    for i in 0..n {
        app.raw_exec(&format!(
            "INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at, created_at) \
             SELECT t.id, '{}', 'guest{i:02}@example.com', 'member', 'token-{i}', u.id, \
                    '2099-01-01T00:00:00.000000Z', '2026-01-01T00:00:{i:02}.000000Z' \
             FROM tenants t, users u WHERE t.slug = '{slug}' AND u.email = 'ann@example.com'",
            uuid::Uuid::now_v7()
        ));
    }
    (app, ann, slug)
}

/// Guests listed (the inviter's email is in every row too).
fn listed(body: &str) -> usize {
    body.matches("<td>guest").count()
}

#[actix_web::test]
async fn pending_invitations_page_20_at_a_time_and_search_by_email() {
    let (_app, mut ann, slug) = acme(45).await;
    let page = ann.get(&format!("/w/{slug}/members")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Pending invitations"), "{}", page.body);
    // The first page: the newest 20 (the form's invitation is the newest).
    assert!(page.contains("invited.through@form.test"), "{}", page.body);
    assert_eq!(listed(&page.body), 19);
    assert!(page.contains("Page 1 of 3"), "{}", page.body);
    assert!(page.contains("inv_page=2#invitations"), "{}", page.body);
    let res = ann.get(&format!("/w/{slug}/members?inv_page=3")).await;
    assert_eq!(listed(&res.body), 6, "46 in all: 20 + 20 + 6");
    assert!(res.contains("guest00@example.com"));
    assert!(!res.contains("guest44@example.com"));

    // Search: case-insensitive; the pager keeps it.
    let res = ann.get(&format!("/w/{slug}/members?inv_q=GUEST1")).await;
    assert_eq!(listed(&res.body), 10, "guest10…guest19: {}", res.body);
    assert!(res.contains("10 matching “GUEST1”"), "{}", res.body);
    assert!(!res.contains("inv_page=2"), "one page only");
    let res = ann.get(&format!("/w/{slug}/members?inv_q=guest")).await;
    let links = res.body.replace("&#38;", "&").replace("&amp;", "&");
    assert!(
        links.contains("?inv_q=guest&inv_page=2#invitations"),
        "{}",
        res.body
    );
    // `_` and `%` are literal: nothing has them.
    for q in ["guest_1", "%25"] {
        let res = ann.get(&format!("/w/{slug}/members?inv_q={q}")).await;
        assert_eq!(listed(&res.body), 0, "{q}");
        assert!(
            res.contains("No pending invitation matches"),
            "{}",
            res.body
        );
    }
    // The members list's own search is kept by the invitation search form.
    let res = ann
        .get(&format!("/w/{slug}/members?q=ann&inv_q=guest2"))
        .await;
    assert!(
        res.contains("<input type=\"hidden\" name=\"q\" value=\"ann\">"),
        "{}",
        res.body
    );
    assert_eq!(listed(&res.body), 10);
}

#[actix_web::test]
async fn only_admins_see_pending_invitations_and_other_workspaces_see_none() {
    let (app, mut ann, slug) = acme(3).await;
    let mut mia = app
        .member(&mut ann, &slug, "mia@example.com", "member")
        .await;
    let res = mia.get(&format!("/w/{slug}/members?inv_q=guest")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.contains("Pending invitations"));
    assert!(!res.contains("guest0"));

    let mut gus = app.user("gus@example.com", "Gus").await;
    let globex = app.workspace(&mut gus, "Globex").await;
    let res = gus.get(&format!("/w/{slug}/members?inv_q=guest")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("guest0"));
    let res = gus.get(&format!("/w/{globex}/members?inv_q=guest")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.contains("guest0"), "{}", res.body);
    assert!(res.contains("No pending invitation matches"));
}

#[actix_web::test]
async fn withdrawing_goes_back_to_the_same_search_and_page_or_the_last_one() {
    let (app, mut ann, slug) = acme(45).await;
    let page = ann
        .get(&format!("/w/{slug}/members?inv_q=guest&inv_page=3"))
        .await;
    assert_eq!(listed(&page.body), 5, "45 guests: 20 + 20 + 5");
    assert!(
        page.contains("name=\"inv_page\" value=\"3\""),
        "{}",
        page.body
    );
    let revoke = page
        .body
        .split(&format!("action=\"/w/{slug}/invitations/"))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a withdraw form")
        .to_string();
    let res = ann
        .post(
            &format!("/w/{slug}/invitations/{revoke}"),
            &[("inv_q", "guest"), ("inv_page", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        res.location(),
        format!("/w/{slug}/members?inv_q=guest&inv_page=3#invitations")
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM invitations WHERE revoked_at IS NOT NULL"),
        1
    );
    // Beyond the last page: the last page.
    let res = ann
        .get(&format!("/w/{slug}/members?inv_q=guest&inv_page=9"))
        .await;
    assert!(res.contains("Page 3 of 3"), "{}", res.body);
    assert_eq!(listed(&res.body), 4);
}
