//! The notification centre: notices from the projects module (assignment,
//! comment, approval, run ended) with the top bar's badge, opening and
//! marking read, keyset pages, preferences that every sender respects, email
//! at once and as a digest, and isolation (another member's notice and
//! another workspace's are 404).

use actix_web::http::StatusCode;

use crate::common::projects::{workspace, Ws};
use crate::jobs::{decoded, smtp_server};
use crate::projects_workflows::{definition, new_workflow, start_run};
use atrium::db::TenantConn;
use atrium::notifications::{notify, Notice};

fn unread_rows(w: &Ws, email: &str) -> i64 {
    let u = w.app.user_id(email);
    w.app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = '{u}' AND read_at IS NULL"
    ))
}

/// The kept count in the membership row (the badge).
fn kept_count(w: &Ws, email: &str) -> i64 {
    let u = w.app.user_id(email);
    w.app.raw_count(&format!(
        "SELECT CAST(unread_notifications AS BIGINT) AS n FROM memberships WHERE user_id = '{u}'"
    ))
}

fn notices_of(w: &Ws, email: &str) -> i64 {
    let u = w.app.user_id(email);
    w.app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = '{u}'"
    ))
}

/// The id of `email`'s newest notice.
fn newest(w: &Ws, email: &str) -> String {
    let u = w.app.user_id(email);
    w.read(move |c, t| {
        use atrium::schema::notifications as n;
        use diesel::prelude::*;
        Ok(n::table
            .filter(n::tenant_id.eq(t))
            .filter(n::user_id.eq(u))
            .order(n::created_at.desc())
            .select(n::id)
            .first::<atrium::db::Id>(c)?
            .to_string())
    })
}

async fn task_for_bob(w: &mut Ws, p: &str, title: &str) -> String {
    let bob = w.app.user_id("bob@example.com").to_string();
    w.new_task(p, title, &[("assignee_id", &bob)]).await
}

