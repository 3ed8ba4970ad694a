//! Dimensions and their values under `/w/{slug}/naming/dimensions`: list,
//! filters, forms and their messages, validity flags, deletes refused with
//! where-used lists (or deactivate instead), CSV export and previewed
//! import, the dependent-dropdown options, roles, and tenant isolation.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::common::{Browser, Resp, TestApp};
use crate::naming_catalogue::{
    insert_rule, insert_rule_detail, insert_string, insert_string_detail, tenant_of, META,
    META_CAMPAIGN,
};
use atrium::db::{DbConn, TenantConn, TenantId};
use atrium::naming::models::{DimensionValue, DimensionValueId};

struct Ws {
    app: TestApp,
    ann: Browser,
    slug: String,
    tenant: String,
}

async fn workspace() -> Ws {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    Ws {
        app,
        ann,
        slug,
        tenant,
    }
}

/// Reads through a connection scoped to `tenant`, as the app does.
fn read<T>(
    app: &TestApp,
    tenant: &str,
    f: impl FnOnce(&mut DbConn, TenantId) -> atrium::error::AppResult<T>,
) -> T {
    let t = TenantId(tenant.parse().expect("tenant id"));
    TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(t))
        .expect("conn")
        .read(f)
        .expect("read")
}

fn values_of(w: &Ws, dim: &str) -> Vec<DimensionValue> {
    let d = dim.parse().expect("dimension id");
    read(&w.app, &w.tenant, |c, t| {
        atrium::naming::dimensions::values::all(c, t, d)
    })
}

fn value_id(w: &Ws, dim: &str, value: &str) -> String {
    values_of(w, dim)
        .into_iter()
        .find(|v| v.value == value)
        .map(|v| v.id.to_string())
        .expect("value")
}

/// Creates a dimension through the app; returns its id.
async fn dimension(w: &mut Ws, name: &str, kind: &str, parent: &str) -> String {
    let r = w
        .ann
        .post(
            &format!("/w/{}/naming/dimensions", w.slug),
            &[
                ("name", name),
                ("kind", kind),
                ("parent_id", parent),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "creating {name}: {}",
        r.body
    );
    r.location().rsplit('/').next().expect("id").to_string()
}

/// Adds a value through the app.
async fn value(w: &mut Ws, dim: &str, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![
        ("label", ""),
        ("utm", ""),
        ("description", ""),
        ("valid_from", ""),
        ("valid_until", ""),
        ("parent_id", ""),
        ("status", "ACTIVE"),
    ];
    all.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
    all.extend_from_slice(fields);
    w.ann
        .post(
            &format!("/w/{}/naming/dimensions/{dim}/values", w.slug),
            &all,
        )
        .await
}

/// POSTs a multipart form with the CSV pasted (or as a file), CSRF in the URL.
async fn multipart(b: &mut Browser, path: &str, csv: &str, as_file: bool) -> Resp {
    let token = b.csrf.clone().expect("csrf token");
    let boundary = "----atriumtestboundary";
    let (pasted, file) = if as_file { ("", csv) } else { (csv, "") };
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\n{pasted}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"values.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         --{boundary}--\r\n"
    );
    b.send(
        TestRequest::post()
            .uri(&format!("{path}?csrf_token={token}"))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body),
    )
    .await
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The CSV the preview carries to "Apply".
fn carried_csv(preview: &str) -> String {
    let start = preview
        .find("<textarea name=\"csv\" hidden aria-hidden=\"true\">")
        .expect("hidden textarea");
    let rest = &preview[start..];
    let open = rest.find('>').expect(">") + 1;
    let close = rest.find("</textarea>").expect("close");
    unescape(&rest[open..close])
}

