//! Custom fields: a project defines them (text, number, date, a choice
//! from a list, yes/no), every task of the project may carry a value of
//! each, the task form edits them (one activity row per change), and the
//! list filters on them.
//!
//! Form and query keys are `cf_<field id>`; the list also takes
//! `cf_<id>_has` (text contains), and `cf_<id>_from` / `cf_<id>_to` (number
//! and date ranges). A value is stored as the text shown (a date as
//! `YYYY-MM-DD`, so dates compare as text; a ticked box as `yes`) and, for
//! numbers, also as a number. No row means no value.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Deserialize;

use super::models::*;
use super::tasks::record_activity;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, MultiBackend, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::{projects_field_values as fv, projects_fields as pf, projects_tasks};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// A project has at most this many custom fields.
pub const MAX_FIELDS: usize = 30;
/// A select offers at most this many choices.
pub const MAX_CHOICES: usize = 100;
/// A value is at most this many characters.
pub const MAX_VALUE: usize = 1_000;
/// The list applies at most this many custom filters.
pub const MAX_FILTERS: usize = 10;

/// The form key of a field's value (`Field::key`).
pub fn key(id: FieldId) -> String {
    format!("cf_{id}")
}

/// A project's fields, in their order.
pub fn for_project(c: &mut DbConn, t: TenantId, project: ProjectId) -> AppResult<Vec<Field>> {
    Ok(pf::table
        .filter(pf::tenant_id.eq(t))
        .filter(pf::project_id.eq(project))
        .order((pf::position.asc(), pf::id.asc()))
        .limit(MAX_FIELDS as i64)
        .select(Field::as_select())
        .load(c)?)
}

/// What the field form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub options: String,
    #[serde(default)]
    pub required: String,
}

/// Adds a field to the project. A refusal names the form field.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    f: &FieldForm,
    meta: &RequestMeta,
) -> AppResult<Result<FieldId, FormErrors>> {
    let existing = for_project(c, t, project)?;
    let mut e = FormErrors::default();
    let name = super::forms::text(&mut e, "name", &f.name, 60, true);
    let kind = super::forms::choice(&mut e, "kind", &f.kind, FieldKind::parse, "kind");
    if existing.len() >= MAX_FIELDS {
        e.add(
            "name",
            format!("A project has at most {MAX_FIELDS} custom fields."),
        );
    }
    if existing
        .iter()
        .any(|x| x.name.to_lowercase() == name.to_lowercase())
    {
        e.add(
            "name",
            format!("This project already has a field “{name}”."),
        );
    }
    let options: Vec<String> = f
        .options
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if kind == Some(FieldKind::Select) {
        if options.len() < 2 {
            e.add(
                "options",
                "A choice from a list needs at least two choices, one per line.",
            );
        } else if options.len() > MAX_CHOICES {
            e.add("options", format!("At most {MAX_CHOICES} choices."));
        } else if options.iter().any(|o| o.chars().count() > 100) {
            e.add("options", "Each choice is at most 100 characters.");
        }
    }
    let Some(kind) = kind.filter(|_| e.is_empty()) else {
        return Ok(Err(e));
    };
    let field = Field {
        tenant_id: t,
        id: FieldId::new(),
        project_id: project,
        name,
        kind,
        options: if kind == FieldKind::Select {
            options.join("\n")
        } else {
            String::new()
        },
        required: f.required == "on" || f.required == "1",
        position: existing.iter().map(|x| x.position + 1).max().unwrap_or(0),
        created_at: UtcTime::now(),
    };
    diesel::insert_into(pf::table).values(&field).execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "task_field.create")
            .actor(by)
            .resource("task_field", field.id)
            .meta(meta)
            .changes(serde_json::json!({"name": field.name, "kind": field.kind.as_str()})),
    )?;
    Ok(Ok(field.id))
}

/// Removes a field and every task's value of it.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    project: ProjectId,
    id: FieldId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let field: Field = pf::table
        .filter(pf::tenant_id.eq(t))
        .filter(pf::project_id.eq(project))
        .filter(pf::id.eq(id))
        .select(Field::as_select())
        .first(c)?;
    diesel::delete(
        fv::table
            .filter(fv::tenant_id.eq(t))
            .filter(fv::field_id.eq(id)),
    )
    .execute(c)?;
    diesel::delete(pf::table.filter(pf::tenant_id.eq(t)).filter(pf::id.eq(id))).execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "task_field.delete")
            .actor(by)
            .resource("task_field", id)
            .meta(meta)
            .changes(serde_json::json!({"name": field.name})),
    )?;
    Ok(())
}

