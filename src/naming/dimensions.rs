//! Dimensions of a workspace: the named parts a rule composes names from
//! (LIST dimensions with their values, or free TEXT), optionally under a
//! parent dimension whose values narrow this one's. Values are in `values`,
//! CSV import and export in `csv`.

pub mod csv;
pub mod values;

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
use crate::naming::models::DimensionKind;
use crate::naming::models::{Dimension, DimensionId, DimensionValue, DimensionValueId};
use crate::schema::{
    naming_dimension_values, naming_dimensions, naming_rule_details, naming_rules,
    naming_string_details,
};
use crate::web::extract::RequestMeta;
use crate::web::{FormErrors, PageParams, Paginated};

/// Search and filters of the dimensions list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DimensionFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    pub page: Option<i64>,
}

impl DimensionFilter {
    pub fn page_params(&self) -> PageParams {
        PageParams::new(self.page)
    }
}

/// A dimension on the list: its parent's name and how many values it has.
#[derive(Debug, Clone)]
pub struct DimensionRow {
    pub dimension: Dimension,
    pub parent: Option<String>,
    pub values: i64,
}

fn scoped(
    t: TenantId,
    f: &DimensionFilter,
) -> naming_dimensions::BoxedQuery<'static, MultiBackend> {
    let mut q = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .into_boxed();
    let q_text = f.q.trim();
    if !q_text.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&q_text.to_lowercase())
        );
        q = q.filter(
            lower(naming_dimensions::name)
                .like(pat.clone())
                .escape('\\')
                .or(lower(naming_dimensions::description).like(pat).escape('\\')),
        );
    }
    if let Some(k) = DimensionKind::parse(&f.kind) {
        q = q.filter(naming_dimensions::kind.eq(k));
    }
    if let Some(status) = Availability::parse(&f.status) {
        q = q.filter(naming_dimensions::status.eq(status));
    }
    q
}

/// One page of the workspace's dimensions, by name, with value counts.
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    f: &DimensionFilter,
    per_page: i64,
) -> AppResult<Paginated<DimensionRow>> {
    let params = f.page_params();
    let total: i64 = scoped(t, f).count().get_result(c)?;
    let dims: Vec<Dimension> = scoped(t, f)
        .order((naming_dimensions::name.asc(), naming_dimensions::id.asc()))
        .limit(per_page)
        .offset(params.offset(per_page))
        .select(Dimension::as_select())
        .load(c)?;
    let ids: Vec<DimensionId> = dims.iter().map(|d| d.id).collect();
    let counts: Vec<(DimensionId, i64)> = naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq_any(&ids))
        .group_by(naming_dimension_values::dimension_id)
        .select((
            naming_dimension_values::dimension_id,
            diesel::dsl::count_star(),
        ))
        .load(c)?;
    let parent_ids: Vec<DimensionId> = dims.iter().filter_map(|d| d.parent_id).collect();
    let parents: Vec<(DimensionId, String)> = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::id.eq_any(parent_ids))
        .select((naming_dimensions::id, naming_dimensions::name))
        .load(c)?;
    let items = dims
        .into_iter()
        .map(|d| DimensionRow {
            values: counts
                .iter()
                .find(|(id, _)| *id == d.id)
                .map_or(0, |(_, n)| *n),
            parent: d
                .parent_id
                .and_then(|p| parents.iter().find(|(id, _)| *id == p))
                .map(|(_, n)| n.clone()),
            dimension: d,
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total).with_query(&[
        ("q", f.q.trim()),
        ("kind", &f.kind),
        ("status", &f.status),
    ]))
}

/// Every dimension of the workspace, by name (parent choices).
pub fn all(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Dimension>> {
    Ok(naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .order(naming_dimensions::name.asc())
        .select(Dimension::as_select())
        .load(c)?)
}

/// One dimension of the workspace (404 when unknown or another workspace's).
pub fn find(c: &mut DbConn, t: TenantId, id: DimensionId) -> AppResult<Dimension> {
    Ok(naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::id.eq(id))
        .select(Dimension::as_select())
        .first(c)?)
}

/// What the dimension form sends.
#[derive(Debug, Clone, Deserialize)]
pub struct DimensionForm {
    #[serde(default)]
    pub name: String,
    #[serde(default = "list_kind")]
    pub kind: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default = "active")]
    pub status: String,
    #[serde(default)]
    pub description: String,
}

fn list_kind() -> String {
    "LIST".into()
}

fn active() -> String {
    "ACTIVE".into()
}

impl Default for DimensionForm {
    fn default() -> Self {
        DimensionForm {
            name: String::new(),
            kind: list_kind(),
            parent_id: String::new(),
            status: active(),
            description: String::new(),
        }
    }
}

impl DimensionForm {
    pub fn from_dimension(d: &Dimension) -> Self {
        DimensionForm {
            name: d.name.clone(),
            kind: d.kind.as_str().to_string(),
            parent_id: d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            status: d.status.to_string(),
            description: d.description.clone(),
        }
    }

