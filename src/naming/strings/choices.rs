//! The strings page's filter choices: rules, platforms, levels and the
//! workspace's dimension values (capped, a value past the cap still filters
//! by its id in the address).

use diesel::prelude::*;

use crate::error::AppResult;
use crate::naming::models::{DimensionValue, Field, Platform, Rule};
use crate::schema::{naming_dimension_values, naming_dimensions};

/// A value in the dimension-value filter: "Country: de — Germany".
pub struct ValueOpt {
    pub id: String,
    pub text: String,
}

/// The filter selects.
pub struct Choices {
    pub rules: Vec<Rule>,
    pub platforms: Vec<Platform>,
    pub fields: Vec<(Field, String)>,
    pub values: Vec<ValueOpt>,
}

/// The filter's choices, from the catalogue the tree was shown with (read
/// once per request) and the workspace's values.
pub fn choices(
    c: &mut crate::db::DbConn,
    t: crate::db::TenantId,
    catalogue: super::Catalogue,
) -> AppResult<Choices> {
    let platforms = catalogue.platforms;
    let mut by_platform: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
    for f in catalogue.fields {
        by_platform.entry(f.platform_id).or_default().push(f);
    }
    let mut fields = Vec::new();
    for p in &platforms {
        for f in by_platform.remove(&p.id).unwrap_or_default() {
            fields.push((f, p.name.clone()));
        }
    }
    let values: Vec<(DimensionValue, String)> = naming_dimension_values::table
        .inner_join(
            naming_dimensions::table.on(naming_dimensions::tenant_id
                .eq(naming_dimension_values::tenant_id)
                .and(naming_dimensions::id.eq(naming_dimension_values::dimension_id))),
        )
        .filter(naming_dimension_values::tenant_id.eq(t))
        .order((naming_dimensions::name, naming_dimension_values::value))
        // The filter's list of values stays a usable size; a value past it is
        // still a filter by its id in the address (`?value=<id>`).
        .limit(crate::web::COUNT_CAP)
        .select((DimensionValue::as_select(), naming_dimensions::name))
        .load(c)?;
    Ok(Choices {
        rules: catalogue.rules,
        platforms,
        fields,
        values: values
            .into_iter()
            .map(|(v, dim)| ValueOpt {
                id: v.id.to_string(),
                text: format!("{dim}: {} — {}", v.value, v.label),
            })
            .collect(),
    })
}
