//! A rule's parts as the pure core sees them: for each field, the ordered
//! rule details with their dimension and the dimension's values, loaded in
//! three queries, and turned into `core::Part`s for a given day (values
//! outside their validity window, or inactive, are "expired").

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::core::{Part, PartKind};
use crate::naming::models::Availability;
use crate::naming::models::DimensionKind;
use crate::naming::models::{Dimension, DimensionId, DimensionValue, FieldId, RuleDetail, RuleId};
use crate::schema::{naming_dimension_values, naming_dimensions, naming_rule_details};

/// One rule detail with what it needs to compose and parse.
#[derive(Debug, Clone)]
pub struct RulePart {
    pub detail: RuleDetail,
    pub dimension: Dimension,
}

/// A rule's parts for every field, each field's in `dimension_order`, plus
/// the values of every dimension they use.
#[derive(Debug, Clone, Default)]
pub struct RuleParts {
    pub by_field: HashMap<FieldId, Vec<RulePart>>,
    pub values: HashMap<DimensionId, Vec<DimensionValue>>,
}

impl RuleParts {
    pub fn load(c: &mut DbConn, t: TenantId, rule: RuleId) -> AppResult<RuleParts> {
        let rows: Vec<(RuleDetail, Dimension)> = naming_rule_details::table
            .inner_join(
                naming_dimensions::table.on(naming_dimensions::tenant_id
                    .eq(naming_rule_details::tenant_id)
                    .and(naming_dimensions::id.eq(naming_rule_details::dimension_id))),
            )
            .filter(naming_rule_details::tenant_id.eq(t))
            .filter(naming_rule_details::rule_id.eq(rule))
            .order((
                naming_rule_details::field_id,
                naming_rule_details::dimension_order,
            ))
            .select((RuleDetail::as_select(), Dimension::as_select()))
            .load(c)?;
        let mut dims: Vec<DimensionId> = rows.iter().map(|(_, d)| d.id).collect();
        dims.sort();
        dims.dedup();
        let mut values: HashMap<DimensionId, Vec<DimensionValue>> = HashMap::new();
        for v in naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::dimension_id.eq_any(&dims))
            .order(naming_dimension_values::value)
            .select(DimensionValue::as_select())
            .load(c)?
        {
            values.entry(v.dimension_id).or_default().push(v);
        }
        let mut by_field: HashMap<FieldId, Vec<RulePart>> = HashMap::new();
        for (detail, dimension) in rows {
            by_field
                .entry(detail.field_id)
                .or_default()
                .push(RulePart { detail, dimension });
        }
        Ok(RuleParts { by_field, values })
    }

    /// The parts of one field (empty when the rule has none for it).
    pub fn field(&self, field: FieldId) -> &[RulePart] {
        self.by_field.get(&field).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn values(&self, dimension: DimensionId) -> &[DimensionValue] {
        self.values
            .get(&dimension)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The core's view of one field's parts on `today`. The values map of
    /// `compose`/`parse` is keyed by dimension name (unique per workspace).
    pub fn core_parts(&self, field: FieldId, today: NaiveDate) -> Vec<Part> {
        self.field(field)
            .iter()
            .map(|p| Part {
                dimension: p.dimension.name.clone(),
                prefix: p.detail.prefix.clone(),
                suffix: p.detail.suffix.clone(),
                delimiter: p.detail.delimiter.clone(),
                required: p.detail.is_required,
                kind: if p.dimension.kind == DimensionKind::Text {
                    PartKind::Text
                } else {
                    let (mut values, mut expired) = (Vec::new(), Vec::new());
                    for v in self.values(p.dimension.id) {
                        if usable(v, today) {
                            values.push(v.value.clone());
                        } else {
                            expired.push(v.value.clone());
                        }
                    }
                    PartKind::List { values, expired }
                },
            })
            .collect()
    }
}

/// Whether a value can be chosen for a new string on `today`: active, and
/// inside its validity window (both ends inclusive).
pub fn usable(v: &DimensionValue, today: NaiveDate) -> bool {
    v.status == Availability::Active
        && v.valid_from.is_none_or(|d| d <= today)
        && v.valid_until.is_none_or(|d| d >= today)
}

/// Today in UTC: the day validity windows are judged against.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
