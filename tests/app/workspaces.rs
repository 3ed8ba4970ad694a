//! Workspaces: creation, members and roles, invitations, seats, teams, settings.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::TestApp;

#[actix_web::test]
async fn creating_a_workspace_makes_the_creator_its_owner() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let res = ann
        .post("/w/new", &[("name", "Acme Marketing!"), ("slug", "")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/w/acme-marketing/");
    let dash = ann.get("/w/acme-marketing/").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.contains("Acme Marketing!"));
    assert!(
        dash.contains("workspace.create"),
        "recent activity shows the creation"
    );
    assert!(dash.contains("Owner"));
    // A second workspace with the same name gets a different address.
    let res = ann
        .post("/w/new", &[("name", "Acme Marketing!"), ("slug", "")])
        .await;
    assert_eq!(res.location(), "/w/acme-marketing-2/");
    let home = ann.get("/").await;
    assert!(home.contains("/w/acme-marketing/") && home.contains("/w/acme-marketing-2/"));
    // Without the trailing slash we are sent to the dashboard.
    assert_eq!(
        ann.get("/w/acme-marketing").await.location(),
        "/w/acme-marketing/"
    );
}

#[actix_web::test]
async fn bad_names_and_addresses_are_explained_and_nothing_is_created() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.workspace(&mut ann, "Taken").await;
    for (name, slug, message) in [
        ("", "", "Give the workspace a name"),
        ("X", "Bad Slug", "lowercase letters"),
        ("X", "admin", "reserved"),
        ("X", "taken", "taken"),
    ] {
        let res = ann.post("/w/new", &[("name", name), ("slug", slug)]).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}/{slug}"
        );
        assert!(res.contains(message), "{message}: {}", res.body);
    }
    let home = ann.get("/").await;
    assert_eq!(home.body.matches("class=\"card tile\"").count(), 1);
}

