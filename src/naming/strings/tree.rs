//! The strings page's tree: top-level strings a keyset page at a time with
//! their descendants, or the newest matches of a filter under their ancestors.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::decorate::{decorate_with, Catalogue};
use super::{in_tree_order, scoped, Node, StringFilter, CHUNK};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::schema::naming_strings;
use crate::web::{Count, Cursor, Keyset, Seek, COUNT_CAP};

/// One page of the tree: the shown strings in tree order, and the pager over
/// top-level strings.
pub struct Tree {
    pub nodes: Vec<Node>,
    pub roots: Keyset<StringId>,
    /// How many strings match the filters (not counting context ancestors),
    /// counted up to [`COUNT_CAP`].
    pub matching: Count,
}

impl Tree {
    /// True when more strings match than a filtered page looks at: the tree
    /// then shows the newest `COUNT_CAP` matches and asks to narrow down.
    pub fn truncated(&self) -> bool {
        matches!(self.matching, Count::Over(_))
    }

    /// How many matches a filtered page looks at, as shown.
    pub fn cap(&self) -> String {
        crate::web::pagination::thousands(COUNT_CAP)
    }
}

type Link = (StringId, Option<StringId>, UtcTime);

/// A top-level string's place in the tree's order (newest first).
fn root_cursor(at: &UtcTime, id: StringId) -> Cursor {
    Cursor::new(at.to_db_text(), id.0 .0)
}

