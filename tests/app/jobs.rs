//! Background jobs: claiming, retry with backoff, reclaiming a dead server's
//! job, the progress page, and the email job against a real SMTP listener.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use actix_web::http::StatusCode;

use crate::common::TestApp;
use atrium::db::TenantId;

fn tenant_of(app: &TestApp, slug: &str) -> TenantId {
    atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("c"), slug)
        .expect("q")
        .expect("ws")
        .id
}

fn enqueue(
    app: &TestApp,
    tenant: TenantId,
    kind: &str,
    payload: serde_json::Value,
) -> atrium::jobs::JobId {
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
            .expect("tc");
    tc.write(|c, t| atrium::jobs::enqueue(c, t, kind, payload, None))
        .expect("enqueue")
}

fn job(app: &TestApp, tenant: TenantId, id: atrium::jobs::JobId) -> atrium::jobs::Job {
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
            .expect("tc");
    tc.read(|c, t| atrium::jobs::find(c, t, id)).expect("job")
}

/// What an SMTP transcript's quoted-printable body says (soft line breaks
/// joined, `=XX` decoded); the headers and SMTP commands pass through.
pub(crate) fn decoded(transcript: &str) -> String {
    let joined = transcript.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMTP server on loopback that takes one connection after another;
/// sends each connection's transcript.
pub(crate) fn smtp_server(reply_to_rcpt: &'static str) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok((stream, _)) = listener.accept() {
            if tx.send(converse(stream, reply_to_rcpt)).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// One SMTP conversation; its transcript.
fn converse(stream: std::net::TcpStream, reply_to_rcpt: &'static str) -> String {
    {
        let mut w = stream.try_clone().expect("clone");
        let mut r = BufReader::new(stream);
        let mut transcript = String::new();
        let _ = w.write_all(b"220 test ESMTP\r\n");
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            transcript.push_str(&line);
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    let _ = w.write_all(b"250 queued\r\n");
                }
                continue;
            }
            let reply: &[u8] = match line.get(..4).unwrap_or("") {
                "EHLO" => b"250-test\r\n250 AUTH PLAIN\r\n",
                "MAIL" => b"250 ok\r\n",
                "RCPT" => reply_to_rcpt.as_bytes(),
                "DATA" => {
                    in_data = true;
                    b"354 go\r\n"
                }
                "QUIT" => {
                    let _ = w.write_all(b"221 bye\r\n");
                    break;
                }
                _ => b"500 what\r\n",
            };
            let _ = w.write_all(reply);
        }
        transcript
    }
}

#[actix_web::test]
async fn an_invitation_email_is_sent_by_a_background_job() {
    let (port, received) = smtp_server("250 ok\r\n");
    let app = TestApp::with_config(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.public_url = Some("https://atrium.example.com".into());
    })
    .await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let token = ann.invite(&slug, "bob@example.com", "member").await;
    assert_eq!(app.run_jobs(), 1);
    let mail = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("an email");
    assert!(mail.contains("RCPT TO:<bob@example.com>"));
    assert!(mail.contains("Subject: Ann invited you to Acme on Atrium"));
    assert!(mail.contains("Message-ID: <") && mail.contains("Date: "));
    // The body has curly quotes, so it travels quoted-printable.
    assert!(mail.contains("Content-Transfer-Encoding: quoted-printable"));
    let body = decoded(&mail);
    assert!(body.contains(&format!("https://atrium.example.com/invite/{token}")));
    assert!(body.contains("the workspace “Acme”"), "{body}");
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'"),
        1
    );
}

