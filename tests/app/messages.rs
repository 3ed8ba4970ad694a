//! Team messages: conversations and who may reach them (a member who is not
//! a participant gets 404, like another workspace), posting, unread counts
//! and receipts, threads, edits with history, deletes with a placeholder,
//! mentions that respect preferences, search that respects participation,
//! "load older", and live events that reach participants only.

use actix_web::http::StatusCode;

use crate::common::projects::{workspace, Ws};
use crate::common::Browser;
use atrium::db::TenantConn;
use atrium::messages::models::*;
use atrium::messages::posts::{self, PostForm};

pub(crate) fn base(w: &Ws) -> String {
    format!("/w/{}/messages", w.slug)
}

/// Starts a group conversation as `who` with `people` (emails); returns its id.
pub(crate) async fn group(w: &mut Ws, who: &str, title: &str, people: &[&str]) -> String {
    let ids: Vec<String> = people
        .iter()
        .map(|e| w.app.user_id(e).to_string())
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("kind", "group"), ("title", title)];
    for id in &ids {
        form.push(("people", id));
    }
    let b = base(w);
    let res = browser(w, who).post(&b, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().rsplit('/').next().unwrap_or("").to_string()
}

pub(crate) fn browser<'a>(w: &'a mut Ws, who: &str) -> &'a mut Browser {
    match who {
        "ann" => &mut w.ann,
        "bob" => &mut w.bob,
        _ => &mut w.vic,
    }
}

