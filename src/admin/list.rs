//! The admin list machinery, in the Django-admin shape: each resource has one
//! scoped query, and its list page, detail page, bulk actions and CSV export
//! all start from it. This module holds what they share: the query-string
//! state (search, filters, sort, page), sort links, bulk selections, and
//! streamed CSV.

use std::collections::BTreeMap;

use actix_web::HttpResponse;

use crate::db::{AdminConn, DbConn, Id, Pool};
use crate::error::AppResult;
use crate::web::{url_encode, Count, Cursor, Keyset, PageParams, Paginated, Seek};

/// Rows per admin page.
pub const PER_PAGE: i64 = 50;
/// Rows per CSV chunk (memory stays flat however long the export).
pub const CSV_CHUNK: i64 = 1000;

/// Search, filters, sort and page from a list's query string.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: String,
    pub sort: String,
    pub desc: bool,
    pub page: i64,
    /// Keyset cursors (`after=` / `before=`) of lists that page on their sort key.
    pub after: String,
    pub before: String,
    pub filters: BTreeMap<String, String>,
}

impl ListParams {
    /// Parses `?q=…&sort=…&dir=…&page=…&<filter>=…` (unknown keys become filters;
    /// each resource only reads the ones it knows).
    pub fn parse(query: &str) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        Self::from_pairs(pairs)
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut p = ListParams {
            page: 1,
            ..Default::default()
        };
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_str() {
                "q" => p.q = v,
                "sort" => p.sort = v,
                "dir" => p.desc = v == "desc",
                "page" => p.page = crate::web::pagination::parse_page(&v).unwrap_or(1),
                "after" => p.after = v,
                "before" => p.before = v,
                "csrf_token" | "action" | "ids" | "scope" | "confirm" => {}
                _ if !v.is_empty() => {
                    p.filters.insert(k, v);
                }
                _ => {}
            }
        }
        p
    }

    pub fn filter(&self, key: &str) -> &str {
        self.filters.get(key).map(String::as_str).unwrap_or("")
    }

    /// Where a keyset page starts (a tampered cursor: the first page).
    pub fn seek(&self) -> Seek {
        Seek::from_query(&self.after, &self.before)
    }

    /// The same list from its first page.
    pub fn first_page(&self) -> Self {
        ListParams {
            after: String::new(),
            before: String::new(),
            page: 1,
            ..self.clone()
        }
    }

    pub fn page_params(&self) -> PageParams {
        PageParams::new(Some(self.page))
    }

    /// The sort column if it is one of `allowed`, else the first (the default).
    pub fn sort_or<'a>(&self, allowed: &[&'a str]) -> &'a str {
        allowed
            .iter()
            .find(|s| **s == self.sort)
            .copied()
            .unwrap_or(allowed[0])
    }

    /// Search and filters as query pairs (no sort, no page).
    pub fn filter_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q".to_string(), self.q.clone()));
        }
        for (k, v) in &self.filters {
            pairs.push((k.clone(), v.clone()));
        }
        pairs
    }

    fn encode(pairs: &[(String, String)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The query string of the current filter (for CSV links and bulk forms).
    pub fn filter_query(&self) -> String {
        Self::encode(&self.filter_pairs())
    }

    /// Pager links keep filters and sort: `?{base}page=N`.
    pub fn base_query(&self) -> String {
        let mut pairs = self.filter_pairs();
        if !self.sort.is_empty() {
            pairs.push(("sort".into(), self.sort.clone()));
            pairs.push(("dir".into(), if self.desc { "desc" } else { "asc" }.into()));
        }
        let q = Self::encode(&pairs);
        if q.is_empty() {
            q
        } else {
            format!("{q}&")
        }
    }

    /// Link for a column header: sorts by `col`, flipping the direction when it
    /// is already the sort column.
    pub fn sort_link(&self, col: &str) -> String {
        let mut pairs = self.filter_pairs();
        let desc = if self.sort == col { !self.desc } else { false };
        pairs.push(("sort".into(), col.into()));
        pairs.push(("dir".into(), if desc { "desc" } else { "asc" }.into()));
        format!("?{}", Self::encode(&pairs))
    }

    /// CSS class for a column header's sort state.
    pub fn sort_class(&self, col: &str) -> &'static str {
        match (self.sort == col, self.desc) {
            (true, true) => "sort desc",
            (true, false) => "sort asc",
            _ => "sort",
        }
    }

    /// True when any search or filter is set.
    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty() || !self.filters.is_empty()
    }
}

