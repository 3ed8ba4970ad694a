//! Pagination, chosen per list and written down here once:
//!
//! - **Keyset** ([`Seek`], [`Keyset`]): lists that can grow without bound
//!   (strings, audit log, jobs, admin users and workspaces, members) page on
//!   their sort key plus id. Next/Previous links carry a cursor (`after=` /
//!   `before=`), each page is one index range scan whatever its depth, and a
//!   reader who follows Next from the first page sees every row exactly once,
//!   also while rows are being added. A tampered cursor shows the first page.
//! - **Counts that stop early** ([`COUNT_CAP`], [`Count`]): where a number
//!   helps, count at most `COUNT_CAP + 1` rows and say "1,000+".
//! - **Counts kept in the database** (`db::counters`): where the exact size
//!   of a whole list matters, a number moved with the rows; a view reads one
//!   row (the unfiltered strings page).
//! - **Page numbers** ([`PageParams`], [`Paginated`]): only where the set is
//!   small (a dimension's values, a rule list, a submission's strings).
//!   Page numbers are clamped to [`MAX_PAGE`], never overflow.

use serde::{Deserialize, Deserializer};
use uuid::Uuid;

/// The largest page number a request may ask for; beyond it, this page.
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number from the query string that never fails the request: a
/// number too large clamps to [`MAX_PAGE`], anything unreadable is `None`
/// (the first page). For `#[serde(default, deserialize_with = "…")]`.
pub fn lenient_page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.and_then(|s| parse_page(&s)))
}

/// A page number as typed: digits only; too many digits is [`MAX_PAGE`].
pub fn parse_page(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE))
}

/// The page a request asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageParams {
    #[serde(default = "first", deserialize_with = "page_or_first")]
    pub page: i64,
}

fn page_or_first<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(lenient_page(d)?.unwrap_or(1))
}

fn first() -> i64 {
    1
}

impl Default for PageParams {
    fn default() -> Self {
        PageParams { page: 1 }
    }
}

impl PageParams {
    pub fn new(page: Option<i64>) -> Self {
        PageParams {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
        }
    }

    pub fn offset(&self, per_page: i64) -> i64 {
        (self.page.clamp(1, MAX_PAGE) - 1).saturating_mul(per_page)
    }
}

/// One page of rows plus what the pager needs.
#[derive(Debug, Clone)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// The other query parameters (filters, sort), encoded and ending in `&`
    /// when not empty, so that pager links keep them: `?{base_query}page=N`.
    pub base_query: String,
    /// The query parameter of the page number: `page`, or another name when
    /// a page has two lists.
    pub param: &'static str,
    /// The id of the element the pager links jump to ("": none).
    pub anchor: &'static str,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, params: PageParams, per_page: i64, total: i64) -> Self {
        Paginated {
            items,
            page: params.page.max(1),
            per_page,
            total,
            base_query: String::new(),
            param: "page",
            anchor: "",
        }
    }

    pub fn with_query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.base_query = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}&", super::url_encode(v)))
            .collect();
        self
    }

    /// A second list on a page: its page number is `param`, and its pager
    /// links jump to the element `anchor`.
    pub fn in_section(mut self, param: &'static str, anchor: &'static str) -> Self {
        self.param = param;
        self.anchor = anchor;
        self
    }

    /// `#anchor` for the pager links ("" when none).
    pub fn fragment(&self) -> String {
        if self.anchor.is_empty() {
            String::new()
        } else {
            format!("#{}", self.anchor)
        }
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
    pub fn prev(&self) -> i64 {
        self.page - 1
    }
    pub fn next(&self) -> i64 {
        self.page + 1
    }
    /// 1-based index of the first row shown (0 when empty).
    pub fn first_shown(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            (self.page - 1) * self.per_page + 1
        }
    }
    pub fn last_shown(&self) -> i64 {
        ((self.page - 1) * self.per_page + self.items.len() as i64).max(0)
    }
}

/// Rows a count looks at before it stops: beyond it a list says "1,000+". A
/// thousand index entries cost well under a millisecond, so a count costs the
/// same in a workspace of 2,000 rows as in one of 2,000,000.
pub const COUNT_CAP: i64 = 1_000;

/// A count that stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    /// More than [`COUNT_CAP`].
    Over(i64),
}

impl Count {
    /// From the number of rows a capped query saw (at most `COUNT_CAP + 1`).
    pub fn from_capped(seen: i64) -> Self {
        if seen > COUNT_CAP {
            Count::Over(COUNT_CAP)
        } else {
            Count::Exact(seen)
        }
    }

    pub fn is_one(&self) -> bool {
        *self == Count::Exact(1)
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, plus) = match self {
            Count::Exact(n) => (*n, ""),
            Count::Over(n) => (*n, "+"),
        };
        write!(f, "{}{plus}", thousands(n))
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A row's place in a keyset order: its sort key (as text) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(key: impl Into<String>, id: Uuid) -> Self {
        Cursor {
            key: key.into(),
            id,
        }
    }

    /// `<uuid>.<key>` — the id first, so a key may hold any character.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.id, self.key)
    }

    /// `None` for anything [`Cursor::encode`] did not make.
    pub fn decode(s: &str) -> Option<Cursor> {
        if s.len() > 600 {
            return None;
        }
        let (id, key) = s.split_once('.')?;
        let id = Uuid::parse_str(id).ok()?;
        Some(Cursor::new(key, id))
    }

    /// The key read as an instant (for lists ordered by a timestamp).
    pub fn time(&self) -> Option<crate::db::UtcTime> {
        chrono::DateTime::parse_from_rfc3339(&self.key)
            .ok()
            .map(|t| crate::db::UtcTime(t.with_timezone(&chrono::Utc)))
    }
}