/// The tree page for `f`. Without filters: top-level strings a page at a
/// time by keyset (newest first) with all their descendants (one query per
/// level), whatever the workspace's size. With filters: the newest
/// `COUNT_CAP` matching strings and their ancestors, paged by their
/// top-level strings.
pub fn tree(
    c: &mut DbConn,
    t: TenantId,
    f: &StringFilter,
    per_page: i64,
    catalogue: &Catalogue,
) -> AppResult<Tree> {
    let landing = f.landing();
    let mut seek = f.seek();
    let at = seek
        .cursor()
        .and_then(|k| k.time().map(|at| (at, StringId(crate::db::Id(k.id)))));
    if at.is_none() {
        seek = Seek::First;
    }
    if !f.narrows() {
        let total = crate::db::counters::get(c, t, super::COUNTER)?;
        let q = naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::parent_id.is_null())
            .into_boxed();
        let q = match (&seek, at) {
            (Seek::Before(_), Some((at, id))) => q
                .filter(
                    naming_strings::created_at
                        .gt(at)
                        .or(naming_strings::created_at
                            .eq(at)
                            .and(naming_strings::id.gt(id))),
                )
                .order((naming_strings::created_at.asc(), naming_strings::id.asc())),
            (Seek::After(_), Some((at, id))) => q
                .filter(
                    naming_strings::created_at
                        .lt(at)
                        .or(naming_strings::created_at
                            .eq(at)
                            .and(naming_strings::id.lt(id))),
                )
                .order((naming_strings::created_at.desc(), naming_strings::id.desc())),
            _ => q.order((naming_strings::created_at.desc(), naming_strings::id.desc())),
        };
        let roots: Vec<NamingString> = q
            .limit(Seek::limit(per_page))
            .select(NamingString::as_select())
            .load(c)?;
        let Some(page) =
            Keyset::from_rows(roots, &seek, per_page, |s| root_cursor(&s.created_at, s.id))
        else {
            return tree(c, t, &first_page(f), per_page, catalogue);
        };
        let root_ids: Vec<StringId> = page.items.iter().map(|s| s.id).collect();
        let mut all = page.items;
        let mut level: Vec<StringId> = root_ids.clone();
        for _ in 0..20 {
            if level.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for chunk in level.chunks(CHUNK) {
                next.extend(
                    naming_strings::table
                        .filter(naming_strings::tenant_id.eq(t))
                        .filter(naming_strings::parent_id.eq_any(chunk))
                        .select(NamingString::as_select())
                        .load(c)?,
                );
            }
            level = next.iter().map(|s| s.id).collect();
            all.extend(next);
        }
        let nodes = decorate_with(c, t, all, &landing, catalogue)?;
        return Ok(Tree {
            nodes: in_tree_order(nodes, &root_ids, None),
            roots: Keyset {
                items: root_ids,
                next: page.next,
                prev: page.prev,
                base_query: String::new(),
                total: None,
            },
            matching: Count::Exact(total),
        });
    }

    // The newest matches (bounded), then their ancestors one level at a time.
    let matched: Vec<Link> = scoped(t, f)
        .order((naming_strings::created_at.desc(), naming_strings::id.desc()))
        .limit(COUNT_CAP + 1)
        .select((
            naming_strings::id,
            naming_strings::parent_id,
            naming_strings::created_at,
        ))
        .load(c)?;
    let matching = Count::from_capped(matched.len() as i64);
    let matched_ids: HashSet<StringId> = matched
        .iter()
        .take(COUNT_CAP as usize)
        .map(|l| l.0)
        .collect();
    let mut known: HashMap<StringId, (Option<StringId>, UtcTime)> = matched
        .iter()
        .take(COUNT_CAP as usize)
        .map(|(i, p, at)| (*i, (*p, *at)))
        .collect();
    for _ in 0..20 {
        let missing: Vec<StringId> = known
            .values()
            .filter_map(|(p, _)| *p)
            .filter(|p| !known.contains_key(p))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            break;
        }
        for chunk in missing.chunks(CHUNK) {
            let up: Vec<Link> = naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::id.eq_any(chunk))
                .select((
                    naming_strings::id,
                    naming_strings::parent_id,
                    naming_strings::created_at,
                ))
                .load(c)?;
            for (i, p, at) in up {
                known.insert(i, (p, at));
            }
        }
    }
    let root_of = |mut id: StringId| {
        for _ in 0..25 {
            match known.get(&id).and_then(|(p, _)| *p) {
                Some(p) if known.contains_key(&p) => id = p,
                _ => break,
            }
        }
        id
    };
    // Top-level strings in the tree's order, then the page the cursor asks for.
    let mut roots: Vec<(UtcTime, StringId)> = known
        .keys()
        .map(|id| root_of(*id))
        .collect::<HashSet<_>>()
        .into_iter()
        .filter_map(|r| known.get(&r).map(|(_, at)| (*at, r)))
        .collect();
    roots.sort_by(|a, b| b.cmp(a));
    let window: Vec<(UtcTime, StringId)> = match (&seek, at) {
        (Seek::After(_), Some(k)) => roots.into_iter().filter(|r| *r < k).collect(),
        (Seek::Before(_), Some(k)) => roots.into_iter().rev().filter(|r| *r > k).collect(),
        _ => roots,
    };
    let window: Vec<(UtcTime, StringId)> = window
        .into_iter()
        .take(Seek::limit(per_page) as usize)
        .collect();
    let Some(page) = Keyset::from_rows(window, &seek, per_page, |(at, id)| root_cursor(at, *id))
    else {
        return tree(c, t, &first_page(f), per_page, catalogue);
    };
    let page_roots: Vec<StringId> = page.items.iter().map(|(_, r)| *r).collect();
    let wanted: HashSet<StringId> = page_roots.iter().copied().collect();
    let shown: Vec<StringId> = known
        .keys()
        .filter(|id| wanted.contains(&root_of(**id)))
        .copied()
        .collect();
    let rows = load_by_ids(c, t, &shown)?;
    let nodes = decorate_with(c, t, rows, &landing, catalogue)?;
    Ok(Tree {
        nodes: in_tree_order(nodes, &page_roots, Some(&matched_ids)),
        roots: Keyset {
            items: page_roots,
            next: page.next,
            prev: page.prev,
            base_query: String::new(),
            total: None,
        },
        matching,
    })
}

/// `f` without its cursor: the first page of the same filters.
fn first_page(f: &StringFilter) -> StringFilter {
    StringFilter {
        after: String::new(),
        before: String::new(),
        ..f.clone()
    }
}

fn load_by_ids(c: &mut DbConn, t: TenantId, ids: &[StringId]) -> AppResult<Vec<NamingString>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::id.eq_any(chunk))
                .select(NamingString::as_select())
                .load(c)?,
        );
    }
    Ok(out)
}