/// A task's stored values, by field.
pub fn values_of(c: &mut DbConn, t: TenantId, task: TaskId) -> AppResult<Vec<FieldValue>> {
    Ok(fv::table
        .filter(fv::tenant_id.eq(t))
        .filter(fv::task_id.eq(task))
        .limit(MAX_FIELDS as i64)
        .select(FieldValue::as_select())
        .load(c)?)
}

/// A task's values as the form holds them (`cf_<id>` → text).
pub fn form_values(
    c: &mut DbConn,
    t: TenantId,
    task: TaskId,
) -> AppResult<BTreeMap<String, String>> {
    Ok(values_of(c, t, task)?
        .into_iter()
        .map(|v| (key(v.field_id), v.value))
        .collect())
}

/// A field and a task's value of it, for the task's page.
#[derive(Debug, Clone)]
pub struct Shown {
    pub field: Field,
    pub value: String,
}

/// The project's fields with the task's values ("" where it has none).
pub fn shown(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    task: TaskId,
) -> AppResult<Vec<Shown>> {
    let values = values_of(c, t, task)?;
    Ok(for_project(c, t, project)?
        .into_iter()
        .map(|field| Shown {
            value: values
                .iter()
                .find(|v| v.field_id == field.id)
                .map(|v| v.value.clone())
                .unwrap_or_default(),
            field,
        })
        .collect())
}

/// One checked value: the text kept, and the number for numbers; `None`
/// clears the field.
#[derive(Debug, Clone)]
pub struct Checked {
    pub field: Field,
    pub value: Option<(String, Option<f64>)>,
}

/// Checks the form's values against the project's fields; each refusal is
/// a message for its `cf_<id>` key.
pub fn check(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    sent: &BTreeMap<String, String>,
) -> AppResult<Result<Vec<Checked>, FormErrors>> {
    let fields = for_project(c, t, project)?;
    Ok(check_against(fields, sent))
}

/// The pure part of [`check`].
pub fn check_against(
    fields: Vec<Field>,
    sent: &BTreeMap<String, String>,
) -> Result<Vec<Checked>, FormErrors> {
    let mut e = FormErrors::default();
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let k = key(field.id);
        let raw = sent.get(&k).map(|s| s.trim()).unwrap_or_default();
        if raw.is_empty() || (field.kind == FieldKind::Checkbox && raw == "no") {
            if field.required && field.kind != FieldKind::Checkbox {
                e.add(&k, format!("{} is required.", field.name));
            }
            out.push(Checked { field, value: None });
            continue;
        }
        if raw.chars().count() > MAX_VALUE {
            e.add(&k, format!("At most {MAX_VALUE} characters."));
            continue;
        }
        let value = match field.kind {
            FieldKind::Text => Some((raw.to_string(), None)),
            FieldKind::Number => match raw.replace(',', "").parse::<f64>() {
                Ok(n) if n.is_finite() => Some((trim_number(n), Some(n))),
                _ => {
                    e.add(
                        &k,
                        format!("{} is a number, such as 12 or 3.5.", field.name),
                    );
                    None
                }
            },
            FieldKind::Date => match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) => Some((d.to_string(), None)),
                Err(_) => {
                    e.add(&k, "Enter a date as YYYY-MM-DD.");
                    None
                }
            },
            FieldKind::Select => {
                if field.choices().contains(&raw) {
                    Some((raw.to_string(), None))
                } else {
                    e.add(&k, format!("Choose one of the choices of {}.", field.name));
                    None
                }
            }
            FieldKind::Checkbox => Some(("yes".to_string(), None)),
        };
        if value.is_some() {
            out.push(Checked { field, value });
        }
    }
    if e.is_empty() {
        Ok(out)
    } else {
        Err(e)
    }
}