    /// Checks the form against the workspace: lengths, kind and status, the
    /// parent (an existing dimension, not itself, no loop), a free name.
    fn check(
        &mut self,
        c: &mut DbConn,
        t: TenantId,
        this: Option<DimensionId>,
    ) -> AppResult<Result<Option<DimensionId>, FormErrors>> {
        let mut e = FormErrors::default();
        self.name = self.name.trim().to_string();
        self.description = self.description.trim().to_string();
        let n = self.name.chars().count();
        if n == 0 {
            e.add("name", "Give the dimension a name (e.g. Country).");
        } else if n > 100 {
            e.add("name", "Keep the name under 100 characters.");
        }
        if DimensionKind::parse(&self.kind).is_none() {
            e.add("kind", "Choose List or Text.");
        }
        if Availability::parse(&self.status).is_none() {
            e.add("status", "Choose Active or Inactive.");
        }
        let mut parent = None;
        if !self.parent_id.trim().is_empty() {
            match self.parent_id.trim().parse::<DimensionId>() {
                Ok(p) if Some(p) == this => {
                    e.add("parent_id", "A dimension can't be its own parent.");
                }
                Ok(p) => match naming_dimensions::table
                    .filter(naming_dimensions::tenant_id.eq(t))
                    .filter(naming_dimensions::id.eq(p))
                    .select(naming_dimensions::id)
                    .first::<DimensionId>(c)
                    .optional()?
                {
                    None => e.add("parent_id", "Choose a dimension of this workspace."),
                    Some(p) => {
                        if let Some(me) = this {
                            if ancestors(c, t, p)?.contains(&me) {
                                e.add(
                                    "parent_id",
                                    "That dimension is below this one: the parents would go round in a loop.",
                                );
                            }
                        }
                        parent = Some(p);
                    }
                },
                Err(_) => e.add("parent_id", "Choose a dimension of this workspace."),
            }
        }
        if n > 0 && n <= 100 {
            let taken: Option<DimensionId> = naming_dimensions::table
                .filter(naming_dimensions::tenant_id.eq(t))
                .filter(naming_dimensions::name.eq(&self.name))
                .select(naming_dimensions::id)
                .first(c)
                .optional()?;
            if taken.is_some_and(|id| Some(id) != this) {
                e.add("name", NAME_TAKEN);
            }
        }
        Ok(if e.is_empty() { Ok(parent) } else { Err(e) })
    }
}

/// `start` and the dimensions above it, following parents (a loop made some
/// other way stops the walk rather than hanging it).
fn ancestors(c: &mut DbConn, t: TenantId, start: DimensionId) -> AppResult<Vec<DimensionId>> {
    let mut out = vec![start];
    let mut at = start;
    while out.len() < 100 {
        let up: Option<Option<DimensionId>> = naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::id.eq(at))
            .select(naming_dimensions::parent_id)
            .first(c)
            .optional()?;
        match up.flatten() {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

const NAME_TAKEN: &str = "Another dimension already has that name.";

/// The form's messages when the name was taken after the check passed.
fn name_taken() -> FormErrors {
    let mut e = FormErrors::default();
    e.add("name", NAME_TAKEN);
    e
}

/// Creates a dimension; `Err` carries the form's messages.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    form: &mut DimensionForm,
    meta: &RequestMeta,
) -> AppResult<Result<DimensionId, FormErrors>> {
    let parent = match form.check(c, t, None)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let slug = crate::naming::free_slug(&form.name, |s| {
        Ok(naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::slug.eq(s))
            .count()
            .get_result::<i64>(c)?
            > 0)
    })?;
    let now = UtcTime::now();
    let row = Dimension {
        tenant_id: t,
        id: DimensionId::new(),
        parent_id: parent,
        name: form.name.clone(),
        slug,
        description: form.description.clone(),
        kind: DimensionKind::parse(&form.kind).unwrap_or(DimensionKind::List),
        status: Availability::parse(&form.status).unwrap_or(Availability::Active),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_dimensions::table)
            .values(&row)
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(name_taken()));
    }
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension.create")
            .actor(actor)
            .resource("naming_dimension", row.id)
            .meta(meta)
            .changes(
                json!({"name": row.name, "kind": row.kind, "parent": parent, "status": row.status}),
            ),
    )?;
    Ok(Ok(row.id))
}

