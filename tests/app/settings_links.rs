//! A workspace's social links: added, replaced and removed, refused on the
//! wrong host with the input kept, and behind the row wall on PostgreSQL.

use actix_web::http::StatusCode;

use crate::common::settings::{audit_count, count, link_id, world};
use atrium::db::{Backend, TenantConn, TenantId};

#[actix_web::test]
async fn settings_links_are_added_replaced_and_removed() {
    let mut w = world().await;
    let res = w
        .ann
        .post(
            "/w/acme/settings/links",
            &[("platform", "twitter"), ("url", "https://x.com/acme")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = w
        .ann
        .post(
            "/w/acme/settings/links",
            &[
                ("platform", "youtube"),
                ("url", "https://www.youtube.com/@acme"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let settings = w.ann.get("/w/acme/settings").await;
    assert!(
        settings.contains("https://x.com/acme")
            && settings.contains("https://www.youtube.com/@acme")
    );
    let dash = w.bob.get("/w/acme/").await;
    assert!(dash.contains("href=\"https://x.com/acme\""));
    // The same platform again replaces the link.
    let res = w
        .ann
        .post(
            "/w/acme/settings/links",
            &[
                ("platform", "twitter"),
                ("url", "https://twitter.com/acme_hq"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM workspace_links WHERE platform = 'twitter'"
        ),
        1
    );
    let settings = w.ann.get("/w/acme/settings").await;
    assert!(
        settings.contains("https://twitter.com/acme_hq")
            && !settings.contains("https://x.com/acme\"")
    );
    // Remove.
    let id = link_id(&settings.body, "X (Twitter)");
    let res = w
        .ann
        .post(&format!("/w/acme/settings/links/{id}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_links"),
        1
    );
    let res = w
        .ann
        .post(&format!("/w/acme/settings/links/{id}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "already gone");
    assert_eq!(audit_count(&w.app, "workspace.link_add"), 3);
    assert_eq!(audit_count(&w.app, "workspace.link_remove"), 1);
}

#[actix_web::test]
async fn settings_links_on_the_wrong_host_are_refused_keeping_what_was_typed() {
    let mut w = world().await;
    let long = format!("https://facebook.com/{}", "a".repeat(300));
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "facebook",
            "https://evil.example/acme",
            "must be on facebook.com",
        ),
        (
            "facebook",
            "http://facebook.com/acme",
            "Use an https:// address.",
        ),
        (
            "facebook",
            "https://facebook.com@evil.example/",
            "not a valid web address",
        ),
        (
            "facebook",
            "https://facebook.com:8443/acme",
            "not a valid web address",
        ),
        (
            "facebook",
            "https://notfacebook.com/acme",
            "must be on facebook.com",
        ),
        (
            "instagram",
            "https://youtu.be/x",
            "must be on instagram.com",
        ),
        ("facebook", &long, "under 300 characters"),
        ("myspace", "https://myspace.com/acme", "Choose a platform."),
        ("linkedin", "", "Enter the address"),
    ];
    for (platform, url, message) in &cases {
        let res = w
            .ann
            .post(
                "/w/acme/settings/links",
                &[("platform", platform), ("url", url)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(res.contains(message), "{url}: expected “{message}”");
        assert!(res.contains(&format!("value=\"{}\"", url.replace('&', "&amp;"))));
        assert!(res.contains("class=\"field-error\""));
    }
    // The platform stays selected.
    let res = w
        .ann
        .post(
            "/w/acme/settings/links",
            &[("platform", "linkedin"), ("url", "https://evil.example/")],
        )
        .await;
    assert!(res.contains("<option value=\"linkedin\" selected>"));
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_links"),
        0
    );
}

#[derive(diesel::QueryableByName)]
struct TenantRow {
    #[diesel(sql_type = atrium::db::sql::Uuid)]
    tenant_id: TenantId,
}

#[actix_web::test]
async fn settings_links_are_behind_the_row_wall_on_postgres() {
    let mut w = world().await;
    if w.app.backend() != Backend::Postgres {
        return; // The row wall is a Postgres feature.
    }
    for (b, slug) in [(&mut w.ann, "acme"), (&mut w.gus, "globex")] {
        let res = b
            .post(
                &format!("/w/{slug}/settings/links"),
                &[("platform", "twitter"), ("url", "https://x.com/someone")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let acme = w.app.tenant("acme");
    let mut tc = TenantConn::open(w.app.pool(), &atrium::db::tenant_scope_for_tests(acme))
        .expect("tenant conn");
    let rows: Vec<TenantRow> = tc
        .read(|c, _| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query("SELECT tenant_id FROM workspace_links").load(c)?)
        })
        .expect("raw select");
    assert_eq!(rows.len(), 1);
    assert!(rows.iter().all(|r| r.tenant_id == acme));
}