/// `3.0` → "3", `2.50` → "2.5".
fn trim_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Writes checked values to a task: one activity row per changed field.
/// Returns the names of the fields that changed.
pub fn save(
    c: &mut DbConn,
    t: TenantId,
    by: UserId,
    task: TaskId,
    checked: Vec<Checked>,
) -> AppResult<Vec<String>> {
    let before = values_of(c, t, task)?;
    let mut changed = Vec::new();
    for ch in checked {
        let old = before.iter().find(|v| v.field_id == ch.field.id);
        let old_text = old.map(|v| v.value.clone()).unwrap_or_default();
        let new_text = ch.value.as_ref().map(|v| v.0.clone()).unwrap_or_default();
        if old_text == new_text {
            continue;
        }
        match (old, ch.value) {
            (Some(o), None) => {
                diesel::delete(
                    fv::table
                        .filter(fv::tenant_id.eq(t))
                        .filter(fv::id.eq(o.id)),
                )
                .execute(c)?;
            }
            (Some(o), Some((value, number))) => {
                diesel::update(
                    fv::table
                        .filter(fv::tenant_id.eq(t))
                        .filter(fv::id.eq(o.id)),
                )
                .set((fv::value.eq(value), fv::number.eq(number)))
                .execute(c)?;
            }
            (None, Some((value, number))) => {
                diesel::insert_into(fv::table)
                    .values(FieldValue {
                        tenant_id: t,
                        id: FieldValueId::new(),
                        task_id: task,
                        field_id: ch.field.id,
                        value,
                        number,
                    })
                    .execute(c)?;
            }
            (None, None) => continue,
        }
        record_activity(c, t, task, Some(by), &ch.field.name, &old_text, &new_text)?;
        changed.push(ch.field.name.clone());
    }
    Ok(changed)
}

/// Copies a template's fields to a project made from it, with the values
/// of the copied tasks (`tasks` maps template task → copy).
pub fn copy_project(
    c: &mut DbConn,
    t: TenantId,
    from: ProjectId,
    to: ProjectId,
    tasks: &std::collections::HashMap<TaskId, TaskId>,
) -> AppResult<()> {
    for field in for_project(c, t, from)? {
        let copy = Field {
            id: FieldId::new(),
            project_id: to,
            created_at: UtcTime::now(),
            ..field.clone()
        };
        diesel::insert_into(pf::table).values(&copy).execute(c)?;
        let values: Vec<FieldValue> = fv::table
            .filter(fv::tenant_id.eq(t))
            .filter(fv::field_id.eq(field.id))
            .limit(super::project::MAX_TEMPLATE_TASKS)
            .select(FieldValue::as_select())
            .load(c)?;
        let rows: Vec<FieldValue> = values
            .into_iter()
            .filter_map(|v| {
                tasks.get(&v.task_id).map(|task| FieldValue {
                    id: FieldValueId::new(),
                    task_id: *task,
                    field_id: copy.id,
                    ..v
                })
            })
            .collect();
        crate::insert_many!(c, fv::table, &rows, 200);
    }
    Ok(())
}

type Boxed = projects_tasks::BoxedQuery<'static, MultiBackend>;

/// The custom filters of a list query: (field, test).
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The value is exactly this (case-insensitive): select, checkbox `yes`.
    Is(String),
    /// No value (a checkbox `no`).
    Unset,
    /// The text contains this (case-insensitive).
    Has(String),
    /// Numbers (compared as numbers) or dates (as text), from…
    From(String),
    /// …to, inclusive.
    To(String),
}

/// Reads `cf_<id>`, `cf_<id>_has`, `cf_<id>_from` and `cf_<id>_to` from a
/// query; unknown keys and blank values are ignored, and at most
/// [`MAX_FILTERS`] are kept.
pub fn filters(custom: &BTreeMap<String, String>) -> Vec<(FieldId, Test)> {
    let mut out = Vec::new();
    for (k, v) in custom {
        let v = v.trim();
        let Some(rest) = k.strip_prefix("cf_") else {
            continue;
        };
        if v.is_empty() || out.len() >= MAX_FILTERS {
            continue;
        }
        let (id, suffix) = match rest.split_once('_') {
            Some((id, s)) => (id, s),
            None => (rest, ""),
        };
        let Ok(id) = id.parse::<FieldId>() else {
            continue;
        };
        let test = match (suffix, v) {
            ("", "no") => Test::Unset,
            ("", v) => Test::Is(v.to_lowercase()),
            ("has", v) => Test::Has(v.to_lowercase()),
            ("from", v) => Test::From(v.to_string()),
            ("to", v) => Test::To(v.to_string()),
            _ => continue,
        };
        out.push((id, test));
    }
    out
}

