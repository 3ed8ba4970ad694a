//! The role matrix: owner / admin / member / viewer / non-member / signed-out
//! visitor against every workspace route of the core → allowed, 403, 404 or
//! a redirect to sign in.

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Owner,
    Admin,
    Member,
    Viewer,
    Outsider,
    Anonymous,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Allowed,
    Forbidden,
    NotFound,
    Login,
}

/// The minimum role a route needs: Viewer (any member), Member (editor),
/// Admin, Owner.
#[derive(Clone, Copy, Debug)]
enum Needs {
    Viewer,
    Member,
    Admin,
    Owner,
}

/// Form fields of a request.
type Form = Vec<(&'static str, &'static str)>;

fn expected(who: Who, needs: Needs) -> Expect {
    let rank = match who {
        Who::Owner => 3,
        Who::Admin => 2,
        Who::Member => 1,
        Who::Viewer => 0,
        Who::Outsider => return Expect::NotFound,
        Who::Anonymous => return Expect::Login,
    };
    let need = match needs {
        Needs::Viewer => 0,
        Needs::Member => 1,
        Needs::Admin => 2,
        Needs::Owner => 3,
    };
    if rank >= need {
        Expect::Allowed
    } else {
        Expect::Forbidden
    }
}

fn classify(status: StatusCode, location: &str) -> Expect {
    match status {
        StatusCode::FORBIDDEN => Expect::Forbidden,
        StatusCode::NOT_FOUND => Expect::NotFound,
        StatusCode::SEE_OTHER if location.starts_with("/login") => Expect::Login,
        s if s.is_success() || s.is_redirection() || s == StatusCode::UNPROCESSABLE_ENTITY => {
            Expect::Allowed
        }
        other => panic!("unexpected status {other}"),
    }
}

struct World {
    app: TestApp,
    owner: Browser,
    slug: String,
    browsers: Vec<(Who, Browser)>,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let mut owner = app.user("owner@example.com", "Owner").await;
    let slug = app.workspace(&mut owner, "Matrix").await;
    let admin = app
        .member(&mut owner, &slug, "admin@example.com", "admin")
        .await;
    let member = app
        .member(&mut owner, &slug, "member@example.com", "member")
        .await;
    let viewer = app
        .member(&mut owner, &slug, "viewer@example.com", "viewer")
        .await;
    let mut outsider = app.user("outsider@example.com", "Outsider").await;
    app.workspace(&mut outsider, "Elsewhere").await;
    let mut anonymous = app.browser();
    anonymous.get("/login").await;
    let browsers = vec![
        (Who::Admin, admin),
        (Who::Member, member),
        (Who::Viewer, viewer),
        (Who::Outsider, outsider),
        (Who::Anonymous, anonymous),
    ];
    World {
        app,
        owner,
        slug,
        browsers,
    }
}

#[actix_web::test]
async fn each_role_gets_what_its_extractor_allows_on_read_routes() {
    let mut w = world().await;
    let team = w
        .owner
        .post(
            &format!("/w/{}/teams", w.slug),
            &[("name", "T"), ("description", "")],
        )
        .await
        .location();
    let s = w.slug.clone();
    let routes: Vec<(String, Needs)> = vec![
        (format!("/w/{s}/"), Needs::Viewer),
        (format!("/w/{s}/members"), Needs::Viewer),
        (format!("/w/{s}/teams"), Needs::Viewer),
        (team.clone(), Needs::Viewer),
        (format!("/w/{s}/audit"), Needs::Admin),
        (format!("/w/{s}/audit.csv"), Needs::Admin),
        (format!("/w/{s}/settings"), Needs::Admin),
    ];
    for (path, needs) in &routes {
        let res = w.owner.get(path).await;
        assert_eq!(
            classify(res.status, &res.location()),
            expected(Who::Owner, *needs),
            "owner GET {path}"
        );
        for (who, b) in w.browsers.iter_mut() {
            let res = b.get(path).await;
            assert_eq!(
                classify(res.status, &res.location()),
                expected(*who, *needs),
                "{who:?} GET {path}"
            );
        }
    }
    let _ = &w.app;
}

#[actix_web::test]
async fn each_role_gets_what_its_extractor_allows_on_write_routes() {
    // Each write gets a fresh world so one allowed write can't change the next check.
    let s_routes: Vec<(&str, Needs, Form)> = vec![
        (
            "/invitations",
            Needs::Admin,
            vec![("email", "new@example.com"), ("role", "viewer")],
        ),
        (
            "/teams",
            Needs::Member,
            vec![("name", "Team X"), ("description", "")],
        ),
        (
            "/settings",
            Needs::Admin,
            vec![("name", "Matrix"), ("slug", "matrix")],
        ),
        ("/settings/deactivate", Needs::Owner, vec![]),
        // Turning the two-factor requirement off (on needs it for oneself).
        ("/settings/security", Needs::Admin, vec![]),
    ];
    for (suffix, needs, form) in &s_routes {
        for who in [
            Who::Owner,
            Who::Admin,
            Who::Member,
            Who::Viewer,
            Who::Outsider,
            Who::Anonymous,
        ] {
            let mut w = world().await;
            let path = format!("/w/{}{suffix}", w.slug);
            let res = match who {
                Who::Owner => w.owner.post(&path, form).await,
                _ => {
                    let b = &mut w
                        .browsers
                        .iter_mut()
                        .find(|(x, _)| *x == who)
                        .expect("browser")
                        .1;
                    b.post(&path, form).await
                }
            };
            assert_eq!(
                classify(res.status, &res.location()),
                expected(who, *needs),
                "{who:?} POST {path}: {}",
                res.body
            );
        }
    }
}

#[actix_web::test]
async fn member_management_needs_an_admin_and_ownership_transfer_needs_the_owner() {
    let mut w = world().await;
    let s = w.slug.clone();
    let page = w.owner.get(&format!("/w/{s}/members")).await;
    let viewer_mid = crate::workspaces::membership_id(&page.body, "viewer@example.com");
    let routes: Vec<(String, Needs, Form)> = vec![
        (
            format!("/w/{s}/members/{viewer_mid}/role"),
            Needs::Admin,
            vec![("role", "viewer")],
        ),
        (
            format!("/w/{s}/members/{viewer_mid}/transfer"),
            Needs::Owner,
            vec![],
        ),
    ];
    for (path, needs, form) in &routes {
        for (who, b) in w.browsers.iter_mut() {
            if *who == Who::Admin && path.ends_with("/transfer") {
                continue; // checked below: a refused transfer must not change anything
            }
            let res = b.post(path, form).await;
            assert_eq!(
                classify(res.status, &res.location()),
                expected(*who, *needs),
                "{who:?} POST {path}"
            );
        }
    }
    let admin = &mut w.browsers[0].1;
    let res = admin
        .post(&format!("/w/{s}/members/{viewer_mid}/transfer"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let page = w.owner.get(&format!("/w/{s}/members")).await;
    assert!(crate::workspaces::row(&page.body, "owner@example.com").contains("badge-owner"));
    // Removal: a member or viewer can't remove anyone; an admin can.
    for who in [Who::Member, Who::Viewer] {
        let b = &mut w.browsers.iter_mut().find(|(x, _)| *x == who).expect("b").1;
        let res = b
            .post(&format!("/w/{s}/members/{viewer_mid}/remove"), &[])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{who:?}");
    }
    let admin = &mut w.browsers[0].1;
    let res = admin
        .post(&format!("/w/{s}/members/{viewer_mid}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}
