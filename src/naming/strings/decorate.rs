//! Decorating strings for display and export: field, rule, platform,
//! submission status, ordered details with expired-value flags, UTM link.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::{utm_url, DetailView, Node, CHUNK, UTM_PLATFORM};
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::naming::parts::usable;
use crate::schema::{
    naming_dimension_values, naming_dimensions, naming_rule_details, naming_rules,
    naming_string_details, naming_submissions,
};

/// The platforms, fields and rules a page of strings is shown with: read
/// once per request and shared by the tree and the filter's choices.
pub struct Catalogue {
    /// By name.
    pub platforms: Vec<Platform>,
    /// By platform, then level.
    pub fields: Vec<Field>,
    /// The workspace's rules, by name.
    pub rules: Vec<Rule>,
}

impl Catalogue {
    pub fn load(c: &mut DbConn, t: TenantId) -> AppResult<Self> {
        Ok(Catalogue {
            platforms: crate::naming::catalogue::platforms(c)?,
            fields: crate::naming::catalogue::all_fields(c)?,
            rules: naming_rules::table
                .filter(naming_rules::tenant_id.eq(t))
                .order(naming_rules::name)
                .select(Rule::as_select())
                .load(c)?,
        })
    }
}

/// Strings with their names, statuses, details, flags and UTM links, in a
/// fixed number of queries whatever the count.
pub fn decorate(
    c: &mut DbConn,
    t: TenantId,
    rows: Vec<NamingString>,
    landing: &str,
) -> AppResult<Vec<Node>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let catalogue = Catalogue::load(c, t)?;
    decorate_with(c, t, rows, landing, &catalogue)
}

/// [`decorate`] with the catalogue already read.
pub fn decorate_with(
    c: &mut DbConn,
    t: TenantId,
    rows: Vec<NamingString>,
    landing: &str,
    catalogue: &Catalogue,
) -> AppResult<Vec<Node>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let today = crate::naming::parts::today();
    let fields: HashMap<FieldId, &Field> = catalogue.fields.iter().map(|f| (f.id, f)).collect();
    let platforms: HashMap<PlatformId, &Platform> =
        catalogue.platforms.iter().map(|p| (p.id, p)).collect();
    let rules: HashMap<RuleId, &Rule> = catalogue.rules.iter().map(|r| (r.id, r)).collect();
    let dims: HashMap<DimensionId, Dimension> = naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .select(Dimension::as_select())
        .load(c)?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    // (rule, field, dimension) → position in the rule.
    let order: HashMap<(RuleId, FieldId, DimensionId), i32> = naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .select((
            naming_rule_details::rule_id,
            naming_rule_details::field_id,
            naming_rule_details::dimension_id,
            naming_rule_details::dimension_order,
        ))
        .load::<(RuleId, FieldId, DimensionId, i32)>(c)?
        .into_iter()
        .map(|(r, f, d, o)| ((r, f, d), o))
        .collect();
    let sub_ids: Vec<SubmissionId> = rows
        .iter()
        .map(|s| s.submission_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut subs: HashMap<SubmissionId, (String, String)> = HashMap::new();
    for chunk in sub_ids.chunks(CHUNK) {
        for (id, name, status) in naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::id.eq_any(chunk))
            .select((
                naming_submissions::id,
                naming_submissions::name,
                naming_submissions::status,
            ))
            .load::<(SubmissionId, String, String)>(c)?
        {
            subs.insert(id, (name, status));
        }
    }
    let ids: Vec<StringId> = rows.iter().map(|s| s.id).collect();
    let mut details: HashMap<StringId, Vec<StringDetail>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for d in naming_string_details::table
            .filter(naming_string_details::tenant_id.eq(t))
            .filter(naming_string_details::string_id.eq_any(chunk))
            .select(StringDetail::as_select())
            .load(c)?
        {
            details.entry(d.string_id).or_default().push(d);
        }
    }
    let value_ids: Vec<DimensionValueId> = details
        .values()
        .flatten()
        .filter_map(|d| d.dimension_value_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut values: HashMap<DimensionValueId, DimensionValue> = HashMap::new();
    for chunk in value_ids.chunks(CHUNK) {
        for v in naming_dimension_values::table
            .filter(naming_dimension_values::tenant_id.eq(t))
            .filter(naming_dimension_values::id.eq_any(chunk))
            .select(DimensionValue::as_select())
            .load(c)?
        {
            values.insert(v.id, v);
        }
    }

    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let field = fields.get(&s.field_id);
        let rule = rules.get(&s.rule_id);
        let platform = rule.and_then(|r| platforms.get(&r.platform_id));
        let (submission, status) = subs.get(&s.submission_id).cloned().unwrap_or_default();
        let mut ds: Vec<(i32, DetailView)> = details
            .remove(&s.id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| {
                let dim = dims.get(&d.dimension_id)?;
                let pos = order
                    .get(&(s.rule_id, s.field_id, d.dimension_id))
                    .copied()
                    .unwrap_or(i32::MAX);
                let view = match (d.dimension_value_id, d.dimension_value_freetext) {
                    (Some(vid), _) => {
                        let v = values.get(&vid)?;
                        DetailView {
                            dimension: dim.name.clone(),
                            slug: dim.slug.clone(),
                            shown: v.value.clone(),
                            utm: if v.utm.is_empty() {
                                v.value.clone()
                            } else {
                                v.utm.clone()
                            },
                            inherited: d.is_inherited,
                            expired: !usable(v, today),
                        }
                    }
                    (None, Some(text)) => DetailView {
                        dimension: dim.name.clone(),
                        slug: dim.slug.clone(),
                        shown: text.clone(),
                        utm: text,
                        inherited: d.is_inherited,
                        expired: false,
                    },
                    (None, None) => return None,
                };
                Some((pos, view))
            })
            .collect();
        ds.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.dimension.cmp(&b.1.dimension))
        });
        let details: Vec<DetailView> = ds.into_iter().map(|(_, d)| d).collect();
        let platform_slug = platform.map(|p| p.slug.clone()).unwrap_or_default();
        let utm_url = (platform_slug == UTM_PLATFORM).then(|| {
            let parts: Vec<(&str, &str, &str)> = details
                .iter()
                .map(|d| (d.dimension.as_str(), d.slug.as_str(), d.utm.as_str()))
                .collect();
            utm_url(landing, &parts)
        });
        out.push(Node {
            depth: 0,
            matched: true,
            field: field.map(|f| f.name.clone()).unwrap_or_default(),
            level: field.map_or(0, |f| f.field_level),
            has_next: field.is_some_and(|f| f.next_field_id.is_some()),
            rule: rule.map(|r| r.name.clone()).unwrap_or_default(),
            platform: platform.map(|p| p.name.clone()).unwrap_or_default(),
            platform_slug,
            status,
            submission,
            details,
            utm_url,
            s,
        });
    }
    Ok(out)
}