/// Where a keyset page starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Seek {
    #[default]
    First,
    /// The rows after this one in the list's order (Next).
    After(Cursor),
    /// The rows before this one (Previous).
    Before(Cursor),
}

/// The keyset query parameters of a list (`after`, `before`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SeekParams {
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

impl SeekParams {
    pub fn seek(&self) -> Seek {
        Seek::from_query(&self.after, &self.before)
    }
}

impl Seek {
    /// From the `after` / `before` query values; a tampered or unreadable
    /// cursor is the first page (never an error).
    pub fn from_query(after: &str, before: &str) -> Seek {
        if !after.is_empty() {
            return Cursor::decode(after).map_or(Seek::First, Seek::After);
        }
        if !before.is_empty() {
            return Cursor::decode(before).map_or(Seek::First, Seek::Before);
        }
        Seek::First
    }

    /// Rows the query should fetch: one more than a page, to know whether
    /// another page follows.
    pub fn limit(per_page: i64) -> i64 {
        per_page + 1
    }

    /// True when the query must walk the list's order backwards (Previous).
    pub fn backwards(&self) -> bool {
        matches!(self, Seek::Before(_))
    }

    /// The cursor the query starts from, if any.
    pub fn cursor(&self) -> Option<&Cursor> {
        match self {
            Seek::First => None,
            Seek::After(c) | Seek::Before(c) => Some(c),
        }
    }
}

/// One keyset page plus what its pager needs.
#[derive(Debug, Clone)]
pub struct Keyset<T> {
    pub items: Vec<T>,
    /// The `after=` cursor of the next page, if one follows.
    pub next: Option<String>,
    /// The `before=` cursor of the previous page, if one precedes.
    pub prev: Option<String>,
    /// The other query parameters, encoded and ending in `&` when not empty.
    pub base_query: String,
    /// How many rows the whole list holds, when the list counts (capped).
    pub total: Option<Count>,
}

impl<T> Keyset<T> {
    /// A page from rows fetched with [`Seek::limit`] in the direction of
    /// `seek` (reversed order when `seek.backwards()`). `cursor_of` gives a
    /// row's place. Returns `None` when a Previous page came up short (rows
    /// were removed): the caller shows the first page instead.
    pub fn from_rows(
        mut rows: Vec<T>,
        seek: &Seek,
        per_page: i64,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Option<Self> {
        let per_page = per_page.max(1) as usize;
        let more = rows.len() > per_page;
        rows.truncate(per_page);
        let (has_prev, has_next) = match seek {
            Seek::First => (false, more),
            Seek::After(_) => (true, more),
            Seek::Before(_) => {
                if !more {
                    // Fewer than a page before the cursor: that is the head
                    // of the list, which the first page shows in full.
                    return None;
                }
                rows.reverse();
                (true, true)
            }
        };
        let next = if has_next {
            rows.last().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        let prev = if has_prev {
            rows.first().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        Some(Keyset {
            items: rows,
            next,
            prev,
            base_query: String::new(),
            total: None,
        })
    }

    /// The same page with each row turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Keyset<U> {
        Keyset {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            prev: self.prev,
            base_query: self.base_query,
            total: self.total,
        }
    }

    pub fn with_query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.base_query = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}&", super::url_encode(v)))
            .collect();
        self
    }

    pub fn with_total(mut self, total: Count) -> Self {
        self.total = Some(total);
        self
    }

    /// The pager's link to the next page (`?…after=…`).
    pub fn next_href(&self) -> String {
        self.next
            .as_deref()
            .map(|c| format!("?{}after={}", self.base_query, super::url_encode(c)))
            .unwrap_or_default()
    }

    pub fn prev_href(&self) -> String {
        self.prev
            .as_deref()
            .map(|c| format!("?{}before={}", self.base_query, super::url_encode(c)))
            .unwrap_or_default()
    }

    /// Whether the pager has anything to offer.
    pub fn paged(&self) -> bool {
        self.next.is_some() || self.prev.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_page_numbers_clamp() {
        assert_eq!(parse_page("99999999999999999999999"), Some(MAX_PAGE));
        assert_eq!(parse_page("0"), Some(1));
        assert_eq!(parse_page("-3"), None);
        assert_eq!(parse_page("abc"), None);
        assert_eq!(
            PageParams::new(Some(i64::MAX)).offset(100),
            (MAX_PAGE - 1) * 100
        );
    }

    #[test]
    fn cursors_round_trip_and_tampering_is_the_first_page() {
        let c = Cursor::new("2026-12-04T10:00:00.000001Z", Uuid::now_v7());
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        assert_eq!(Seek::from_query("garbage", ""), Seek::First);
        assert_eq!(Seek::from_query("", "not-a-uuid.x"), Seek::First);
        assert_eq!(Seek::from_query(&c.encode(), ""), Seek::After(c));
    }

    #[test]
    fn counts_stop_early() {
        assert_eq!(Count::from_capped(COUNT_CAP + 1).to_string(), "1,000+");
        assert_eq!(Count::from_capped(999).to_string(), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn a_short_previous_page_falls_back_to_the_first() {
        let seek = Seek::Before(Cursor::new("k", Uuid::now_v7()));
        let page = Keyset::from_rows(vec![1, 2], &seek, 5, |_| Cursor::new("k", Uuid::nil()));
        assert!(page.is_none());
    }
}
