//! Pagination: `?page=N` (1-based), a fixed page size per list, total counts.

use serde::Deserialize;

/// The page a request asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageParams {
    #[serde(default = "first")]
    pub page: i64,
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
            page: page.unwrap_or(1).max(1),
        }
    }

    pub fn offset(&self, per_page: i64) -> i64 {
        (self.page.max(1) - 1).saturating_mul(per_page)
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