/// A resource of the admin: its one scoped query, seen through these functions.
pub trait Resource {
    type Row: Send + 'static;
    /// The ids of every matching row (bulk actions over "all matching").
    fn matching_ids(c: &mut DbConn, p: &ListParams) -> AppResult<Vec<Id>>;
    /// Which of `ids` exist (bulk actions over selected rows).
    fn existing_ids(c: &mut DbConn, ids: &[Id]) -> AppResult<Vec<Id>>;
    fn csv_header() -> &'static [&'static str];
    fn csv_row(row: &Self::Row) -> String;
}

/// A resource whose list is small enough for page numbers and a full count.
pub trait OffsetResource: Resource {
    /// Matching rows, counted.
    fn count(c: &mut DbConn, p: &ListParams) -> AppResult<i64>;
    /// One page of matching rows, in the list's order.
    fn rows(c: &mut DbConn, p: &ListParams, limit: i64, offset: i64) -> AppResult<Vec<Self::Row>>;
}

/// Adds a keyset condition and order on `(col, id)` to a boxed query: `$at`
/// is the cursor's `Option<(key, id)>`, `$desc` the list's direction. Walks
/// backwards (for Previous) when `$seek.backwards()`. Both columns must be
/// non-null.
#[macro_export]
macro_rules! seek_by {
    ($q:expr, $seek:expr, $desc:expr, $col:expr, $id:expr, $at:expr) => {{
        let asc = $desc == $seek.backwards();
        let q = $q;
        let q = match $at {
            Some((k, i)) if asc => q.filter($col.gt(k.clone()).or($col.eq(k).and($id.gt(i)))),
            Some((k, i)) => q.filter($col.lt(k.clone()).or($col.eq(k).and($id.lt(i)))),
            None => q,
        };
        if asc {
            q.order(($col.asc(), $id.asc()))
        } else {
            q.order(($col.desc(), $id.desc()))
        }
    }};
}

/// A resource whose list pages on its sort key plus id (lists that can grow
/// without bound): no offset, no full count.
pub trait KeysetResource: Resource {
    /// Matching rows, counted up to `COUNT_CAP + 1` (reads no more).
    fn count_capped(c: &mut DbConn, p: &ListParams) -> AppResult<i64>;
    /// Up to `limit` matching rows from `seek` in the list's order (reversed
    /// when `seek.backwards()`); `None` when the cursor does not fit the
    /// sort column (tampered): the caller shows the first page.
    fn seek_rows(
        c: &mut DbConn,
        p: &ListParams,
        seek: &Seek,
        limit: i64,
    ) -> AppResult<Option<Vec<Self::Row>>>;
    /// A row's place in the list's order (its sort key as text, and id).
    fn cursor(p: &ListParams, row: &Self::Row) -> Cursor;
}

/// One keyset page of a resource's list, with a count that stops early.
pub fn keyset_page<R: KeysetResource>(c: &mut DbConn, p: &ListParams) -> AppResult<Keyset<R::Row>> {
    let seek = p.seek();
    let rows = match R::seek_rows(c, p, &seek, Seek::limit(PER_PAGE))? {
        Some(rows) => Keyset::from_rows(rows, &seek, PER_PAGE, |r| R::cursor(p, r)),
        None => None,
    };
    let Some(mut page) = rows else {
        // A Previous page came up short or the cursor was tampered with: the
        // first page (which never comes back here: it has no cursor).
        let first = p.first_page();
        if first.seek() == seek {
            return Ok(Keyset {
                items: Vec::new(),
                next: None,
                prev: None,
                base_query: p.base_query(),
                total: Some(Count::Exact(0)),
            });
        }
        return keyset_page::<R>(c, &first);
    };
    page.base_query = p.base_query();
    Ok(page.with_total(Count::from_capped(R::count_capped(c, p)?)))
}

