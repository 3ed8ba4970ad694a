//! The submission form's parent picker: a search by value (htmx fragment,
//! the form's GET, and its POST reload without JavaScript, which keeps the
//! CSRF token out of URLs) over every string of the rule at the parent level,
//! at most 50 by value with how many more, `%` and `_` taken literally; the
//! chosen parent is kept through a refused post and generation hangs the
//! new strings under it; viewers can't submit and other workspaces get 404.

use actix_web::http::StatusCode;

use crate::common::naming::as_form;
use crate::common::{Browser, TestApp};
use atrium::naming::demo::{self, Demo};
use atrium::naming::models::RuleId;

struct World {
    app: TestApp,
    ann: Browser,
    slug: String,
    demo: Demo,
    rule: RuleId,
}

/// Ann's workspace with the bulk rule and 250 ad sets "de_s0000"…"de_s0249"
/// under the campaign "de_bulk" (written in bulk, oldest first).
async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let (rule, _) = app.bulk_tree(&slug, "ann@example.com", &demo, 250, 0);
    World {
        app,
        ann,
        slug,
        demo,
        rule: rule.rule,
    }
}

impl World {
    /// The search endpoint for ads (so the parent level is the ad set).
    fn search(&self, q: &str) -> String {
        format!(
            "/w/{}/naming/submissions/parents?rule={}&field={}&parent_q={}",
            self.slug,
            self.rule,
            demo::META_AD,
            q.replace('%', "%25")
        )
    }

    /// The form's own GET, as the no-JavaScript "Search" button sends it.
    fn form_page(&self, extra: &str) -> String {
        format!(
            "/w/{}/naming/submissions/new?rule={}&field={}&name=Kept{extra}",
            self.slug,
            self.rule,
            demo::META_AD
        )
    }
}

fn options(body: &str) -> usize {
    body.matches("<option value=\"0").count()
}

#[actix_web::test]
async fn a_search_finds_a_string_beyond_the_first_200_by_htmx_and_by_the_plain_form() {
    let mut w = world().await;
    let page = w.ann.get(&w.form_page("")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("name=\"parent_q\""));
    assert!(page.contains("hx-get=\"/w/"));
    assert!(page.contains("delay:300ms"));
    // Before a search: the first 50 by value, and no silent cap.
    assert!(page.contains(">de_s0049</option>"));
    assert!(!page.contains(">de_s0050</option>"));
    assert!(!page.contains(">de_s0207</option>"));
    assert!(
        page.contains("200 more — search to find the others"),
        "{}",
        page.body
    );

    let res = w.ann.hx_get(&w.search("s0207")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains(">de_s0207</option>"), "{}", res.body);
    assert_eq!(options(&res.body), 1, "{}", res.body);
    assert!(!res.contains("<html"), "a fragment");

    // Without JavaScript: the form page with the search keeps the other inputs.
    let res = w.ann.get(&w.form_page("&parent_q=S0207")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.contains(">de_s0207</option>"), "case ignored");
    assert!(res.contains("value=\"S0207\""));
    assert!(res.contains("value=\"Kept\""));
}

#[actix_web::test]
async fn a_search_lists_at_most_50_by_value_and_says_how_many_more_match() {
    let mut w = world().await;
    let res = w.ann.hx_get(&w.search("s00")).await;
    assert_eq!(options(&res.body), 50, "{}", res.body);
    assert!(res.contains(">de_s0000</option>") && res.contains(">de_s0049</option>"));
    assert!(!res.contains(">de_s0050</option>"));
    let first = res.body.find(">de_s0000<").expect("s0000");
    let last = res.body.find(">de_s0049<").expect("s0049");
    assert!(first < last, "ordered by value");
    assert!(res.contains("50 more — refine your search"), "{}", res.body);

    let res = w.ann.hx_get(&w.search("s024")).await;
    assert_eq!(options(&res.body), 10);
    assert!(!res.contains("refine your search"));

    let res = w.ann.hx_get(&w.search("nothing-like-this")).await;
    assert_eq!(options(&res.body), 0);
    assert!(res.contains("Nothing contains"));
}

