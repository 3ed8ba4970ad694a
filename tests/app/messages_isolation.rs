//! Who can reach a conversation: a workspace member who is not in it gets
//! 404 on every route, as does another workspace's member (under either
//! workspace's address); on PostgreSQL the row wall hides every messages
//! table from another workspace.

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use crate::messages::{base, group, say};
use atrium::db::{Backend, TenantConn};

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