/// Streams a keyset resource's matching rows as CSV, a chunk at a time
/// (each chunk one index range, however far into the list).
pub fn keyset_csv_response<R: KeysetResource + 'static>(
    pool: Pool,
    p: ListParams,
    filename: &str,
) -> HttpResponse {
    let head = crate::support::csv::line(R::csv_header());
    let p = p.first_page();
    let body = crate::web::stream::paged_body(head, String::new(), move |after: Option<Cursor>| {
        let seek = after.map_or(Seek::First, Seek::After);
        let rows = AdminConn::system(&pool)?
            .read(|c| R::seek_rows(c, &p, &seek, CSV_CHUNK))?
            .unwrap_or_default();
        let next = if (rows.len() as i64) == CSV_CHUNK {
            rows.last().map(|r| R::cursor(&p, r))
        } else {
            None
        };
        Ok((rows.iter().map(R::csv_row).collect(), next))
    });
    crate::web::stream::attachment("text/csv; charset=utf-8", filename, body)
}

/// One page of a resource's list.
pub fn page<R: OffsetResource>(c: &mut DbConn, p: &ListParams) -> AppResult<Paginated<R::Row>> {
    let params = p.page_params();
    let total = R::count(c, p)?;
    let rows = R::rows(c, p, PER_PAGE, params.offset(PER_PAGE))?;
    let mut page = Paginated::new(rows, params, PER_PAGE, total);
    page.base_query = p.base_query();
    Ok(page)
}

/// Streams a resource's matching rows as CSV, a chunk at a time, each chunk
/// read through an `AdminConn` (cross-tenant reads are superadmin-only).
pub fn csv_response<R: OffsetResource + 'static>(
    pool: Pool,
    p: ListParams,
    filename: &str,
) -> HttpResponse {
    let head = crate::support::csv::line(R::csv_header());
    let body = crate::web::stream::paged_body(head, String::new(), move |offset| {
        let offset = offset.unwrap_or(0);
        let rows = AdminConn::system(&pool)?.read(|c| R::rows(c, &p, CSV_CHUNK, offset))?;
        let next = ((rows.len() as i64) == CSV_CHUNK).then_some(offset + CSV_CHUNK);
        Ok((rows.iter().map(R::csv_row).collect(), next))
    });
    crate::web::stream::attachment("text/csv; charset=utf-8", filename, body)
}

/// The confirmation page of a bulk action: what will happen, to how many rows,
/// and the request again as hidden fields with `confirm=1`. A real page, so
/// bulk actions work without JavaScript.
#[derive(askama::Template)]
#[template(path = "partials/confirm.html")]
pub struct ConfirmPage {
    pub page: crate::web::PageCtx,
    /// Show the superadmin area's navigation.
    pub admin_nav: bool,
    pub action_url: String,
    pub back_url: String,
    pub question: String,
    pub count: usize,
    pub fields: Vec<(String, String)>,
}

/// A bulk action request: which action, and either the selected ids or every
/// row matching the filter that came with the form.
#[derive(Debug, Clone)]
pub struct Bulk {
    pub action: String,
    pub all_matching: bool,
    pub ids: Vec<Id>,
    pub confirmed: bool,
    pub params: ListParams,
}

impl Bulk {
    /// Reads a bulk form (repeated `ids` fields, `scope=all`, `confirm=1`, and
    /// the list's filter fields).
    pub fn parse(pairs: Vec<(String, String)>) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let ids = pairs
            .iter()
            .filter(|(k, _)| k == "ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        Bulk {
            action: get("action"),
            all_matching: get("scope") == "all",
            ids,
            confirmed: get("confirm") == "1",
            params: ListParams::from_pairs(pairs.clone()),
        }
    }

    /// The rows this request acts on, resolved through the resource's query.
    pub fn targets<R: Resource>(&self, c: &mut DbConn) -> AppResult<Vec<Id>> {
        if self.all_matching {
            return R::matching_ids(c, &self.params);
        }
        // Selected ids still pass through the scoped query: an id that doesn't
        // exist (deleted, or never did) is dropped.
        R::existing_ids(c, &self.ids)
    }

    /// Hidden fields that carry the request onto the confirmation page.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        let mut f = vec![("action".to_string(), self.action.clone())];
        if self.all_matching {
            f.push(("scope".into(), "all".into()));
            f.extend(self.params.filter_pairs());
        } else {
            f.extend(
                self.ids
                    .iter()
                    .map(|id| ("ids".to_string(), id.to_string())),
            );
        }
        f
    }
}
