//! Tenant isolation: another workspace's member gets 404 and sees nothing on
//! every workspace route; the database refuses cross-tenant references (key
//! wall); on Postgres, row-level security hides other tenants' rows (row wall).

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::{Browser, TestApp};
use atrium::db::{Backend, TenantConn, TenantScope};

/// Two workspaces: Acme (Ann owner, Bob member, a team, an invitation, a job)
/// and Globex (Gus owner).
struct Two {
    app: TestApp,
    ann: Browser,
    gus: Browser,
    acme: String,
    team_url: String,
    bob_mid: String,
    invitation_id: String,
    job_id: String,
}

async fn two_workspaces() -> Two {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme Secret Plans").await;
    app.member(&mut ann, &acme, "bob@example.com", "member")
        .await;
    let team_url = ann
        .post(
            &format!("/w/{acme}/teams"),
            &[("name", "Skunkworks"), ("description", "")],
        )
        .await
        .location();
    ann.post(
        &format!("{team_url}/members"),
        &[("email", "bob@example.com")],
    )
    .await;
    ann.invite(&acme, "pending@example.com", "viewer").await;
    let members = ann.get(&format!("/w/{acme}/members")).await;
    let bob_mid = crate::workspaces::membership_id(&members.body, "bob@example.com");
    let invitation_id = members
        .body
        .split(&format!("/w/{acme}/invitations/"))
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("invitation id")
        .to_string();
    let ws = atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("c"), &acme)
        .expect("q")
        .expect("ws");
    let job_id = enqueue_job(&app, ws.id);
    let mut gus = app.user("gus@example.com", "Gus").await;
    app.workspace(&mut gus, "Globex").await;
    Two {
        app,
        ann,
        gus,
        acme,
        team_url,
        bob_mid,
        invitation_id,
        job_id,
    }
}

/// Queues a job in the tenant as the app would (through a scoped connection
/// obtained from an accepted membership — here, from the job row's own tenant).
fn enqueue_job(app: &TestApp, tenant: atrium::db::TenantId) -> String {
    let id = atrium::db::Id::new();
    app.raw_exec(&format!(
        "INSERT INTO jobs (tenant_id, id, kind, payload, status, attempts, max_attempts, run_after, progress_done, progress_total, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', 'noop', '{{}}', 'done', 1, 5, '2026-01-01T00:00:00.000000Z', 3, 3, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
    ));
    id.to_string()
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_and_no_data_on_every_route() {
    let mut t = two_workspaces().await;
    let acme = t.acme.clone();
    let gets = [
        format!("/w/{acme}"),
        format!("/w/{acme}/"),
        format!("/w/{acme}/members"),
        format!("/w/{acme}/members?q=bob"),
        format!("/w/{acme}/members.csv"),
        format!("/w/{acme}/teams"),
        t.team_url.clone(),
        format!("/w/{acme}/settings"),
        format!("/w/{acme}/audit"),
        format!("/w/{acme}/audit.csv"),
        format!("/w/{acme}/jobs/{}", t.job_id),
    ];
    for path in &gets {
        let res = t.gus.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        for secret in [
            "Acme Secret Plans",
            "Skunkworks",
            "bob@example.com",
            "pending@example.com",
        ] {
            assert!(!res.contains(secret), "GET {path} leaked {secret}");
        }
        let res = t.gus.hx_get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "htmx GET {path}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/w/{acme}/invitations"),
            vec![("email", "x@example.com"), ("role", "admin")],
        ),
        (
            format!("/w/{acme}/invitations/{}/revoke", t.invitation_id),
            vec![],
        ),
        (
            format!("/w/{acme}/members/{}/role", t.bob_mid),
            vec![("role", "viewer")],
        ),
        (format!("/w/{acme}/members/{}/remove", t.bob_mid), vec![]),
        (format!("/w/{acme}/members/{}/transfer", t.bob_mid), vec![]),
        (format!("/w/{acme}/leave"), vec![]),
        (
            format!("/w/{acme}/members/bulk"),
            vec![("action", "remove"), ("scope", "all"), ("confirm", "1")],
        ),
        (
            format!("/w/{acme}/teams"),
            vec![("name", "Intruders"), ("description", "")],
        ),
        (
            format!("{}/members", t.team_url),
            vec![("email", "gus@example.com")],
        ),
        (format!("{}/delete", t.team_url), vec![]),
        (
            format!("/w/{acme}/settings"),
            vec![("name", "Pwned"), ("slug", "pwned")],
        ),
        (format!("/w/{acme}/settings/deactivate"), vec![]),
    ];
    for (path, form) in &posts {
        let res = t.gus.post(path, form).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    // Nothing changed for Acme.
    let members = t.ann.get(&format!("/w/{acme}/members")).await;
    assert!(members.contains("bob@example.com") && members.contains("pending@example.com"));
    assert!(crate::workspaces::row(&members.body, "bob@example.com").contains("badge-member"));
    assert!(t.ann.get(&t.team_url.clone()).await.contains("Skunkworks"));
    assert!(t
        .ann
        .get(&format!("/w/{acme}/"))
        .await
        .contains("Acme Secret Plans"));
    let _ = &t.app;
}

