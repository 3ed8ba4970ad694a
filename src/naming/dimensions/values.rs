//! The values of a LIST dimension: list with flags (inactive, expired, not
//! yet valid), add, edit, delete (refused while strings use the value) and
//! deactivate. The form and its field checks (shared with the CSV import)
//! are in `form`.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::UserId;
use crate::admin::workspaces::lower;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, MultiBackend, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::models::Availability;
use crate::naming::models::{DimensionId, DimensionValue, DimensionValueId};
use crate::naming::parts::usable;
use crate::schema::{naming_dimension_values, naming_string_details, naming_strings};
use crate::web::extract::RequestMeta;
use crate::web::{FormErrors, PageParams, Paginated};

use super::find as find_dimension;

mod form;

use form::value_taken_errors;
pub use form::{check_fields, ValueFields, ValueForm};

pub const MAX_VALUE: usize = 100;
pub const MAX_LABEL: usize = 200;
pub const MAX_UTM: usize = 50;

/// Why a value can't be chosen today, if it can't.
pub fn flag(v: &DimensionValue, today: NaiveDate) -> Option<&'static str> {
    if usable(v, today) {
        None
    } else if v.status != Availability::Active {
        Some("inactive")
    } else if v.valid_until.is_some_and(|d| d < today) {
        Some("expired")
    } else {
        Some("not yet valid")
    }
}

/// Search and the state filter of a dimension's values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ValueFilter {
    #[serde(default)]
    pub q: String,
    /// "", "usable", "inactive", "expired" or "future".
    #[serde(default)]
    pub state: String,
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    pub page: Option<i64>,
}

/// A value on the dimension page.
#[derive(Debug, Clone)]
pub struct ValueRow {
    pub value: DimensionValue,
    pub parent: Option<String>,
    pub flag: Option<&'static str>,
}

fn scoped(
    t: TenantId,
    dim: DimensionId,
    f: &ValueFilter,
    today: NaiveDate,
) -> naming_dimension_values::BoxedQuery<'static, MultiBackend> {
    use naming_dimension_values as v;
    let mut q = v::table
        .filter(v::tenant_id.eq(t))
        .filter(v::dimension_id.eq(dim))
        .into_boxed();
    let text = f.q.trim();
    if !text.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&text.to_lowercase())
        );
        q = q.filter(
            lower(v::value)
                .like(pat.clone())
                .escape('\\')
                .or(lower(v::label).like(pat.clone()).escape('\\'))
                .or(lower(v::utm).like(pat).escape('\\')),
        );
    }
    match f.state.as_str() {
        "usable" => {
            q = q
                .filter(v::status.eq(Availability::Active))
                .filter(v::valid_from.is_null().or(v::valid_from.le(today)))
                .filter(v::valid_until.is_null().or(v::valid_until.ge(today)))
        }
        "inactive" => q = q.filter(v::status.eq(Availability::Inactive)),
        "expired" => q = q.filter(v::valid_until.lt(today)),
        "future" => q = q.filter(v::valid_from.gt(today)),
        _ => {}
    }
    q
}

/// One page of a dimension's values, by value, each with its parent value.
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    dim: DimensionId,
    f: &ValueFilter,
    per_page: i64,
    today: NaiveDate,
) -> AppResult<Paginated<ValueRow>> {
    let params = PageParams::new(f.page);
    let total: i64 = scoped(t, dim, f, today).count().get_result(c)?;
    let rows: Vec<DimensionValue> = scoped(t, dim, f, today)
        .order((
            naming_dimension_values::value.asc(),
            naming_dimension_values::id.asc(),
        ))
        .limit(per_page)
        .offset(params.offset(per_page))
        .select(DimensionValue::as_select())
        .load(c)?;
    let parent_ids: Vec<DimensionValueId> = rows.iter().filter_map(|v| v.parent_id).collect();
    let parents = names_of(c, t, &parent_ids)?;
    let items = rows
        .into_iter()
        .map(|value| ValueRow {
            parent: value
                .parent_id
                .and_then(|p| parents.iter().find(|(id, _)| *id == p))
                .map(|(_, n)| n.clone()),
            flag: flag(&value, today),
            value,
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total)
        .with_query(&[("q", f.q.trim()), ("state", &f.state)]))
}

fn names_of(
    c: &mut DbConn,
    t: TenantId,
    ids: &[DimensionValueId],
) -> AppResult<Vec<(DimensionValueId, String)>> {
    Ok(naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::id.eq_any(ids.to_vec()))
        .select((naming_dimension_values::id, naming_dimension_values::value))
        .load(c)?)
}

/// Every value of a dimension, by value (parent choices, CSV).
pub fn all(c: &mut DbConn, t: TenantId, dim: DimensionId) -> AppResult<Vec<DimensionValue>> {
    Ok(naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq(dim))
        .order(naming_dimension_values::value.asc())
        .select(DimensionValue::as_select())
        .load(c)?)
}

/// One value of one dimension of the workspace (404 otherwise).
pub fn find(
    c: &mut DbConn,
    t: TenantId,
    dim: DimensionId,
    id: DimensionValueId,
) -> AppResult<DimensionValue> {
    Ok(naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq(dim))
        .filter(naming_dimension_values::id.eq(id))
        .select(DimensionValue::as_select())
        .first(c)?)
}

