//! The workspace logo: the upload (sniffed type, size cap), serving it to
//! members only, and removal.

use actix_web::http::StatusCode;

use crate::common::settings::{
    audit_count, count, logo_files, multipart, upload, upload_request, world, GIF, JPEG, PNG, SVG,
    WEBP,
};

#[actix_web::test]
async fn settings_logo_png_is_stored_and_served_to_members_only() {
    let mut w = world().await;
    let res = upload(&mut w.ann, "acme", "logo.png", "image/png", PNG).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let t = w.app.tenant("acme");
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
