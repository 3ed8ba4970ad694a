//! Workspace settings: a changed address redirects members (only) from the old
//! one, the logo upload (sniffed type, size cap, serving, removal), social
//! links, and who may do any of it.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::{Browser, Resp, TestApp};
use atrium::db::{Backend, TenantConn, TenantId};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
const WEBP: &[u8] =
    b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0";
const SVG: &[u8] =
    b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";

/// Acme (Ann owner, Bob viewer) and Globex (Gus owner).
struct World {
    app: TestApp,
    ann: Browser,
    bob: Browser,
    gus: Browser,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme").await;
    assert_eq!(acme, "acme");
    let bob = app
        .member(&mut ann, "acme", "bob@example.com", "viewer")
        .await;
    let mut gus = app.user("gus@example.com", "Gus").await;
    assert_eq!(app.workspace(&mut gus, "Globex").await, "globex");
    World { app, ann, bob, gus }
}

fn tenant(app: &TestApp, slug: &str) -> TenantId {
    atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("conn"), slug)
        .expect("query")
        .expect("workspace")
        .id
}

/// A multipart body with one file part named `logo`, boundary `X`.
fn multipart(filename: &str, content_type: &str, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--X\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n--X--\r\n");
    body
}

fn upload_request(b: &Browser, slug: &str, body: Vec<u8>) -> TestRequest {
    let token = b.csrf.clone().expect("a CSRF token from an earlier page");
    TestRequest::post()
        .uri(&format!("/w/{slug}/settings/logo?csrf_token={token}"))
        .insert_header(("content-type", "multipart/form-data; boundary=X"))
        .set_payload(body)
}

async fn upload(b: &mut Browser, slug: &str, filename: &str, ct: &str, data: &[u8]) -> Resp {
    let req = upload_request(b, slug, multipart(filename, ct, data));
    b.send(req).await
}

fn logo_files(app: &TestApp) -> Vec<String> {
    let dir = atrium::workspaces::profile::logo_dir(&app.state.config.data_dir);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(sql)
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
    )
}

// ------------------------------------------------------------ redirects ----

