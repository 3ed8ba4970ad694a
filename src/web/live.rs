//! Live events for open pages (server-sent events), across every app server.
//!
//! A change that open pages should show at once (a new message, an edit)
//! is published after its transaction commits. On PostgreSQL it goes out as
//! `NOTIFY atrium_live` and every server's listener (one dedicated
//! connection, started with the first subscriber) hands it to that server's
//! subscribers, the publishing server included; so several app servers
//! behind one load balancer all see it. On SQLite there is one server, and
//! the event goes to its subscribers directly.
//!
//! An event names only what changed (workspace, topic, what happened); a
//! subscriber's page then fetches what it may read through its ordinary,
//! access-checked routes. Nothing readable travels in an event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::{Backend, Pool, TenantId};
use crate::error::{AppError, AppResult};

/// The PostgreSQL channel every server listens on.
pub const CHANNEL: &str = "atrium_live";

/// How many events a slow subscriber may fall behind before it is told to
/// refetch (it then gets a `lagged` event instead of the ones it missed).
const BUFFER: usize = 1024;

/// How often the listener looks for notifications that have arrived.
const POLL: Duration = Duration::from_millis(10);

/// Something that changed, for the pages watching `topic` in `tenant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub tenant: TenantId,
    /// What pages subscribe to (a conversation's id).
    pub topic: Uuid,
    /// The server-sent event's name: `new`, `changed-<id>`, … (lower-case
    /// letters, digits and hyphens only).
    pub name: String,
}

impl Event {
    pub fn new(tenant: TenantId, topic: Uuid, name: impl Into<String>) -> Self {
        Event {
            tenant,
            topic,
            name: name.into(),
        }
    }

    fn encode(&self) -> String {
        format!("{} {} {}", self.tenant, self.topic, self.name)
    }

    /// `None` for anything [`Event::encode`] did not write.
    fn decode(s: &str) -> Option<Event> {
        let mut parts = s.split(' ');
        let tenant = parts.next()?.parse().ok()?;
        let topic = parts.next()?.parse().ok()?;
        let name = parts.next()?;
        let valid = !name.is_empty()
            && name.len() <= 100
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid || parts.next().is_some() {
            return None;
        }
        Some(Event::new(tenant, topic, name))
    }
}

/// This server's subscribers and, on PostgreSQL, its listener.
pub struct Hub {
    tx: broadcast::Sender<Event>,
    backend: Backend,
    database_url: String,
    /// The listener thread was started.
    listening: AtomicBool,
    /// Its connection is LISTENing now (PostgreSQL), with a condition to
    /// wait on until it is.
    ready: Mutex<bool>,
    ready_changed: Condvar,
}

impl Hub {
    pub fn new(backend: Backend, database_url: &str) -> Arc<Hub> {
        let (tx, _) = broadcast::channel(BUFFER);
        Arc::new(Hub {
            tx,
            backend,
            database_url: database_url.to_string(),
            listening: AtomicBool::new(false),
            ready: Mutex::new(false),
            ready_changed: Condvar::new(),
        })
    }

    /// Every event from now on (filter by workspace and topic yourself).
    /// The first subscriber on PostgreSQL starts the listener.
    pub fn subscribe(self: &Arc<Self>) -> broadcast::Receiver<Event> {
        let rx = self.tx.subscribe();
        if self.backend == Backend::Postgres && !self.listening.swap(true, Ordering::SeqCst) {
            let hub = Arc::downgrade(self);
            let url = self.database_url.clone();
            let started = std::thread::Builder::new()
                .name("atrium-live".into())
                .spawn(move || listen(hub, &url));
            if let Err(e) = started {
                tracing::error!(error = %e, "the live events listener did not start");
                self.listening.store(false, Ordering::SeqCst);
            }
        }
        rx
    }

    /// Waits (blocking) until this server's listener is LISTENing, at most
    /// `limit`; at once on SQLite. A stream that starts before that could
    /// miss what is published meanwhile.
    pub fn wait_listening(&self, limit: Duration) -> bool {
        if self.backend != Backend::Postgres {
            return true;
        }
        let guard = match self.ready.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        match self
            .ready_changed
            .wait_timeout_while(guard, limit, |ready| !*ready)
        {
            Ok((ready, _)) => *ready,
            Err(poisoned) => *poisoned.into_inner().0,
        }
    }

    fn set_ready(&self, ready: bool) {
        let mut guard = match self.ready.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = ready;
        self.ready_changed.notify_all();
    }

