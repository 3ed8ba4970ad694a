//! The workspace's profile fields: saved by an admin with the phone in E.164,
//! shown on the dashboard, audited field by field; bad input is explained
//! beside each field, kept in the form, and nothing is stored.

use actix_web::http::StatusCode;

use crate::common::settings::{count, world};

#[actix_web::test]
async fn an_admin_saves_the_profile_and_members_see_it_on_the_dashboard() {
    let mut w = world().await;
    let form = [
        ("description", "Rockets and\r\nroad runners."),
        ("kind", "company"),
        ("industry", "Aerospace"),
        ("company_size", "51-200"),
        ("location", "Mesa, Arizona"),
        ("contact_email", "Hello@Acme.Example"),
        ("contact_phone", "+1 (480) 555-0100"),
        ("website", "https://acme.example/about"),
    ];
    let res = w.ann.post("/w/acme/settings/about", &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/w/acme/settings#about");
    let settings = w.ann.get("/w/acme/settings").await;
    assert!(
        settings.contains("value=\"+14805550100\""),
        "stored in E.164"
    );
    assert!(settings.contains("value=\"hello@acme.example\""));
    assert!(settings.contains("<option value=\"51-200\" selected>"));

    // Bob is a viewer: he reads it on the dashboard.
    let dash = w.bob.get("/w/acme/").await;
    assert_eq!(dash.status, StatusCode::OK);
    for shown in [
        "Rockets and\nroad runners.",
        "Company",
        "Aerospace",
        "51–200 people",
        "Mesa, Arizona",
        "mailto:hello@acme.example",
        "tel:+14805550100",
        "href=\"https://acme.example/about\"",
    ] {
        assert!(dash.contains(shown), "{shown} missing: {}", dash.body);
    }
    // Globex's dashboard shows none of it.
    assert!(!w.gus.get("/w/globex/").await.contains("Aerospace"));

    // A second save records only what changed.
    let mut changed = form.to_vec();
    changed[2] = ("industry", "Logistics");
    let res = w.ann.post("/w/acme/settings/about", &changed).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'workspace.about_update'"
        ),
        2
    );
    let audit = w
        .ann
        .get("/w/acme/audit?action=workspace.about_update")
        .await;
    assert!(audit.contains("Logistics"), "{}", audit.body);
    // Clearing every field empties the dashboard card.
    let res = w.ann.post("/w/acme/settings/about", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(!w.bob.get("/w/acme/").await.contains("id=\"about\""));
}

#[actix_web::test]
async fn bad_profile_fields_are_explained_kept_and_nothing_is_stored() {
    let mut w = world().await;
    let long = "x".repeat(2001);
    let res = w
        .ann
        .post(
            "/w/acme/settings/about",
            &[
                ("description", long.as_str()),
                ("kind", "pirate ship"),
                ("company_size", "huge"),
                ("industry", "Retail"),
                ("contact_email", "not-an-email"),
                ("contact_phone", "030 1234567"),
                ("website", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Keep the description under 2000 characters.",
        "Choose a type from the list.",
        "Choose a size from the list.",
        "Enter a valid email address.",
        "Enter the number in international form",
        "Start the address with https://",
    ] {
        assert!(res.contains(message), "{message} missing: {}", res.body);
    }
    assert!(res.contains("value=\"Retail\""), "typed values are kept");
    assert!(res.contains("value=\"030 1234567\""));
    assert!(res.contains("value=\"not-an-email\""));
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) AS n FROM workspace_about"),
        0
    );
    let res = w
        .ann
        .post(
            "/w/acme/settings/about",
            &[("website", "https://exa mple.com")],
        )
        .await;
    assert!(
        res.contains("That is not a valid web address."),
        "{}",
        res.body
    );
}
