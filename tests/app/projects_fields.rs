//! Custom fields (defined by an admin or the project's manager, checked by
//! kind, kept with an activity row, filtered on by the list, copied from a
//! template), saved views (own and shared), and moving a task in the
//! subtask tree (never under itself, never deeper than three levels).

use actix_web::http::StatusCode;

use crate::common::projects::{last_segment, workspace, Ws};
use atrium::projects::models::*;

/// Adds a field as Ann; returns its id.
async fn field(w: &mut Ws, p: &str, name: &str, kind: &str, options: &str) -> FieldId {
    let url = format!("{}/{p}/fields", w.base());
    let r = w
        .ann
        .post(
            &url,
            &[("name", name), ("kind", kind), ("options", options)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pid: ProjectId = p.parse().expect("id");
    w.read(|c, t| atrium::projects::fields::for_project(c, t, pid))
        .into_iter()
        .find(|f| f.name == name)
        .expect("the field")
        .id
}

fn key(id: FieldId) -> String {
    format!("cf_{id}")
}

/// The task numbers a list page shows.
fn numbers(body: &str, key: &str) -> Vec<String> {
    let mut out: Vec<String> = body
        .split(&format!(">{key}-"))
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[actix_web::test]
async fn custom_fields_are_defined_checked_kept_and_filtered() {
    let mut w = workspace().await;
    let p = w.new_project("Field trials", &[("key", "FT")]).await;
    let base = w.base();
    // Only an admin or the manager defines fields; a member is refused.
    let r = w
        .bob
        .post(
            &format!("{base}/{p}/fields"),
            &[("name", "Sneaky"), ("kind", "text")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad definitions get messages and keep the input.
    let r = w
        .ann
        .post(
            &format!("{base}/{p}/fields"),
            &[("name", "Platform"), ("kind", "select"), ("options", "iOS")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("at least two choices") && r.contains("value=\"Platform\""));
    let platform = field(&mut w, &p, "Platform", "select", "iOS\nAndroid").await;
    let impact = field(&mut w, &p, "Impact", "number", "").await;
    let qa = field(&mut w, &p, "Needs QA", "checkbox", "").await;
    let customer = field(&mut w, &p, "Customer", "text", "").await;
    let r = w
        .ann
        .post(
            &format!("{base}/{p}/fields"),
            &[("name", "platform"), ("kind", "text")],
        )
        .await;
    assert!(r.contains("already has a field"), "names are unique");

    // Values are checked by kind, each message beside its field.
    let bad = w
        .ann
        .post(
            &format!("{base}/{p}/tasks"),
            &[
                ("title", "Bad values"),
                ("kind", "task"),
                ("priority", "low"),
                (&key(platform), "Windows Phone"),
                (&key(impact), "lots"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Choose one of the choices of Platform"));
    assert!(bad.contains("Impact is a number"));
    assert!(bad.contains("value=\"Bad values\""), "the title is kept");
    let one = w
        .new_task(
            &p,
            "iOS crash",
            &[
                (&key(platform), "iOS"),
                (&key(impact), "40"),
                (&key(qa), "yes"),
                (&key(customer), "Northwind Traders"),
            ],
        )
        .await;
    let two = w
        .new_task(
            &p,
            "Android polish",
            &[(&key(platform), "Android"), (&key(impact), "5")],
        )
        .await;
    w.new_task(&p, "Nothing set", &[]).await;
    let page = w.bob.get(&format!("{base}/{p}/tasks/{one}")).await;
    assert!(page.contains("Platform") && page.contains("Northwind Traders"));

    // An edit changes a value and writes it in the activity trail.
    let edit = w
        .ann
        .post(
            &format!("{base}/{p}/tasks/{two}"),
            &[
                ("title", "Android polish"),
                ("kind", "task"),
                ("priority", "medium"),
                (&key(platform), "iOS"),
                (&key(impact), "12.5"),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    let page = w.ann.get(&format!("{base}/{p}/tasks/{two}")).await;
    assert!(page.contains("12.5"), "{}", page.body);
    assert!(
        page.contains("Android") && page.contains("iOS"),
        "old → new"
    );

    // The list filters on every kind.
    let list = |q: String| format!("{base}/{p}/tasks?{q}");
    let r = w.bob.get(&list(format!("{}=iOS", key(platform)))).await;
    assert_eq!(numbers(&r.body, "FT"), ["1", "2"]);
    let r = w.bob.get(&list(format!("{}_from=10", key(impact)))).await;
    assert_eq!(numbers(&r.body, "FT"), ["1", "2"]);
    let r = w.bob.get(&list(format!("{}_to=20", key(impact)))).await;
    assert_eq!(numbers(&r.body, "FT"), ["2"]);
    let r = w.bob.get(&list(format!("{}=yes", key(qa)))).await;
    assert_eq!(numbers(&r.body, "FT"), ["1"]);
    let r = w.bob.get(&list(format!("{}=no", key(qa)))).await;
    assert_eq!(numbers(&r.body, "FT"), ["2", "3"]);
    let r = w
        .bob
        .get(&list(format!("{}_has=north", key(customer))))
        .await;
    assert_eq!(numbers(&r.body, "FT"), ["1"]);
    assert!(
        r.next_link().is_none() && r.contains(&format!("{}_has", key(customer))),
        "the filter stays in the form"
    );
    // Another project's field id filters nothing in.
    let other = w.new_project("Elsewhere", &[("key", "EL")]).await;
    let foreign = field(&mut w, &other, "Size", "number", "").await;
    let r = w.bob.get(&list(format!("{}_from=0", key(foreign)))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(numbers(&r.body, "FT").is_empty());

    // Deleting a field deletes its values.
    let r = w
        .ann
        .post(&format!("{base}/{p}/fields/{customer}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let left = w.app.raw_count(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM projects_field_values WHERE field_id = '{customer}'"
    ));
    assert_eq!(left, 0);
}

#[actix_web::test]
async fn a_required_field_must_be_filled_and_a_template_passes_its_fields_on() {
    let mut w = workspace().await;
    let tpl = w
        .new_project("Release template", &[("key", "RT"), ("is_template", "on")])
        .await;
    let base = w.base();
    let r = w
        .ann
        .post(
            &format!("{base}/{tpl}/fields"),
            &[("name", "Owner team"), ("kind", "text"), ("required", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let missing = w
        .ann
        .post(
            &format!("{base}/{tpl}/tasks"),
            &[("title", "Notes"), ("kind", "task"), ("priority", "low")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.contains("Owner team is required."));
    let tpl_id: ProjectId = tpl.parse().expect("id");
    let f = w.read(|c, t| atrium::projects::fields::for_project(c, t, tpl_id))[0].id;
    w.new_task(&tpl, "Notes", &[(&key(f), "Docs")]).await;
    let ann_id = w.app.user_id("ann@example.com").to_string();
    let made = w
        .ann
        .post(
            &base,
            &[
                ("name", "Release 3"),
                ("key", "R3"),
                ("status", "active"),
                ("priority", "low"),
                ("manager_id", &ann_id),
                ("template_id", &tpl),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let p = last_segment(&made.location());
    let pid: ProjectId = p.parse().expect("id");
    let copied = w.read(|c, t| atrium::projects::fields::for_project(c, t, pid));
    assert_eq!(copied.len(), 1);
    assert!(copied[0].required && copied[0].id != f);
    let r = w
        .bob
        .get(&format!("{base}/{p}/tasks?{}=docs", key(copied[0].id)))
        .await;
    assert_eq!(numbers(&r.body, "R3"), ["1"], "the value came along");
}

#[actix_web::test]
async fn views_are_saved_for_their_author_or_shared() {
    let mut w = workspace().await;
    let p = w.new_project("Views", &[("key", "VW")]).await;
    w.new_task(&p, "A bug", &[("kind", "bug")]).await;
    let base = w.base();
    let save = |name: &'static str, shared: bool| {
        let mut form = vec![("view_name", name), ("query", "kind=bug&after=zzz&q=")];
        if shared {
            form.push(("shared", "on"));
        }
        form
    };
    let r = w
        .ann
        .post(&format!("{base}/{p}/views"), &save("Mine", false))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("kind=bug") && !r.location().contains("after="));
    w.ann
        .post(&format!("{base}/{p}/views"), &save("Bugs", true))
        .await;
    let ann_list = w.ann.get(&format!("{base}/{p}/tasks")).await;
    assert!(ann_list.contains(">Mine<") && ann_list.contains(">Bugs<"));
    let bob_list = w.bob.get(&format!("{base}/{p}/tasks")).await;
    assert!(bob_list.contains(">Bugs<") && !bob_list.contains(">Mine<"));
    // A view with no filter is refused with a message.
    let r = w
        .ann
        .post(
            &format!("{base}/{p}/views"),
            &[("view_name", "Empty"), ("query", "after=1")],
        )
        .await;
    let list = w.ann.get(&r.location()).await;
    assert!(list.contains("Set a filter first"), "{}", list.body);
    // Bob cannot delete Ann's shared view; Ann can.
    let pid: ProjectId = p.parse().expect("id");
    let ann = w.app.user_id("ann@example.com");
    let shared = w
        .read(|c, t| atrium::projects::views::visible(c, t, pid, ann))
        .into_iter()
        .find(|v| v.name == "Bugs")
        .expect("view");
    let r = w
        .bob
        .post(&format!("{base}/{p}/views/{}/delete", shared.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .ann
        .post(&format!("{base}/{p}/views/{}/delete", shared.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bob_list = w.bob.get(&format!("{base}/{p}/tasks")).await;
    assert!(!bob_list.contains(">Bugs<"));
}

#[actix_web::test]
async fn a_task_moves_in_the_tree_with_its_subtasks_within_three_levels() {
    let mut w = workspace().await;
    let p = w.new_project("Tree", &[("key", "TR")]).await;
    let a = w.new_task(&p, "A", &[]).await;
    let b = w.new_task(&p, "B", &[("parent_id", &a)]).await;
    let c = w.new_task(&p, "C", &[("parent_id", &b)]).await;
    let d = w.new_task(&p, "D", &[]).await;
    let base = w.base();
    let edit = |title: &'static str, parent: &'static str| {
        vec![
            ("title", title),
            ("kind", "task"),
            ("priority", "medium"),
            ("parent_number", parent),
        ]
    };
    // Under its own subtask: refused.
    let r = w
        .ann
        .post(&format!("{base}/{p}/tasks/{a}"), &edit("A", "TR-3"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("cannot go under itself or one of its own subtasks"));
    // A (with two levels below) under D would reach level 4: refused.
    let r = w
        .ann
        .post(&format!("{base}/{p}/tasks/{a}"), &edit("A", "TR-4"))
        .await;
    assert!(r.contains("would reach level 4"), "{}", r.body);
    // B (with C) moves under D; C follows to level 3.
    let r = w
        .ann
        .post(&format!("{base}/{p}/tasks/{b}"), &edit("B", "4"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (tb, tc) = (w.task(&p, &b), w.task(&p, &c));
    assert_eq!(tb.parent_id.map(|x| x.to_string()), Some(d.clone()));
    assert_eq!((tb.depth, tc.depth), (2, 3));
    let page = w.ann.get(&format!("{base}/{p}/tasks/{b}")).await;
    assert!(
        page.contains("TR-1") && page.contains("TR-4"),
        "the move is in the trail"
    );
    // To the top level; an unknown number is refused.
    let r = w
        .ann
        .post(&format!("{base}/{p}/tasks/{b}"), &edit("B", "TR-99"))
        .await;
    assert!(r.contains("TR-99 is not a task of this project"));
    let r = w
        .ann
        .post(&format!("{base}/{p}/tasks/{b}"), &edit("B", ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (tb, tc) = (w.task(&p, &b), w.task(&p, &c));
    assert_eq!((tb.parent_id, tb.depth, tc.depth), (None, 1, 2));
}

#[actix_web::test]
async fn another_workspace_gets_404_on_fields_views_and_changes_nothing() {
    let mut w = workspace().await;
    let p = w.new_project("Secret Zeppelin", &[("key", "ZEP")]).await;
    let f = field(&mut w, &p, "Zeppelin size", "number", "").await;
    let base = w.base();
    w.ann
        .post(
            &format!("{base}/{p}/views"),
            &[
                ("view_name", "Zeppelin view"),
                ("query", "kind=bug"),
                ("shared", "on"),
            ],
        )
        .await;
    let pid: ProjectId = p.parse().expect("id");
    let ann = w.app.user_id("ann@example.com");
    let v = w.read(|c, t| atrium::projects::views::visible(c, t, pid, ann))[0].id;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for slug in [w.slug.as_str(), globex.as_str()] {
        let url = format!("/w/{slug}/projects/{p}/fields");
        let r = gus.get(&url).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {url}");
        assert!(!r.contains("eppelin"));
        let posts: [(String, Vec<(&str, &str)>); 4] = [
            (url.clone(), vec![("name", "Pwned"), ("kind", "text")]),
            (format!("{url}/{f}/delete"), vec![]),
            (
                format!("/w/{slug}/projects/{p}/views"),
                vec![("view_name", "Pwned"), ("query", "kind=bug")],
            ),
            (format!("/w/{slug}/projects/{p}/views/{v}/delete"), vec![]),
        ];
        for (url, form) in &posts {
            let r = gus.post(url, form).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {url}");
            assert!(!r.contains("eppelin"));
        }
    }
    let fields = w.read(|c, t| atrium::projects::fields::for_project(c, t, pid));
    assert_eq!(fields.len(), 1);
    let views = w.read(|c, t| atrium::projects::views::visible(c, t, pid, ann));
    assert_eq!(views.len(), 1);
}