/// Narrows a task query by the custom filters, each a sub-select of the
/// matching tasks' ids on the `(tenant, field, value|number)` indexes.
pub fn apply(mut q: Boxed, t: TenantId, tests: &[(FieldId, Test)]) -> Boxed {
    use crate::admin::workspaces::lower;
    use crate::audit::queries::escape_like;
    // Each test is its own (unboxed) sub-select: diesel's boxed selects
    // do not nest inside a query of the run-time-chosen backend.
    macro_rules! tasks_where {
        ($id:expr, $cond:expr) => {
            fv::table
                .filter(fv::tenant_id.eq(t))
                .filter(fv::field_id.eq($id))
                .filter($cond)
                .select(fv::task_id)
        };
    }
    let number = |s: &str| s.replace(',', "").parse::<f64>().ok();
    for (id, test) in tests {
        let id = *id;
        q = match test {
            Test::Unset => q.filter(
                projects_tasks::id.ne_all(
                    fv::table
                        .filter(fv::tenant_id.eq(t))
                        .filter(fv::field_id.eq(id))
                        .select(fv::task_id),
                ),
            ),
            Test::Is(v) => q.filter(
                projects_tasks::id.eq_any(tasks_where!(id, lower(fv::value).eq(v.clone()))),
            ),
            Test::Has(v) => q.filter(projects_tasks::id.eq_any(tasks_where!(
                id,
                lower(fv::value)
                    .like(format!("%{}%", escape_like(v)))
                    .escape('\\')
            ))),
            Test::From(v) => match number(v) {
                Some(n) => q.filter(projects_tasks::id.eq_any(tasks_where!(id, fv::number.ge(n)))),
                None => {
                    q.filter(projects_tasks::id.eq_any(tasks_where!(id, fv::value.ge(v.clone()))))
                }
            },
            Test::To(v) => match number(v) {
                Some(n) => q.filter(projects_tasks::id.eq_any(tasks_where!(id, fv::number.le(n)))),
                None => {
                    q.filter(projects_tasks::id.eq_any(tasks_where!(id, fv::value.le(v.clone()))))
                }
            },
        };
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind, required: bool) -> Field {
        Field {
            tenant_id: TenantId::new(),
            id: FieldId::new(),
            project_id: ProjectId::new(),
            name: "Budget line".into(),
            kind,
            options: "Red\nGreen".into(),
            required,
            position: 0,
            created_at: UtcTime::now(),
        }
    }

    #[test]
    fn values_are_checked_by_kind() {
        let num = field(FieldKind::Number, false);
        let pick = field(FieldKind::Select, true);
        let day = field(FieldKind::Date, false);
        let sent: BTreeMap<String, String> = [
            (key(num.id), "1,250.50".to_string()),
            (key(pick.id), "Green".to_string()),
            (key(day.id), "2026-12-24".to_string()),
        ]
        .into();
        let ok = check_against(vec![num.clone(), pick.clone(), day.clone()], &sent);
        let ok = ok.map_err(|e| e.0).unwrap_or_default();
        assert_eq!(ok[0].value, Some(("1250.5".into(), Some(1250.5))));
        assert_eq!(ok[1].value.as_ref().map(|v| v.0.as_str()), Some("Green"));
        let bad: BTreeMap<String, String> = [
            (key(num.id), "lots".to_string()),
            (key(day.id), "24/12/2026".to_string()),
        ]
        .into();
        let e = check_against(vec![num.clone(), pick.clone(), day.clone()], &bad)
            .err()
            .unwrap_or_default();
        assert!(e.get(&key(num.id)).is_some_and(|m| m.contains("number")));
        assert!(e.get(&key(pick.id)).is_some_and(|m| m.contains("required")));
        assert!(e
            .get(&key(day.id))
            .is_some_and(|m| m.contains("YYYY-MM-DD")));
    }

    #[test]
    fn filters_read_known_keys_only() {
        let id = FieldId::new();
        let q: BTreeMap<String, String> = [
            (format!("cf_{id}"), "Green".to_string()),
            (format!("cf_{id}_from"), "10".to_string()),
            ("cf_not-an-id".to_string(), "x".to_string()),
            (format!("cf_{id}_nonsense"), "x".to_string()),
            (format!("cf_{id}_to"), " ".to_string()),
        ]
        .into();
        let f = filters(&q);
        assert_eq!(
            f,
            vec![
                (id, Test::Is("green".into())),
                (id, Test::From("10".into()))
            ]
        );
    }
}
