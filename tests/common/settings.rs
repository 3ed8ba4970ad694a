//! Fixtures for the `settings*` tests: Acme and Globex with their owners and a
//! viewer, sample images (real and disguised), the logo upload, counts, and
//! the link ids on the settings page.

use actix_web::test::TestRequest;

use super::{Browser, Resp, TestApp};

pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
pub const GIF: &[u8] = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";
pub const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
pub const WEBP: &[u8] =
    b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0";
pub const SVG: &[u8] =
    b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";

/// Acme (Ann owner, Bob viewer) and Globex (Gus owner).
pub struct World {
    pub app: TestApp,
    pub ann: Browser,
    pub bob: Browser,
    pub gus: Browser,
}

pub async fn world() -> World {
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

/// A multipart body with one file part named `logo`, boundary `X`.
pub fn multipart(filename: &str, content_type: &str, data: &[u8]) -> Vec<u8> {
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

/// The logo upload as the settings form sends it: the CSRF token as the
/// first multipart field, none in the URL.
pub fn upload_request(b: &Browser, slug: &str, body: Vec<u8>) -> TestRequest {
    let token = b.csrf.clone().expect("a CSRF token from an earlier page");
    let mut payload = super::csrf_part("X", &token).into_bytes();
    payload.extend_from_slice(&body);
    TestRequest::post()
        .uri(&format!("/w/{slug}/settings/logo"))
        .insert_header(("content-type", "multipart/form-data; boundary=X"))
        .set_payload(payload)
}

pub async fn upload(b: &mut Browser, slug: &str, filename: &str, ct: &str, data: &[u8]) -> Resp {
    let req = upload_request(b, slug, multipart(filename, ct, data));
    b.send(req).await
}

pub fn logo_files(app: &TestApp) -> Vec<String> {
    let dir = atrium::workspaces::profile::logo_dir(&app.state.config.data_dir);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

pub fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(sql)
}

pub fn audit_count(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
    )
}

/// The id of the link to `platform_label` on the settings page.
pub fn link_id(page: &str, platform_label: &str) -> String {
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