#[actix_web::test]
async fn settings_slug_change_sends_members_from_the_old_address_to_the_new_one() {
    let mut w = world().await;
    let res = w
        .ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme-corp/settings");
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM slug_redirects WHERE old_slug = 'acme'"
        ),
        1
    );
    // Path and query are kept; the answer is never cached (it depends on who asks).
    let res = w.bob.get("/w/acme/members?page=2&q=x").await;
    assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(res.location(), "/w/acme-corp/members?page=2&q=x");
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(w.bob.get("/w/acme").await.location(), "/w/acme-corp");
    assert_eq!(w.bob.get("/w/acme/").await.location(), "/w/acme-corp/");
    let res = w.bob.hx_get("/w/acme/teams").await;
    assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        res.header("hx-redirect").as_deref(),
        Some("/w/acme-corp/teams")
    );
    assert_eq!(w.bob.get("/w/acme-corp/").await.status, StatusCode::OK);
    // A form posted to the old address is not replayed at the new one.
    let res = w
        .ann
        .post("/w/acme/teams", &[("name", "Late"), ("description", "")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn settings_old_address_is_not_found_for_non_members_and_sends_visitors_to_login() {
    let mut w = world().await;
    w.ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    for path in ["/w/acme/", "/w/acme/members?page=2", "/w/acme/logo"] {
        let res = w.gus.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(
            !res.contains("acme-corp"),
            "GET {path} leaked the new address"
        );
        assert!(res.location().is_empty());
        let mut visitor = w.app.browser();
        let res = visitor.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "visitor GET {path}");
        assert!(
            res.location().starts_with("/login?next="),
            "{}",
            res.location()
        );
        assert!(!res.location().contains("acme-corp"));
        assert!(!res.contains("acme-corp"));
    }
    // An address that is not a valid slug is "not found" before any lookup.
    assert_eq!(w.bob.get("/w/Acme/").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn settings_a_workspace_can_take_its_old_address_back() {
    let mut w = world().await;
    let res = w
        .ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme-corp/settings");
    let res = w
        .ann
        .post(
            "/w/acme-corp/settings",
            &[("name", "Acme"), ("slug", "acme")],
        )
        .await;
    assert_eq!(res.location(), "/w/acme/settings");
    assert_eq!(w.bob.get("/w/acme/").await.status, StatusCode::OK);
    assert_eq!(w.bob.get("/w/acme-corp/").await.location(), "/w/acme/");
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM slug_redirects"),
        1,
        "only acme-corp redirects now"
    );
}

#[actix_web::test]
async fn settings_a_redirected_address_is_taken_for_other_workspaces() {
    let mut w = world().await;
    w.ann
        .post(
            "/w/acme/settings",
            &[("name", "Acme"), ("slug", "acme-corp")],
        )
        .await;
    let res = w
        .gus
        .post("/w/new", &[("name", "Acme"), ("slug", "acme")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("taken"));
    let res = w
        .gus
        .post(
            "/w/globex/settings",
            &[("name", "Globex"), ("slug", "acme")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("taken"));
    // A generated address steps around it too.
    let res = w
        .gus
        .post("/w/new", &[("name", "Acme"), ("slug", "")])
        .await;
    assert_eq!(res.location(), "/w/acme-2/");
    // And Bob still lands in Acme.
    assert_eq!(w.bob.get("/w/acme/").await.location(), "/w/acme-corp/");
}

// ----------------------------------------------------------------- logo ----

#[actix_web::test]
async fn settings_logo_png_is_stored_and_served_to_members_only() {
    let mut w = world().await;
    let res = upload(&mut w.ann, "acme", "logo.png", "image/png", PNG).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let t = tenant(&w.app, "acme");
    assert_eq!(logo_files(&w.app), vec![format!("{t}.png")]);
    let dir = atrium::workspaces::profile::logo_dir(&w.app.state.config.data_dir);
    assert_eq!(
        std::fs::read(dir.join(format!("{t}.png"))).expect("file"),
        PNG
    );
    assert_eq!(audit_count(&w.app, "workspace.logo_update"), 1);
    let res = w.bob.get("/w/acme/logo").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("private, max-age=300")
    );
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(res.body.contains("PNG\r\n"));
    let dash = w.bob.get("/w/acme/").await;
    assert!(dash.contains("<img class=\"logo\" src=\"/w/acme/logo?v="));
    let settings = w.ann.get("/w/acme/settings").await;
    assert!(settings.contains("src=\"/w/acme/logo?v="));
    assert_eq!(
        w.gus.get("/w/acme/logo").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.gus.get("/w/globex/logo").await.status,
        StatusCode::NOT_FOUND
    );
    // A logo in another format replaces the file, not just the row; the
    // type comes from the bytes, whatever the client claims.
    for (data, ext, content_type) in [
        (GIF, "gif", "image/gif"),
        (JPEG, "jpg", "image/jpeg"),
        (WEBP, "webp", "image/webp"),
    ] {
        let res = upload(
            &mut w.ann,
            "acme",
            "logo.bin",
            "application/octet-stream",
            data,
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{ext}: {}", res.body);
        assert_eq!(logo_files(&w.app), vec![format!("{t}.{ext}")]);
        let res = w.bob.get("/w/acme/logo").await;
        assert_eq!(res.header("content-type").as_deref(), Some(content_type));
    }
    assert_eq!(audit_count(&w.app, "workspace.logo_update"), 4);
}

#[actix_web::test]
async fn settings_logo_refuses_svg_disguised_text_and_large_files_with_a_message() {
    let mut w = world().await;
    let res = upload(&mut w.ann, "acme", "logo.svg", "image/svg+xml", SVG).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("SVG logos are not accepted"), "{}", res.body);
    let res = upload(
        &mut w.ann,
        "acme",
        "logo.png",
        "image/png",
        b"just some text, honest",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("not a PNG, JPEG, WebP or GIF image"));
    let mut big = PNG.to_vec();
    big.resize(1536 * 1024, 0);
    let res = upload(&mut w.ann, "acme", "big.png", "image/png", &big).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("1 MiB or smaller"));
    // A client that understates its length still stops at the limit while reading.
    let mut over = PNG.to_vec();
    over.resize(1024 * 1024 + 1, 0);
    let req = upload_request(&w.ann, "acme", multipart("over.png", "image/png", &over))
        .insert_header(("content-length", "100"));
    let res = w.ann.send(req).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("1 MiB or smaller"));
    // No file part at all.
    let req = upload_request(&w.ann, "acme", b"--X--\r\n".to_vec());
    let res = w.ann.send(req).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("Choose an image file"));
    assert!(logo_files(&w.app).is_empty());
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM tenants WHERE logo_path IS NOT NULL"
        ),
        0
    );
    assert_eq!(
        w.bob.get("/w/acme/logo").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn settings_logo_remove_deletes_the_file_and_the_reference() {
    let mut w = world().await;
    upload(&mut w.ann, "acme", "logo.png", "image/png", PNG).await;
    assert_eq!(w.bob.get("/w/acme/logo").await.status, StatusCode::OK);
    let res = w.ann.post("/w/acme/settings/logo/remove", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.bob.get("/w/acme/logo").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(logo_files(&w.app).is_empty());
    assert!(!w.bob.get("/w/acme/").await.contains("class=\"logo\""));
    assert_eq!(audit_count(&w.app, "workspace.logo_remove"), 1);
    // Removing nothing is fine and records nothing.
    let res = w.ann.post("/w/acme/settings/logo/remove", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&w.app, "workspace.logo_remove"), 1);
}

// ---------------------------------------------------------------- links ----

fn link_id(page: &str, platform_label: &str) -> String {
    let start = page
        .find(&format!("<strong>{platform_label}</strong>"))
        .unwrap_or_else(|| panic!("no {platform_label} link on the page"));
    page[start..]
        .split("/settings/links/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("link id")
        .to_string()
}

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

// ---------------------------------------------------------------- roles ----

/// Every settings POST, as (path, form); the logo upload is sent separately.
fn settings_posts(link: &str) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/w/acme/settings".into(),
            vec![("name", "Pwned"), ("slug", "pwned")],
        ),
        ("/w/acme/settings/logo/remove".into(), vec![]),
        (
            "/w/acme/settings/links".into(),
            vec![("platform", "twitter"), ("url", "https://x.com/pwned")],
        ),
        (format!("/w/acme/settings/links/{link}/remove"), vec![]),
        ("/w/acme/settings/deactivate".into(), vec![]),
    ]
}