#[actix_web::test]
async fn percent_and_underscore_in_a_search_are_literal() {
    let mut w = world().await;
    w.app
        .raw_exec("UPDATE naming_strings SET value = 'de_50%_off' WHERE value = 'de_s0100'");
    // As wildcards these would match de_s0000…: taken literally, nothing.
    for q in ["s_0", "0%1", "de_s%"] {
        let res = w.ann.hx_get(&w.search(q)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(options(&res.body), 0, "{q}: {}", res.body);
    }
    // "50%" would also match de_s0050, de_s0150 as a wildcard.
    let res = w.ann.hx_get(&w.search("50%")).await;
    assert_eq!(options(&res.body), 1, "{}", res.body);
    assert!(res.contains(">de_50%_off</option>"));
    let res = w.ann.hx_get(&w.search("e_s024")).await;
    assert_eq!(options(&res.body), 10, "a literal underscore still matches");
}

#[actix_web::test]
async fn a_chosen_parent_is_kept_through_a_refused_post_and_the_new_ad_hangs_under_it() {
    let mut w = world().await;
    let parent = w.app.string_id("de_s0240");
    let res = w.ann.get(&w.form_page(&format!("&parent={parent}"))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.contains("Chosen: <code>de_s0240</code>"),
        "{}",
        res.body
    );
    assert!(res.contains(&format!("<option value=\"{parent}\" selected>de_s0240")));
    assert!(res.contains("inherited from Ad set de_s0240"));
    // The chosen one stays selected whatever is searched.
    let res = w
        .ann
        .hx_get(&format!("{}&parent={parent}", w.search("s000")))
        .await;
    assert!(res.contains(&format!("<option value=\"{parent}\" selected>de_s0240")));
    assert_eq!(options(&res.body), 11);

    let creative = format!("v.{}.{}", demo::META_AD, w.demo.dim("Creative"));
    let mut form = vec![
        ("rule".to_string(), w.rule.to_string()),
        ("field".to_string(), demo::META_AD.to_string()),
        ("parent".to_string(), parent.clone()),
        ("parent_q".to_string(), "s024".to_string()),
        ("name".to_string(), "Under s0240".to_string()),
        ("action".to_string(), "draft".to_string()),
    ];
    // No creative: 422, the parent still chosen and the search kept.
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains(&format!("<option value=\"{parent}\" selected>de_s0240")));
    assert!(res.contains("Chosen: <code>de_s0240</code>"));
    assert!(res.contains("value=\"s024\""));

    form.push((creative, "c99".to_string()));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM naming_strings \
             WHERE value = 'de_s0240_c99' AND CAST(parent_id AS TEXT) = '{parent}'"
        )),
        1
    );
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_the_search_and_sees_no_strings() {
    let w = world().await;
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let res = gus.hx_get(&w.search("s00")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("de_s00"));
    // Acme's rule through his own workspace: not found either.
    let own = w.search("s00").replace(&w.slug, &globex);
    let res = gus.hx_get(&own).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("de_s00"));
}

#[actix_web::test]
async fn a_viewer_can_neither_search_nor_submit() {
    let mut w = world().await;
    let mut vic = w
        .app
        .member(&mut w.ann, &w.slug, "vic@example.com", "viewer")
        .await;
    let res = vic.hx_get(&w.search("s00")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!res.contains("de_s00"));
    let parent = w.app.string_id("de_s0001");
    let creative = format!("v.{}.{}", demo::META_AD, w.demo.dim("Creative"));
    let form = vec![
        ("rule".to_string(), w.rule.to_string()),
        ("field".to_string(), demo::META_AD.to_string()),
        ("parent".to_string(), parent),
        ("name".to_string(), "Viewer".to_string()),
        (creative, "c01".to_string()),
        ("action".to_string(), "draft".to_string()),
    ];
    let res = vic
        .post(
            &format!("/w/{}/naming/submissions", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM naming_strings WHERE value = 'de_s0001_c01'"),
        0
    );
}

/// The form's "Load fields" and "Search" buttons post (so the CSRF token
/// never lands in a URL) and Enter in a text box saves a draft.
#[actix_web::test]
async fn the_plain_form_buttons_post_to_reload_and_enter_saves_a_draft() {
    let mut w = world().await;
    let page = w.ann.get(&w.form_page("")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.contains("formmethod"),
        "no GET buttons: {}",
        page.body
    );
    let reload = format!("formaction=\"/w/{}/naming/submissions/new\"", w.slug);
    assert_eq!(page.body.matches(&reload).count(), 2, "{}", page.body);
    // Implicit submission clicks the form's first submit button.
    let form = &page.body[page.body.find("id=\"submission-form\"").expect("form")..];
    let first = &form[form.find("type=\"submit\"").expect("a submit button")..];
    assert!(
        first.starts_with("type=\"submit\" name=\"action\" value=\"draft\""),
        "{}",
        &first[..80]
    );

    let before = w
        .app
        .raw_count("SELECT COUNT(*) AS n FROM naming_submissions");
    let form = [
        ("rule", w.rule.to_string()),
        ("field", demo::META_AD.to_string()),
        ("parent_q", "S0207".to_string()),
        ("name", "Kept".to_string()),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/submissions/new", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.contains(">de_s0207</option>"), "{}", res.body);
    assert!(
        !res.contains(">de_s0001</option>"),
        "only what the search matches"
    );
    assert!(res.contains("value=\"S0207\"") && res.contains("value=\"Kept\""));
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM naming_submissions"),
        before,
        "a reload writes nothing"
    );

    let res = w
        .ann
        .post_without_csrf(
            &format!("/w/{}/naming/submissions/new", w.slug),
            &as_form(&form),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!res.contains("de_s0207"));
}

#[actix_web::test]
async fn another_workspaces_member_and_a_viewer_cannot_reload_the_form() {
    let mut w = world().await;
    let form = [
        ("rule", w.rule.to_string()),
        ("field", demo::META_AD.to_string()),
        ("parent_q", "s00".to_string()),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let path = format!("/w/{}/naming/submissions/new", w.slug);
    let mut gus = w.app.user("gus@example.com", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    let res = gus.post(&path, &as_form(&form)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.contains("de_s00"));
    let res = gus
        .post(&path.replace(&w.slug, &globex), &as_form(&form))
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "his own form, Acme's rule unknown"
    );
    assert!(!res.contains("de_s00"), "{}", res.body);

    let mut vic = w
        .app
        .member(&mut w.ann, &w.slug, "vic@example.com", "viewer")
        .await;
    let res = vic.post(&path, &as_form(&form)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!res.contains("de_s00"));
}
