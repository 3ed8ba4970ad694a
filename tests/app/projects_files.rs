//! Files on tasks: stored whole under their content address, the type from
//! the content, the plan's upload limit, served to the workspace only, and
//! the blob removed with its last row.

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use crate::common::Browser;
use atrium::projects::models::*;

/// A multipart upload to `…/tasks/{id}/files`, as the task page's form sends it.
async fn attach(
    b: &mut Browser,
    task_url: &str,
    filename: &str,
    data: &[u8],
) -> crate::common::Resp {
    let to = format!("{task_url}/files");
    crate::common::upload(b, task_url, &to, &[], filename, data).await
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[actix_web::test]
async fn files_are_attached_downloaded_checked_and_removed() {
    let mut w = workspace().await;
    let p = w.new_project("Files", &[("key", "FL")]).await;
    let t = w.new_task(&p, "Screenshots", &[]).await;
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let r = attach(&mut w.bob, &url, "shot.png", PNG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = attach(&mut w.ann, &url, "copy of shot.png", PNG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A name that promises another type is refused, the task page kept.
    let r = attach(&mut w.ann, &url, "report.pdf", b"just words").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("its content is not a .pdf file") && r.contains("Screenshots"));
    // Nothing chosen.
    let r = attach(&mut w.ann, &url, "", b"").await;
    assert!(r.contains("Choose a file to attach."));
    // A viewer cannot attach.
    let r = attach(&mut w.vic, &url, "v.png", PNG).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let tid: TaskId = t.parse().expect("id");
    let files = w.read(|c, tn| atrium::projects::task_files::for_task(c, tn, tid));
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].sha256, files[1].sha256, "one content address");
    assert!(files[0].is_image && files[0].content_type == "image/png");
    let blob = atrium::projects::task_files::blob_path(
        &w.app.state.config.data_dir,
        w.tenant(),
        &files[0].sha256,
    );
    assert!(blob.exists());
    let page = w.vic.get(&url).await;
    assert!(page.contains("shot.png") && page.contains("copy of shot.png"));
    let d = w.vic.get(&format!("{url}/files/{}", files[0].id)).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.header("content-type").as_deref(), Some("image/png"));
    let cd = d.header("content-disposition");
    assert!(
        cd.as_deref().is_some_and(|v| v.starts_with("inline")),
        "{cd:?}"
    );
    assert_eq!(d.body, String::from_utf8_lossy(PNG), "the bytes as stored");
    // The activity trail names the file.
    assert!(page.contains("copy of shot.png"));

    // Removing one keeps the blob for the other; removing both drops it.
    let r = w
        .vic
        .post(&format!("{url}/files/{}/delete", files[0].id), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a viewer cannot remove");
    w.ann
        .post(&format!("{url}/files/{}/delete", files[0].id), &[])
        .await;
    assert!(blob.exists());
    w.ann
        .post(&format!("{url}/files/{}/delete", files[1].id), &[])
        .await;
    assert!(!blob.exists(), "the last row took its blob along");
    let gone = w.ann.get(&format!("{url}/files/{}", files[1].id)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_upload_past_the_plan_limit_is_refused_and_nothing_is_kept() {
    let mut w = workspace().await;
    let p = w.new_project("Big files", &[("key", "BF")]).await;
    let t = w.new_task(&p, "Video", &[]).await;
    w.app.raw_exec("UPDATE plans SET max_upload_mb = 1");
    let url = format!("{}/{p}/tasks/{t}", w.base());
    let big = vec![7u8; 1024 * 1024 + 10];
    let r = attach(&mut w.ann, &url, "big.bin", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.contains("upload limit of 1 MB"), "{}", r.body);
    let n = w
        .app
        .raw_count("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM projects_task_files");
    assert_eq!(n, 0);
    let tmp = atrium::files::upload_temp_dir(&w.app.state.config.data_dir);
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no temporary file left behind");
}

#[actix_web::test]
async fn another_workspace_gets_404_on_task_files_and_changes_nothing() {
    let mut w = workspace().await;
    let p = w.new_project("Secret Zeppelin", &[("key", "ZEP")]).await;
    let t = w.new_task(&p, "Zeppelin plans", &[]).await;
    let url = format!("{}/{p}/tasks/{t}", w.base());
    attach(&mut w.ann, &url, "zeppelin.png", PNG).await;
    let tid: TaskId = t.parse().expect("id");
    let f = w.read(|c, tn| atrium::projects::task_files::for_task(c, tn, tid))[0].id;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for slug in [w.slug.as_str(), globex.as_str()] {
        let turl = format!("/w/{slug}/projects/{p}/tasks/{t}");
        let r = gus.get(&format!("{turl}/files/{f}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {turl}/files/{f}");
        assert!(r.body != String::from_utf8_lossy(PNG));
        let r = gus.post(&format!("{turl}/files/{f}/delete"), &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        if slug == globex {
            gus.get(&format!("/w/{globex}/projects")).await;
        }
        let r = attach(&mut gus, &turl, "pwned.png", PNG).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {turl}/files");
        assert!(!r.contains("eppelin"));
    }
    let files = w.read(|c, tn| atrium::projects::task_files::for_task(c, tn, tid));
    assert_eq!(files.len(), 1);
}
