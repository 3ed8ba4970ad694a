//! One-shot messages shown on the next page, kept in the session cookie.

use actix_session::Session;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success`, `error` or `info` (a CSS modifier).
    pub kind: String,
    pub message: String,
}

const KEY: &str = "flash";
const MAX_PENDING: usize = 3;

impl Flash {
    fn push(session: &Session, kind: &str, message: impl Into<String>) {
        let mut all: Vec<Flash> = session.get(KEY).ok().flatten().unwrap_or_default();
        all.push(Flash {
            kind: kind.into(),
            message: message.into(),
        });
        // The cookie holds at most 4 KB: keep only the latest few unseen messages.
        if all.len() > MAX_PENDING {
            all.drain(..all.len() - MAX_PENDING);
        }
        // A session that can't be written just loses the message; the action itself stands.
        if let Err(e) = session.insert(KEY, all) {
            tracing::warn!(error = %e, "could not store flash message");
        }
    }

    pub fn success(session: &Session, message: impl Into<String>) {
        Self::push(session, "success", message)
    }

    pub fn error(session: &Session, message: impl Into<String>) {
        Self::push(session, "error", message)
    }

    pub fn info(session: &Session, message: impl Into<String>) {
        Self::push(session, "info", message)
    }

    /// Removes and returns the pending messages.
    pub fn take(session: &Session) -> Vec<Flash> {
        // Removing marks the session changed (a new Set-Cookie): only when there is something.
        match session.get::<Vec<Flash>>(KEY) {
            Ok(Some(all)) => {
                session.remove(KEY);
                all
            }
            _ => Vec::new(),
        }
    }
}
