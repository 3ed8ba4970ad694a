//! A superadmin resets two-factor sign-in for someone who lost their device:
//! audited as critical, every session signed out, the password alone works
//! again; only superadmins may, and only when it is on.

use actix_web::http::StatusCode;

use crate::accounts_two_factor::{audit_count, enrol, is_signed_in};
use crate::common::{TestApp, PASSWORD};

#[actix_web::test]
async fn a_superadmin_resets_two_factor_for_a_user_who_lost_their_device() {
    let app = TestApp::new().await;
    let mut root = app.superadmin("root@example.com").await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    enrol(&mut ann).await;
    let id = app.user_id("ann@example.com");
    let page = root.get(&format!("/admin/users/{id}")).await;
    assert!(page.contains("two-factor on"), "{}", page.body);
    assert!(page.contains("value=\"reset_two_factor\""));

    // Ann is not a superadmin: she cannot reset anyone's, her own included.
    let res = ann
        .post(
            &format!("/admin/users/{id}/action"),
            &[("action", "reset_two_factor")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app, "admin.user_2fa_reset"), 0);

    let res = root
        .post(
            &format!("/admin/users/{id}/action"),
            &[("action", "reset_two_factor")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(audit_count(&app, "admin.user_2fa_reset"), 1);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM two_factor_recovery_codes"),
        0
    );
    assert!(!is_signed_in(&mut ann).await, "signed out everywhere");
    let page = root.get(&format!("/admin/users/{id}")).await;
    assert!(!page.contains("two-factor on"));
    assert!(!page.contains("value=\"reset_two_factor\""));

    // The password alone signs her in now.
    ann.csrf = None;
    let res = ann
        .post(
            "/login",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account");

    // Asking again says it is not on, and changes nothing.
    let res = root
        .post(
            &format!("/admin/users/{id}/action"),
            &[("action", "reset_two_factor")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = root.get(&format!("/admin/users/{id}")).await;
    assert!(page.contains("not on for this user"), "{}", page.body);
    assert_eq!(audit_count(&app, "admin.user_2fa_reset"), 1);
}

#[actix_web::test]
async fn the_reset_is_not_offered_as_a_bulk_action() {
    let app = TestApp::new().await;
    let mut root = app.superadmin("root@example.com").await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    enrol(&mut ann).await;
    let res = root
        .post(
            "/admin/users/bulk",
            &[
                ("action", "reset_two_factor"),
                ("scope", "all"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&app, "admin.user_2fa_reset"), 0);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM two_factor_secrets"),
        1
    );
}
