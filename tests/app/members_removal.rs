//! Memberships are removed softly: the row stays (revoked) for history,
//! grants nothing, takes no seat, hides from the list unless asked for, and
//! comes back — the same row — when the person is invited again.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::TestApp;
use crate::workspaces::{membership_id, row};

fn set_seats(app: &TestApp, slug: &str, seats: i32) {
    use atrium::schema::tenants;
    diesel::update(tenants::table.filter(tenants::slug.eq(slug)))
        .set(tenants::seat_limit.eq(seats))
        .execute(&mut *app.pool().get().expect("conn"))
        .expect("seat limit");
}

#[actix_web::test]
async fn a_removed_member_is_history_and_an_invitation_restores_the_same_membership() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let mut bob = app
        .member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let members = format!("/w/{slug}/members");
    let bob_mid = membership_id(&ann.get(&members).await.body, "bob@example.com");

    // Two seats, both taken: no room for Carol.
    set_seats(&app, &slug, 2);
    let carol = [("email", "carol@example.com"), ("role", "member")];
    let res = ann.post(&format!("/w/{slug}/invitations"), &carol).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    let res = ann.post(&format!("{members}/{bob_mid}/remove"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        bob.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!bob.get("/").await.contains(&format!("/w/{slug}/")));
    // The row is kept, revoked.
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM memberships WHERE revoked_at IS NOT NULL"),
        1
    );
    // Hidden from the list by default, shown when asked for.
    let page = ann.get(&members).await;
    assert!(
        !page.contains("data-email=\"bob@example.com\""),
        "{}",
        page.body
    );
    let page = ann.get(&format!("{members}?status=removed")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(row(&page.body, "bob@example.com").contains("Invite again to restore"));
    assert!(!page.contains("data-email=\"ann@example.com\""));
    // A removed member takes no seat: Carol fits now.
    let res = ann.post(&format!("/w/{slug}/invitations"), &carol).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Bulk actions never reach a removed member.
    let res = ann
        .post(
            &format!("{members}/bulk"),
            &[
                ("action", "role:admin"),
                ("scope", "selected"),
                ("ids", bob_mid.as_str()),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM memberships WHERE role = 'admin'"),
        0
    );

    // Invited again, Bob gets his old membership back with the new role.
    set_seats(&app, &slug, 3);
    let token = ann.invite(&slug, "bob@example.com", "viewer").await;
    let res = bob.post(&format!("/invite/{token}"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(bob.get(&format!("/w/{slug}/")).await.status, StatusCode::OK);
    let page = ann.get(&members).await;
    assert_eq!(membership_id(&page.body, "bob@example.com"), bob_mid);
    assert!(row(&page.body, "bob@example.com").contains("Viewer"));
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM memberships"), 2);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM memberships WHERE revoked_at IS NOT NULL"),
        0
    );

    // Leaving is soft too, and audited as leaving.
    let res = bob.post(&format!("/w/{slug}/leave"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        bob.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM memberships WHERE revoked_at IS NOT NULL"),
        1
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'member.leave'"),
        1
    );
}

#[actix_web::test]
async fn a_removed_member_leaves_their_teams_and_the_export_keeps_them() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    app.member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let res = ann
        .post(
            &format!("/w/{slug}/teams"),
            &[("name", "Design"), ("description", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let team = res.location();
    let res = ann
        .post(&format!("{team}/members"), &[("email", "bob@example.com")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM team_members"), 1);

    let members = format!("/w/{slug}/members");
    let bob_mid = membership_id(&ann.get(&members).await.body, "bob@example.com");
    ann.post(&format!("{members}/{bob_mid}/remove"), &[]).await;
    assert_eq!(app.raw_count("SELECT COUNT(*) AS n FROM team_members"), 0);
    // A removed member cannot be put back in a team by email.
    let res = ann
        .post(&format!("{team}/members"), &[("email", "bob@example.com")])
        .await;
    assert!(res.contains("not a member"), "{}", res.body);
    // The members CSV (the list's export) follows the list: removed only on request.
    let csv = ann.get(&format!("/w/{slug}/members.csv")).await;
    assert!(!csv.contains("bob@example.com"), "{}", csv.body);
    let csv = ann
        .get(&format!("/w/{slug}/members.csv?status=removed"))
        .await;
    assert!(csv.contains("bob@example.com"), "{}", csv.body);
}