/// The preview's row for a line: (action, details).
fn preview_row(body: &str, line: usize) -> String {
    let marker = format!("<td>{line}</td>");
    let i = body
        .find(&marker)
        .unwrap_or_else(|| panic!("line {line} in preview"));
    body[i..].split("</tr>").next().unwrap_or("").to_string()
}

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
async fn csv_round_trip_previews_then_applies_exactly_what_it_showed() {
    let mut w = workspace().await;
    let country = dimension(&mut w, "Country", "LIST", "").await;
    let city = dimension(&mut w, "City", "LIST", &country).await;
    value(&mut w, &country, &[("value", "fr")]).await;
    value(&mut w, &country, &[("value", "de")]).await;
    let fr = value_id(&w, &country, "fr");
    value(
        &mut w,
        &city,
        &[
            ("value", "paris"),
            ("label", "Paris, \"the capital\""),
            ("parent_id", &fr),
            ("valid_from", "2020-01-01"),
        ],
    )
    .await;
    value(
        &mut w,
        &city,
        &[
            ("value", "-lille"),
            ("label", "Lille"),
            ("description", "two\nlines"),
        ],
    )
    .await;
    let base = format!("/w/{}/naming/dimensions/{city}", w.slug);

    let export = w.ann.get(&format!("{base}/values.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    assert!(export
        .body
        .starts_with("value,label,utm,description,valid_from,valid_until,parent_value,status\r\n"));
    assert!(export.contains("paris,\"Paris, \"\"the capital\"\"\",,,2020-01-01,,fr,ACTIVE"));

    // Unchanged round trip.
    w.ann.get(&base).await;
    let same = multipart(&mut w.ann, &format!("{base}/import"), &export.body, false).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(same.contains("<strong>0</strong> to create · <strong>0</strong> to update · <strong>2</strong> unchanged · <strong>0</strong> rejected"), "{}", same.body);

    // Edits, a new row, and bad rows; as an uploaded file.
    let edited = format!(
        "{}paris,Paris,,,2020-01-01,,de,ACTIVE\nlyon,Lyon,ly,,,,fr,\n,no value,,,,,,\n{},,,,,,,\nbrest,,,,tomorrow,,,\nnice,,,,,,xx,\nlyon,again,,,,,,\ncaen,,,,2026-02-01,2026-01-01,,\nrennes,,,,,,,MAYBE\n",
        "value,label,utm,description,valid_from,valid_until,parent_value,status\n",
        "z".repeat(101)
    );
    let preview = multipart(&mut w.ann, &format!("{base}/import"), &edited, true).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.contains("<strong>1</strong> to create · <strong>1</strong> to update · <strong>0</strong> unchanged · <strong>7</strong> rejected"), "{}", preview.body);
    let p2 = preview_row(&preview.body, 2);
    assert!(
        p2.contains("update")
            && p2.contains("parent_value: “fr” → “de”")
            && p2.contains("label: “Paris, &#34;the capital&#34;” → “Paris”"),
        "{p2}"
    );
    assert!(preview_row(&preview.body, 3).contains("create"));
    assert!(preview_row(&preview.body, 4).contains("Missing value."));
    assert!(preview_row(&preview.body, 5).contains("The value is too long"));
    assert!(preview_row(&preview.body, 6).contains("is not a date"));
    assert!(preview_row(&preview.body, 7).contains("Unknown parent value “xx”."));
    assert!(preview_row(&preview.body, 8).contains("Duplicate in the file (line 3)."));
    assert!(preview_row(&preview.body, 9).contains("comes before"));
    assert!(preview_row(&preview.body, 10).contains("ACTIVE or INACTIVE"));
    // -lille is not in the file: it is left alone.
    let carried = carried_csv(&preview.body);
    assert_eq!(carried.replace("\r\n", "\n"), edited.replace("\r\n", "\n"));

    let applied = multipart(&mut w.ann, &format!("{base}/import/apply"), &carried, false).await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let after = values_of(&w, &city);
    assert_eq!(after.len(), 3);
    let de = value_id(&w, &country, "de");
    let paris = after.iter().find(|v| v.value == "paris").expect("paris");
    assert_eq!(
        (paris.label.as_str(), paris.parent_id.map(|p| p.to_string())),
        ("Paris", Some(de))
    );
    let lyon = after.iter().find(|v| v.value == "lyon").expect("lyon");
    assert_eq!(
        (lyon.label.as_str(), lyon.utm.as_str(), lyon.status.as_str()),
        ("Lyon", "ly", "ACTIVE")
    );
    assert_eq!(lyon.parent_id.map(|p| p.to_string()), Some(fr));
    let lille = after.iter().find(|v| v.value == "-lille").expect("-lille");
    assert_eq!(lille.description, "two\nlines");
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.dimension_value.import'"
        ),
        1
    );
    let flash = w.ann.get(&base).await;
    assert!(flash.contains("1 created, 1 updated, 0 unchanged, 7 rejected"));

    // The export after import round-trips unchanged again ("-lille" survives the formula guard).
    let again = w.ann.get(&format!("{base}/values.csv")).await;
    assert!(again.contains("'-lille"));
    let same = multipart(&mut w.ann, &format!("{base}/import"), &again.body, false).await;
    assert!(
        same.contains("<strong>3</strong> unchanged"),
        "{}",
        same.body
    );
}

#[actix_web::test]
async fn csv_import_refuses_bad_headers_too_many_rows_and_oversized_files() {
    let mut w = workspace().await;
    let dim = dimension(&mut w, "Channel", "LIST", "").await;
    let base = format!("/w/{}/naming/dimensions/{dim}", w.slug);
    w.ann.get(&base).await;
    let unknown = multipart(
        &mut w.ann,
        &format!("{base}/import"),
        "value,colour\nfb,blue\n",
        false,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.contains("Unknown column “colour”"));
    assert!(unknown.contains("fb,blue"), "pasted text kept");
    let no_value = multipart(&mut w.ann, &format!("{base}/import"), "label\nx\n", false).await;
    assert!(no_value.contains("must have a “value” column"));
    let empty = multipart(&mut w.ann, &format!("{base}/import"), "  ", false).await;
    assert!(empty.contains("Paste CSV text or choose a CSV file."));
    let parent = multipart(
        &mut w.ann,
        &format!("{base}/import"),
        "value,parent_value\nfb,x\n",
        false,
    )
    .await;
    assert!(parent.contains("this dimension has no parent dimension"));
    let mut many = String::from("value\n");
    for i in 0..10_001 {
        many.push_str(&format!("v{i}\n"));
    }
    let too_many = multipart(&mut w.ann, &format!("{base}/import"), &many, false).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_many.contains("at most 10000 can be imported"));
    let huge = format!(
        "value,description\nbig,{}\n",
        "x".repeat(2 * 1024 * 1024 + 10)
    );
    let too_big = multipart(&mut w.ann, &format!("{base}/import"), &huge, true).await;
    assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_big.contains("larger than 2 MiB"));
    assert!(values_of(&w, &dim).is_empty());
    // Exactly 10,000 rows go through.
    let mut ok = String::from("value,label\n");
    for i in 0..10_000 {
        ok.push_str(&format!("v{i:05},V {i}\n"));
    }
    let applied = multipart(&mut w.ann, &format!("{base}/import/apply"), &ok, false).await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    assert_eq!(values_of(&w, &dim).len(), 10_000);
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
