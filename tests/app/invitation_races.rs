//! Concurrent acceptances of invitations never overshoot the seat limit and
//! never let one link admit two people (both backends: Postgres locks the
//! rows, SQLite's immediate write transactions serialise).

use actix_web::http::StatusCode;
use futures_util::future::join;

use crate::common::{Browser, TestApp, PASSWORD};

fn members(app: &TestApp, slug: &str) -> i64 {
    app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
         WHERE t.slug = '{slug}'"
    ))
}

fn set_seats(app: &TestApp, slug: &str, seats: i32) {
    app.raw_exec(&format!(
        "UPDATE tenants SET seat_limit = {seats} WHERE slug = '{slug}'"
    ));
}

async fn accept(b: &mut Browser, token: &str) -> String {
    let res = b.post(&format!("/invite/{token}"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
}

#[actix_web::test]
async fn one_link_accepted_by_two_people_at_once_admits_only_one() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut carl = app.user("carl@example.com", "Carl").await;
    let mut dan = app.user("dan@example.com", "Dan").await;
    // Several rounds: a race that slips through sometimes must show here.
    for round in 0..4 {
        let slug = app.workspace(&mut ann, &format!("Race {round}")).await;
        // Ann plus one pending invitation fill the plan.
        set_seats(&app, &slug, 2);
        let token = ann.invite(&slug, "carl@example.com", "member").await;
        let (a, b) = join(accept(&mut carl, &token), accept(&mut dan, &token)).await;
        let welcomed = [&a, &b]
            .iter()
            .filter(|l| ***l == format!("/w/{slug}/"))
            .count();
        assert_eq!(
            welcomed, 1,
            "round {round}: exactly one is admitted ({a}, {b})"
        );
        assert_eq!(
            members(&app, &slug),
            2,
            "round {round}: within the seat limit"
        );
    }
}

#[actix_web::test]
async fn two_invitations_and_a_replayed_link_accepted_at_once_stay_within_the_seats() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let mut carl = app.user("carl@example.com", "Carl").await;
    let mut dan = app.user("dan@example.com", "Dan").await;
    let mut eve = app.user("eve@example.com", "Eve").await;
    // Carl again, in a second browser: the same person clicking twice.
    let mut carl_again = app.browser();
    carl_again.login("carl@example.com", PASSWORD).await;
    for round in 0..3 {
        let slug = app.workspace(&mut ann, &format!("Seats {round}")).await;
        set_seats(&app, &slug, 3);
        let for_carl = ann.invite(&slug, "carl@example.com", "member").await;
        let for_dan = ann.invite(&slug, "dan@example.com", "viewer").await;
        let ((c, d), (e, c2)) = join(
            join(accept(&mut carl, &for_carl), accept(&mut dan, &for_dan)),
            join(
                accept(&mut eve, &for_carl),
                accept(&mut carl_again, &for_carl),
            ),
        )
        .await;
        let home = format!("/w/{slug}/");
        assert_eq!(d, home, "Dan's own invitation has its seat");
        let admitted = [&c, &e, &c2].iter().filter(|l| ***l == home).count();
        assert_eq!(
            admitted, 1,
            "round {round}: one of {c}, {e}, {c2} for Carl's link"
        );
        assert_eq!(members(&app, &slug), 3, "round {round}: never past 3 seats");
    }
}
