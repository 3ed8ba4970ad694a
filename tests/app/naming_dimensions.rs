//! Dimensions under `/w/{slug}/naming/dimensions`: the list with its
//! filters, the dimension form and its messages, deletes refused with
//! where-used lists (or deactivate instead), roles, and tenant isolation.
//! Values are in `naming_dimension_values`, CSV in `naming_dimension_import`.

use actix_web::http::StatusCode;

use crate::common::naming_dimensions::{
    dimension, multipart, value, value_id, values_of, workspace,
};
use crate::naming_catalogue::{
    insert_rule, insert_rule_detail, insert_string, insert_string_detail, META, META_CAMPAIGN,
};

#[actix_web::test]
async fn dimensions_are_listed_with_value_counts_searched_and_filtered() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Country", "LIST", "").await;
    dimension(&mut w, "Free note", "TEXT", "").await;
    let city = dimension(&mut w, "City", "LIST", &country).await;
    for v in ["fr", "de"] {
        assert_eq!(
            value(&mut w, &country, &[("value", v)]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let list = w.ann.get(&format!("/w/{}/naming/dimensions", w.slug)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("Country") && list.contains("Free note") && list.contains("City"));
    let country_row = list
        .body
        .split(&format!("/naming/dimensions/{country}\""))
        .nth(1)
        .expect("row");
    assert!(
        country_row
            .split("</tr>")
            .next()
            .expect("tr")
            .contains("<td>2</td>"),
        "2 values counted"
    );
    let city_row = list
        .body
        .split(&format!("/naming/dimensions/{city}\""))
        .nth(1)
        .expect("row");
    assert!(
        city_row
            .split("</tr>")
            .next()
            .expect("tr")
            .contains("<td>Country</td>"),
        "parent shown"
    );
    let text = w
        .ann
        .hx_get(&format!("/w/{}/naming/dimensions?kind=TEXT", w.slug))
        .await;
    assert!(text.contains("Free note") && !text.contains(">Country<"));
    assert!(!text.contains("<html"), "htmx gets the table only");
    let search = w
        .ann
        .get(&format!("/w/{}/naming/dimensions?q=cit", w.slug))
        .await;
    assert!(search.contains(">City<") && !search.contains(">Free note<"));
    w.ann
        .post(
            &format!("/w/{}/naming/dimensions/{city}/deactivate", w.slug),
            &[],
        )
        .await;
    let inactive = w
        .ann
        .get(&format!("/w/{}/naming/dimensions?status=INACTIVE", w.slug))
        .await;
    assert!(inactive.contains(">City<"));
    assert!(!inactive.contains(&format!("/naming/dimensions/{country}\"")));
    assert!(w
        .ann
        .get(&format!("/w/{}/naming/dimensions?q=zzz", w.slug))
        .await
        .contains("No dimensions match."));
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.dimension.create'"
        ),
        3
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM naming_dimensions WHERE slug = 'free-note'"),
        1,
        "slug made from the name"
    );
}

