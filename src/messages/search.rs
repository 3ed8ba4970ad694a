//! Full-text search over the messages a person can read: those of the
//! conversations they are in now. PostgreSQL matches the stored tsvector
//! (`english`, through its GIN index) with `websearch_to_tsquery`; SQLite
//! matches its FTS5 table (Porter stemming). Newest first, by keyset on the
//! message id.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::Deserialize;

use super::conversations;
use super::models::*;
use super::reading::excerpt;
use crate::accounts::UserId;
use crate::db::{Backend, DbConn, TenantId};
use crate::error::AppResult;
use crate::projects::project::{name_of, user_names};
use crate::schema::{messages_conversations, messages_messages};

/// Results on one page.
pub const PER_PAGE: i64 = 20;
/// Longest query, in characters.
pub const MAX_QUERY: usize = 200;
/// Most words a query may hold.
const MAX_TERMS: usize = 12;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub after: String,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: MessageId,
    pub conversation: ConversationId,
    pub thread: Option<MessageId>,
    pub title: String,
    pub author: String,
    pub excerpt: String,
    pub when: String,
}

/// One page of results.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// The `after=` of the next page.
    pub next: Option<MessageId>,
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The query's words, each quoted for FTS5 (so no word is read as syntax);
/// `None` when nothing searchable is left.
fn fts5_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_TERMS)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Messages matching `q.q` in `me`'s conversations.
pub fn search(c: &mut DbConn, t: TenantId, me: UserId, q: &SearchQuery) -> AppResult<Results> {
    let text: String = q.q.trim().chars().take(MAX_QUERY).collect();
    let Some(fts) = fts5_query(&text) else {
        return Ok(Results::default());
    };
    let after: Option<MessageId> = q.after.parse().ok();
    let backend = c.backend();
    // Placeholders by number: `$n` on PostgreSQL, `?n` on SQLite.
    let p = |n: u8| match backend {
        Backend::Postgres => format!("${n}"),
        Backend::Sqlite => format!("?{n}"),
    };
    let uuid = |n: u8| match backend {
        Backend::Postgres => format!("CAST(${n} AS uuid)"),
        Backend::Sqlite => format!("?{n}"),
    };
    let (matcher, arg, id_text) = match backend {
        Backend::Postgres => (
            format!("m.search @@ websearch_to_tsquery('english', {})", p(3)),
            text.clone(),
            "CAST(m.id AS TEXT)",
        ),
        Backend::Sqlite => (
            format!(
                "m.search_rowid IN (SELECT rowid FROM messages_search \
                 WHERE messages_search MATCH {} AND tenant_id = {})",
                p(3),
                p(1)
            ),
            fts,
            "m.id",
        ),
    };
    let after_cmp = match backend {
        Backend::Postgres => format!("m.id < CAST(NULLIF({}, '') AS uuid)", p(4)),
        Backend::Sqlite => format!("m.id < {}", p(4)),
    };
    // Matching messages of the conversations `me` is in now.
    let sql = format!(
        "SELECT {id_text} AS id FROM messages_messages m \
         JOIN messages_participants pt ON pt.tenant_id = m.tenant_id \
           AND pt.conversation_id = m.conversation_id AND pt.user_id = {me} AND pt.left_at IS NULL \
         WHERE m.tenant_id = {tenant} AND m.deleted_at IS NULL AND m.kind <> 'system' \
           AND {matcher} AND ({after} = '' OR {after_cmp}) \
         ORDER BY m.id DESC LIMIT {limit}",
        me = uuid(2),
        tenant = uuid(1),
        after = p(4),
        limit = p(5),
    );
    let found: Vec<Found> = diesel::sql_query(sql)
        .bind::<Text, _>(t.to_string())
        .bind::<Text, _>(me.to_string())
        .bind::<Text, _>(arg)
        .bind::<Text, _>(after.map(|a| a.to_string()).unwrap_or_default())
        .bind::<BigInt, _>(PER_PAGE + 1)
        .load(c)?;
    let mut ids: Vec<MessageId> = found.iter().filter_map(|f| f.id.parse().ok()).collect();
    let more = ids.len() as i64 > PER_PAGE;
    ids.truncate(PER_PAGE as usize);
    if ids.is_empty() {
        return Ok(Results::default());
    }
    let msgs: Vec<Message> = messages_messages::table
        .filter(messages_messages::tenant_id.eq(t))
        .filter(messages_messages::id.eq_any(&ids))
        .order(messages_messages::id.desc())
        .select(Message::as_select())
        .load(c)?;
    let mut conv_ids: Vec<ConversationId> = msgs.iter().map(|m| m.conversation_id).collect();
    conv_ids.sort();
    conv_ids.dedup();
    let convs: Vec<Conversation> = messages_conversations::table
        .filter(messages_conversations::tenant_id.eq(t))
        .filter(messages_conversations::id.eq_any(conv_ids))
        .select(Conversation::as_select())
        .load(c)?;
    let refs: Vec<&Conversation> = convs.iter().collect();
    let titles = conversations::titles(c, t, me, &refs)?;
    let names = user_names(c, msgs.iter().filter_map(|m| m.author_id).collect())?;
    let hits = msgs
        .iter()
        .map(|m| Hit {
            id: m.id,
            conversation: m.conversation_id,
            thread: m.thread_id,
            title: convs
                .iter()
                .position(|cv| cv.id == m.conversation_id)
                .and_then(|i| titles.get(i).cloned())
                .unwrap_or_default(),
            author: m
                .author_id
                .map_or_else(|| "a former member".into(), |u| name_of(&names, u)),
            excerpt: excerpt(&m.body, 240),
            when: m.created_at.0.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    Ok(Results {
        hits,
        next: if more { ids.last().copied() } else { None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts5_queries_are_quoted_words_only() {
        assert_eq!(
            fts5_query("launch plan"),
            Some("\"launch\" \"plan\"".into())
        );
        assert_eq!(
            fts5_query("a\" OR NEAR(x"),
            Some("\"a\" \"OR\" \"NEAR\" \"x\"".into())
        );
        assert_eq!(fts5_query("  *** "), None);
    }
}