#[actix_web::test]
async fn an_assignment_raises_the_badge_and_opening_it_leads_to_the_task() {
    let mut w = workspace().await;
    let p = w.new_project("Website", &[]).await;
    let task = task_for_bob(&mut w, &p, "Fix the footer").await;
    // Ann assigned it: Bob hears of it, Ann (who did it) does not.
    assert_eq!(notices_of(&w, "ann@example.com"), 0);
    assert_eq!(unread_rows(&w, "bob@example.com"), 1);
    assert_eq!(kept_count(&w, "bob@example.com"), 1);

    let home = w.bob.get(&format!("/w/{}/", w.slug)).await;
    assert!(
        home.contains("Notifications, 1 unread") && home.contains("badge-count"),
        "{}",
        home.body
    );
    let list = w.bob.get(&format!("/w/{}/notifications", w.slug)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.contains("Ann assigned you #1 Fix the footer"),
        "{}",
        list.body
    );
    assert!(list.contains("In Website."));

    let id = newest(&w, "bob@example.com");
    let r = w
        .bob
        .post(&format!("/w/{}/notifications/{id}/open", w.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("/w/{}/projects/{p}/tasks/{task}", w.slug)
    );
    assert_eq!(kept_count(&w, "bob@example.com"), 0);
    let home = w.bob.get(&format!("/w/{}/", w.slug)).await;
    assert!(!home.contains("badge-count"), "{}", home.body);
    // Opening it again is harmless and the count stays at zero.
    let r = w
        .bob
        .post(&format!("/w/{}/notifications/{id}/open", w.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(kept_count(&w, "bob@example.com"), 0);

    // Reassigning to someone else tells them; assigning to oneself, nobody.
    let ann = w.app.user_id("ann@example.com").to_string();
    let r = w
        .ann
        .post(
            &format!("/w/{}/projects/{p}/tasks/{task}", w.slug),
            &[
                ("title", "Fix the footer"),
                ("kind", "task"),
                ("priority", "medium"),
                ("assignee_id", &ann),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(notices_of(&w, "ann@example.com"), 0);
}

#[actix_web::test]
async fn comments_and_approvals_reach_the_people_they_concern() {
    let mut w = workspace().await;
    let p = w.new_project("Website", &[]).await;
    let task = task_for_bob(&mut w, &p, "Write copy").await;
    let r = w
        .ann
        .post(
            &format!("/w/{}/projects/{p}/tasks/{task}/comments", w.slug),
            &[("body", "Please keep it short.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = w.bob.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        list.contains("Ann commented on #1 Write copy"),
        "{}",
        list.body
    );
    assert!(list.contains("Please keep it short."));

    // Bob runs a workflow that Ann approves: Ann is asked, Bob hears the end.
    let ann = w.app.user_id("ann@example.com").to_string();
    let wf = new_workflow(&mut w, "Launch approval", &definition(&ann)).await;
    let e = start_run(&mut w, &wf).await;
    let list = w.ann.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        list.contains("Your approval is needed: Launch approval"),
        "{}",
        list.body
    );
    let id = newest(&w, "ann@example.com");
    let r = w
        .ann
        .post(&format!("/w/{}/notifications/{id}/open", w.slug), &[])
        .await;
    assert_eq!(
        r.location(),
        format!("/w/{}/projects/workflows/{wf}/runs/{e}", w.slug)
    );
    let r = w
        .ann
        .post(
            &format!("/w/{}/projects/workflows/{wf}/runs/{e}/decide", w.slug),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = w.bob.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        list.contains("Your run of “Launch approval” is completed"),
        "{}",
        list.body
    );
    assert_eq!(
        kept_count(&w, "bob@example.com"),
        unread_rows(&w, "bob@example.com")
    );
}

#[actix_web::test]
async fn unread_filter_mark_read_and_mark_all_keep_the_count_true() {
    let mut w = workspace().await;
    let p = w.new_project("Website", &[]).await;
    for title in ["One", "Two", "Three"] {
        task_for_bob(&mut w, &p, title).await;
    }
    assert_eq!(kept_count(&w, "bob@example.com"), 3);
    let id = newest(&w, "bob@example.com");
    let r = w
        .bob
        .post(
            &format!("/w/{}/notifications/{id}/read", w.slug),
            &[("show", "unread")],
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/w/{}/notifications?show=unread", w.slug)
    );
    assert_eq!(kept_count(&w, "bob@example.com"), 2);
    let unread = w
        .bob
        .get(&format!("/w/{}/notifications?show=unread", w.slug))
        .await;
    assert!(
        !unread.contains("#3 Three") && unread.contains("#2 Two"),
        "{}",
        unread.body
    );
    let all = w.bob.hx_get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        all.contains("#3 Three") && !all.contains("<html"),
        "a fragment"
    );

    let r = w
        .bob
        .post(&format!("/w/{}/notifications/read-all", w.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(kept_count(&w, "bob@example.com"), 0);
    assert_eq!(unread_rows(&w, "bob@example.com"), 0);
    let unread = w
        .bob
        .get(&format!("/w/{}/notifications?show=unread", w.slug))
        .await;
    assert!(
        unread.contains("2 notifications marked read."),
        "{}",
        unread.body
    );
    assert!(unread.contains("Nothing unread"));
}

#[actix_web::test]
async fn pages_show_every_notice_exactly_once_and_a_bad_cursor_is_the_first_page() {
    let w = workspace().await;
    let bob = w.app.user_id("bob@example.com");
    let ann = w.app.user_id("ann@example.com");
    let scope = atrium::db::tenant_scope_for_tests(w.tenant());
    let total = 75;
    TenantConn::open(w.app.pool(), &scope)
        .expect("conn")
        .write(|c, t| {
            for i in 0..total {
                notify(
                    c,
                    t,
                    &Notice {
                        kind: &atrium::projects::notify::ASSIGNED,
                        to: bob,
                        actor: Some(ann),
                        title: format!("Notice number {i:03}"),
                        body: String::new(),
                        link: String::new(),
                    },
                )?;
            }
            Ok(())
        })
        .expect("notify");
    let mut bob_b = w.bob;
    let pages = bob_b
        .all_pages(&format!("/w/{}/notifications", w.slug), false)
        .await;
    assert_eq!(pages.len(), 3);
    let mut seen = std::collections::BTreeSet::new();
    for page in &pages {
        for i in 0..total {
            if page.contains(&format!("Notice number {i:03}<")) {
                assert!(seen.insert(i), "notice {i} shown twice");
            }
        }
    }
    assert_eq!(seen.len(), total);
    for bad in [
        "after=nonsense",
        "before=00000000-0000-0000-0000-000000000000.x",
    ] {
        let r = bob_b
            .get(&format!("/w/{}/notifications?{bad}", w.slug))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{bad}");
        assert!(r.contains("Notice number 074"), "{bad}: the first page");
    }
}

#[actix_web::test]
async fn preferences_are_respected_and_a_refused_choice_keeps_the_form() {
    let mut w = workspace().await;
    let prefs = format!("/w/{}/notifications/preferences", w.slug);
    let page = w.bob.get(&prefs).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("A task is assigned to you"));

    // A digest needs the centre: refused, with the posted choices kept.
    let r = w
        .bob
        .post(
            &prefs,
            &[
                ("email.projects.assigned", "digest"),
                ("in_app.projects.comment", "on"),
                ("email.projects.comment", "immediate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.contains("keep “In Atrium” on"), "{}", r.body);
    assert!(r.contains(r#"<option value="immediate" selected>"#));
    let r = w
        .bob
        .post(&prefs, &[("email.projects.assigned", "weekly")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Choose one of the email options."));

    // Assignments off entirely: nothing is kept, nothing counted.
    let r = w
        .bob
        .post(&prefs, &[("email.projects.assigned", "off")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = w.new_project("Website", &[]).await;
    task_for_bob(&mut w, &p, "Quiet").await;
    assert_eq!(notices_of(&w, "bob@example.com"), 0);
    assert_eq!(kept_count(&w, "bob@example.com"), 0);

    // Email at once without the centre: one email job, no unread notice;
    // with no mail server the job records that nothing was sent.
    let r = w
        .bob
        .post(&prefs, &[("email.projects.assigned", "immediate")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    task_for_bob(&mut w, &p, "Loud").await;
    assert_eq!(notices_of(&w, "bob@example.com"), 1);
    assert_eq!(kept_count(&w, "bob@example.com"), 0);
    let list = w.bob.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(!list.contains("Loud"), "email only: not in the centre");
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'notifications.email'"),
        1
    );
    w.app.run_jobs();
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'skipped'"),
        1
    );
    // The choice holds: the page shows it.
    let page = w.bob.get(&prefs).await;
    assert!(page.contains(r#"<option value="immediate" selected>"#));
}

#[actix_web::test]
async fn email_goes_at_once_or_in_one_digest_of_what_is_still_unread() {
    let (port, received) = smtp_server("250 ok\r\n");
    let app = crate::common::TestApp::with_config(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.public_url = Some("https://atrium.example.com".into());
    })
    .await;
    let mut w = crate::common::projects::workspace_in(app).await;
    // The invitations of the fixture go first.
    assert_eq!(w.app.run_jobs(), 2);
    for _ in 0..2 {
        let invitation = received
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("an invitation");
        assert!(invitation.contains("invited you"), "{invitation}");
    }
    let p = w.new_project("Website", &[]).await;
    // Assignments go in the digest by default: three notices, one job.
    for title in ["Alpha", "Beta", "Gamma"] {
        task_for_bob(&mut w, &p, title).await;
    }
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'notifications.digest'"),
        1
    );
    assert_eq!(w.app.run_jobs(), 0, "the digest waits for its hour");
    // Bob reads Gamma in Atrium before the digest goes.
    let id = newest(&w, "bob@example.com");
    w.bob
        .post(&format!("/w/{}/notifications/{id}/read", w.slug), &[])
        .await;
    w.app
        .raw_exec("UPDATE jobs SET run_after = created_at WHERE kind = 'notifications.digest'");
    assert_eq!(w.app.run_jobs(), 1);
    let mail = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the digest");
    assert!(mail.contains("RCPT TO:<bob@example.com>"), "{mail}");
    let body = decoded(&mail);
    assert!(body.contains("2 notices unread in Acme"), "{body}");
    assert!(
        body.contains("#1 Alpha") && body.contains("#2 Beta"),
        "{body}"
    );
    assert!(!body.contains("Gamma"), "read before the digest: {body}");
    assert!(body.contains(&format!(
        "https://atrium.example.com/w/{}/projects/{p}/tasks/",
        w.slug
    )));
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'sent'"),
        2
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'skipped'"),
        1
    );
    // The next notice schedules the next digest.
    task_for_bob(&mut w, &p, "Delta").await;
    assert_eq!(
        w.app.raw_count(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'notifications.digest' AND status = 'queued'"
        ),
        1
    );
    // Bob is removed before it goes: nothing follows him out.
    let members = format!("/w/{}/members", w.slug);
    let bob_mid =
        crate::workspaces::membership_id(&w.ann.get(&members).await.body, "bob@example.com");
    let r = w
        .ann
        .post(&format!("{members}/{bob_mid}/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    w.app
        .raw_exec("UPDATE jobs SET run_after = created_at WHERE kind = 'notifications.digest'");
    w.app.run_jobs();
    assert!(
        received
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "no email to a removed member"
    );
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'sent'"),
        2
    );
}

#[actix_web::test]
async fn another_members_notice_and_another_workspace_are_not_found() {
    let mut w = workspace().await;
    let p = w.new_project("Website", &[]).await;
    task_for_bob(&mut w, &p, "Private").await;
    let id = newest(&w, "bob@example.com");
    // Vic, in the same workspace, cannot open or mark Bob's notice.
    for action in ["open", "read"] {
        let r = w
            .vic
            .post(&format!("/w/{}/notifications/{id}/{action}", w.slug), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }
    let list = w.vic.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(!list.contains("Private"));
    // Globex's member: not found at Acme's address, nor with Acme's id
    // under Globex's own address.
    let mut gus = w.app.user("gus@globex.test", "Gus").await;
    let globex = w.app.workspace(&mut gus, "Globex").await;
    for path in [
        format!("/w/{}/notifications", w.slug),
        format!("/w/{}/notifications/preferences", w.slug),
    ] {
        let r = gus.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.contains("Private"));
    }
    for (slug, action) in [
        (w.slug.as_str(), "open"),
        (w.slug.as_str(), "read"),
        (globex.as_str(), "open"),
        (globex.as_str(), "read"),
    ] {
        let r = gus
            .post(&format!("/w/{slug}/notifications/{id}/{action}"), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{slug} {action}");
    }
    let r = gus
        .post(&format!("/w/{}/notifications/read-all", w.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(unread_rows(&w, "bob@example.com"), 1, "nothing changed");
    assert_eq!(kept_count(&w, "bob@example.com"), 1);
}

#[actix_web::test]
async fn housekeeping_deletes_old_read_notices_and_keeps_unread_and_pending_email() {
    let w = workspace().await;
    let bob = w.app.user_id("bob@example.com");
    let ann = w.app.user_id("ann@example.com");
    let scope = atrium::db::tenant_scope_for_tests(w.tenant());
    TenantConn::open(w.app.pool(), &scope)
        .expect("conn")
        .write(|c, t| {
            for title in ["old-read", "old-unread", "old-read-digest", "new-read"] {
                notify(
                    c,
                    t,
                    &Notice {
                        kind: &atrium::projects::notify::ASSIGNED,
                        to: bob,
                        actor: Some(ann),
                        title: title.into(),
                        body: String::new(),
                        link: String::new(),
                    },
                )?;
            }
            Ok(())
        })
        .expect("notify");
    let old = (chrono::Utc::now()
        - chrono::Duration::days(atrium::notifications::retention::KEEP_DAYS + 1))
    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    w.app.raw_exec(&format!(
        "UPDATE notifications SET created_at = '{old}' WHERE title LIKE 'old-%'"
    ));
    w.app.raw_exec(&format!(
        "UPDATE notifications SET read_at = '{now}' WHERE title IN ('old-read', 'old-read-digest', 'new-read')"
    ));
    // Their emails went; one read notice's digest has not gone yet, so it is
    // kept until it has.
    w.app.raw_exec("UPDATE notifications SET email = 'sent'");
    w.app
        .raw_exec("UPDATE notifications SET email = 'digest' WHERE title = 'old-read-digest'");
    let unread_before = kept_count(&w, "bob@example.com");
    let pruned =
        atrium::jobs::housekeeping::prune(w.app.pool(), atrium::db::UtcTime::now()).expect("prune");
    assert_eq!(pruned.module_rows, 1);
    let left = |title: &str| {
        w.app.raw_count(&format!(
            "SELECT COUNT(*) AS n FROM notifications WHERE title = '{title}'"
        ))
    };
    assert_eq!(left("old-read"), 0);
    assert_eq!(left("old-unread"), 1, "unread notices stay however old");
    assert_eq!(left("old-read-digest"), 1);
    assert_eq!(left("new-read"), 1);
    // Only read or hidden notices go: the badge's kept count is untouched.
    assert_eq!(kept_count(&w, "bob@example.com"), unread_before);
    assert_eq!(unread_rows(&w, "bob@example.com"), 1);
    // Nothing more is due: a second run deletes nothing.
    let again =
        atrium::jobs::housekeeping::prune(w.app.pool(), atrium::db::UtcTime::now()).expect("prune");
    assert_eq!(again.module_rows, 0);
}

#[actix_web::test]
async fn a_digest_past_its_size_schedules_the_next_one_for_the_rest() {
    let w = workspace().await;
    let bob = w.app.user_id("bob@example.com");
    let ann = w.app.user_id("ann@example.com");
    let kind = atrium::modules::notice_kind("projects.assigned").expect("kind");
    TenantConn::open(
        w.app.pool(),
        &atrium::db::tenant_scope_for_tests(w.tenant()),
    )
    .expect("conn")
    .write(|c, t| {
        for i in 0..1001 {
            notify(
                c,
                t,
                &Notice {
                    kind,
                    to: bob,
                    actor: Some(ann),
                    title: format!("notice {i}"),
                    body: String::new(),
                    link: String::new(),
                },
            )?;
        }
        Ok(())
    })
    .expect("notices");
    let queued =
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'notifications.digest' AND status = 'queued'";
    assert_eq!(w.app.raw_count(queued), 1);
    w.app
        .raw_exec("UPDATE jobs SET run_after = created_at WHERE kind = 'notifications.digest'");
    w.app.run_jobs();
    // One digest took 1,000 (no mail server: marked skipped); the last one
    // waits for the next digest, already scheduled.
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'digest'"),
        1
    );
    assert_eq!(w.app.raw_count(queued), 1, "the next digest is queued");
    w.app
        .raw_exec("UPDATE jobs SET run_after = created_at WHERE kind = 'notifications.digest'");
    w.app.run_jobs();
    assert_eq!(
        w.app
            .raw_count("SELECT COUNT(*) AS n FROM notifications WHERE email = 'digest'"),
        0
    );
    assert_eq!(w.app.raw_count(queued), 0);
}

#[actix_web::test]
async fn whoever_starts_an_export_hears_when_it_is_ready() {
    let mut w = workspace().await;
    let before = notices_of(&w, "ann@example.com");
    let r = w.ann.post(&format!("/w/{}/export", w.slug), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location();
    w.app.run_jobs();
    assert_eq!(notices_of(&w, "ann@example.com"), before + 1);
    assert_eq!(notices_of(&w, "bob@example.com"), 0, "only who started it");
    let centre = w.ann.get(&format!("/w/{}/notifications", w.slug)).await;
    assert!(
        centre.contains("Finished: Exporting workspace data"),
        "{}",
        centre.body
    );
    let id = newest(&w, "ann@example.com");
    let r = w
        .ann
        .post(&format!("/w/{}/notifications/{id}/open", w.slug), &[])
        .await;
    assert_eq!(r.location(), job, "the notice leads to the job's page");
}
