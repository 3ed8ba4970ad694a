//! CSV export and import of a dimension's values. Columns: value, label,
//! utm, description, valid_from, valid_until, parent_value, status. The
//! import is planned first (each row: create, update with what changes,
//! unchanged, or reject with the reason), shown, and applied in one
//! transaction by planning again from the same text.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::json;

use super::values::{self, check_fields, ValueFields};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::{Dimension, DimensionValue, DimensionValueId};
use crate::schema::naming_dimension_values;
use crate::support::csv;
use crate::web::extract::RequestMeta;

/// The columns, in export order.
pub const COLUMNS: [&str; 8] = [
    "value",
    "label",
    "utm",
    "description",
    "valid_from",
    "valid_until",
    "parent_value",
    "status",
];
/// Largest CSV accepted (bytes).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most data rows accepted.
pub const MAX_ROWS: usize = 10_000;

/// Undoes the export's spreadsheet-formula guard (`'=…` back to `=…`).
fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(csv::FORMULA_LEADS) => rest,
        _ => s,
    }
}

/// The dimension's values as CSV, header first.
pub fn export(c: &mut DbConn, t: TenantId, dim: &Dimension) -> AppResult<String> {
    let rows = values::all(c, t, dim.id)?;
    let parents = parent_values(c, t, dim)?;
    let by_id: HashMap<DimensionValueId, &str> =
        parents.iter().map(|(v, id)| (*id, v.as_str())).collect();
    let mut out = csv::line(&COLUMNS);
    let day = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    for v in &rows {
        let parent = v
            .parent_id
            .and_then(|p| by_id.get(&p).copied())
            .unwrap_or("");
        out.push_str(&csv::line(&[
            &v.value,
            &v.label,
            &v.utm,
            &v.description,
            &day(v.valid_from),
            &day(v.valid_until),
            parent,
            v.status.as_str(),
        ]));
    }
    Ok(out)
}

/// The parent dimension's values, value → id (empty without a parent).
fn parent_values(
    c: &mut DbConn,
    t: TenantId,
    dim: &Dimension,
) -> AppResult<HashMap<String, DimensionValueId>> {
    let Some(pd) = dim.parent_id else {
        return Ok(HashMap::new());
    };
    Ok(naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq(pd))
        .select((naming_dimension_values::value, naming_dimension_values::id))
        .load::<(String, DimensionValueId)>(c)?
        .into_iter()
        .collect())
}

/// What the import does with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Reject,
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Reject => "reject",
        }
    }
}

/// One data row of the import.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: usize,
    pub value: String,
    pub action: Action,
    /// For updates: "label: “a” → “b”", one per changed column.
    pub changes: Vec<String>,
    /// For rejects: why.
    pub reason: String,
    fields: Option<(ValueFields, Option<DimensionValueId>)>,
    existing: Option<DimensionValueId>,
}

/// The whole import, row by row, with counts.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub rows: Vec<ImportRow>,
    pub creates: usize,
    pub updates: usize,
    pub unchanged: usize,
    pub rejects: usize,
}

impl ImportPlan {
    /// True when applying would change something.
    pub fn has_changes(&self) -> bool {
        self.creates + self.updates > 0
    }
}

fn reject(line: usize, value: &str, reason: String) -> ImportRow {
    ImportRow {
        line,
        value: value.to_string(),
        action: Action::Reject,
        changes: Vec::new(),
        reason,
        fields: None,
        existing: None,
    }
}

fn describe_changes(
    before: &DimensionValue,
    before_parent: &str,
    after: &ValueFields,
    after_parent: &str,
) -> Vec<String> {
    let day = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (name, a, b) in [
        ("label", before.label.clone(), after.label.clone()),
        ("utm", before.utm.clone(), after.utm.clone()),
        (
            "description",
            before.description.clone(),
            after.description.clone(),
        ),
        ("valid_from", day(before.valid_from), day(after.valid_from)),
        (
            "valid_until",
            day(before.valid_until),
            day(after.valid_until),
        ),
        (
            "parent_value",
            before_parent.to_string(),
            after_parent.to_string(),
        ),
        (
            "status",
            before.status.to_string(),
            after.status.to_string(),
        ),
    ] {
        if a != b {
            out.push(format!("{name}: “{a}” → “{b}”"));
        }
    }
    out
}