/// Saves a dimension. A new parent dimension unlinks the values' parent
/// values (they were values of the old parent); returns how many.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: DimensionId,
    form: &mut DimensionForm,
    meta: &RequestMeta,
) -> AppResult<Result<usize, FormErrors>> {
    let before = find(c, t, id)?;
    let parent = match form.check(c, t, Some(id))? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let saved = crate::db::unless_taken(c, |c| {
        diesel::update(
            naming_dimensions::table
                .filter(naming_dimensions::tenant_id.eq(t))
                .filter(naming_dimensions::id.eq(id)),
        )
        .set((
            naming_dimensions::name.eq(&form.name),
            naming_dimensions::kind.eq(&form.kind),
            naming_dimensions::parent_id.eq(parent),
            naming_dimensions::status.eq(&form.status),
            naming_dimensions::description.eq(&form.description),
            naming_dimensions::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)
    })?;
    if saved.is_none() {
        return Ok(Err(name_taken()));
    }
    let unlinked = if parent != before.parent_id {
        diesel::update(
            naming_dimension_values::table
                .filter(naming_dimension_values::tenant_id.eq(t))
                .filter(naming_dimension_values::dimension_id.eq(id))
                .filter(naming_dimension_values::parent_id.is_not_null()),
        )
        .set(naming_dimension_values::parent_id.eq(None::<DimensionValueId>))
        .execute(c)?
    } else {
        0
    };
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension.update")
            .actor(actor)
            .resource("naming_dimension", id)
            .meta(meta)
            .changes(json!({
                "name": [before.name, form.name],
                "kind": [before.kind, form.kind],
                "parent": [before.parent_id, parent],
                "status": [before.status, form.status],
                "values_unlinked": unlinked,
            })),
    )?;
    Ok(Ok(unlinked))
}

/// Where a dimension is used: the rules whose parts use it, how many
/// strings carry a value of it, and the dimensions below it.
#[derive(Debug, Clone, Default)]
pub struct DimensionUses {
    pub rules: Vec<String>,
    pub strings: i64,
    pub children: Vec<String>,
}

impl DimensionUses {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.strings == 0 && self.children.is_empty()
    }
}

pub fn uses(c: &mut DbConn, t: TenantId, id: DimensionId) -> AppResult<DimensionUses> {
    let rules: Vec<String> = naming_rule_details::table
        .inner_join(
            naming_rules::table.on(naming_rules::tenant_id
                .eq(naming_rule_details::tenant_id)
                .and(naming_rules::id.eq(naming_rule_details::rule_id))),
        )
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::dimension_id.eq(id))
        .select(naming_rules::name)
        .distinct()
        .order(naming_rules::name.asc())
        .load(c)?;
    let strings: i64 = naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::dimension_id.eq(id))
        .count()
        .get_result(c)?;
    let children: Vec<String> = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .filter(naming_dimensions::parent_id.eq(id))
        .order(naming_dimensions::name.asc())
        .select(naming_dimensions::name)
        .load(c)?;
    Ok(DimensionUses {
        rules,
        strings,
        children,
    })
}

/// Deletes a dimension and its values, unless something uses it: then
/// `Err(uses)` (nothing changed).
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: DimensionId,
    meta: &RequestMeta,
) -> AppResult<Result<(), DimensionUses>> {
    let d = find(c, t, id)?;
    let u = uses(c, t, id)?;
    if !u.is_empty() {
        return Ok(Err(u));
    }
    let values = diesel::delete(
        naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::dimension_id.eq(id)),
    )
    .execute(c)?;
    diesel::delete(
        naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension.delete")
            .actor(actor)
            .resource("naming_dimension", id)
            .meta(meta)
            .changes(json!({"name": d.name, "values": values})),
    )?;
    Ok(Ok(()))
}

/// Marks a dimension ACTIVE or INACTIVE (the soft alternative to deleting).
pub fn set_status(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: DimensionId,
    status: Availability,
    meta: &RequestMeta,
) -> AppResult<()> {
    let d = find(c, t, id)?;
    diesel::update(
        naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::id.eq(id)),
    )
    .set((
        naming_dimensions::status.eq(status),
        naming_dimensions::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.dimension.status")
            .actor(actor)
            .resource("naming_dimension", id)
            .meta(meta)
            .changes(json!({"name": d.name, "status": [d.status, status]})),
    )
}

/// The values of `dimension` that can be chosen on `today` (see
/// `parts::usable`), by value; when `parents` is not empty, only those whose
/// parent value is one of them (dependent dropdowns). 404 for a dimension of
/// another workspace.
pub fn options(
    c: &mut DbConn,
    t: TenantId,
    dimension: DimensionId,
    parents: &[DimensionValueId],
    today: NaiveDate,
) -> AppResult<Vec<DimensionValue>> {
    find(c, t, dimension)?;
    let mut q = naming_dimension_values::table
        .filter(naming_dimension_values::tenant_id.eq(t))
        .filter(naming_dimension_values::dimension_id.eq(dimension))
        .filter(naming_dimension_values::status.eq(Availability::Active))
        .filter(
            naming_dimension_values::valid_from
                .is_null()
                .or(naming_dimension_values::valid_from.le(today)),
        )
        .filter(
            naming_dimension_values::valid_until
                .is_null()
                .or(naming_dimension_values::valid_until.ge(today)),
        )
        .into_boxed();
    if !parents.is_empty() {
        q = q.filter(naming_dimension_values::parent_id.eq_any(parents.to_vec()));
    }
    Ok(q.order(naming_dimension_values::value.asc())
        .select(DimensionValue::as_select())
        .load(c)?)
}
