//! Housekeeping: sessions, login attempts and password-reset links that
//! ended more than 30 days ago are deleted; live and recent ones stay, and a
//! signed-in person stays signed in.

use actix_web::http::StatusCode;
use chrono::{Duration, SecondsFormat, Utc};

use crate::common::TestApp;
use atrium::db::UtcTime;
use atrium::jobs::housekeeping::{self, Pruned, KEEP_DAYS};

/// A timestamp `days` from now (negative: in the past), as both backends read it.
fn at(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn session(app: &TestApp, user: &str, tag: &str, expires: i64, revoked: Option<i64>) {
    let revoked = revoked.map_or("NULL".to_string(), |d| format!("'{}'", at(d)));
    app.raw_exec(&format!(
        "INSERT INTO user_sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, revoked_at) \
         VALUES ('{}', '{user}', 'hash-{tag}', '{c}', '{c}', '{}', {revoked})",
        uuid::Uuid::now_v7(),
        at(expires),
        c = at(expires - 40),
    ));
}

fn attempt(app: &TestApp, email: &str, days: i64) {
    app.raw_exec(&format!(
        "INSERT INTO login_attempts (id, email, ip, succeeded, created_at) \
         VALUES ('{}', '{email}', '10.0.0.1', false, '{}')",
        uuid::Uuid::now_v7(),
        at(days)
    ));
}

fn reset(app: &TestApp, user: &str, tag: &str, expires: i64, used: Option<i64>) {
    let used = used.map_or("NULL".to_string(), |d| format!("'{}'", at(d)));
    app.raw_exec(&format!(
        "INSERT INTO password_resets (id, user_id, token_hash, expires_at, used_at, created_at) \
         VALUES ('{}', '{user}', 'reset-{tag}', '{}', {used}, '{}')",
        uuid::Uuid::now_v7(),
        at(expires),
        at(expires - 1)
    ));
}

fn count(app: &TestApp, table: &str, like: &str) -> i64 {
    let column = if table == "login_attempts" {
        "email"
    } else {
        "token_hash"
    };
    app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE '{like}'"
    ))
}

#[actix_web::test]
async fn what_ended_over_30_days_ago_is_deleted_and_the_rest_stays() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let ann_id =
        app.raw_text("SELECT CAST(id AS TEXT) AS s FROM users WHERE email = 'ann@example.com'");
    let old = -(KEEP_DAYS + 1);
    let recent = -(KEEP_DAYS - 1);
    session(&app, &ann_id, "old-expired", old, None);
    session(&app, &ann_id, "old-revoked", 300, Some(old));
    session(&app, &ann_id, "recent-expired", recent, None);
    session(&app, &ann_id, "recent-revoked", 300, Some(recent));
    session(&app, &ann_id, "live", 300, None);
    for days in [old, old - 100, recent, -1] {
        attempt(&app, "guess@example.com", days);
    }
    reset(&app, &ann_id, "old-expired", old, None);
    reset(&app, &ann_id, "old-used", 1, Some(old));
    reset(&app, &ann_id, "recent-expired", recent, None);
    reset(&app, &ann_id, "open", 1, None);
    let sessions_before = app.raw_count("SELECT COUNT(*) AS n FROM user_sessions");

    let pruned = housekeeping::prune(app.pool(), UtcTime::now()).expect("prune");
    assert_eq!(
        pruned,
        Pruned {
            sessions: 2,
            login_attempts: 2,
            password_resets: 2,
            ..Pruned::default()
        }
    );
    assert_eq!(count(&app, "user_sessions", "hash-old-%"), 0);
    assert_eq!(count(&app, "user_sessions", "hash-recent-%"), 2);
    assert_eq!(count(&app, "user_sessions", "hash-live"), 1);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM user_sessions"),
        sessions_before - 2,
        "ann's own session from signing in is kept"
    );
    assert_eq!(count(&app, "login_attempts", "guess@example.com"), 2);
    assert_eq!(count(&app, "password_resets", "reset-old-%"), 0);
    assert_eq!(count(&app, "password_resets", "reset-recent-expired"), 1);
    assert_eq!(count(&app, "password_resets", "reset-open"), 1);
    // Nothing else is old now: a second run deletes nothing.
    assert_eq!(
        housekeeping::prune(app.pool(), UtcTime::now()).expect("prune"),
        Pruned::default()
    );

    let res = ann.get("/w/new").await;
    assert_eq!(res.status, StatusCode::OK, "ann is still signed in");
}

#[actix_web::test]
async fn old_throttle_events_verification_links_and_account_emails_are_deleted() {
    let app = TestApp::new().await;
    app.create_account("ann@example.com", "Ann", false);
    let ann_id =
        app.raw_text("SELECT CAST(id AS TEXT) AS s FROM users WHERE email = 'ann@example.com'");
    let old = -(KEEP_DAYS + 1);
    for (tag, days) in [("old", old), ("recent", -1)] {
        app.raw_exec(&format!(
            "INSERT INTO throttle_events (id, scope, key, created_at) VALUES ('{}', 'signup.ip', '{tag}', '{}')",
            uuid::Uuid::now_v7(),
            at(days)
        ));
        app.raw_exec(&format!(
            "INSERT INTO email_verifications (id, user_id, token_hash, expires_at, created_at) \
             VALUES ('{}', '{ann_id}', 'verify-{tag}', '{}', '{}')",
            uuid::Uuid::now_v7(),
            at(days),
            at(days - 2)
        ));
        app.raw_exec(&format!(
            "INSERT INTO mail_outbox (id, recipient, subject, body, run_after, created_at) \
             VALUES ('{}', '{tag}@example.com', 's', 'b', '{}', '{}')",
            uuid::Uuid::now_v7(),
            at(days),
            at(days)
        ));
    }
    let pruned = housekeeping::prune(app.pool(), UtcTime::now()).expect("prune");
    assert_eq!(
        pruned,
        Pruned {
            email_verifications: 1,
            throttle_events: 1,
            mail_outbox: 1,
            ..Pruned::default()
        }
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM throttle_events WHERE key = 'recent'"),
        1
    );
    assert_eq!(count(&app, "email_verifications", "verify-recent"), 1);
    assert_eq!(
        app.raw_count(
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = 'recent@example.com'"
        ),
        1
    );
}