/// A new value row (also used by the CSV import).
pub fn new_row(
    t: TenantId,
    dim: DimensionId,
    actor: UserId,
    f: ValueFields,
    parent: Option<DimensionValueId>,
) -> DimensionValue {
    let now = UtcTime::now();
    DimensionValue {
        tenant_id: t,
        id: DimensionValueId::new(),
        dimension_id: dim,
        parent_id: parent,
        value: f.value,
        label: f.label,
        utm: f.utm,
        description: f.description,
        valid_from: f.valid_from,
        valid_until: f.valid_until,
        status: f.status,
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    }
}

/// Writes a value's columns and parent (also used by the CSV import).
pub fn write_fields(
    c: &mut DbConn,
    t: TenantId,
    id: DimensionValueId,
    f: &ValueFields,
    parent: Option<DimensionValueId>,
) -> QueryResult<()> {
    diesel::update(
        naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::id.eq(id)),
    )
    .set((
        naming_dimension_values::value.eq(&f.value),
        naming_dimension_values::label.eq(&f.label),
        naming_dimension_values::utm.eq(&f.utm),
        naming_dimension_values::description.eq(&f.description),
        naming_dimension_values::valid_from.eq(f.valid_from),
        naming_dimension_values::valid_until.eq(f.valid_until),
        naming_dimension_values::status.eq(&f.status),
        naming_dimension_values::parent_id.eq(parent),
        naming_dimension_values::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    Ok(())
}

/// Adds a value to a dimension.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    dim: DimensionId,
    form: &ValueForm,
    meta: &RequestMeta,
) -> AppResult<Result<DimensionValueId, FormErrors>> {
    let d = find_dimension(c, t, dim)?;
    let (f, parent) = match form.check(c, t, &d, None)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let row = new_row(t, dim, actor, f, parent);
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_dimension_values::table)
            .values(&row)
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(value_taken_errors()));
    }
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension_value.create")
            .actor(actor)
            .resource("naming_dimension_value", row.id)
            .meta(meta)
            .changes(json!({"dimension": d.name, "value": row.value, "label": row.label})),
    )?;
    Ok(Ok(row.id))
}

/// Saves a value.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    dim: DimensionId,
    id: DimensionValueId,
    form: &ValueForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let d = find_dimension(c, t, dim)?;
    let before = find(c, t, dim, id)?;
    let (f, parent) = match form.check(c, t, &d, Some(id))? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if crate::db::unless_taken(c, |c| write_fields(c, t, id, &f, parent))?.is_none() {
        return Ok(Err(value_taken_errors()));
    }
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension_value.update")
            .actor(actor)
            .resource("naming_dimension_value", id)
            .meta(meta)
            .changes(json!({
                "dimension": d.name,
                "value": [before.value, f.value],
                "label": [before.label, f.label],
                "utm": [before.utm, f.utm],
                "valid_from": [before.valid_from, f.valid_from],
                "valid_until": [before.valid_until, f.valid_until],
                "status": [before.status, f.status],
                "parent": [before.parent_id, parent],
            })),
    )?;
    Ok(Ok(()))
}

/// Where a value is used: strings (a sample of their values) and values of
/// a child dimension that have it as parent.
#[derive(Debug, Clone, Default)]
pub struct ValueUses {
    pub strings: i64,
    pub sample: Vec<String>,
    pub children: i64,
}

impl ValueUses {
    pub fn is_empty(&self) -> bool {
        self.strings == 0 && self.children == 0
    }
}

/// How many strings are shown by name when a delete is refused.
pub const SAMPLE: i64 = 20;

pub fn uses(c: &mut DbConn, t: TenantId, id: DimensionValueId) -> AppResult<ValueUses> {
    let strings: i64 = naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::dimension_value_id.eq(id))
        .count()
        .get_result(c)?;
    let sample: Vec<String> = naming_string_details::table
        .inner_join(
            naming_strings::table.on(naming_strings::tenant_id
                .eq(naming_string_details::tenant_id)
                .and(naming_strings::id.eq(naming_string_details::string_id))),
        )
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::dimension_value_id.eq(id))
        .order(naming_strings::value.asc())
        .limit(SAMPLE)
        .select(naming_strings::value)
        .load(c)?;
    let children: i64 = naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::parent_id.eq(id))
        .count()
        .get_result(c)?;
    Ok(ValueUses {
        strings,
        sample,
        children,
    })
}

/// Deletes a value unless strings or child values use it (`Err(uses)`).
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    dim: DimensionId,
    id: DimensionValueId,
    meta: &RequestMeta,
) -> AppResult<Result<(), ValueUses>> {
    let v = find(c, t, dim, id)?;
    let u = uses(c, t, id)?;
    if !u.is_empty() {
        return Ok(Err(u));
    }
    diesel::delete(
        naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension_value.delete")
            .actor(actor)
            .resource("naming_dimension_value", id)
            .meta(meta)
            .changes(json!({"value": v.value, "label": v.label})),
    )?;
    Ok(Ok(()))
}

/// Marks a value ACTIVE or INACTIVE.
pub fn set_status(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    dim: DimensionId,
    id: DimensionValueId,
    status: Availability,
    meta: &RequestMeta,
) -> AppResult<()> {
    let v = find(c, t, dim, id)?;
    diesel::update(
        naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::id.eq(id)),
    )
    .set((
        naming_dimension_values::status.eq(status),
        naming_dimension_values::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension_value.status")
            .actor(actor)
            .resource("naming_dimension_value", id)
            .meta(meta)
            .changes(json!({"value": v.value, "status": [v.status, status]})),
    )
}