async fn acme_with_logo_and_link(w: &mut World) -> String {
    upload(&mut w.ann, "acme", "logo.png", "image/png", PNG).await;
    w.ann
        .post(
            "/w/acme/settings/links",
            &[("platform", "twitter"), ("url", "https://x.com/acme")],
        )
        .await;
    link_id(&w.ann.get("/w/acme/settings").await.body, "X (Twitter)")
}

#[actix_web::test]
async fn settings_viewers_and_members_get_403_on_every_settings_post() {
    let mut w = world().await;
    let link = acme_with_logo_and_link(&mut w).await;
    let mut member = w
        .app
        .member(&mut w.ann, "acme", "mia@example.com", "member")
        .await;
    for (who, b) in [("viewer", &mut w.bob), ("member", &mut member)] {
        for (path, form) in settings_posts(&link) {
            let res = b.post(&path, &form).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} POST {path}");
        }
        let res = upload(b, "acme", "logo.gif", "image/gif", GIF).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} uploads a logo");
        assert!(res.contains("role"), "refused for the role, not the token");
    }
    // Nothing changed.
    let t = tenant(&w.app, "acme");
    assert_eq!(logo_files(&w.app), vec![format!("{t}.png")]);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM workspace_links WHERE url = 'https://x.com/acme'"
        ),
        1
    );
    assert!(w.ann.get("/w/acme/").await.contains("Acme"));
}

#[actix_web::test]
async fn settings_another_workspaces_member_gets_404_on_every_new_route() {
    let mut w = world().await;
    let link = acme_with_logo_and_link(&mut w).await;
    let res = w.gus.get("/w/acme/logo").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("PNG"));
    assert_eq!(
        w.gus.hx_get("/w/acme/logo").await.status,
        StatusCode::NOT_FOUND
    );
    for (path, form) in settings_posts(&link) {
        let res = w.gus.post(&path, &form).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let res = upload(&mut w.gus, "acme", "logo.gif", "image/gif", GIF).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Acme's link id inside Gus's own workspace is simply not found.
    let res = w
        .gus
        .post(&format!("/w/globex/settings/links/{link}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let t = tenant(&w.app, "acme");
    assert_eq!(logo_files(&w.app), vec![format!("{t}.png")]);
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_links"),
        1
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
    let acme = tenant(&w.app, "acme");
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
