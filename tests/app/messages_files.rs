//! Files and images attached to messages: stored whole or not at all, the
//! type from the content, served to participants only.

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use crate::common::Browser;
use crate::messages::{base, group};
use atrium::messages::models::*;

/// A multipart upload with a caption, as the conversation's form sends it.
async fn attach(b: &mut Browser, url: &str, filename: &str, data: &[u8]) -> crate::common::Resp {
    let to = format!("{url}/files");
    crate::common::upload(b, url, &to, &[("caption", "here it is")], filename, data).await
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[actix_web::test]
async fn files_and_images_are_attached_served_to_participants_and_checked() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Files", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let r = attach(&mut w.ann, &url, "dot.png", PNG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = attach(&mut w.ann, &url, "../../notes final.txt", b"plain words").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = w.bob.get(&url).await;
    assert!(page.contains("<img src=\""), "{}", page.body);
    assert!(page.contains("notes final.txt") && page.contains("here it is"));
    let links: Vec<String> = page
        .body
        .split("href=\"")
        .filter(|s| s.contains("/files/"))
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    let img = links
        .iter()
        .find(|l| page.body.contains(&format!("<img src=\"{l}\"")))
        .expect("image")
        .clone();
    let txt = links.iter().find(|l| **l != img).expect("file").clone();
    let r = w.bob.get(&img).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .starts_with("inline"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let r = w.bob.get(&txt).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .starts_with("attachment"));
    assert_eq!(r.body, "plain words");
    // The same bytes twice are stored once.
    attach(&mut w.bob, &url, "again.png", PNG).await;
    let blobs = std::fs::read_dir(
        w.app
            .state
            .config
            .data_dir
            .join("blobs")
            .join(w.tenant().to_string()),
    )
    .expect("blobs")
    .count();
    assert_eq!(blobs, 2);

    // Not a participant, or another workspace: not found.
    assert_eq!(w.vic.get(&img).await.status, StatusCode::NOT_FOUND);
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    assert_eq!(gus.get(&img).await.status, StatusCode::NOT_FOUND);
    let foreign = img.replacen(&format!("/w/{}/", w.slug), &format!("/w/{globex}/"), 1);
    assert_eq!(gus.get(&foreign).await.status, StatusCode::NOT_FOUND);
    let r = attach(
        &mut gus,
        &format!("/w/{globex}/messages/{conv}"),
        "x.txt",
        b"x",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = attach(&mut w.vic, &url, "x.txt", b"x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers do not write");

    // A name that lies about the content, an empty file, a file too large.
    let r = attach(&mut w.ann, &url, "report.pdf", b"not a pdf at all").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("is named .pdf"), "{}", r.body);
    let r = attach(&mut w.ann, &url, "empty.txt", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Choose a file"));
    w.app.raw_exec("UPDATE plans SET max_upload_mb = 1");
    let big = vec![b'a'; 1024 * 1024 + 10];
    let r = attach(&mut w.ann, &url, "big.txt", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.contains("upload limit of 1 MB"), "{}", r.body);
    let tmp = w.app.state.config.data_dir.join("blobs").join("tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0),
        0,
        "no half file left"
    );

    // Deleting the message takes its file; a blob another message uses stays.
    let ids: Vec<MessageId> = w.read(|c, t| {
        use atrium::schema::messages_attachments as a;
        use diesel::prelude::*;
        Ok(a::table
            .filter(a::tenant_id.eq(t))
            .order(a::id.asc())
            .select(a::message_id)
            .load(c)?)
    });
    w.ann.post(&format!("{url}/m/{}/delete", ids[0]), &[]).await;
    assert_eq!(w.bob.get(&img).await.status, StatusCode::NOT_FOUND);
    let blobs = std::fs::read_dir(
        w.app
            .state
            .config
            .data_dir
            .join("blobs")
            .join(w.tenant().to_string()),
    )
    .expect("blobs")
    .count();
    assert_eq!(blobs, 2, "the PNG is still used by Bob's copy");
}