/// Plans an import of `text` into `dim`, writing nothing. `Err` is a problem
/// with the file as a whole (size, rows, header, syntax).
pub fn plan(
    c: &mut DbConn,
    t: TenantId,
    dim: &Dimension,
    text: &str,
) -> AppResult<Result<ImportPlan, String>> {
    if text.len() > MAX_BYTES {
        return Ok(Err(
            "The CSV is larger than 2 MiB: split it into smaller files.".into(),
        ));
    }
    let records = match csv::parse(text) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Ok(Err(
            "The CSV is empty: it needs a header row (value,label,…) and rows.".into(),
        ));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    for (i, h) in header.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            return Ok(Err(format!(
                "Unknown column “{h}” in the header: the columns are {}.",
                COLUMNS.join(", ")
            )));
        }
        if header[..i].contains(h) {
            return Ok(Err(format!(
                "The column “{h}” appears twice in the header."
            )));
        }
    }
    if !header.iter().any(|h| h == "value") {
        return Ok(Err("The header row must have a “value” column.".into()));
    }
    let records: Vec<(usize, Vec<String>)> = records.collect();
    if records.len() > MAX_ROWS {
        return Ok(Err(format!(
            "The CSV has {} rows; at most {MAX_ROWS} can be imported at once.",
            records.len()
        )));
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let existing: HashMap<String, DimensionValue> = values::all(c, t, dim.id)?
        .into_iter()
        .map(|v| (v.value.clone(), v))
        .collect();
    let parents = parent_values(c, t, dim)?;
    let parent_name: HashMap<DimensionValueId, &str> =
        parents.iter().map(|(v, id)| (*id, v.as_str())).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = ImportPlan::default();
    for (line, rec) in records {
        let cell = |name: &str| {
            col(name)
                .and_then(|i| rec.get(i))
                .map(|s| unguard(s.trim()))
        };
        let value = cell("value").unwrap_or("").to_string();
        if rec.len() != header.len() {
            out.rows.push(reject(
                line,
                &value,
                format!(
                    "{} fields where the header has {}.",
                    rec.len(),
                    header.len()
                ),
            ));
            continue;
        }
        if value.is_empty() {
            out.rows.push(reject(line, "", "Missing value.".into()));
            continue;
        }
        if let Some(first) = seen.get(&value) {
            out.rows.push(reject(
                line,
                &value,
                format!("Duplicate in the file (line {first})."),
            ));
            continue;
        }
        seen.insert(value.clone(), line);
        let before = existing.get(&value);
        let day = |d: Option<chrono::NaiveDate>| {
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        // An absent column keeps what the value has (or the default for a new one).
        let keep = |name: &str, old: Option<String>| -> String {
            cell(name).map(str::to_string).or(old).unwrap_or_default()
        };
        let fields = check_fields(
            &value,
            &keep("label", before.map(|b| b.label.clone())),
            &keep("utm", before.map(|b| b.utm.clone())),
            &keep("description", before.map(|b| b.description.clone())),
            &keep("valid_from", before.map(|b| day(b.valid_from))),
            &keep("valid_until", before.map(|b| day(b.valid_until))),
            &keep("status", before.map(|b| b.status.to_string())),
        );
        let fields = match fields {
            Ok(f) => f,
            Err(e) => {
                let reason =
                    e.0.iter()
                        .map(|(_, m)| m.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                out.rows.push(reject(line, &value, reason));
                continue;
            }
        };
        let parent = match cell("parent_value") {
            None => before.and_then(|b| b.parent_id),
            Some("") => None,
            Some(p) if dim.parent_id.is_none() => {
                out.rows.push(reject(
                    line,
                    &value,
                    format!(
                        "Parent value “{p}” given, but this dimension has no parent dimension."
                    ),
                ));
                continue;
            }
            Some(p) => match parents.get(p) {
                Some(id) => Some(*id),
                None => {
                    out.rows
                        .push(reject(line, &value, format!("Unknown parent value “{p}”.")));
                    continue;
                }
            },
        };
        let pname = |id: Option<DimensionValueId>| {
            id.and_then(|p| parent_name.get(&p).copied())
                .unwrap_or("")
                .to_string()
        };
        let row = match before {
            None => ImportRow {
                line,
                value: value.clone(),
                action: Action::Create,
                changes: Vec::new(),
                reason: String::new(),
                fields: Some((fields, parent)),
                existing: None,
            },
            Some(b) => {
                let changes = describe_changes(b, &pname(b.parent_id), &fields, &pname(parent));
                ImportRow {
                    line,
                    value: value.clone(),
                    action: if changes.is_empty() {
                        Action::Unchanged
                    } else {
                        Action::Update
                    },
                    changes,
                    reason: String::new(),
                    fields: Some((fields, parent)),
                    existing: Some(b.id),
                }
            }
        };
        out.rows.push(row);
    }
    for r in &out.rows {
        match r.action {
            Action::Create => out.creates += 1,
            Action::Update => out.updates += 1,
            Action::Unchanged => out.unchanged += 1,
            Action::Reject => out.rejects += 1,
        }
    }
    Ok(Ok(out))
}

/// Plans again and applies the creates and updates (rejected rows are
/// skipped), auditing one event with the counts. Call in a write transaction.
pub fn apply(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    dim: &Dimension,
    text: &str,
    meta: &RequestMeta,
) -> AppResult<Result<ImportPlan, String>> {
    let planned = match plan(c, t, dim, text)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let mut new_rows = Vec::new();
    for r in &planned.rows {
        match (r.action, &r.fields, r.existing) {
            (Action::Create, Some((f, parent)), _) => {
                new_rows.push(values::new_row(t, dim.id, actor, f.clone(), *parent));
            }
            (Action::Update, Some((f, parent)), Some(id)) => {
                values::write_fields(c, t, id, f, *parent)?;
            }
            _ => {}
        }
    }
    crate::insert_many!(c, naming_dimension_values::table, new_rows, 500);
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension_value.import")
            .actor(actor)
            .resource("naming_dimension", dim.id)
            .meta(meta)
            .changes(json!({
                "dimension": dim.name,
                "created": planned.creates,
                "updated": planned.updates,
                "unchanged": planned.unchanged,
                "rejected": planned.rejects,
            })),
    )?;
    Ok(Ok(planned))
}
