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

/// The history, newest first, with a diff per version.
pub fn history(c: &mut DbConn, t: TenantId, id: StringId) -> AppResult<Vec<VersionRow>> {
    use crate::schema::users;
    let mods = modifications(c, t, id)?;
    let values = values_by_version(&mods);
    let mut who: Vec<UserId> = mods.iter().map(|m| m.modified_by).collect();
    who.sort();
    who.dedup();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&who))
        .select((users::id, users::name))
        .load::<(UserId, String)>(c)?
        .into_iter()
        .collect();
    let latest = values.last().cloned().unwrap_or_default();
    let mut rows = Vec::with_capacity(mods.len());
    for (i, m) in mods.iter().enumerate() {
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
            can_rollback: i + 1 < mods.len() && *after != latest,
            m: m.clone(),
        });
    }
    rows.reverse();
    Ok(rows)
}
