//! Dimension values under `/w/{slug}/naming/dimensions/{id}/values`: the
//! value form and its messages, edits, validity windows flagged on the list,
//! and the dependent-dropdown options narrowed to the chosen parents.

use actix_web::http::StatusCode;

use crate::common::naming_dimensions::{dimension, read, value, value_id, values_of, workspace};
use atrium::naming::models::DimensionValueId;

#[actix_web::test]
async fn values_are_validated_edited_and_flagged_outside_their_window() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Country", "LIST", "").await;
    let city = dimension(&mut w, "City", "LIST", &country).await;
    let other = dimension(&mut w, "Other", "LIST", "").await;
    value(&mut w, &country, &[("value", "fr"), ("label", "France")]).await;
    value(&mut w, &other, &[("value", "x")]).await;
    let long = "v".repeat(101);
    let bad = value(
        &mut w,
        &city,
        &[
            ("value", &long),
            ("utm", &"u".repeat(51)),
            ("valid_from", "2026-05-01"),
            ("valid_until", "2026-04-01"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("The value is too long"));
    assert!(bad.contains("The UTM code is too long"));
    assert!(bad.contains("comes before"));
    assert!(bad.contains(&long), "input kept");
    let not_a_date = value(&mut w, &city, &[("value", "paris"), ("valid_from", "soon")]).await;
    assert_eq!(not_a_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_a_date.contains("is not a date"));
    let x = value_id(&w, &other, "x");
    let wrong_parent = value(&mut w, &city, &[("value", "paris"), ("parent_id", &x)]).await;
    assert_eq!(wrong_parent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_parent.contains("must be a value of the parent dimension"));
    let fr = value_id(&w, &country, "fr");
    assert_eq!(
        value(
            &mut w,
            &city,
            &[("value", "paris"), ("label", "Paris"), ("parent_id", &fr)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let dup = value(&mut w, &city, &[("value", "paris")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("This dimension already has that value."));
    value(
        &mut w,
        &city,
        &[("value", "lyon"), ("valid_until", "2000-01-01")],
    )
    .await;
    value(
        &mut w,
        &city,
        &[("value", "nice"), ("valid_from", "2999-01-01")],
    )
    .await;
    value(&mut w, &city, &[("value", "brest"), ("status", "INACTIVE")]).await;
    let page = w
        .ann
        .get(&format!("/w/{}/naming/dimensions/{city}", w.slug))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("expired") && page.contains("not yet valid") && page.contains("inactive")
    );
    assert!(page.contains("<td>fr</td>"), "parent value shown");
    let expired = w
        .ann
        .hx_get(&format!(
            "/w/{}/naming/dimensions/{city}?state=expired",
            w.slug
        ))
        .await;
    assert!(expired.contains("lyon") && !expired.contains("paris") && !expired.contains("<html"));
    let usable = w
        .ann
        .get(&format!(
            "/w/{}/naming/dimensions/{city}?state=usable",
            w.slug
        ))
        .await;
    assert!(usable.contains("paris") && !usable.contains("<code>lyon</code>"));
    let search = w
        .ann
        .get(&format!("/w/{}/naming/dimensions/{city}?q=PAR", w.slug))
        .await;
    assert!(search.contains("<code>paris</code>") && !search.contains("<code>nice</code>"));

    let paris = value_id(&w, &city, "paris");
    let edit = format!("/w/{}/naming/dimensions/{city}/values/{paris}", w.slug);
    let form = w.ann.get(&format!("{edit}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("value=\"Paris\""));
    let clash = w
        .ann
        .post(
            &edit,
            &[
                ("value", "lyon"),
                ("label", "Lyon?"),
                ("utm", ""),
                ("description", ""),
                ("valid_from", ""),
                ("valid_until", ""),
                ("parent_id", ""),
                ("status", "ACTIVE"),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(clash.contains("already has that value") && clash.contains("value=\"Lyon?\""));
    let saved = w
        .ann
        .post(
            &edit,
            &[
                ("value", "paris"),
                ("label", "Paris (FR)"),
                ("utm", "par"),
                ("description", "capital"),
                ("valid_from", "2020-01-01"),
                ("valid_until", ""),
                ("parent_id", &fr),
                ("status", "ACTIVE"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let v = values_of(&w, &city)
        .into_iter()
        .find(|v| v.value == "paris")
        .expect("paris");
    assert_eq!(v.label, "Paris (FR)");
    assert_eq!(v.utm, "par");
    assert_eq!(
        v.valid_from.map(|d| d.to_string()),
        Some("2020-01-01".into())
    );
    assert_eq!(v.parent_id.map(|p| p.to_string()), Some(fr.clone()));
    // A value without a label is labelled with itself.
    assert_eq!(
        values_of(&w, &city)
            .iter()
            .find(|v| v.value == "lyon")
            .expect("lyon")
            .label,
        "lyon"
    );
}

#[actix_web::test]
async fn options_list_usable_values_narrowed_to_the_chosen_parents() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Country", "LIST", "").await;
    let city = dimension(&mut w, "City", "LIST", &country).await;
    value(&mut w, &country, &[("value", "fr")]).await;
    value(&mut w, &country, &[("value", "de")]).await;
    let fr = value_id(&w, &country, "fr");
    let de = value_id(&w, &country, "de");
    value(
        &mut w,
        &city,
        &[("value", "paris"), ("label", "Paris"), ("parent_id", &fr)],
    )
    .await;
    value(
        &mut w,
        &city,
        &[("value", "berlin"), ("label", "Berlin"), ("parent_id", &de)],
    )
    .await;
    value(
        &mut w,
        &city,
        &[
            ("value", "lyon"),
            ("parent_id", &fr),
            ("valid_until", "2000-01-01"),
        ],
    )
    .await;
    value(
        &mut w,
        &city,
        &[
            ("value", "nice"),
            ("parent_id", &fr),
            ("status", "INACTIVE"),
        ],
    )
    .await;
    value(
        &mut w,
        &city,
        &[
            ("value", "bonn"),
            ("parent_id", &de),
            ("valid_from", "2999-01-01"),
        ],
    )
    .await;
    let url = format!("/w/{}/naming/dimensions/{city}/options", w.slug);
    let all = w.ann.get(&url).await;
    assert_eq!(all.status, StatusCode::OK);
    let paris = value_id(&w, &city, "paris");
    let berlin = value_id(&w, &city, "berlin");
    assert!(all.contains(&format!("<option value=\"{paris}\">paris — Paris</option>")));
    assert!(all.contains(&format!(
        "<option value=\"{berlin}\">berlin — Berlin</option>"
    )));
    for gone in ["lyon", "nice", "bonn"] {
        assert!(!all.contains(gone), "{gone} is not usable today");
    }
    let only_fr = w.ann.hx_get(&format!("{url}?parent={fr}")).await;
    assert!(only_fr.contains("paris") && !only_fr.contains("berlin"));
    let both = w.ann.get(&format!("{url}?parent={fr}&parent={de}")).await;
    assert!(both.contains("paris") && both.contains("berlin"));
    let blank = w.ann.get(&format!("{url}?parent=")).await;
    assert!(
        blank.contains("paris") && blank.contains("berlin"),
        "a blank parent narrows nothing"
    );
    let junk = w.ann.get(&format!("{url}?parent=junk")).await;
    assert_eq!(junk.status, StatusCode::OK);
    assert!(!junk.contains("<option"));
    let direct = read(&w.app, &w.tenant, |c, t| {
        atrium::naming::dimensions::options(
            c,
            t,
            city.parse().expect("id"),
            &[fr.parse::<DimensionValueId>().expect("id")],
            atrium::naming::parts::today(),
        )
    });
    assert_eq!(
        direct.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
        vec!["paris"]
    );
    let unknown = format!(
        "/w/{}/naming/dimensions/019a0000-0000-7000-8000-0000000000ff/options",
        w.slug
    );
    assert_eq!(w.ann.get(&unknown).await.status, StatusCode::NOT_FOUND);
}