#[actix_web::test]
async fn ids_from_another_workspace_are_not_found_inside_ones_own() {
    let mut t = two_workspaces().await;
    let globex = "globex";
    let team_id = t.team_url.rsplit('/').next().expect("id").to_string();
    for path in [
        format!("/w/{globex}/teams/{team_id}"),
        format!("/w/{globex}/jobs/{}", t.job_id),
    ] {
        assert_eq!(
            t.gus.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/w/{globex}/members/{}/role", t.bob_mid),
        format!("/w/{globex}/members/{}/remove", t.bob_mid),
        format!("/w/{globex}/invitations/{}/revoke", t.invitation_id),
        format!("/w/{globex}/teams/{team_id}/delete"),
    ] {
        let res = t.gus.post(&path, &[("role", "viewer")]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(crate::workspaces::row(
        &t.ann.get(&format!("/w/{}/members", t.acme)).await.body,
        "bob@example.com"
    )
    .contains("badge-member"));
    assert!(t.ann.get(&t.team_url.clone()).await.contains("Skunkworks"));
}

#[actix_web::test]
async fn the_database_rejects_a_reference_into_another_tenant() {
    let t = two_workspaces().await;
    let ids = |slug: &str| {
        let mut c = t.app.pool().get().expect("c");
        atrium::workspaces::access::active_by_slug(&mut c, slug)
            .expect("q")
            .expect("ws")
            .id
    };
    let (acme, globex) = (ids(&t.acme), ids("globex"));
    let team_id = t.team_url.rsplit('/').next().expect("id").to_string();
    let gus_id = atrium::accounts::models::find_by_email(
        &mut t.app.pool().get().expect("c"),
        "gus@example.com",
    )
    .expect("q")
    .expect("gus")
    .id;
    // Gus is a member of Globex; putting him in Acme's team under Globex's tenant id must fail.
    let mut tc = TenantConn::open(t.app.pool(), &scope(globex)).expect("tc");
    let err = tc
        .write(|c, tenant| {
            diesel::sql_query(format!(
                "INSERT INTO team_members (tenant_id, id, team_id, user_id, created_at) VALUES ('{tenant}', '{}', '{team_id}', '{gus_id}', '2026-01-01T00:00:00.000000Z')",
                atrium::db::Id::new()
            ))
            .execute(c)?;
            Ok(())
        })
        .expect_err("cross-tenant team reference must be refused");
    assert!(
        err.to_string().to_lowercase().contains("foreign key"),
        "{err}"
    );
    // And under Acme's tenant id, Gus (not an Acme member) is refused as well.
    let mut tc = TenantConn::open(t.app.pool(), &scope(acme)).expect("tc");
    let err = tc
        .write(|c, tenant| {
            diesel::sql_query(format!(
                "INSERT INTO team_members (tenant_id, id, team_id, user_id, created_at) VALUES ('{tenant}', '{}', '{team_id}', '{gus_id}', '2026-01-01T00:00:00.000000Z')",
                atrium::db::Id::new()
            ))
            .execute(c)?;
            Ok(())
        })
        .expect_err("a team member must be a member of the workspace");
    assert!(
        err.to_string().to_lowercase().contains("foreign key"),
        "{err}"
    );
}

fn scope(t: atrium::db::TenantId) -> TenantScope {
    atrium::db::tenant_scope_for_tests(t)
}

#[derive(QueryableByName, Debug)]
struct TenantRow {
    #[diesel(sql_type = atrium::db::sql::Uuid)]
    tenant_id: atrium::db::TenantId,
}

#[actix_web::test]
async fn row_level_security_shows_a_tenant_conn_only_its_own_rows() {
    let t = two_workspaces().await;
    if t.app.backend() != Backend::Postgres {
        return; // The row wall is a Postgres feature; SQLite relies on the first two walls.
    }
    let ids = |slug: &str| {
        let mut c = t.app.pool().get().expect("c");
        atrium::workspaces::access::active_by_slug(&mut c, slug)
            .expect("q")
            .expect("ws")
            .id
    };
    let (acme, globex) = (ids(&t.acme), ids("globex"));
    // One pooled connection, serving Acme then Globex then Acme again.
    let pool = atrium::db::connect_pool(&t.app.db.url, 1).expect("pool");
    for (tenant, expected_rows) in [(acme, 2usize), (globex, 1), (acme, 2)] {
        let mut tc = TenantConn::open(&pool, &scope(tenant)).expect("tc");
        for table in [
            "memberships",
            "invitations",
            "teams",
            "team_members",
            "jobs",
            "audit_events",
        ] {
            let rows: Vec<TenantRow> = tc
                .read(|c, _| {
                    Ok(diesel::sql_query(format!("SELECT tenant_id FROM {table}")).load(c)?)
                })
                .expect("raw select");
            assert!(
                rows.iter().all(|r| r.tenant_id == tenant),
                "{table} leaked another tenant's rows"
            );
            if table == "memberships" {
                assert_eq!(rows.len(), expected_rows);
            }
        }
    }
    // Outside any tenant transaction the same connection sees no tenant rows at all.
    let mut conn = pool.get().expect("c");
    let rows: Vec<TenantRow> = diesel::sql_query("SELECT tenant_id FROM memberships")
        .load(&mut *conn)
        .expect("q");
    assert!(rows.is_empty(), "no tenant set → no rows");
    drop(conn);
    // Writing another tenant's row through a TenantConn is refused by the policy.
    let mut tc = TenantConn::open(&pool, &scope(acme)).expect("tc");
    let err = tc
        .write(|c, _| {
            diesel::sql_query(format!(
                "INSERT INTO teams (tenant_id, id, name, description, created_at, updated_at) VALUES ('{globex}', '{}', 'Trojan', '', now(), now())",
                atrium::db::Id::new()
            ))
            .execute(c)?;
            Ok(())
        })
        .expect_err("policy refuses a foreign tenant_id");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[actix_web::test]
async fn superadmin_cross_tenant_reads_are_audited() {
    let app = TestApp::new().await;
    let mut root = app.superadmin("root@example.com").await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.workspace(&mut ann, "Acme").await;
    assert!(root.get("/admin/workspaces").await.contains("Acme"));
    let n = app.raw_count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.cross_tenant_access'",
    );
    assert!(n >= 1, "an audit event per cross-tenant read");
    // Everyone else: the admin area does not exist.
    assert_eq!(ann.get("/admin").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        ann.post("/admin/settings", &[("signup_mode", "invite_only")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.browser().get("/admin").await.status,
        StatusCode::SEE_OTHER
    );
}
