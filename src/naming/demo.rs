//! A ready-made naming setup for a workspace: dimensions with values, a
//! three-level Meta Ads rule and a UTM link rule, and sample submissions over
//! them (`sample`). `seed-demo` uses it, and so do the tests and benchmarks
//! (one setup, described once).

pub mod bulk;
mod sample;

pub use sample::{meta_campaign, sample, utm_links};

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::schema::{
    naming_dimension_values, naming_dimensions, naming_rule_details, naming_rules,
};

/// Meta Ads and its fields, GA4 / UTM and its link field (starter catalogue).
pub const META_ADS: &str = "019a0000-0000-7000-8000-000000000001";
pub const META_CAMPAIGN: &str = "019a0000-0000-7000-8000-000000000101";
pub const META_AD_SET: &str = "019a0000-0000-7000-8000-000000000102";
pub const META_AD: &str = "019a0000-0000-7000-8000-000000000103";
pub const GA4_UTM: &str = "019a0000-0000-7000-8000-000000000003";
pub const UTM_LINK: &str = "019a0000-0000-7000-8000-000000000301";

/// What `seed` made, by name.
#[derive(Debug, Clone, Default)]
pub struct Demo {
    pub dimensions: HashMap<String, DimensionId>,
    /// `(dimension name, value)` → id.
    pub values: HashMap<(String, String), DimensionValueId>,
    pub meta_rule: RuleId,
    pub utm_rule: RuleId,
}

impl Demo {
    pub fn dim(&self, name: &str) -> DimensionId {
        self.dimensions.get(name).copied().unwrap_or_default()
    }