pub(crate) async fn say(b: &mut Browser, conv_url: &str, body: &str) -> String {
    let res = b.post(conv_url, &[("body", body)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
        .rsplit("#m-")
        .next()
        .unwrap_or("")
        .to_string()
}

pub(crate) fn unread_notices(w: &Ws, email: &str) -> i64 {
    let u = w.app.user_id(email);
    w.app.raw_count(&format!(
        "SELECT CAST(unread_notifications AS BIGINT) AS n FROM memberships WHERE user_id = '{u}'"
    ))
}

#[actix_web::test]
async fn a_group_conversation_counts_unread_and_shows_receipts() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Launch crew", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    say(&mut w.ann, &url, "Hello **Bob**").await;
    say(&mut w.ann, &url, "<script>alert(1)</script> still here").await;

    // Bob's inbox lists it with two unread; opening it reads them.
    let inbox = w.bob.get(&base(&w)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.contains("Launch crew"));
    assert!(inbox.contains("aria-label=\"2 unread\""), "{}", inbox.body);
    // The inbox delivered them: Ann sees "Delivered".
    let page = w.ann.get(&url).await;
    assert!(page.contains("Delivered"), "{}", page.body);
    let page = w.bob.get(&url).await;
    assert!(page.contains("<strong>Bob</strong>"));
    assert!(!page.contains("<script>alert(1)"), "markdown is sanitised");
    let inbox = w.bob.get(&base(&w)).await;
    assert!(!inbox.contains("unread\""), "read now: {}", inbox.body);
    let page = w.ann.get(&url).await;
    assert!(page.contains(">Read<"), "{}", page.body);
    assert!(page.contains("title=\"Read by bob\""), "who read it");

    // An empty message is refused with the form kept; a long one too.
    let r = w
        .bob
        .post(&url, &[("body", "   "), ("priority", "high")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Write something first."));
    let long = "x".repeat(posts::MAX_BODY + 1);
    let r = w.bob.post(&url, &[("body", &long)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("at most"));
    let r = w
        .bob
        .post(&url, &[("body", "hi"), ("priority", "loud")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Through htmx a refusal is the form alone, and a message is 204.
    let r = w
        .bob
        .send(
            actix_web::test::TestRequest::post()
                .uri(&url)
                .insert_header(("hx-request", "true"))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(format!(
                    "body=via+htmx&priority=urgent&csrf_token={}",
                    w.bob.csrf.clone().unwrap_or_default()
                )),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header("hx-trigger").as_deref(), Some("atrium:posted"));
    let tail = w
        .ann
        .hx_get(&format!(
            "{url}/since?after=00000000-0000-0000-0000-000000000000"
        ))
        .await;
    assert!(
        tail.contains("via htmx") && tail.contains("Urgent"),
        "{}",
        tail.body
    );
    assert!(tail.contains("hx-swap-oob"), "the badge comes along");
}

#[actix_web::test]
async fn a_second_direct_conversation_with_the_same_person_is_the_first() {
    let mut w = workspace().await;
    let bob = w.app.user_id("bob@example.com").to_string();
    let ann = w.app.user_id("ann@example.com").to_string();
    let first = w
        .ann
        .post(&format!("{}/direct/{bob}", base(&w)), &[])
        .await
        .location();
    let again = w
        .bob
        .post(&format!("{}/direct/{ann}", base(&w)), &[])
        .await
        .location();
    assert_eq!(first, again);
    let via_form = w
        .ann
        .post(&base(&w), &[("kind", "direct"), ("people", &bob)])
        .await
        .location();
    assert_eq!(first, via_form);
    // Direct messages notify once per unread stretch.
    say(&mut w.ann, &first, "are you there?").await;
    say(&mut w.ann, &first, "hello?").await;
    assert_eq!(unread_notices(&w, "bob@example.com"), 1);
    w.bob.get(&first).await;
    say(&mut w.ann, &first, "ah, there you are").await;
    assert_eq!(unread_notices(&w, "bob@example.com"), 2);
    let r = w.ann.get(&first).await;
    assert!(
        r.contains("<h1>bob</h1>"),
        "named after the other person: {}",
        r.body
    );
    assert!(
        !r.contains("Add people"),
        "a direct conversation stays two people"
    );
    // With oneself, or two people at once: refused with a reason.
    let r = w.ann.post(&format!("{}/direct/{ann}", base(&w)), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let vic = w.app.user_id("vic@example.com").to_string();
    let r = w
        .ann
        .post(
            &base(&w),
            &[("kind", "direct"), ("people", &bob), ("people", &vic)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("exactly one person"));
}

#[actix_web::test]
async fn edits_keep_their_history_and_deletes_leave_a_placeholder() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Edits", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let m = say(&mut w.bob, &url, "first wording").await;
    let r = w
        .bob
        .post(&format!("{url}/m/{m}/edit"), &[("body", "second wording")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.ann.get(&url).await;
    assert!(page.contains("second wording") && page.contains("(edited)"));
    let h = w.ann.get(&format!("{url}/m/{m}/history")).await;
    assert!(h.contains("first wording") && h.contains("second wording"));
    // Only its author edits it; an empty edit is refused.
    let r = w
        .ann
        .post(&format!("{url}/m/{m}/edit"), &[("body", "Ann's words")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .bob
        .post(&format!("{url}/m/{m}/edit"), &[("body", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The workspace owner (an admin) may delete it; the text and history go.
    let r = w.ann.post(&format!("{url}/m/{m}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.bob.get(&url).await;
    assert!(page.contains("Message deleted."));
    assert!(!page.contains("second wording"));
    let h = w.bob.get(&format!("{url}/m/{m}/history")).await;
    assert!(!h.contains("first wording"));
    assert_eq!(
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM messages_edits WHERE message_id = '{m}'"
        )),
        0
    );
    // A member may not delete someone else's message.
    let ann_m = say(&mut w.ann, &url, "owner's note").await;
    let r = w.bob.post(&format!("{url}/m/{ann_m}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn threads_count_replies_and_stay_out_of_the_main_stream() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Threads", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let root = say(&mut w.ann, &url, "Question for the team").await;
    let r = w
        .bob
        .post(
            &url,
            &[("body", "An answer in the thread"), ("reply_to", &root)],
        )
        .await;
    assert!(
        r.location().contains(&format!("/threads/{root}")),
        "{}",
        r.location()
    );
    let reply = r.location().rsplit("#m-").next().unwrap_or("").to_string();
    let r = w
        .ann
        .post(
            &url,
            &[("body", "Answer to the answer"), ("reply_to", &reply)],
        )
        .await;
    assert!(r.location().contains(&format!("/threads/{root}")));
    let page = w.ann.get(&url).await;
    assert!(page.contains("2 replies"));
    assert!(!page.contains("An answer in the thread"));
    let t = w.bob.get(&format!("{url}/threads/{root}")).await;
    assert!(t.contains("An answer in the thread") && t.contains("Answer to the answer"));
    // The answer to a reply quotes it.
    assert!(
        t.contains("<blockquote class=\"small muted\">bob: An answer in the thread"),
        "{}",
        t.body
    );
    // A reply to a message of another conversation is refused.
    let other = group(&mut w, "ann", "Other", &["bob@example.com"]).await;
    let r = w
        .ann
        .post(
            &format!("{}/{other}", base(&w)),
            &[("body", "x"), ("reply_to", &root)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn mentions_notify_as_preferences_say_and_even_when_muted() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Mentions", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    // Muted: replies stay quiet, mentions still come.
    w.ann.post(&format!("{url}/mute"), &[("muted", "1")]).await;
    let root = say(&mut w.ann, &url, "A root").await;
    w.bob
        .post(&url, &[("body", "quiet reply"), ("reply_to", &root)])
        .await;
    assert_eq!(unread_notices(&w, "ann@example.com"), 0);
    say(
        &mut w.bob,
        &url,
        "@ann please look, and mail ann@example.com",
    )
    .await;
    assert_eq!(unread_notices(&w, "ann@example.com"), 1);
    let centre = w.ann.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        centre.contains("bob mentioned you in Mentions"),
        "{}",
        centre.body
    );
    // Turned off: no notice.
    let prefs = format!("/w/{}/notifications/preferences", w.slug);
    let mut form: Vec<(String, String)> = Vec::new();
    for k in atrium::modules::notice_kinds() {
        if k.key != "messages.mention" {
            form.push((format!("in_app.{}", k.key), "on".into()));
        }
        form.push((format!("email.{}", k.key), "off".into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = w.ann.post(&prefs, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    say(&mut w.bob, &url, "@ann again").await;
    assert_eq!(unread_notices(&w, "ann@example.com"), 1);
    // A mention added by an edit notifies Bob's new target once.
    let m = say(&mut w.ann, &url, "no mention yet").await;
    w.ann
        .post(&format!("{url}/m/{m}/edit"), &[("body", "now @bob")])
        .await;
    w.ann
        .post(&format!("{url}/m/{m}/edit"), &[("body", "still @bob")])
        .await;
    assert_eq!(unread_notices(&w, "bob@example.com"), 1);
}

#[actix_web::test]
async fn search_finds_only_what_the_reader_can_read() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Search", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    say(&mut w.ann, &url, "The zeppelin launches on Friday").await;
    let gone = say(&mut w.ann, &url, "zeppelin budget draft").await;
    w.ann.post(&format!("{url}/m/{gone}/delete"), &[]).await;
    let s = format!("{}/search?q=zeppelin+launch", base(&w));
    let r = w.bob.get(&s).await;
    assert!(
        r.contains("The zeppelin launches on Friday"),
        "stemmed: {}",
        r.body
    );
    let r = w.bob.get(&format!("{}/search?q=zeppelin", base(&w))).await;
    assert!(
        !r.contains("budget draft"),
        "deleted messages are not found"
    );
    // Vic is a member but not in the conversation.
    let r = w.vic.get(&s).await;
    assert!(!r.contains("zeppelin launches"));
    // Syntax in the query is just words.
    let r = w
        .bob
        .get(&format!("{}/search?q=%22zep*+OR+NEAR(", base(&w)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Once Bob leaves, he no longer finds it.
    w.bob.post(&format!("{url}/leave"), &[]).await;
    let r = w.bob.get(&s).await;
    assert!(!r.contains("zeppelin launches"));
    assert_eq!(w.bob.get(&url).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn load_older_walks_the_whole_history_without_gaps() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "History", &["bob@example.com"]).await;
    let id: ConversationId = conv.parse().expect("id");
    let ann = w.app.user_id("ann@example.com");
    let mut tc = TenantConn::open(
        w.app.pool(),
        &atrium::db::tenant_scope_for_tests(w.tenant()),
    )
    .expect("conn");
    tc.write(|c, t| {
        for i in 0..120 {
            let f = PostForm {
                body: format!("history line {i:03}"),
                ..Default::default()
            };
            posts::post(c, t, ann, id, &f)?
                .map_err(|e| atrium::error::AppError::internal(format!("{:?}", e.0)))?;
        }
        Ok(())
    })
    .expect("posts");
    let url = format!("{}/{conv}", base(&w));
    let mut seen = Vec::new();
    let mut page = w.bob.get(&url).await;
    loop {
        for i in 0..120 {
            if page.contains(&format!("history line {i:03}<")) {
                seen.push(i);
            }
        }
        let Some(older) = page
            .body
            .split("class=\"load-older\" href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(|s| s.to_string())
        else {
            break;
        };
        page = w.bob.hx_get(&older.replace("&amp;", "&")).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (0..120).collect::<Vec<_>>());
}

#[actix_web::test]
async fn viewers_read_their_conversations_but_do_not_write() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "With Vic", &["vic@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    say(&mut w.ann, &url, "for your eyes").await;
    let r = w.vic.get(&url).await;
    assert!(r.contains("for your eyes") && r.contains("do not write"));
    let r = w.vic.post(&url, &[("body", "hi")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.vic.get(&format!("{}/new", base(&w))).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn people_come_and_go_with_a_line_in_the_conversation() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Comings", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let vic = w.app.user_id("vic@example.com").to_string();
    let r = w
        .bob
        .post(&format!("{url}/people"), &[("people", &vic)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(w.vic.get(&url).await.status, StatusCode::OK);
    w.vic.post(&format!("{url}/leave"), &[]).await;
    assert_eq!(w.vic.get(&url).await.status, StatusCode::NOT_FOUND);
    w.ann
        .post(&format!("{url}/rename"), &[("title", "Renamed crew")])
        .await;
    let page = w.ann.get(&url).await;
    assert!(page.contains("added vic"), "{}", page.body);
    assert!(page.contains("left the conversation"));
    assert!(page.contains("renamed the conversation to “Renamed crew”"));
    // A member removed from the workspace leaves its conversations.
    let bob = w.app.user_id("bob@example.com");
    w.read(|c, t| atrium::messages::conversations::member_left(c, t, bob));
    assert_eq!(w.bob.get(&url).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_demo_fills_every_messages_page() {
    let app = crate::common::TestApp::new().await;
    atrium::seed::seed_demo(app.pool(), &app.state.config.data_dir).expect("seed the demo");
    let acme = app.tenant("acme");
    let module = atrium::modules::all()
        .iter()
        .find(|m| m.key == "messages")
        .expect("registered");
    for table in module.tenant_tables {
        let n = app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = '{acme}'"
        ));
        assert!(n > 0, "demo rows in {table}");
    }
    let mut owner = app.browser();
    owner
        .login("owner@demo.atrium.test", "demo-password-123")
        .await;
    let inbox = owner.get("/w/acme/messages").await;
    for title in ["General", "Growth", "Adam Admin"] {
        assert!(
            inbox.contains(&format!("\">{title}</a>")),
            "{title}: {}",
            inbox.body
        );
    }
    assert!(inbox.contains("unread\""), "the owner has unread messages");
    let general = inbox
        .body
        .split("href=\"")
        .find(|s| s.contains("\">General</a>"))
        .and_then(|s| s.split('"').next())
        .expect("General's link")
        .to_string();
    let page = owner.get(&general).await;
    assert!(
        page.contains("class=\"load-older\""),
        "more than a page of history"
    );
    assert!(page.contains("2 replies"));
    let thread = page
        .body
        .split("href=\"")
        .find(|s| s.contains("\">2 replies"))
        .and_then(|s| s.split('"').next())
        .expect("the thread link")
        .to_string();
    let t = owner.get(&thread).await;
    assert!(t.contains("@owner can you confirm"), "{}", t.body);
    assert!(t.contains("(edited)"));
    let centre = owner.get("/w/acme/notifications").await;
    assert!(
        centre.contains("Mia Member mentioned you in General"),
        "{}",
        centre.body
    );
    let img = page
        .body
        .split("<img src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the demo's image")
        .to_string();
    let r = owner.get(&img).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    let found = owner.get("/w/acme/messages/search?q=budget").await;
    assert!(found.contains("confirm the budget"));
    assert_eq!(
        owner.get("/w/acme/messages/new").await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_long_thread_pages_through_all_its_replies() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Long thread", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let root = say(&mut w.ann, &url, "Start of a long thread").await;
    let id: ConversationId = conv.parse().expect("id");
    let bob = w.app.user_id("bob@example.com");
    TenantConn::open(
        w.app.pool(),
        &atrium::db::tenant_scope_for_tests(w.tenant()),
    )
    .expect("conn")
    .write(|c, t| {
        for i in 0..205 {
            let f = PostForm {
                body: format!("reply line {i:03}"),
                reply_to: root.clone(),
                ..Default::default()
            };
            posts::post(c, t, bob, id, &f)?
                .map_err(|e| atrium::error::AppError::internal(format!("{:?}", e.0)))?;
        }
        Ok(())
    })
    .expect("replies");
    let first = w.ann.get(&format!("{url}/threads/{root}")).await;
    assert!(first.contains("reply line 000<") && first.contains("reply line 199<"));
    assert!(!first.contains("reply line 200<"));
    let next = first.next_link().expect("a Later replies link");
    let rest = w.ann.get(&next).await;
    for i in 200..205 {
        assert!(rest.contains(&format!("reply line {i:03}<")), "{i}");
    }
    assert!(!rest.contains("reply line 199<"));
    assert!(rest.next_link().is_none());
    assert!(rest.prev_link().is_some());
}
