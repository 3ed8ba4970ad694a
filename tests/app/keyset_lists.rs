//! Keyset pages of the admin users and workspaces lists and the members list:
//! following Next in every sort and direction shows every row exactly once
//! (ties on the sort key broken by id, users who never signed in included),
//! search and sort stay in the links, Previous goes back, a tampered cursor
//! shows the first page, and the walls stay up.

use std::collections::HashSet;

use actix_web::http::StatusCode;

use crate::common::{Browser, TestApp};

fn ts(sec: i64) -> String {
    chrono::DateTime::from_timestamp(1_790_000_000 + sec, 0)
        .expect("time")
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// `n` users `kx{i}@example.com`; names, join times and sign-in times repeat
/// (ties), and every third never signed in. Returns their ids.
fn add_users(app: &TestApp, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let rows: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let login = if i % 3 == 0 {
                "NULL".to_string()
            } else {
                format!("'{}'", ts((i % 7) as i64))
            };
            format!(
                "('{id}', 'kx{i:03}@example.com', 'Kx {}', 'x', 'UTC', false, true, {login}, '{}', '{}')",
                i % 5,
                ts((i % 4) as i64),
                ts(0)
            )
        })
        .collect();
    app.raw_exec(&format!(
        "INSERT INTO users (id, email, name, password_hash, timezone, is_superadmin, is_active, \
         last_login_at, created_at, updated_at) VALUES {}",
        rows.join(", ")
    ));
    ids
}

