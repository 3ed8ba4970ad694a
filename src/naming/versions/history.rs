//! A string's history: the values at each version (the version-1 snapshot
//! with later `field_updates` applied in order) and a diff per version.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde_json::Value;

use super::modifications;
use crate::accounts::models::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::web::{PageParams, Paginated};

/// The values (dimension name → text) at each version: the version-1
/// snapshot with each later version's `field_updates` applied in order.
pub fn values_by_version(mods: &[StringModification]) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::with_capacity(mods.len());
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for m in mods {
        if let Value::Object(updates) = &m.field_updates.0 {
            for (k, v) in updates {
                match v.as_str() {
                    Some(s) if !s.is_empty() => {
                        current.insert(k.clone(), s.to_string());
                    }
                    _ => {
                        current.remove(k);
                    }
                }
            }
        }
        out.push(current.clone());
    }
    out
}

/// One line of a version's diff.
#[derive(Debug, Clone)]
pub struct Change {
    pub dimension: String,
    pub from: String,
    pub to: String,
}

/// A version as the history shows it.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub m: StringModification,
    pub by: String,
    pub changes: Vec<Change>,
    /// The string's value before this version ("" for the first).
    pub value_before: String,
    /// Whether rolling back to it would change anything.
    pub can_rollback: bool,
}

/// Versions per page of the history.
pub const HISTORY_PER_PAGE: i64 = 20;

/// One page of the history, newest first, with a diff per version. Every
/// version is read (each stores only what it changed, so the values at a
/// version are the replay of all before it); only the page's rows are built.
pub fn history(
    c: &mut DbConn,
    t: TenantId,
    id: StringId,
    params: PageParams,
) -> AppResult<Paginated<VersionRow>> {
    use crate::schema::users;
    let mods = modifications(c, t, id)?;
    let values = values_by_version(&mods);
    let n = mods.len();
    // Newest first: the page's indices into `mods`, from `end - 1` down to `start`.
    let skip = usize::try_from(params.offset(HISTORY_PER_PAGE)).unwrap_or(usize::MAX);
    let end = n.saturating_sub(skip);
    let start = end.saturating_sub(HISTORY_PER_PAGE as usize);
    let page = &mods[start..end];
    let mut who: Vec<UserId> = page.iter().map(|m| m.modified_by).collect();
    who.sort();
    who.dedup();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&who))
        .select((users::id, users::name))
        .load::<(UserId, String)>(c)?
        .into_iter()
        .collect();
    let latest = values.last().cloned().unwrap_or_default();
    let mut rows = Vec::with_capacity(page.len());
    for i in (start..end).rev() {
        let m = &mods[i];
        let before = if i == 0 {
            BTreeMap::new()
        } else {
            values[i - 1].clone()
        };
        let after = &values[i];
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        let changes = keys
            .into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| Change {
                dimension: k.clone(),
                from: before.get(k).cloned().unwrap_or_default(),
                to: after.get(k).cloned().unwrap_or_default(),
            })
            .collect();
        rows.push(VersionRow {
            by: names.get(&m.modified_by).cloned().unwrap_or_default(),
            changes,
            value_before: if i == 0 {
                String::new()
            } else {
                mods[i - 1].string_value.clone()
            },
            can_rollback: i + 1 < n && *after != latest,
            m: m.clone(),
        });
    }
    Ok(Paginated::new(rows, params, HISTORY_PER_PAGE, n as i64))
}
