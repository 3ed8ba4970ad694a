//! Live updates of conversations: event streams reach participants only, a
//! second app server hears events through NOTIFY (PostgreSQL), and leaving
//! ends the leaver's stream.

use std::time::Duration;

use actix_web::http::StatusCode;

use crate::common::projects::workspace;
use crate::common::{next_chunk, stream_ends};
use crate::messages::{base, group, say};
use atrium::db::Backend;

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
