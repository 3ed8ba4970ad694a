//! The client address recorded for sessions, throttles and the audit log:
//! behind a trusted proxy, the right-most untrusted `X-Forwarded-For` entry;
//! never an address the client wrote itself.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::{TestApp, PASSWORD};

/// Signs Ann in over a connection from `peer` with extra `headers`; returns
/// the address her new session was recorded with.
async fn login_ip(app: &TestApp, peer: &str, headers: &[(&str, &str)]) -> String {
    let mut b = app.browser();
    b.get("/login").await;
    let token = b.csrf.clone().expect("token");
    let body = serde_urlencoded::to_string([
        ("email", "ann@example.com"),
        ("password", PASSWORD),
        ("next", ""),
        ("csrf_token", token.as_str()),
    ])
    .expect("form");
    let mut req = TestRequest::post()
        .uri("/login")
        .peer_addr(peer.parse().expect("socket address"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let before = app.raw_count("SELECT COUNT(*) AS n FROM user_sessions");
    let res = b.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM user_sessions"),
        before + 1
    );
    // The newest session's address, found by elimination over candidates.
    for ip in [
        "203.0.113.7",
        "198.51.100.66",
        "127.0.0.1",
        "10.0.0.2",
        "203.0.113.9",
    ] {
        let n = app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM user_sessions WHERE ip = '{ip}'"
        ));
        if n > 0 {
            app.raw_exec("DELETE FROM user_sessions");
            return ip.to_string();
        }
    }
    panic!("the session has an unexpected address");
}

async fn behind_proxy(tweak: impl FnOnce(&mut atrium::config::Config)) -> TestApp {
    let app = TestApp::with_config(|c| {
        c.trust_proxy = true;
        tweak(c);
    })
    .await;
    app.create_account("ann@example.com", "Ann", false);
    app.raw_exec("DELETE FROM user_sessions");
    app
}

#[actix_web::test]
async fn a_left_most_forwarded_address_set_by_the_client_does_not_win() {
    let app = behind_proxy(|_| {}).await;
    // nginx appends the address it saw to what the client sent.
    let xff = [("x-forwarded-for", "198.51.100.66, 203.0.113.7")];
    assert_eq!(login_ip(&app, "127.0.0.1:40000", &xff).await, "203.0.113.7");
    // Two listed proxies in a row are walked past.
    let app = behind_proxy(|c| {
        c.trusted_proxies =
            atrium::web::proxy::parse_cidrs("127.0.0.0/8, 10.0.0.0/8").expect("cidrs")
    })
    .await;
    let xff = [("x-forwarded-for", "198.51.100.66, 203.0.113.7, 10.0.0.2")];
    assert_eq!(login_ip(&app, "127.0.0.1:40000", &xff).await, "203.0.113.7");
}

#[actix_web::test]
async fn forwarding_headers_count_only_from_a_trusted_proxy_with_the_flag_on() {
    let app = behind_proxy(|_| {}).await;
    let xff = [("x-forwarded-for", "198.51.100.66")];
    // A client connecting directly cannot speak for anyone.
    assert_eq!(
        login_ip(&app, "203.0.113.9:40000", &xff).await,
        "203.0.113.9"
    );
    let plain = TestApp::new().await;
    plain.create_account("ann@example.com", "Ann", false);
    plain.raw_exec("DELETE FROM user_sessions");
    assert_eq!(login_ip(&plain, "127.0.0.1:40000", &xff).await, "127.0.0.1");
}

#[actix_web::test]
async fn the_forwarded_header_is_ignored_unless_configured() {
    let headers = [
        ("forwarded", "for=198.51.100.66"),
        ("x-forwarded-for", "203.0.113.7"),
    ];
    let app = behind_proxy(|_| {}).await;
    assert_eq!(
        login_ip(&app, "127.0.0.1:40000", &headers).await,
        "203.0.113.7"
    );
    let app = behind_proxy(|c| c.trust_forwarded_header = true).await;
    let forwarded = [(
        "forwarded",
        "for=\"198.51.100.66:5000\";proto=https, for=127.0.0.1",
    )];
    assert_eq!(
        login_ip(&app, "127.0.0.1:40000", &forwarded).await,
        "198.51.100.66"
    );
}

#[actix_web::test]
async fn garbage_in_forwarding_headers_is_never_stored() {
    let app = behind_proxy(|_| {}).await;
    let long = format!("{}, <script>", "9".repeat(5000));
    for xff in [
        long.as_str(),
        "not-an-ip",
        "203.0.113.7, 1.2.3.4.5",
        "unknown",
    ] {
        let ip = login_ip(&app, "127.0.0.1:40000", &[("x-forwarded-for", xff)]).await;
        // The walk stops at the malformed hop: the trusted proxy is the client.
        assert_eq!(ip, "127.0.0.1", "xff={:?}", &xff[..xff.len().min(40)]);
    }
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE length(ip) > 45"),
        0
    );
}
