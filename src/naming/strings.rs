//! The strings page's queries. One scoped, filtered query (`scoped`) that the
//! tree, the CSV and the JSON export all start from; the tree shows the
//! matching strings with their ancestors for context, paginated by top-level
//! string; every shown string carries its details (flagged when a value has
//! expired since) and, for GA4 / UTM rules, the tagged URL.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::queries::escape_like;
use crate::db::{DbConn, MultiBackend, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::schema::{
    naming_dimensions, naming_rules, naming_string_details, naming_strings, naming_submissions,
};
use crate::web::Seek;

pub mod choices;
mod decorate;
mod tree;
mod utm;

pub use decorate::{decorate, Catalogue};
pub use tree::{tree, Tree};
pub use utm::{encode_query_value, landing_page, utm_parameter, utm_url};

/// The catalogue slug of the GA4 / UTM platform: its strings get a tagged URL.
pub const UTM_PLATFORM: &str = "ga4-utm";
/// The landing page of UTM links when the filter leaves it empty.
pub const DEFAULT_LANDING: &str = "https://example.com/";
/// Top-level strings per page of the tree.
pub const ROOTS_PER_PAGE: i64 = 25;

/// The workspace's number of naming strings, kept in the database
/// (`db::counters`): moved wherever strings are inserted or deleted.
pub const COUNTER: &str = "naming.strings";
/// Ids per query when loading by id lists.
const CHUNK: usize = 500;
/// Strings per page (and per read transaction) of the CSV and JSON exports.
pub const EXPORT_PAGE: i64 = 500;

/// The submission statuses, in their order of the flow.
pub const STATUSES: &[SubmissionStatus] = SubmissionStatus::ALL;

/// The strings page's filters (query parameters), kept as typed text so that
/// a bad value re-renders the form instead of failing the request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StringFilter {
    /// Value contains.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub field: String,
    /// A dimension value id: strings whose details use it.
    #[serde(default)]
    pub value: String,
    /// The submission's status.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The landing page of UTM links (not a filter: changes what is shown).
    #[serde(default)]
    pub landing: String,
    /// Keyset cursors of the pager over top-level strings.
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

impl StringFilter {
    pub fn day(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
    }

    /// Whether any filter narrows the strings (else the tree shows everything).
    pub fn narrows(&self) -> bool {
        [
            &self.q,
            &self.rule,
            &self.platform,
            &self.field,
            &self.value,
            &self.status,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|s| !s.trim().is_empty())
    }

    pub fn seek(&self) -> Seek {
        Seek::from_query(&self.after, &self.before)
    }

    /// Messages for filters that can't be read (they are then ignored).
    pub fn errors(&self) -> Vec<String> {
        let mut errs = Vec::new();
        for (label, s) in [("From", &self.from), ("To", &self.to)] {
            if !s.trim().is_empty() && Self::day(s).is_none() {
                errs.push(format!("“{label}” must be a date like 2026-01-31."));
            }
        }
        if !self.landing.trim().is_empty() && landing_page(&self.landing) != self.landing.trim() {
            errs.push("The landing page must start with http:// or https://.".into());
        }
        errs
    }

    /// The landing page UTM links start from.
    pub fn landing(&self) -> String {
        landing_page(&self.landing)
    }

    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("q", self.q.as_str()),
            ("rule", self.rule.as_str()),
            ("platform", self.platform.as_str()),
            ("field", self.field.as_str()),
            ("value", self.value.as_str()),
            ("status", self.status.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("landing", self.landing.as_str()),
        ]
    }

    /// The filters as a query string (for the export links).
    pub fn query(&self) -> String {
        self.query_pairs()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", crate::web::url_encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

diesel::define_sql_function!(
    /// SQL `lower()`: searches ignore case on both backends (Postgres `LIKE` doesn't).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

type Boxed = naming_strings::BoxedQuery<'static, MultiBackend>;

/// A filter naming an id that can't be parsed matches nothing (not everything).
fn nothing(q: Boxed) -> Boxed {
    q.filter(
        naming_strings::value
            .eq("")
            .and(naming_strings::value.ne("")),
    )
}

/// The one scoped query: the workspace's strings matching `f`.
pub fn scoped(t: TenantId, f: &StringFilter) -> Boxed {
    let mut q = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .into_boxed();
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            lower(naming_strings::value)
                .like(format!("%{}%", escape_like(&text.to_lowercase())))
                .escape('\\'),
        );
    }
    if !f.rule.trim().is_empty() {
        q = match f.rule.trim().parse::<RuleId>() {
            Ok(id) => q.filter(naming_strings::rule_id.eq(id)),
            Err(_) => nothing(q),
        };
    }
    if !f.platform.trim().is_empty() {
        q = match f.platform.trim().parse::<PlatformId>() {
            Ok(id) => q.filter(
                naming_strings::rule_id.eq_any(
                    naming_rules::table
                        .filter(naming_rules::tenant_id.eq(t))
                        .filter(naming_rules::platform_id.eq(id))
                        .select(naming_rules::id),
                ),
            ),
            Err(_) => nothing(q),
        };
    }
    if !f.field.trim().is_empty() {
        q = match f.field.trim().parse::<FieldId>() {
            Ok(id) => q.filter(naming_strings::field_id.eq(id)),
            Err(_) => nothing(q),
        };
    }
    if !f.value.trim().is_empty() {
        q = match f.value.trim().parse::<DimensionValueId>() {
            Ok(id) => q.filter(
                naming_strings::id.eq_any(
                    naming_string_details::table
                        .filter(naming_string_details::tenant_id.eq(t))
                        .filter(naming_string_details::dimension_value_id.eq(id))
                        .select(naming_string_details::string_id),
                ),
            ),
            Err(_) => nothing(q),
        };
    }
    let status = f.status.trim().to_uppercase();
    if !status.is_empty() {
        q = if let Some(status) = SubmissionStatus::parse(&status) {
            q.filter(
                naming_strings::submission_id.eq_any(
                    naming_submissions::table
                        .filter(naming_submissions::tenant_id.eq(t))
                        .filter(naming_submissions::status.eq(status))
                        .select(naming_submissions::id),
                ),
            )
        } else {
            nothing(q)
        };
    }
    if let Some(d) = StringFilter::day(&f.from) {
        q = q.filter(
            naming_strings::created_at.ge(UtcTime(d.and_time(chrono::NaiveTime::MIN).and_utc())),
        );
    }
    if let Some(d) = StringFilter::day(&f.to) {
        let next = d.succ_opt().unwrap_or(d);
        q = q.filter(
            naming_strings::created_at.lt(UtcTime(next.and_time(chrono::NaiveTime::MIN).and_utc())),
        );
    }
    q
}

/// One part of a shown string.
#[derive(Debug, Clone)]
pub struct DetailView {
    pub dimension: String,
    pub slug: String,
    /// As it appears in the name.
    pub shown: String,
    /// The value's utm code (LIST), or the free text (TEXT).
    pub utm: String,
    pub inherited: bool,
    /// A listed value that is now inactive or outside its validity window.
    pub expired: bool,
}

/// A string as the tree, the submission page and the exports show it.
#[derive(Debug, Clone)]
pub struct Node {
    pub s: NamingString,
    /// Depth in the shown tree (0 = top).
    pub depth: usize,
    /// Matches the filters (else shown as an ancestor, for context).
    pub matched: bool,
    pub field: String,
    pub level: i32,
    /// Whether the field has a level below (an "add children" link).
    pub has_next: bool,
    pub rule: String,
    pub platform: String,
    pub platform_slug: String,
    pub status: String,
    pub submission: String,
    pub details: Vec<DetailView>,
    pub utm_url: Option<String>,
}

impl Node {
    /// "⚠ uses expired value fr" notes.
    pub fn warnings(&self) -> Vec<String> {
        self.details
            .iter()
            .filter(|d| d.expired)
            .map(|d| format!("uses expired value {}", d.shown))
            .collect()
    }

    /// The status in lower case, for the badge's class.
    pub fn status_class(&self) -> String {
        self.status.to_lowercase()
    }

    pub fn created(&self) -> String {
        self.s.created_at.0.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// `nodes` in tree order (see [`tree_order`]), each with its depth and
/// whether it matched the filters.
pub fn in_tree_order(
    nodes: Vec<Node>,
    roots: &[StringId],
    matched: Option<&HashSet<StringId>>,
) -> Vec<Node> {
    tree_order(nodes, roots, |n| &n.s)
        .into_iter()
        .map(|(mut n, depth)| {
            n.depth = depth;
            n.matched = matched.is_none_or(|m| m.contains(&n.s.id));
            n
        })
        .collect()
}

/// Depth-first order of a forest of strings, with each item's depth: every
/// item right after its parent (siblings by creation, then value); the tops
/// (items whose parent isn't among them) in the order of `roots`, the rest
/// after them.
pub fn tree_order<T>(
    items: Vec<T>,
    roots: &[StringId],
    string: impl Fn(&T) -> &NamingString,
) -> Vec<(T, usize)> {
    let ids: HashSet<StringId> = items.iter().map(|i| string(i).id).collect();
    let mut children: HashMap<Option<StringId>, Vec<T>> = HashMap::new();
    let mut tops: Vec<T> = Vec::new();
    for i in items {
        match string(&i).parent_id {
            Some(p) if ids.contains(&p) => children.entry(Some(p)).or_default().push(i),
            _ => tops.push(i),
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            let (a, b) = (string(a), string(b));
            (a.created_at, &a.value).cmp(&(b.created_at, &b.value))
        });
    }
    tops.sort_by_key(|i| {
        roots
            .iter()
            .position(|r| *r == string(i).id)
            .unwrap_or(usize::MAX)
    });
    let mut out = Vec::new();
    let mut stack: Vec<(T, usize)> = tops.into_iter().rev().map(|i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(string(&i).id)) {
            for k in kids.into_iter().rev() {
                stack.push((k, depth + 1));
            }
        }
        out.push((i, depth));
    }
    out
}

/// One page of the export: up to [`EXPORT_PAGE`] strings matching `f` with ids
/// after `after` (keyset, ordered by id, so a string added or removed between
/// pages neither repeats nor shifts another one out), decorated; and the id to
/// continue after (`None` when this was the last page).
pub fn export_page(
    c: &mut DbConn,
    t: TenantId,
    f: &StringFilter,
    after: Option<StringId>,
) -> AppResult<(Vec<Node>, Option<StringId>)> {
    let mut q = scoped(t, f);
    if let Some(a) = after {
        q = q.filter(naming_strings::id.gt(a));
    }
    let rows: Vec<NamingString> = q
        .order(naming_strings::id.asc())
        .limit(EXPORT_PAGE)
        .select(NamingString::as_select())
        .load(c)?;
    let next = if (rows.len() as i64) < EXPORT_PAGE {
        None
    } else {
        rows.last().map(|s| s.id)
    };
    let nodes = if rows.is_empty() {
        Vec::new()
    } else {
        decorate(c, t, rows, &f.landing())?
    };
    Ok((nodes, next))
}

/// The names of the dimensions the matching strings use, sorted: the CSV's
/// dimension columns. The matches' ids are read a page at a time (keyset), so
/// memory holds one page of ids and the set of dimensions, not every match.
pub fn export_dimensions(c: &mut DbConn, t: TenantId, f: &StringFilter) -> AppResult<Vec<String>> {
    let mut dims: HashSet<DimensionId> = HashSet::new();
    let mut after: Option<StringId> = None;
    loop {
        let mut q = scoped(t, f);
        if let Some(a) = after {
            q = q.filter(naming_strings::id.gt(a));
        }
        let ids: Vec<StringId> = q
            .order(naming_strings::id.asc())
            .limit(CHUNK as i64)
            .select(naming_strings::id)
            .load(c)?;
        if !ids.is_empty() {
            dims.extend(
                naming_string_details::table
                    .filter(naming_string_details::tenant_id.eq(t))
                    .filter(naming_string_details::string_id.eq_any(&ids))
                    .select(naming_string_details::dimension_id)
                    .distinct()
                    .load::<DimensionId>(c)?,
            );
        }
        if ids.len() < CHUNK {
            break;
        }
        after = ids.last().copied();
    }
    let dims: Vec<DimensionId> = dims.into_iter().collect();
    let mut names: Vec<String> = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::id.eq_any(dims))
        .select(naming_dimensions::name)
        .load(c)?;
    names.sort();
    Ok(names)
}
