//! Writing a rule's parts: add a dimension at the end of a field's parts,
//! edit a part's affixes, delimiter and required flag, remove a part, or
//! swap it with a neighbour. Each write touches the rule and is audited.

use diesel::prelude::*;
use serde_json::json;

use super::PartInput;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::models::Availability;
use crate::naming::models::{
    Dimension, DimensionId, Field, FieldId, Rule, RuleDetail, RuleDetailId, RuleId,
};
use crate::naming::rules;
use crate::schema::{naming_dimensions, naming_rule_details};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// The field, if it is a level of the rule's platform.
fn rule_field(c: &mut DbConn, rule: &Rule, field: FieldId) -> AppResult<Field> {
    match catalogue::field(c, field) {
        Ok(f) if f.platform_id == rule.platform_id => Ok(f),
        Ok(_) | Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

fn detail(c: &mut DbConn, t: TenantId, rule: RuleId, id: RuleDetailId) -> AppResult<RuleDetail> {
    Ok(naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq(rule))
        .filter(naming_rule_details::id.eq(id))
        .select(RuleDetail::as_select())
        .first(c)?)
}

fn field_details(
    c: &mut DbConn,
    t: TenantId,
    rule: RuleId,
    field: FieldId,
) -> AppResult<Vec<RuleDetail>> {
    Ok(naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq(rule))
        .filter(naming_rule_details::field_id.eq(field))
        .order(naming_rule_details::dimension_order)
        .select(RuleDetail::as_select())
        .load(c)?)
}

fn touch_rule(c: &mut DbConn, t: TenantId, rule: RuleId) -> AppResult<()> {
    use crate::schema::naming_rules;
    diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(rule)),
    )
    .set(naming_rules::updated_at.eq(UtcTime::now()))
    .execute(c)?;
    Ok(())
}

/// Adds a dimension at the end of a field's parts; `Err(messages)` by input.
pub fn add_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    field_id: FieldId,
    input: &PartInput,
    meta: &RequestMeta,
) -> AppResult<Result<RuleDetailId, FormErrors>> {
    let rule = rules::find(c, t, rule_id)?;
    let field = rule_field(c, &rule, field_id)?;
    let mut errors = input.check();
    let existing = field_details(c, t, rule_id, field_id)?;
    let dimension: Option<Dimension> = match input.dimension_id.parse::<DimensionId>() {
        Ok(d) => naming_dimensions::table
            .filter(naming_dimensions::tenant_id.eq(t))
            .filter(naming_dimensions::id.eq(d))
            .select(Dimension::as_select())
            .first(c)
            .optional()?,
        Err(_) => None,
    };
    match &dimension {
        _ if existing.len() >= super::MAX_PARTS => errors.add(
            "dimension_id",
            format!(
                "{} already has {} parts, the most a field may have.",
                field.name,
                super::MAX_PARTS
            ),
        ),
        None => errors.add("dimension_id", "Choose a dimension."),
        Some(d) if existing.iter().any(|e| e.dimension_id == d.id) => errors.add(
            "dimension_id",
            format!("{} is already in {}.", d.name, field.name),
        ),
        Some(d) if d.status != Availability::Active => errors.add(
            "dimension_id",
            format!("{} is inactive: activate it first.", d.name),
        ),
        Some(_) => {}
    }
    let Some(dimension) = dimension.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let order = existing.last().map_or(0, |d| d.dimension_order + 1);
    let now = UtcTime::now();
    let row = RuleDetail {
        tenant_id: t,
        id: RuleDetailId::new(),
        rule_id,
        field_id,
        dimension_id: dimension.id,
        prefix: input.prefix.clone(),
        suffix: input.suffix.clone(),
        delimiter: input.delimiter.clone(),
        dimension_order: order,
        is_required: input.required(),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    if crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_rule_details::table)
            .values(&row)
            .execute(c)
    })?
    .is_none()
    {
        return Ok(Err(FormErrors::one(
            "dimension_id",
            format!("{} is already in {}.", dimension.name, field.name),
        )));
    }
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.create")
            .actor(actor)
            .resource("naming_rule_detail", row.id)
            .meta(meta)
            .changes(json!({"rule": rule.name, "field": field.name,
                "dimension": dimension.name, "prefix": row.prefix, "suffix": row.suffix,
                "delimiter": row.delimiter, "is_required": row.is_required,
                "dimension_order": order})),
    )?;
    Ok(Ok(row.id))
}