#[actix_web::test]
async fn an_invited_person_signs_up_accepts_and_gets_the_role() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let token = ann.invite(&slug, "Bob@Example.com", "viewer").await;
    assert_eq!(token.len(), 80);
    let members = ann.get(&format!("/w/{slug}/members")).await;
    assert!(
        members.contains("bob@example.com"),
        "pending invitation listed"
    );
    let mut bob = app.browser();
    let page = bob.get(&format!("/invite/{token}")).await;
    assert!(page.contains("Join “Acme”") && page.contains("Create an account"));
    bob.post(
        "/signup",
        &[
            ("name", "Bob"),
            ("email", "bob@example.com"),
            ("password", crate::common::PASSWORD),
            ("next", &format!("/invite/{token}")),
        ],
    )
    .await;
    // The browser follows the redirect back to the invitation.
    assert!(bob
        .get(&format!("/invite/{token}"))
        .await
        .contains("Accept invitation"));
    let res = bob.post(&format!("/invite/{token}"), &[]).await;
    assert_eq!(res.location(), format!("/w/{slug}/"));
    assert_eq!(bob.get(&format!("/w/{slug}/")).await.status, StatusCode::OK);
    // Used once only.
    let mut carol = app.user("carol@example.com", "Carol").await;
    let res = carol.post(&format!("/invite/{token}"), &[]).await;
    assert_eq!(res.location(), format!("/invite/{token}"));
    assert!(carol
        .get(&format!("/invite/{token}"))
        .await
        .contains("already been used"));
    assert_eq!(
        carol.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
    // Unknown or malformed tokens are 404.
    let forged = format!("{}{}", &token[..32], "0".repeat(48));
    assert_eq!(
        carol.get(&format!("/invite/{forged}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carol.get("/invite/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn an_expired_invitation_cannot_be_accepted() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let token = ann.invite(&slug, "bob@example.com", "member").await;
    app.raw_exec("UPDATE invitations SET expires_at = '2020-01-01T00:00:00.000000Z'");
    let mut bob = app.user("bob@example.com", "Bob").await;
    assert!(bob
        .get(&format!("/invite/{token}"))
        .await
        .contains("expired"));
    bob.post(&format!("/invite/{token}"), &[]).await;
    assert_eq!(
        bob.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn the_seat_limit_is_enforced_when_inviting() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Tiny").await;
    diesel::update(atrium::schema::tenants::table.filter(atrium::schema::tenants::slug.eq(&slug)))
        .set(atrium::schema::tenants::seat_limit.eq(2))
        .execute(&mut *app.pool().get().expect("c"))
        .expect("limit");
    ann.invite(&slug, "bob@example.com", "member").await;
    let res = ann
        .post(
            &format!("/w/{slug}/invitations"),
            &[("email", "carol@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("2 seats"), "{}", res.body);
    assert!(res.contains("carol@example.com"), "the typed email is kept");
    // Re-inviting the same person replaces the invitation instead of taking a seat.
    let res = ann
        .post(
            &format!("/w/{slug}/invitations"),
            &[("email", "bob@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn roles_change_but_a_workspace_always_keeps_an_owner() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let mut bob = app
        .member(&mut ann, &slug, "bob@example.com", "admin")
        .await;
    // Your own row has no actions; the other admin sees them.
    let ann_mid = membership_id(
        &bob.get(&format!("/w/{slug}/members")).await.body,
        "ann@example.com",
    );
    let bob_mid = membership_id(
        &ann.get(&format!("/w/{slug}/members")).await.body,
        "bob@example.com",
    );
    // An admin can't take the owner's role away, nor make himself owner.
    bob.post(
        &format!("/w/{slug}/members/{ann_mid}/role"),
        &[("role", "member")],
    )
    .await;
    bob.post(
        &format!("/w/{slug}/members/{bob_mid}/role"),
        &[("role", "owner")],
    )
    .await;
    assert!(bob
        .get(&format!("/w/{slug}/members"))
        .await
        .contains("Only an owner can grant or remove ownership"));
    // The only owner can't step down or leave.
    ann.post(
        &format!("/w/{slug}/members/{ann_mid}/role"),
        &[("role", "admin")],
    )
    .await;
    assert!(ann
        .get(&format!("/w/{slug}/members"))
        .await
        .contains("at least one owner"));
    ann.post(&format!("/w/{slug}/leave"), &[]).await;
    assert_eq!(ann.get(&format!("/w/{slug}/")).await.status, StatusCode::OK);
    // Transfer: Bob becomes owner, Ann admin.
    let res = ann
        .post(&format!("/w/{slug}/members/{bob_mid}/transfer"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = bob.get(&format!("/w/{slug}/members")).await;
    assert!(row(&page.body, "bob@example.com").contains("badge-owner"));
    assert!(row(&page.body, "ann@example.com").contains("badge-admin"));
    // Now Ann can leave.
    let res = ann.post(&format!("/w/{slug}/leave"), &[]).await;
    assert_eq!(res.location(), "/");
    assert_eq!(
        ann.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn an_admin_removes_a_member_who_then_sees_404() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let mut bob = app
        .member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let page = ann.get(&format!("/w/{slug}/members")).await;
    let bob_mid = membership_id(&page.body, "bob@example.com");
    let res = ann
        .post(&format!("/w/{slug}/members/{bob_mid}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bob.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!bob.get("/").await.contains(&format!("/w/{slug}/")));
}

#[actix_web::test]
async fn teams_are_created_filled_and_emptied() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    app.member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let res = ann
        .post(
            &format!("/w/{slug}/teams"),
            &[("name", "Growth"), ("description", "Ads")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let team = res.location();
    let dup = ann
        .post(
            &format!("/w/{slug}/teams"),
            &[("name", "Growth"), ("description", "")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("already exists"));
    let res = ann
        .post(&format!("{team}/members"), &[("email", "bob@example.com")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = ann
        .post(
            &format!("{team}/members"),
            &[("email", "stranger@example.com")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("not a member of this workspace"));
    let page = ann.get(&team).await;
    assert!(page.contains("bob@example.com"));
    let list = ann.get(&format!("/w/{slug}/teams")).await;
    assert!(list.contains("Growth") && list.contains("<td>1</td>"));
    let bob_id = page
        .body
        .split("/members/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("user id")
        .to_string();
    ann.post(&format!("{team}/members/{bob_id}/remove"), &[])
        .await;
    assert!(!ann.get(&team).await.contains("bob@example.com"));
    ann.post(&format!("{team}/delete"), &[]).await;
    assert_eq!(ann.get(&team).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn settings_rename_the_workspace_and_change_its_address() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    app.workspace(&mut ann, "Other").await;
    let res = ann
        .post(
            &format!("/w/{slug}/settings"),
            &[("name", "Acme Inc"), ("slug", "other")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("taken"));
    let res = ann
        .post(
            &format!("/w/{slug}/settings"),
            &[("name", "Acme Inc"), ("slug", "acme-inc")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme-inc/settings");
    assert!(ann.get("/w/acme-inc/").await.contains("Acme Inc"));
    // The old address now sends members to the new one (tests/app/settings.rs).
    let old = ann.get(&format!("/w/{slug}/")).await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.location(), "/w/acme-inc/");
}

#[actix_web::test]
async fn a_deactivated_workspace_disappears_until_a_superadmin_reactivates_it() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let res = ann
        .post(&format!("/w/{slug}/settings/deactivate"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ann.get(&format!("/w/{slug}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!ann.get("/").await.contains(&format!("/w/{slug}/")));
    let mut root = app.superadmin("root@example.com").await;
    let admin = root.get("/admin/workspaces?status=inactive").await;
    assert!(admin.contains("badge-inactive") && admin.contains("1 in all"));
    let id = admin
        .body
        .split("href=\"/admin/workspaces/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("id")
        .to_string();
    let res = root
        .post(
            &format!("/admin/workspaces/{id}/status"),
            &[("status", "active")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(ann.get(&format!("/w/{slug}/")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn seed_demo_builds_a_workspace_people_can_sign_in_to() {
    let app = TestApp::new().await;
    let summary = atrium::seed::seed_demo(app.pool(), &app.state.config.data_dir).expect("seed");
    assert!(summary.contains("/w/acme/"));
    let again =
        atrium::seed::seed_demo(app.pool(), &app.state.config.data_dir).expect("seed twice");
    assert!(again.contains("already exists"));
    let mut b = app.browser();
    b.login("viewer@demo.atrium.test", "demo-password-123")
        .await;
    let page = b.get("/w/acme/members").await;
    assert!(page.contains("owner@demo.atrium.test") && page.contains("member@demo.atrium.test"));
    // Each module's tile shows its live figure, and the navigation links it.
    let page = b.get("/w/acme/").await;
    assert!(
        page.contains(
            "<strong>Naming</strong><span class=\"muted\">1 submission awaiting review</span>"
        ),
        "{}",
        page.body
    );
    assert!(page.contains("<a href=\"/w/acme/naming/\">Naming</a>"));
    // A former member is history, listed only under "Removed members".
    let members = b.get("/w/acme/members").await;
    assert!(!members.contains("former@demo.atrium.test"));
    let removed = b.get("/w/acme/members?status=removed").await;
    assert!(
        removed.contains("former@demo.atrium.test"),
        "{}",
        removed.body
    );
    // The workspace's profile card, phone stored in E.164.
    assert!(page.contains("tel:+49301234567"), "{}", page.body);
    // Sample names: a campaign the admin approved, one awaiting review, a draft.
    let page = b.get("/w/acme/naming/submissions").await;
    assert_eq!(page.status, StatusCode::OK);
    for s in ["Spring launch", "Summer push", "Spring links"] {
        assert!(page.contains(s), "{s} missing: {}", page.body);
    }
    for (name, status) in [
        ("Spring launch", "APPROVED"),
        ("Summer push", "SUBMITTED"),
        ("Spring links", "DRAFT"),
    ] {
        assert_eq!(
            app.raw_count(&format!(
                "SELECT COUNT(*) AS n FROM naming_submissions WHERE name = '{name}' AND status = '{status}'"
            )),
            1,
            "{name} is {status}"
        );
    }
    let page = b.get("/w/acme/naming/strings?q=spring").await;
    for v in ["de_aw_spring", "fb|cpc|spring", "ig|cpc|spring"] {
        assert!(page.contains(v), "{v} missing: {}", page.body);
    }
    let page = b.get("/w/acme/naming/strings?q=video").await;
    for v in ["de_broad_video", "de_lal_video"] {
        assert!(page.contains(v), "{v} missing: {}", page.body);
    }
}

/// The membership id in the members table row of `email`.
pub fn membership_id(body: &str, email: &str) -> String {
    row(body, email)
        .split("/members/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no membership id for {email}"))
        .to_string()
}

/// The `<tr>` for `email` in the members table.
pub fn row<'a>(body: &'a str, email: &str) -> &'a str {
    let start = body
        .find(&format!("<tr data-email=\"{email}\">"))
        .unwrap_or_else(|| panic!("no row for {email}"));
    let end = body[start..]
        .find("</tr>")
        .map_or(body.len(), |e| start + e);
    &body[start..end]
}

#[actix_web::test]
async fn the_members_list_searches_sorts_exports_and_acts_in_bulk() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    for (email, role) in [
        ("vic@example.com", "viewer"),
        ("vera@example.com", "viewer"),
        ("max@example.com", "member"),
    ] {
        app.member(&mut ann, &slug, email, role).await;
    }
    let found = ann.hx_get(&format!("/w/{slug}/members?q=VE")).await;
    assert!(
        !found.contains("<html")
            && found.contains("vera@example.com")
            && !found.contains("vic@example.com")
    );
    let viewers = ann
        .get(&format!(
            "/w/{slug}/members?role=viewer&sort=email&dir=desc"
        ))
        .await;
    let (vic, vera) = (
        viewers.body.find("vic@example.com").expect("vic"),
        viewers.body.find("vera@example.com").expect("vera"),
    );
    assert!(vic < vera, "descending by email");
    assert!(!viewers.contains("max@example.com") && viewers.contains("Apply to all 2 matching"));
    let csv = ann.get(&format!("/w/{slug}/members.csv?role=viewer")).await;
    assert_eq!(csv.body.lines().count(), 3, "header + two viewers");
    // Bulk over all matching role=viewer: confirmation first, then exactly those two.
    let form = [
        ("action", "role:member"),
        ("scope", "all"),
        ("role", "viewer"),
    ];
    let confirm = ann.post(&format!("/w/{slug}/members/bulk"), &form).await;
    assert!(confirm.contains("<strong>2</strong> row(s) will change"));
    let mut go = form.to_vec();
    go.push(("confirm", "1"));
    assert_eq!(
        ann.post(&format!("/w/{slug}/members/bulk"), &go)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = ann.get(&format!("/w/{slug}/members")).await;
    for email in ["vic@example.com", "vera@example.com", "max@example.com"] {
        assert!(row(&page.body, email).contains("badge-member"), "{email}");
    }
    assert!(
        row(&page.body, "ann@example.com").contains("badge-owner"),
        "your own row is never included"
    );
    // Selected rows: remove one.
    let max = membership_id(&page.body, "max@example.com");
    let res = ann
        .post(
            &format!("/w/{slug}/members/bulk"),
            &[
                ("action", "remove"),
                ("scope", "selected"),
                ("ids", &max),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!ann
        .get(&format!("/w/{slug}/members"))
        .await
        .contains("max@example.com"));
    // A member (not admin) can't export or act in bulk.
    let mut vic = app.browser();
    vic.login("vic@example.com", crate::common::PASSWORD).await;
    assert_eq!(
        vic.get(&format!("/w/{slug}/members.csv")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(&format!("/w/{slug}/members/bulk"), &go)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn dashboard_counts_come_in_one_statement_capped_and_per_workspace() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme").await;
    let globex = app.workspace(&mut ann, "Globex").await;
    let id = |slug: &str| {
        atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("c"), slug)
            .expect("q")
            .expect("ws")
            .id
    };
    let (acme_id, globex_id) = (id(&acme), id(&globex));
    let events = "SELECT 1 FROM audit_events WHERE tenant_id = ? AND action = 'test.count'";
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(acme_id))
            .expect("tc");
    let counts = tc
        .write(|c, t| {
            for i in 0..12 {
                atrium::audit::record(
                    c,
                    atrium::audit::NewEvent::tenant(t, "test.count").resource("n", i),
                )?;
            }
            atrium::db::counters::count_many(
                c,
                t,
                &[
                    (atrium::workspaces::queries::ACTIVE_MEMBERS, None),
                    (events, None),
                    (events, Some(5)),
                ],
            )
        })
        .expect("counts");
    // Exact where uncapped; the cap reads one row past it ("5+").
    assert_eq!(counts, vec![1, 12, 6]);
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(globex_id))
            .expect("tc");
    let other = tc
        .read(|c, t| atrium::db::counters::count_many(c, t, &[(events, None)]))
        .expect("counts");
    assert_eq!(other, vec![0], "another workspace's rows are not counted");
    let page = ann.get(&format!("/w/{acme}/")).await;
    assert!(page.contains("1 of "), "{}", page.body);
    assert!(
        page.contains(
            "<strong>Naming</strong><span class=\"muted\">0 submissions awaiting review</span>"
        ),
        "{}",
        page.body
    );
    assert_eq!(
        atrium::modules::capped_count_text(101, atrium::modules::FIGURE_CAP, "x", "xs"),
        "100+ xs"
    );
}

#[actix_web::test]
async fn workspaces_memberships_and_teams_record_who_made_them() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    app.member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let r = ann
        .post(
            &format!("/w/{slug}/teams"),
            &[("name", "Design"), ("description", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ann_id = app.user_id("ann@example.com");
    let bob_id = app.user_id("bob@example.com");
    let count = |sql: String| app.raw_count(&sql);
    assert_eq!(
        count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM tenants WHERE slug = '{slug}' AND created_by = '{ann_id}'"
        )),
        1,
        "the workspace names its creator"
    );
    assert_eq!(
        count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM memberships WHERE user_id = '{bob_id}' AND created_by = '{ann_id}'"
        )),
        1,
        "bob's membership names who invited him"
    );
    assert_eq!(
        count(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM teams WHERE name = 'Design' AND created_by = '{ann_id}'"
        )),
        1
    );
}
