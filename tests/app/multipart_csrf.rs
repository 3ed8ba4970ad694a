//! Multipart forms (uploads) carry the CSRF token as their first field or in
//! the `X-CSRF-Token` header, never in the URL where logs and history keep it.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::csrf_part;
use crate::common::settings::{logo_files, multipart, upload_request, world, PNG};

#[actix_web::test]
async fn a_logo_upload_with_the_token_in_its_first_field_and_none_in_the_url_is_stored() {
    let mut w = world().await;
    let page = w.ann.get("/w/acme/settings").await;
    // The form the page renders: no token in any action, the hidden field first.
    assert!(!page.contains("csrf_token="), "no token in a URL");
    let form = page
        .body
        .split("action=\"/w/acme/settings/logo\" enctype=\"multipart/form-data\">")
        .nth(1)
        .expect("the upload form posts to a plain URL");
    let first_input = form.split("<input").nth(1).expect("an input");
    assert!(first_input.contains("name=\"csrf_token\""), "{first_input}");
    let req = upload_request(&w.ann, "acme", multipart("l.png", "image/png", PNG));
    let res = w.ann.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(logo_files(&w.app).len(), 1);
}

#[actix_web::test]
async fn a_logo_upload_with_the_token_only_in_the_query_string_is_refused() {
    let mut w = world().await;
    let token = w.ann.csrf.clone().expect("token");
    let res = w
        .ann
        .send(
            TestRequest::post()
                .uri(&format!("/w/acme/settings/logo?csrf_token={token}"))
                .insert_header(("content-type", "multipart/form-data; boundary=X"))
                .set_payload(multipart("l.png", "image/png", PNG)),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(logo_files(&w.app).is_empty());
}

#[actix_web::test]
async fn a_multipart_token_after_the_file_or_a_wrong_one_is_refused() {
    let mut w = world().await;
    let token = w.ann.csrf.clone().expect("token");
    let mut late = multipart("l.png", "image/png", PNG);
    // Drop the closing delimiter, then append the token part and close again.
    late.truncate(late.len() - b"--X--\r\n".len());
    late.extend_from_slice(csrf_part("X", &token).as_bytes());
    late.extend_from_slice(b"--X--\r\n");
    let mut wrong = csrf_part("X", &"0".repeat(64)).into_bytes();
    wrong.extend_from_slice(&multipart("l.png", "image/png", PNG));
    for body in [late, wrong] {
        let res = w
            .ann
            .send(
                TestRequest::post()
                    .uri("/w/acme/settings/logo")
                    .insert_header(("content-type", "multipart/form-data; boundary=X"))
                    .set_payload(body),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
    assert!(logo_files(&w.app).is_empty());
}

#[actix_web::test]
async fn a_multipart_upload_with_the_token_in_the_header_is_stored() {
    let mut w = world().await;
    let token = w.ann.csrf.clone().expect("token");
    let res = w
        .ann
        .send(
            TestRequest::post()
                .uri("/w/acme/settings/logo")
                .insert_header(("content-type", "multipart/form-data; boundary=X"))
                .insert_header(("x-csrf-token", token))
                .set_payload(multipart("l.png", "image/png", PNG)),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(logo_files(&w.app).len(), 1);
}