    pub fn value(&self, dim: &str, value: &str) -> DimensionValueId {
        self.values
            .get(&(dim.to_string(), value.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// The ids of `values` of dimension `dim`, as the submission form sends them.
    pub fn value_ids(&self, dim: &str, values: &[&str]) -> Vec<String> {
        values
            .iter()
            .map(|v| self.value(dim, v).to_string())
            .collect()
    }
}

pub fn id<T: std::str::FromStr + Default>(s: &str) -> T {
    s.parse().unwrap_or_default()
}

/// (name, kind, parent, values as (value, label, utm)).
type DimSpec = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str, &'static str)],
);

const DIMENSIONS: &[DimSpec] = &[
    (
        "Country",
        "LIST",
        None,
        &[
            ("de", "Germany", "de"),
            ("fr", "France", "fr"),
            ("uk", "United Kingdom", "uk"),
            ("us", "United States", "us"),
        ],
    ),
    (
        "Region",
        "LIST",
        Some("Country"),
        &[
            ("by", "Bavaria", "bavaria"),
            ("be", "Berlin", "berlin"),
            ("idf", "Île-de-France", "ile-de-france"),
            ("ldn", "London", "london"),
            ("ca", "California", "california"),
        ],
    ),
    (
        "Objective",
        "LIST",
        None,
        &[
            ("aw", "Awareness", "awareness"),
            ("cv", "Conversions", "conversions"),
            ("tr", "Traffic", "traffic"),
        ],
    ),
    (
        "Audience",
        "LIST",
        None,
        &[
            ("broad", "Broad", "broad"),
            ("lal", "Lookalike", "lookalike"),
            ("rt", "Retargeting", "retargeting"),
        ],
    ),
    ("Creative", "TEXT", None, &[]),
    (
        "Source",
        "LIST",
        None,
        &[
            ("fb", "Facebook", "facebook"),
            ("ig", "Instagram", "instagram"),
            ("nl", "Newsletter", "newsletter"),
        ],
    ),
    (
        "Medium",
        "LIST",
        None,
        &[
            ("cpc", "Paid click", "cpc"),
            ("social", "Organic social", "social"),
            ("email", "Email", "email"),
        ],
    ),
    ("Campaign name", "TEXT", None, &[]),
];

/// Which region sits under which country.
const REGION_PARENTS: &[(&str, &str)] = &[
    ("by", "de"),
    ("be", "de"),
    ("idf", "fr"),
    ("ldn", "uk"),
    ("ca", "us"),
];

/// Meta Ads: Campaign = Country_Region (optional)_Objective_Campaign name; Ad set =
/// Country_Audience (Country inherited); Ad = Country_Audience_Creative.
const META_PARTS: &[(&str, &str, bool)] = &[
    (META_CAMPAIGN, "Country", true),
    (META_CAMPAIGN, "Region", false),
    (META_CAMPAIGN, "Objective", true),
    (META_CAMPAIGN, "Campaign name", true),
    (META_AD_SET, "Country", true),
    (META_AD_SET, "Audience", true),
    (META_AD, "Country", true),
    (META_AD, "Audience", true),
    (META_AD, "Creative", true),
];

/// Creates the demo dimensions, values and rules in workspace `t`.
pub fn seed(c: &mut DbConn, t: TenantId, user: UserId) -> AppResult<Demo> {
    use diesel::RunQueryDsl;
    let now = UtcTime::now();
    let mut demo = Demo::default();
    for (name, kind, parent, values) in DIMENSIONS {
        let did = DimensionId::new();
        diesel::insert_into(naming_dimensions::table)
            .values(Dimension {
                tenant_id: t,
                id: did,
                parent_id: parent.map(|p| demo.dim(p)),
                name: name.to_string(),
                slug: crate::workspaces::models::slugify(name),
                description: String::new(),
                kind: DimensionKind::parse(kind).unwrap_or(DimensionKind::List),
                status: Availability::Active,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
        demo.dimensions.insert(name.to_string(), did);
        for (value, label, utm) in values.iter() {
            let vid = DimensionValueId::new();
            let parent_value = REGION_PARENTS
                .iter()
                .find(|(r, _)| *name == "Region" && r == value)
                .map(|(_, country)| demo.value("Country", country));
            diesel::insert_into(naming_dimension_values::table)
                .values(DimensionValue {
                    tenant_id: t,
                    id: vid,
                    dimension_id: did,
                    parent_id: parent_value,
                    value: value.to_string(),
                    label: label.to_string(),
                    utm: utm.to_string(),
                    description: String::new(),
                    valid_from: None,
                    valid_until: None,
                    status: Availability::Active,
                    created_at: now,
                    updated_at: now,
                    created_by: Some(user),
                })
                .execute(c)?;
            demo.values
                .insert((name.to_string(), value.to_string()), vid);
        }
    }
    // A value whose validity window has ended: listed, flagged, not choosable.
    let vid = DimensionValueId::new();
    diesel::insert_into(naming_dimension_values::table)
        .values(DimensionValue {
            tenant_id: t,
            id: vid,
            dimension_id: demo.dim("Objective"),
            parent_id: None,
            value: "bf23".into(),
            label: "Black Friday 2023".into(),
            utm: "black-friday-2023".into(),
            description: "Seasonal objective, ended".into(),
            valid_from: NaiveDate::from_ymd_opt(2023, 11, 1),
            valid_until: NaiveDate::from_ymd_opt(2023, 11, 30),
            status: Availability::Active,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    demo.values.insert(("Objective".into(), "bf23".into()), vid);

    demo.meta_rule = rule(
        c,
        t,
        user,
        META_ADS,
        "Meta standard",
        "_",
        META_PARTS,
        &demo,
    )?;
    demo.utm_rule = rule(
        c,
        t,
        user,
        GA4_UTM,
        "UTM link",
        "|",
        &[
            (UTM_LINK, "Source", true),
            (UTM_LINK, "Medium", true),
            (UTM_LINK, "Campaign name", true),
        ],
        &demo,
    )?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.demo.seed")
            .actor(user)
            .changes(json!({"dimensions": demo.dimensions.len(), "rules": 2})),
    )?;
    Ok(demo)
}

#[allow(clippy::too_many_arguments)]
fn rule(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    platform: &str,
    name: &str,
    delimiter: &str,
    parts: &[(&str, &str, bool)],
    demo: &Demo,
) -> AppResult<RuleId> {
    use diesel::RunQueryDsl;
    let now = UtcTime::now();
    let rid = RuleId::new();
    diesel::insert_into(naming_rules::table)
        .values(Rule {
            tenant_id: t,
            id: rid,
            platform_id: id(platform),
            name: name.into(),
            slug: crate::workspaces::models::slugify(name),
            description: String::new(),
            status: Availability::Active,
            is_default: true,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let mut order: HashMap<&str, i32> = HashMap::new();
    for (field, dim, required) in parts {
        let n = order.entry(field).or_insert(0);
        diesel::insert_into(naming_rule_details::table)
            .values(RuleDetail {
                tenant_id: t,
                id: RuleDetailId::new(),
                rule_id: rid,
                field_id: id(field),
                dimension_id: demo.dim(dim),
                prefix: String::new(),
                suffix: String::new(),
                delimiter: delimiter.into(),
                dimension_order: *n,
                is_required: *required,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
        *n += 1;
    }
    Ok(rid)
}