    /// How many pages are subscribed on this server.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Sends `events` to every server's subscribers. Call it after the
    /// transaction that made the change has committed (blocking: on the
    /// blocking pool). On PostgreSQL it takes a pooled connection for the
    /// NOTIFY (no tenant is needed).
    pub fn publish(&self, pool: &Pool, events: &[Event]) -> AppResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        match self.backend {
            Backend::Postgres => {
                let mut c = pool.get()?;
                for e in events {
                    diesel::sql_query("SELECT pg_notify($1, $2)")
                        .bind::<Text, _>(CHANNEL)
                        .bind::<Text, _>(e.encode())
                        .execute(&mut *c)?;
                }
            }
            Backend::Sqlite => {
                for e in events {
                    // No subscriber: nobody to tell.
                    let _ = self.tx.send(e.clone());
                }
            }
        }
        Ok(())
    }
}

/// How long one event stream stays open; the browser then reconnects (and
/// the page's access is checked again).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(600);
/// A comment line this often keeps proxies from closing a quiet stream and
/// lets the server notice a browser that went away.
pub const HEARTBEAT: Duration = Duration::from_secs(20);

struct Watch {
    rx: broadcast::Receiver<Event>,
    tenant: TenantId,
    topic: Uuid,
    /// The event that ends this stream (its subscriber left the topic).
    gone: String,
    until: std::time::Instant,
    started: bool,
}

/// A `text/event-stream` body of the events for `topic` in `tenant`, led by
/// a `new` (to catch up on what the page missed): each
/// as `event: <name>` with the name as its data (an event without data is
/// never dispatched; pages fetch what changed). It
/// ends at `gone`, after [`STREAM_LIFETIME`], or when the hub closes.
pub fn event_stream(
    rx: broadcast::Receiver<Event>,
    tenant: TenantId,
    topic: Uuid,
    gone: String,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, AppError>> + 'static {
    use actix_web::rt::time::timeout;
    use actix_web::web::Bytes;
    use broadcast::error::RecvError;
    let watch = Watch {
        rx,
        tenant,
        topic,
        gone,
        until: std::time::Instant::now() + STREAM_LIFETIME,
        started: false,
    };
    futures_util::stream::unfold(watch, |mut w| async move {
        if !w.started {
            w.started = true;
            // Reconnect after 3 s if the stream drops; and a `new` at once,
            // so the page fetches what came between its load (or the last
            // stream) and this one.
            return Some((
                Ok(Bytes::from_static(
                    b"retry: 3000\n\nevent: new\ndata: new\n\n",
                )),
                w,
            ));
        }
        loop {
            let left = w.until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            let text = match timeout(HEARTBEAT.min(left), w.rx.recv()).await {
                Err(_) => ": ping\n\n".to_string(),
                Ok(Ok(e)) if e.tenant == w.tenant && e.topic == w.topic => {
                    if e.name == w.gone {
                        return None;
                    }
                    if e.name.starts_with("gone-") {
                        continue;
                    }
                    format!("event: {0}\ndata: {0}\n\n", e.name)
                }
                Ok(Ok(_)) => continue,
                // Fell behind: the page refetches everything new.
                Ok(Err(RecvError::Lagged(_))) => "event: new\ndata: new\n\n".to_string(),
                Ok(Err(RecvError::Closed)) => return None,
            };
            return Some((Ok(Bytes::from(text)), w));
        }
    })
}

/// The listener thread: LISTEN on a connection of its own, hand every
/// notification to the hub, reconnect after a failure; ends when the hub
/// is gone (the server, or a test's app, stopped).
fn listen(hub: Weak<Hub>, url: &str) {
    while hub.strong_count() > 0 {
        match PgConnection::establish(url) {
            Ok(mut c) => match diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut c) {
                Ok(_) => {
                    if let Some(h) = hub.upgrade() {
                        h.set_ready(true);
                    }
                    relay(&hub, &mut c);
                    if let Some(h) = hub.upgrade() {
                        h.set_ready(false);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
            },
            Err(e) => tracing::warn!(error = %e, "the live events listener cannot connect"),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Relays notifications until the connection fails or the hub is gone.
fn relay(hub: &Weak<Hub>, c: &mut PgConnection) {
    loop {
        let Some(h) = hub.upgrade() else { return };
        for n in c.notifications_iter() {
            match n {
                Ok(n) => {
                    if let Some(e) = Event::decode(&n.payload) {
                        let _ = h.tx.send(e);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the live events connection failed; reconnecting");
                    return;
                }
            }
        }
        drop(h);
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Id;

    #[test]
    fn events_travel_as_text_and_nothing_else_is_read_back() {
        let e = Event::new(TenantId(Id::new()), Uuid::now_v7(), "changed-0199");
        assert_eq!(Event::decode(&e.encode()), Some(e.clone()));
        assert_eq!(Event::decode("nonsense"), None);
        let t = e.tenant;
        assert_eq!(Event::decode(&format!("{t} {} new extra", e.topic)), None);
        assert_eq!(Event::decode(&format!("{t} {} <script>", e.topic)), None);
        assert_eq!(Event::decode(&format!("{t} {} ", e.topic)), None);
    }
}