/// Saves a part's prefix, suffix, delimiter and required flag. Returns the
/// part's field (for re-rendering its section).
pub fn update_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    input: &PartInput,
    meta: &RequestMeta,
) -> AppResult<(FieldId, Result<(), FormErrors>)> {
    let before = detail(c, t, rule_id, id)?;
    let errors = input.check();
    if !errors.is_empty() {
        return Ok((before.field_id, Err(errors)));
    }
    diesel::update(
        naming_rule_details::table
            .filter(naming_rule_details::tenant_id.eq(t))
            .filter(naming_rule_details::id.eq(id)),
    )
    .set((
        naming_rule_details::prefix.eq(&input.prefix),
        naming_rule_details::suffix.eq(&input.suffix),
        naming_rule_details::delimiter.eq(&input.delimiter),
        naming_rule_details::is_required.eq(input.required()),
        naming_rule_details::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.update")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({
                "before": {"prefix": before.prefix, "suffix": before.suffix,
                    "delimiter": before.delimiter, "is_required": before.is_required},
                "after": {"prefix": input.prefix, "suffix": input.suffix,
                    "delimiter": input.delimiter, "is_required": input.required()},
            })),
    )?;
    Ok((before.field_id, Ok(())))
}

/// Removes a part; returns its field.
pub fn remove_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    meta: &RequestMeta,
) -> AppResult<FieldId> {
    let d = detail(c, t, rule_id, id)?;
    diesel::delete(
        naming_rule_details::table
            .filter(naming_rule_details::tenant_id.eq(t))
            .filter(naming_rule_details::id.eq(id)),
    )
    .execute(c)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.delete")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({"rule_id": rule_id, "field_id": d.field_id,
                "dimension_id": d.dimension_id, "dimension_order": d.dimension_order})),
    )?;
    Ok(d.field_id)
}

/// Swaps a part with its neighbour above (`up`) or below; at either end it
/// stays put. Returns its field.
pub fn move_part(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    rule_id: RuleId,
    id: RuleDetailId,
    up: bool,
    meta: &RequestMeta,
) -> AppResult<FieldId> {
    let d = detail(c, t, rule_id, id)?;
    let siblings = field_details(c, t, rule_id, d.field_id)?;
    let Some(i) = siblings.iter().position(|s| s.id == id) else {
        return Err(AppError::NotFound);
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    let Some(other) = j.and_then(|j| siblings.get(j)) else {
        return Ok(d.field_id);
    };
    // UNIQUE (rule, field, dimension_order) is checked row by row on both
    // backends: park this part past the end, then swap.
    let parked = siblings.last().map_or(0, |s| s.dimension_order) + 1;
    let set_order = |c: &mut DbConn, id: RuleDetailId, order: i32| -> AppResult<()> {
        diesel::update(
            naming_rule_details::table
                .filter(naming_rule_details::tenant_id.eq(t))
                .filter(naming_rule_details::id.eq(id)),
        )
        .set((
            naming_rule_details::dimension_order.eq(order),
            naming_rule_details::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
        Ok(())
    };
    set_order(c, d.id, parked)?;
    set_order(c, other.id, d.dimension_order)?;
    set_order(c, d.id, other.dimension_order)?;
    touch_rule(c, t, rule_id)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule_detail.move")
            .actor(actor)
            .resource("naming_rule_detail", id)
            .meta(meta)
            .changes(json!({"direction": if up { "up" } else { "down" },
                "before": d.dimension_order, "after": other.dimension_order,
                "swapped_with": other.id})),
    )?;
    Ok(d.field_id)
}