#[actix_web::test]
async fn a_failing_job_is_retried_with_backoff_then_marked_failed() {
    let (port, _rx) = smtp_server("550 no such user\r\n");
    let app = TestApp::with_config(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    let payload = serde_json::json!({"to": "x@example.com", "subject": "s", "body": "b"});
    let id = enqueue(&app, tenant, "email.send", payload);
    assert_eq!(app.run_jobs(), 1);
    let j = job(&app, tenant, id);
    assert_eq!(j.status, atrium::jobs::JobStatus::Queued, "retried later");
    assert_eq!(j.attempts, 1);
    assert!(j.last_error.as_deref().unwrap_or("").contains("550"));
    assert!(
        j.run_after > atrium::db::UtcTime::now(),
        "backoff moves run_after into the future"
    );
    assert_eq!(app.run_jobs(), 0, "not due yet");
    // Exhaust the attempts: a job whose last attempt fails is failed for good.
    app.raw_exec(&format!(
        "UPDATE jobs SET attempts = 4, run_after = '2020-01-01T00:00:00.000000Z' WHERE id = '{id}'"
    ));
    assert_eq!(app.run_jobs(), 1);
    let j = job(&app, tenant, id);
    assert_eq!(j.status, atrium::jobs::JobStatus::Failed);
    assert!(j.finished_at.is_some());
    // An unknown kind fails (and is retried the same way).
    let odd = enqueue(&app, tenant, "no.such.kind", serde_json::json!({}));
    app.run_jobs();
    assert!(job(&app, tenant, odd)
        .last_error
        .unwrap_or_default()
        .contains("no handler"));
}

#[actix_web::test]
async fn a_job_left_running_by_a_killed_server_is_picked_up_again() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    let id = enqueue(&app, tenant, "no.such.kind", serde_json::json!({}));
    // A server claimed it, then died.
    app.raw_exec(&format!(
        "UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead-server', locked_at = '2020-01-01T00:00:00.000000Z' WHERE id = '{id}'"
    ));
    let claimed = atrium::jobs::claim(app.pool(), "survivor")
        .expect("claim")
        .expect("the stale job");
    assert_eq!(claimed.id, id);
    assert_eq!(claimed.attempts, 2);
    assert_eq!(claimed.locked_by.as_deref(), Some("survivor"));
    // A fresh lock is not stolen.
    assert!(atrium::jobs::claim(app.pool(), "another")
        .expect("claim")
        .is_none());
}

#[actix_web::test]
async fn two_workers_never_claim_the_same_job() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    for _ in 0..40 {
        enqueue(&app, tenant, "no.such.kind", serde_json::json!({}));
    }
    let pool = app.pool().clone();
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                while let Some(j) = atrium::jobs::claim(&pool, &format!("w{w}")).expect("claim") {
                    mine.push(j.id);
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(all.len(), 40);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 40, "each job claimed exactly once");
}

#[actix_web::test]
async fn the_job_page_shows_progress_and_polls_until_done() {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    let id = enqueue(&app, tenant, "no.such.kind", serde_json::json!({}));
    {
        let mut tc =
            atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
                .expect("tc");
        tc.write(|c, t| atrium::jobs::progress(c, t, id, 25, 100))
            .expect("progress");
    }
    let page = ann.get(&format!("/w/{slug}/jobs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("<progress max=\"100\" value=\"25\">"));
    assert!(
        page.contains("hx-trigger=\"every 1s\""),
        "polls while unfinished"
    );
    app.raw_exec(&format!(
        "UPDATE jobs SET status = 'done', progress_done = 100 WHERE id = '{id}'"
    ));
    let frag = ann.hx_get(&format!("/w/{slug}/jobs/{id}")).await;
    assert!(!frag.contains("<html"));
    assert!(
        frag.contains("value=\"100\"") && !frag.contains("hx-trigger"),
        "stops polling when done"
    );
    let missing = atrium::db::Id::new();
    assert_eq!(
        ann.get(&format!("/w/{slug}/jobs/{missing}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ann.get(&format!("/w/{slug}/jobs/not-a-uuid")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn with_tls_required_a_server_without_starttls_gets_no_credentials_and_no_mail() {
    let (port, received) = smtp_server("250 ok\r\n");
    let app = TestApp::with_config(|c| {
        c.smtp_url = Some(format!(
            "smtp://mailer:hunter2@127.0.0.1:{port}?tls=required"
        ))
    })
    .await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = tenant_of(&app, &slug);
    let payload = serde_json::json!({"to": "x@example.com", "subject": "s", "body": "b"});
    let id = enqueue(&app, tenant, "email.send", payload);
    assert_eq!(app.run_jobs(), 1);
    let j = job(&app, tenant, id);
    assert_eq!(j.status, atrium::jobs::JobStatus::Queued, "retried later");
    let error = j.last_error.unwrap_or_default();
    assert!(!error.contains("hunter2"), "{error}");
    let transcript = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the connection ends");
    assert!(transcript.contains("EHLO"));
    assert!(
        !transcript.contains("AUTH") && !transcript.contains("MAIL FROM"),
        "{transcript}"
    );
}
