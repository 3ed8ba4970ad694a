//! Team messages: conversations and who may reach them (a member who is not
//! a participant gets 404, like another workspace), posting, unread counts
//! and receipts, threads, edits with history, deletes with a placeholder,
//! mentions that respect preferences, search that respects participation,
//! "load older", and live events that reach participants only.

use std::time::Duration;

use actix_web::http::StatusCode;

use crate::common::projects::{workspace, Ws};
use crate::common::{next_chunk, stream_ends, Browser};
use atrium::db::{Backend, TenantConn};
use atrium::messages::models::*;
use atrium::messages::posts::{self, PostForm};

fn base(w: &Ws) -> String {
    format!("/w/{}/messages", w.slug)
}

/// Starts a group conversation as `who` with `people` (emails); returns its id.
async fn group(w: &mut Ws, who: &str, title: &str, people: &[&str]) -> String {
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

fn browser<'a>(w: &'a mut Ws, who: &str) -> &'a mut Browser {
    match who {
        "ann" => &mut w.ann,
        "bob" => &mut w.bob,
        _ => &mut w.vic,
    }
}

async fn say(b: &mut Browser, conv_url: &str, body: &str) -> String {
    let res = b.post(conv_url, &[("body", body)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
        .rsplit("#m-")
        .next()
        .unwrap_or("")
        .to_string()
}

fn unread_notices(w: &Ws, email: &str) -> i64 {
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
async fn a_member_who_is_not_a_participant_gets_404_everywhere() {
    let mut w = workspace().await;
    let mut cat = w
        .app
        .member(&mut w.ann, &w.slug.clone(), "cat@example.com", "admin")
        .await;
    let conv = group(&mut w, "ann", "Board only", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let m = say(&mut w.ann, &url, "the secret plan").await;
    let gets = [
        url.clone(),
        format!("{url}/since?after={m}"),
        format!("{url}/live"),
        format!("{url}/threads/{m}"),
        format!("{url}/m/{m}"),
        format!("{url}/m/{m}/edit"),
        format!("{url}/m/{m}/history"),
    ];
    for g in &gets {
        let r = cat.get(g).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{g}");
        assert!(!r.contains("secret plan"), "{g}");
    }
    let posts = [
        (url.clone(), vec![("body", "let me in")]),
        (format!("{url}/people"), vec![("people", "x")]),
        (format!("{url}/leave"), vec![]),
        (format!("{url}/mute"), vec![("muted", "1")]),
        (format!("{url}/rename"), vec![("title", "Mine now")]),
        (format!("{url}/m/{m}/edit"), vec![("body", "edited")]),
        (format!("{url}/m/{m}/delete"), vec![]),
    ];
    for (p, form) in &posts {
        let r = cat.post(p, form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
    let inbox = cat.get(&base(&w)).await;
    assert!(!inbox.contains("Board only"));
    let found = cat.get(&format!("{}/search?q=secret", base(&w))).await;
    assert!(!found.contains("secret plan"));
    // Nothing changed.
    let page = w.bob.get(&url).await;
    assert!(page.contains("the secret plan") && page.contains("Board only"));
    assert!(!page.contains("let me in"));
}

#[actix_web::test]
async fn another_workspaces_member_gets_404_on_every_messages_route() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Acme private", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let m = say(&mut w.ann, &url, "acme roadmap").await;
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for slug in [w.slug.clone(), globex.clone()] {
        let u = format!("/w/{slug}/messages/{conv}");
        let gets = [
            format!("/w/{slug}/messages"),
            format!("/w/{slug}/messages/search?q=roadmap"),
            u.clone(),
            format!("{u}/since?after={m}"),
            format!("{u}/live"),
            format!("{u}/threads/{m}"),
            format!("{u}/m/{m}"),
            format!("{u}/m/{m}/edit"),
            format!("{u}/m/{m}/history"),
        ];
        for g in &gets {
            let r = gus.get(g).await;
            let own_list = slug == globex && !g.contains(&conv);
            if own_list {
                assert_eq!(r.status, StatusCode::OK, "{g}");
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{g}");
            }
            assert!(
                !r.contains("acme roadmap") && !r.contains("Acme private"),
                "{g}"
            );
        }
        for p in [
            u.clone(),
            format!("{u}/people"),
            format!("{u}/leave"),
            format!("{u}/mute"),
            format!("{u}/rename"),
            format!("{u}/m/{m}/edit"),
            format!("{u}/m/{m}/delete"),
        ] {
            let r = gus.post(&p, &[("body", "x"), ("title", "x")]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
        }
        let ann_id = w.app.user_id("ann@example.com");
        let r = gus
            .post(&format!("/w/{slug}/messages/direct/{ann_id}"), &[])
            .await;
        if slug == globex {
            // Ann is not a member of Globex.
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        } else {
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
    }
    let page = w.bob.get(&url).await;
    assert!(page.contains("acme roadmap"));
    assert!(!page.contains(">x<"));
    if w.app.backend() == Backend::Postgres {
        // The row wall: Globex's connection sees none of Acme's rows.
        let globex_id = w.app.tenant(&globex);
        let mut tc = TenantConn::open(w.app.pool(), &atrium::db::tenant_scope_for_tests(globex_id))
            .expect("conn");
        for table in [
            "messages_conversations",
            "messages_participants",
            "messages_messages",
            "messages_edits",
        ] {
            let n = tc
                .read(|c, _| {
                    use diesel::prelude::*;
                    #[derive(diesel::QueryableByName)]
                    struct N {
                        #[diesel(sql_type = diesel::sql_types::BigInt)]
                        n: i64,
                    }
                    let r: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                        .get_result(c)?;
                    Ok(r.n)
                })
                .expect("count");
            assert_eq!(n, 0, "{table}");
        }
    }
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
async fn live_events_reach_participants_only() {
    let mut w = workspace().await;
    let mut cat = w
        .app
        .member(&mut w.ann, &w.slug.clone(), "cat@example.com", "member")
        .await;
    let a = group(&mut w, "ann", "Room A", &["bob@example.com"]).await;
    let b = group(&mut w, "ann", "Room B", &["cat@example.com"]).await;
    let (ua, ub) = (format!("{}/{a}", base(&w)), format!("{}/{b}", base(&w)));
    let (status, mut bob_stream) = w.bob.open_stream(&format!("{ua}/live")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, mut cat_stream) = cat.open_stream(&format!("{ub}/live")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = cat.open_stream(&format!("{ua}/live")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not Cat's conversation");
    let wait = Duration::from_secs(5);
    // Each stream starts by telling its page to catch up.
    for s in [&mut bob_stream, &mut cat_stream] {
        let first = next_chunk(s, wait).await.unwrap_or_default();
        assert!(
            first.starts_with("retry:") && first.contains("event: new"),
            "{first:?}"
        );
    }

    let m = say(&mut w.ann, &ua, "only for room A").await;
    let got = next_chunk(&mut bob_stream, wait).await.unwrap_or_default();
    assert!(got.contains("event: new"), "Bob got {got:?}");
    w.ann
        .post(
            &format!("{ua}/m/{m}/edit"),
            &[("body", "edited for room A")],
        )
        .await;
    let got = next_chunk(&mut bob_stream, wait).await.unwrap_or_default();
    assert!(
        got.contains(&format!("event: changed-{m}")),
        "Bob got {got:?}"
    );
    let nothing = next_chunk(&mut cat_stream, Duration::from_millis(1500)).await;
    assert_eq!(nothing, None, "Cat is not in room A");
    // Cat's own room reaches Cat.
    say(&mut w.ann, &ub, "hello Cat").await;
    let got = next_chunk(&mut cat_stream, wait).await.unwrap_or_default();
    assert!(got.contains("event: new"), "Cat got {got:?}");
    // Another app server on the same PostgreSQL database hears it too
    // (LISTEN/NOTIFY, not this process's memory).
    if w.app.backend() == Backend::Postgres {
        let other =
            atrium::web::live::Hub::new(Backend::Postgres, &w.app.state.config.database_url);
        let mut rx = other.subscribe();
        let conv: uuid::Uuid = a.parse().expect("id");
        assert!(other.wait_listening(Duration::from_secs(5)), "listening");
        say(&mut w.ann, &ua, "to every server").await;
        let mut heard = false;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !heard && std::time::Instant::now() < deadline {
            if let Ok(Ok(e)) =
                actix_web::rt::time::timeout(Duration::from_millis(200), rx.recv()).await
            {
                heard = e.topic == conv && e.name == "new";
            }
        }
        assert!(heard, "a second server's hub receives the event");
    }
    // Leaving ends the leaver's stream.
    w.bob.post(&format!("{ua}/leave"), &[]).await;
    assert!(
        stream_ends(&mut bob_stream, wait).await,
        "Bob's stream ends when he leaves"
    );
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

/// A multipart body: the CSRF token first, a caption, then `file`.
async fn attach(b: &mut Browser, url: &str, filename: &str, data: &[u8]) -> crate::common::Resp {
    if b.csrf.is_none() {
        b.get(url).await;
    }
    let token = b.csrf.clone().expect("a CSRF token");
    let mut body = crate::common::csrf_part("X", &token).into_bytes();
    body.extend_from_slice(
        b"--X\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhere it is\r\n",
    );
    body.extend_from_slice(
        format!(
            "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n--X--\r\n");
    b.send(
        actix_web::test::TestRequest::post()
            .uri(&format!("{url}/files"))
            .insert_header(("content-type", "multipart/form-data; boundary=X"))
            .set_payload(body),
    )
    .await
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[actix_web::test]
async fn files_and_images_are_attached_served_to_participants_and_checked() {
    let mut w = workspace().await;
    let conv = group(&mut w, "ann", "Files", &["bob@example.com"]).await;
    let url = format!("{}/{conv}", base(&w));
    let r = attach(&mut w.ann, &url, "dot.png", PNG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = attach(&mut w.ann, &url, "../../notes final.txt", b"plain words").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = w.bob.get(&url).await;
    assert!(page.contains("<img src=\""), "{}", page.body);
    assert!(page.contains("notes final.txt") && page.contains("here it is"));
    let links: Vec<String> = page
        .body
        .split("href=\"")
        .filter(|s| s.contains("/files/"))
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    let img = links
        .iter()
        .find(|l| page.body.contains(&format!("<img src=\"{l}\"")))
        .expect("image")
        .clone();
    let txt = links.iter().find(|l| **l != img).expect("file").clone();
    let r = w.bob.get(&img).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .starts_with("inline"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let r = w.bob.get(&txt).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .starts_with("attachment"));
    assert_eq!(r.body, "plain words");
    // The same bytes twice are stored once.
    attach(&mut w.bob, &url, "again.png", PNG).await;
    let blobs = std::fs::read_dir(
        w.app
            .state
            .config
            .data_dir
            .join("blobs")
            .join(w.tenant().to_string()),
    )
    .expect("blobs")
    .count();
    assert_eq!(blobs, 2);

    // Not a participant, or another workspace: not found.
    assert_eq!(w.vic.get(&img).await.status, StatusCode::NOT_FOUND);
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    assert_eq!(gus.get(&img).await.status, StatusCode::NOT_FOUND);
    let foreign = img.replacen(&format!("/w/{}/", w.slug), &format!("/w/{globex}/"), 1);
    assert_eq!(gus.get(&foreign).await.status, StatusCode::NOT_FOUND);
    let r = attach(
        &mut gus,
        &format!("/w/{globex}/messages/{conv}"),
        "x.txt",
        b"x",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = attach(&mut w.vic, &url, "x.txt", b"x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers do not write");

    // A name that lies about the content, an empty file, a file too large.
    let r = attach(&mut w.ann, &url, "report.pdf", b"not a pdf at all").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("is named .pdf"), "{}", r.body);
    let r = attach(&mut w.ann, &url, "empty.txt", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Choose a file"));
    w.app.raw_exec("UPDATE plans SET max_upload_mb = 1");
    let big = vec![b'a'; 1024 * 1024 + 10];
    let r = attach(&mut w.ann, &url, "big.txt", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.contains("upload limit of 1 MB"), "{}", r.body);
    let tmp = w.app.state.config.data_dir.join("blobs").join("tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0),
        0,
        "no half file left"
    );

    // Deleting the message takes its file; a blob another message uses stays.
    let ids: Vec<MessageId> = w.read(|c, t| {
        use atrium::schema::messages_attachments as a;
        use diesel::prelude::*;
        Ok(a::table
            .filter(a::tenant_id.eq(t))
            .order(a::id.asc())
            .select(a::message_id)
            .load(c)?)
    });
    w.ann.post(&format!("{url}/m/{}/delete", ids[0]), &[]).await;
    assert_eq!(w.bob.get(&img).await.status, StatusCode::NOT_FOUND);
    let blobs = std::fs::read_dir(
        w.app
            .state
            .config
            .data_dir
            .join("blobs")
            .join(w.tenant().to_string()),
    )
    .expect("blobs")
    .count();
    assert_eq!(blobs, 2, "the PNG is still used by Bob's copy");
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