/// The `data-email` of each row of a page.
fn emails(body: &str) -> Vec<String> {
    body.split("data-email=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Every row of every page, asserting none shows twice.
fn once(pages: &[crate::common::Resp], of: impl Fn(&str) -> Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    for p in pages {
        for e in of(&p.body) {
            assert!(seen.insert(e.clone()), "{e} shown twice");
        }
    }
    seen
}

async fn with_root() -> (TestApp, Browser) {
    let app = TestApp::new().await;
    let root = app.superadmin("root@example.com").await;
    (app, root)
}

#[actix_web::test]
async fn admin_users_pages_show_every_user_once_in_every_sort_and_direction() {
    let (app, mut root) = with_root().await;
    add_users(&app, 130);
    let all: HashSet<String> = (0..130).map(|i| format!("kx{i:03}@example.com")).collect();
    for sort in ["", "created", "email", "name", "last_login"] {
        for dir in ["asc", "desc"] {
            let path = format!("/admin/users?q=kx&sort={sort}&dir={dir}");
            let pages = root.all_pages(&path, true).await;
            assert_eq!(pages.len(), 3, "{path}: 50 a page");
            for p in &pages[..2] {
                let next = p.next_link().expect("next");
                assert!(next.contains("q=kx"), "search kept: {next}");
                if !sort.is_empty() {
                    assert!(next.contains(&format!("sort={sort}")), "sort kept: {next}");
                }
            }
            assert_eq!(once(&pages, emails), all, "{path}");
            // Previous from the second page is the first page.
            let prev = pages[1].prev_link().expect("prev");
            let back = root.hx_get(&format!("/admin/users{prev}")).await;
            assert_eq!(emails(&back.body), emails(&pages[0].body), "{path}");
        }
    }
    assert!(root.get("/admin/users?q=kx").await.contains("130 in all"));
}

#[actix_web::test]
async fn a_tampered_admin_cursor_shows_the_first_page_and_others_get_404() {
    let (app, mut root) = with_root().await;
    add_users(&app, 60);
    let first = root.get("/admin/users?sort=created").await;
    for bad in [
        "after=garbage",
        "before=not-a-uuid.x",
        "after=019a0000-0000-7000-8000-000000000001.not-a-time",
        "before=019a0000-0000-7000-8000-000000000001.2026-01-01T00:00:00.000000Z",
    ] {
        let res = root.get(&format!("/admin/users?sort=created&{bad}")).await;
        assert_eq!(res.status, StatusCode::OK, "{bad}");
        assert_eq!(emails(&res.body), emails(&first.body), "{bad}");
        let res = root
            .get(&format!("/admin/users?sort=last_login&{bad}"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{bad}");
        let res = root.get(&format!("/admin/workspaces?{bad}")).await;
        assert_eq!(res.status, StatusCode::OK, "{bad}");
    }
    let mut ann = app.user("ann@example.com", "Ann").await;
    let next = first.next_link().expect("next");
    for path in ["/admin/users", "/admin/workspaces"] {
        let res = ann.get(&format!("{path}{next}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// The workspace ids a page of the admin workspaces list links to.
fn workspace_ids(body: &str) -> Vec<String> {
    body.split("<td><a href=\"/admin/workspaces/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn admin_workspaces_pages_show_every_workspace_once_in_every_sort_and_direction() {
    let (app, mut root) = with_root().await;
    let plans = ["free", "team", "business"];
    let ids: Vec<String> = (0..110).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let rows: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                "('{id}', 'Kx {}', 'kx-{i:03}', '{}', '{}', 10, '{{}}', '{}', '{}')",
                i % 6,
                if i % 4 == 0 { "inactive" } else { "active" },
                plans[i % 3],
                ts((i % 5) as i64),
                ts(0)
            )
        })
        .collect();
    app.raw_exec(&format!(
        "INSERT INTO tenants (id, name, slug, status, plan, seat_limit, settings, created_at, updated_at) \
         VALUES {}",
        rows.join(", ")
    ));
    let all: HashSet<String> = ids.into_iter().collect();
    for sort in ["created", "name", "slug", "plan", "status"] {
        for dir in ["asc", "desc"] {
            let path = format!("/admin/workspaces?q=kx&sort={sort}&dir={dir}");
            let pages = root.all_pages(&path, true).await;
            assert_eq!(pages.len(), 3, "{path}");
            assert_eq!(once(&pages, workspace_ids), all, "{path}");
        }
    }
    // A filter stays on every page.
    let pages = root
        .all_pages("/admin/workspaces?q=kx&plan=team", false)
        .await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("37 in all"), "{}", pages[0].body);
    let pages = root
        .all_pages("/admin/workspaces?q=kx&status=active&sort=name", false)
        .await;
    assert_eq!(once(&pages, workspace_ids).len(), 82);
    assert!(pages[0]
        .next_link()
        .expect("next")
        .contains("status=active"));
    let csv = root.get("/admin/workspaces.csv?q=kx").await;
    assert_eq!(csv.body.lines().count(), 111, "header + every match");
}

#[actix_web::test]
async fn members_pages_show_every_member_once_in_every_sort_and_keep_the_search() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let ids = add_users(&app, 120);
    let tenant = format!("(SELECT id FROM tenants WHERE slug = '{slug}')");
    let roles = ["admin", "member", "viewer"];
    let rows: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "({tenant}, '{}', '{u}', '{}', '{}', '{}')",
                uuid::Uuid::now_v7(),
                roles[i % 3],
                ts((i % 4) as i64),
                ts(0)
            )
        })
        .collect();
    app.raw_exec(&format!(
        "INSERT INTO memberships (tenant_id, id, user_id, role, created_at, updated_at) VALUES {}",
        rows.join(", ")
    ));
    let mut all: HashSet<String> = (0..120).map(|i| format!("kx{i:03}@example.com")).collect();
    for sort in ["", "name", "email", "role", "joined"] {
        for dir in ["asc", "desc"] {
            let path = format!("/w/{slug}/members?q=kx&sort={sort}&dir={dir}");
            let pages = ann.all_pages(&path, true).await;
            assert_eq!(pages.len(), 3, "{path}");
            assert!(pages[0].next_link().expect("next").contains("q=kx"));
            assert_eq!(once(&pages, emails), all, "{path}");
            let prev = pages[2].prev_link().expect("prev");
            let back = ann.hx_get(&format!("/w/{slug}/members{prev}")).await;
            assert_eq!(emails(&back.body), emails(&pages[1].body), "{path}");
        }
    }
    // The default order puts the owner first, and the owner is on page one only.
    all.insert("ann@example.com".into());
    let pages = ann.all_pages(&format!("/w/{slug}/members"), false).await;
    assert_eq!(once(&pages, emails), all);
    assert_eq!(emails(&pages[0].body)[0], "ann@example.com");
    assert!(pages[0].contains("121 in all"), "a count");
    // A role filter stays on the pages.
    let pages = ann
        .all_pages(&format!("/w/{slug}/members?role=viewer&sort=joined"), true)
        .await;
    assert_eq!(once(&pages, emails).len(), 40);
    // Tampered cursors: the first page.
    let first = ann.get(&format!("/w/{slug}/members?sort=joined")).await;
    for bad in [
        "after=x",
        "before=019a0000-0000-7000-8000-000000000001.nope",
    ] {
        let res = ann
            .get(&format!("/w/{slug}/members?sort=joined&{bad}"))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(emails(&res.body), emails(&first.body));
        let res = ann.get(&format!("/w/{slug}/members?{bad}")).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    // CSV: everything matching.
    let csv = ann.get(&format!("/w/{slug}/members.csv?q=kx")).await;
    assert_eq!(csv.body.lines().count(), 121);
    // Another workspace's member gets 404, cursor or not.
    let mut bob = app.user("bob@example.com", "Bob").await;
    app.workspace(&mut bob, "Globex").await;
    let next = first.next_link().expect("next");
    let res = bob.get(&format!("/w/{slug}/members{next}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
