//! A dimension's values as CSV: export, then an import that is previewed
//! first (100 lines a page) and applies exactly what the preview showed; bad
//! headers, too many rows and oversized files are refused.

use actix_web::http::StatusCode;

use crate::common::naming_dimensions::{
    dimension, multipart, multipart_with, value, value_id, values_of, workspace,
};

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
async fn a_long_import_preview_pages_100_lines_at_a_time_and_still_applies_everything() {
    let mut w = workspace().await;
    let dim = dimension(&mut w, "Channel", "LIST", "").await;
    let base = format!("/w/{}/naming/dimensions/{dim}", w.slug);
    w.ann.get(&base).await;
    let mut csv = String::from("value,label\n");
    for i in 0..250 {
        csv.push_str(&format!("v{i:03},V {i}\n"));
    }
    let import = format!("{base}/import");
    let first = multipart(&mut w.ann, &import, &csv, true).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(
        first.contains("<strong>250</strong> to create"),
        "counts are of all lines"
    );
    assert!(first.contains("Page 1 of 3"), "{}", first.body);
    assert!(first.contains("<td>2</td>") && first.contains("<td>101</td>"));
    assert!(!first.contains("<td>102</td>"));
    // The pager posts the carried CSV back to the preview with a page.
    assert!(first.contains("form=\"import-form\""));
    assert!(first.contains("name=\"page\" value=\"2\""));
    let carried = carried_csv(&first.body);
    assert_eq!(carried, csv);

    let last = multipart_with(&mut w.ann, &import, &carried, false, &[("page", "3")]).await;
    assert!(last.contains("Page 3 of 3"), "{}", last.body);
    assert!(last.contains("<td>202</td>") && last.contains("<td>251</td>"));
    assert!(!last.contains("<td>201</td>"));
    assert!(last.contains("name=\"page\" value=\"2\""), "a way back");
    let beyond = multipart_with(&mut w.ann, &import, &carried, false, &[("page", "99")]).await;
    assert!(beyond.contains("Page 3 of 3"), "clamped to the last page");
    assert!(values_of(&w, &dim).is_empty(), "previews write nothing");

    let applied = multipart(
        &mut w.ann,
        &format!("{base}/import/apply"),
        &carried_csv(&last.body),
        false,
    )
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    assert_eq!(values_of(&w, &dim).len(), 250);
}

#[actix_web::test]
async fn the_csv_export_defuses_formulas_behind_a_leading_tab_or_carriage_return() {
    let mut w = workspace().await;
    let dim = dimension(&mut w, "Source", "LIST", "").await;
    value(&mut w, &dim, &[("value", "tabbed"), ("label", "plain")]).await;
    value(&mut w, &dim, &[("value", "returned"), ("label", "plain")]).await;
    // The form trims what is typed; an import or an older version may not
    // have: put the leading tab and carriage return in directly.
    w.app.raw_exec(
        "UPDATE naming_dimension_values SET description = \
         '\t=HYPERLINK(\"http://evil.example\")' WHERE value = 'tabbed'",
    );
    w.app.raw_exec(
        "UPDATE naming_dimension_values SET description = '\r@SUM(A1)' \
         WHERE value = 'returned'",
    );
    let base = format!("/w/{}/naming/dimensions/{dim}", w.slug);
    let export = w.ann.get(&format!("{base}/values.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.contains(",\"'\t=HYPERLINK(\"\"http://evil.example\"\")\","),
        "{:?}",
        export.body
    );
    assert!(export.contains("\"'\r@SUM(A1)\""), "{:?}", export.body);
    assert!(!export.contains("\"\t="), "{:?}", export.body);
}