#[actix_web::test]
async fn the_dimension_form_checks_name_type_parent_and_loops_and_keeps_the_input() {
    let mut w = workspace().await;
    let new = w
        .ann
        .get(&format!("/w/{}/naming/dimensions/new", w.slug))
        .await;
    assert_eq!(new.status, StatusCode::OK);
    let url = format!("/w/{}/naming/dimensions", w.slug);
    let empty = w
        .ann
        .post(
            &url,
            &[
                ("name", " "),
                ("kind", "OTHER"),
                ("parent_id", ""),
                ("status", "ACTIVE"),
                ("description", "kept words"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("Give the dimension a name"));
    assert!(empty.contains("Choose List or Text."));
    assert!(empty.contains("kept words"));
    let a = dimension(&mut w, "Region", "LIST", "").await;
    let b = dimension(&mut w, "Country", "LIST", &a).await;
    let c = dimension(&mut w, "City", "LIST", &b).await;
    let dup = w
        .ann
        .post(
            &url,
            &[
                ("name", "Region"),
                ("kind", "LIST"),
                ("parent_id", ""),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("Another dimension already has that name."));
    let edit = format!("{url}/{a}");
    assert_eq!(
        w.ann.get(&format!("{edit}/edit")).await.status,
        StatusCode::OK
    );
    let own = w
        .ann
        .post(
            &edit,
            &[
                ("name", "Region!"),
                ("kind", "LIST"),
                ("parent_id", &a),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.contains("be its own parent."));
    assert!(own.contains("value=\"Region!\""));
    let looped = w
        .ann
        .post(
            &edit,
            &[
                ("name", "Region"),
                ("kind", "LIST"),
                ("parent_id", &c),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(looped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(looped.contains("go round in a loop"));
    let foreign = w
        .ann
        .post(
            &edit,
            &[
                ("name", "Region"),
                ("kind", "LIST"),
                ("parent_id", "019a0000-0000-7000-8000-000000000001"),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.contains("Choose a dimension of this workspace."));
    let saved = w
        .ann
        .post(
            &edit,
            &[
                ("name", "Area"),
                ("kind", "TEXT"),
                ("parent_id", ""),
                ("status", "INACTIVE"),
                ("description", "Sales area"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_dimensions WHERE id = '{a}' AND name = 'Area' AND kind = 'TEXT' AND status = 'INACTIVE' AND description = 'Sales area'"
        )),
        1
    );
}

#[actix_web::test]
async fn deleting_a_used_dimension_or_value_is_refused_with_where_it_is_used() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Country", "LIST", "").await;
    dimension(&mut w, "City", "LIST", &country).await;
    let channel = dimension(&mut w, "Channel", "LIST", "").await;
    value(&mut w, &channel, &[("value", "fb")]).await;
    value(&mut w, &channel, &[("value", "spare")]).await;
    let fb = value_id(&w, &channel, "fb");
    let rule = insert_rule(&w.app, &w.tenant, META, "Meta standard");
    insert_rule_detail(&w.app, &w.tenant, &rule, META_CAMPAIGN, &channel);
    for i in 0..22 {
        let s = insert_string(
            &w.app,
            &w.tenant,
            &rule,
            META_CAMPAIGN,
            &format!("fb_spring_{i:02}"),
        );
        insert_string_detail(&w.app, &w.tenant, &s, &channel, &fb);
    }
    let base = format!("/w/{}/naming/dimensions", w.slug);

    let confirm = w.ann.get(&format!("{base}/{channel}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.contains("can't be deleted"));
    let refused = w.ann.post(&format!("{base}/{channel}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.contains("Meta standard"), "rule listed");
    assert!(refused.contains("22 strings"), "strings counted");
    assert!(refused.contains("Deactivate instead"));
    let parent = w.ann.post(&format!("{base}/{country}/delete"), &[]).await;
    assert_eq!(parent.status, StatusCode::CONFLICT);
    assert!(parent.contains("Child dimensions: City"));

    let vrefused = w
        .ann
        .post(&format!("{base}/{channel}/values/{fb}/delete"), &[])
        .await;
    assert_eq!(vrefused.status, StatusCode::CONFLICT);
    assert!(vrefused.contains("Used by 22 strings (the first 20 shown)"));
    assert!(vrefused.contains("fb_spring_00") && vrefused.contains("fb_spring_19"));
    assert!(!vrefused.contains("fb_spring_21"));
    let deact = w
        .ann
        .post(&format!("{base}/{channel}/values/{fb}/deactivate"), &[])
        .await;
    assert_eq!(deact.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.app.raw_count(&format!("SELECT COUNT(*) AS n FROM naming_dimension_values WHERE id = '{fb}' AND status = 'INACTIVE'")),
        1
    );
    let spare = value_id(&w, &channel, "spare");
    assert_eq!(
        w.ann
            .get(&format!("{base}/{channel}/values/{spare}/delete"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        w.ann
            .post(&format!("{base}/{channel}/values/{spare}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(values_of(&w, &channel).len(), 1);

    assert_eq!(
        w.ann
            .post(&format!("{base}/{channel}/deactivate"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.app.raw_count(&format!("SELECT COUNT(*) AS n FROM naming_dimensions WHERE id = '{channel}' AND status = 'INACTIVE'")),
        1
    );
    assert_eq!(
        w.ann
            .post(&format!("{base}/{channel}/activate"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let unused = dimension(&mut w, "Unused", "LIST", "").await;
    value(&mut w, &unused, &[("value", "a")]).await;
    assert_eq!(
        w.ann
            .post(&format!("{base}/{unused}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_dimension_values WHERE dimension_id = '{unused}'"
        )),
        0
    );
    assert_eq!(
        w.app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('naming.dimension.delete', 'naming.dimension_value.delete', 'naming.dimension_value.status', 'naming.dimension.status')"),
        5
    );
}

#[actix_web::test]
async fn viewers_read_dimensions_but_every_change_is_403() {
    let mut w = workspace().await;
    let dim = dimension(&mut w, "Channel", "LIST", "").await;
    value(&mut w, &dim, &[("value", "fb"), ("label", "Facebook")]).await;
    let fb = value_id(&w, &dim, "fb");
    let mut viewer = w
        .app
        .member(&mut w.ann, &w.slug, "vic@example.com", "viewer")
        .await;
    let base = format!("/w/{}/naming/dimensions", w.slug);
    for g in [
        base.clone(),
        format!("{base}/{dim}"),
        format!("{base}/{dim}/values.csv"),
        format!("{base}/{dim}/options"),
    ] {
        let r = viewer.get(&g).await;
        assert_eq!(r.status, StatusCode::OK, "GET {g}");
        assert!(r.contains("fb") || r.contains("Channel"));
    }
    let page = viewer.get(&format!("{base}/{dim}")).await;
    assert!(!page.contains("Add a value") && !page.contains("Preview import"));
    for g in [
        format!("{base}/new"),
        format!("{base}/{dim}/edit"),
        format!("{base}/{dim}/delete"),
        format!("{base}/{dim}/values/{fb}/edit"),
        format!("{base}/{dim}/values/{fb}/delete"),
    ] {
        assert_eq!(
            viewer.get(&g).await.status,
            StatusCode::FORBIDDEN,
            "GET {g}"
        );
    }
    let form = [
        ("name", "X"),
        ("kind", "LIST"),
        ("value", "y"),
        ("status", "ACTIVE"),
    ];
    for p in [
        base.clone(),
        format!("{base}/{dim}"),
        format!("{base}/{dim}/delete"),
        format!("{base}/{dim}/deactivate"),
        format!("{base}/{dim}/activate"),
        format!("{base}/{dim}/values"),
        format!("{base}/{dim}/values/{fb}"),
        format!("{base}/{dim}/values/{fb}/delete"),
        format!("{base}/{dim}/values/{fb}/deactivate"),
        format!("{base}/{dim}/values/{fb}/activate"),
    ] {
        assert_eq!(
            viewer.post(&p, &form).await.status,
            StatusCode::FORBIDDEN,
            "POST {p}"
        );
    }
    for p in [
        format!("{base}/{dim}/import"),
        format!("{base}/{dim}/import/apply"),
    ] {
        let r = multipart(&mut viewer, &p, "value\nnew\n", false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {p}");
    }
    assert_eq!(values_of(&w, &dim).len(), 1);
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM naming_dimensions"),
        1
    );
}

#[actix_web::test]
async fn another_workspace_gets_404_on_every_dimension_route_and_sees_nothing() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Secret Country", "LIST", "").await;
    value(
        &mut w,
        &country,
        &[("value", "atlantis"), ("label", "Hidden")],
    )
    .await;
    let v = value_id(&w, &country, "atlantis");
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    // Acme's ids under Globex's address: not found.
    let base = format!("/w/{globex}/naming/dimensions");
    let gets = [
        format!("{base}/{country}"),
        format!("{base}/{country}/edit"),
        format!("{base}/{country}/delete"),
        format!("{base}/{country}/values.csv"),
        format!("{base}/{country}/options"),
        format!("{base}/{country}/options?parent={v}"),
        format!("{base}/{country}/values/{v}/edit"),
        format!("{base}/{country}/values/{v}/delete"),
    ];
    for g in &gets {
        let r = gus.get(g).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {g}");
        assert!(
            !r.contains("atlantis") && !r.contains("Secret Country"),
            "GET {g} leaks"
        );
    }
    let form = [
        ("name", "Mine"),
        ("kind", "LIST"),
        ("value", "mine"),
        ("status", "ACTIVE"),
        ("parent_id", ""),
    ];
    for p in [
        format!("{base}/{country}"),
        format!("{base}/{country}/delete"),
        format!("{base}/{country}/deactivate"),
        format!("{base}/{country}/activate"),
        format!("{base}/{country}/values"),
        format!("{base}/{country}/values/{v}"),
        format!("{base}/{country}/values/{v}/delete"),
        format!("{base}/{country}/values/{v}/deactivate"),
        format!("{base}/{country}/values/{v}/activate"),
    ] {
        assert_eq!(
            gus.post(&p, &form).await.status,
            StatusCode::NOT_FOUND,
            "POST {p}"
        );
    }
    gus.get(&base).await;
    for p in [
        format!("{base}/{country}/import"),
        format!("{base}/{country}/import/apply"),
    ] {
        let r = multipart(&mut gus, &p, "value\nmine\n", false).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {p}");
    }
    // Globex's own list shows none of Acme's data.
    let list = gus.get(&base).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.contains("Secret Country"));
    // A Globex dimension can't take Acme's dimension as parent.
    let r = gus
        .post(
            &base,
            &[
                ("name", "Child"),
                ("kind", "LIST"),
                ("parent_id", &country),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Acme's address: Gus is not a member.
    let acme = format!("/w/{}/naming/dimensions", w.slug);
    for g in [
        acme.clone(),
        format!("{acme}/{country}"),
        format!("{acme}/{country}/values.csv"),
        format!("{acme}/{country}/options"),
    ] {
        let r = gus.get(&g).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {g}");
        assert!(!r.contains("atlantis"));
    }
    assert_eq!(values_of(&w, &country).len(), 1);
    assert_eq!(
        w.app.raw_count(&format!("SELECT COUNT(*) AS n FROM naming_dimension_values WHERE id = '{v}' AND value = 'atlantis' AND status = 'ACTIVE'")),
        1
    );
}
