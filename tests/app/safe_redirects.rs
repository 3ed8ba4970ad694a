//! `next` after sign-in: only a same-origin path is followed, whatever a
//! hostile link puts in it (encoded tabs, backslashes, doubled slashes).

use actix_web::http::StatusCode;

use crate::common::{TestApp, PASSWORD};

/// Values a link could carry in `next` that a browser would read as another
/// host (or that smuggle whitespace and control characters into `Location`).
const HOSTILE: &[&str] = &[
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "/w/\u{0}x",
    "/\u{3000}/evil.example",
    "https://evil.example/",
    "evil.example",
    "",
];

/// Local addresses that must keep working.
const LOCAL: &[&str] = &[
    "/",
    "/account",
    "/w/acme/members?page=2",
    "/w/acme/naming/strings?q=a%20b",
    "/invite/abc#top",
];

fn login_url(next: &str) -> String {
    format!(
        "/login?{}",
        serde_urlencoded::to_string([("next", next)]).expect("query")
    )
}

#[actix_web::test]
async fn signed_in_login_page_never_redirects_off_site_whatever_next_holds() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    for next in HOSTILE {
        let res = ann.get(&login_url(next)).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "next={next:?}");
        assert_eq!(res.location(), "/", "next={next:?} must fall back to /");
    }
    for next in LOCAL {
        let res = ann.get(&login_url(next)).await;
        assert_eq!(res.location(), *next, "local next={next:?} is kept");
    }
}

#[actix_web::test]
async fn signing_in_with_a_hostile_next_lands_on_the_home_page() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    for next in ["/%09/evil.example", "/%2F/evil.example", "/\t/evil.example"] {
        let mut b = app.browser();
        let res = b
            .post(
                "/login",
                &[
                    ("email", "ann@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/", "next={next:?}");
    }
}
