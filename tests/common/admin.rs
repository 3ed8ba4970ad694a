//! Fixtures for the `admin*` tests: a signed-in superadmin, and link ids
//! read from the admin pages.

use super::{Browser, TestApp};

/// A fresh app and a signed-in superadmin (root@example.com).
pub async fn with_root() -> (TestApp, Browser) {
    let app = TestApp::new().await;
    let root = app.superadmin("root@example.com").await;
    (app, root)
}

pub fn id_in(body: &str, prefix: &str, label: &str) -> String {
    // The id in the first `href="{prefix}{id}"` link whose text is `label`.
    for part in body.split(&format!("href=\"{prefix}")).skip(1) {
        let (id, rest) = part.split_once('"').unwrap_or(("", ""));
        if rest.trim_start_matches('>').starts_with(label) {
            return id.to_string();
        }
    }
    panic!("no link to {label} under {prefix}")
}
