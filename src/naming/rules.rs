//! Rules: for each platform of the catalogue, a workspace's named ways to
//! compose its fields' names (one default rule per platform). A rule's parts
//! (rule details) are edited in the rule builder (`rules::builder`).
//!
//! This module lists and finds rules; `edit` creates, edits, duplicates and
//! (de)activates them and keeps one default per platform; `usage` says where
//! a rule is used and deletes an unused one.

pub mod builder;
mod edit;
pub mod names;
mod usage;

use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::{PlatformId, Rule, RuleId};
use crate::schema::{naming_platforms, naming_rule_details, naming_rules, naming_strings};
use crate::web::{PageParams, Paginated};

pub use builder::MAX_PARTS;
pub use edit::{create, duplicate, make_default, set_status, update, RuleInput};
pub use usage::{delete, usage, Usage};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The list's filters (query string).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleFilter {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    pub page: Option<i64>,
}

/// A rule in the list, with its platform and counts.
#[derive(Debug, Clone)]
pub struct RuleRow {
    pub rule: Rule,
    pub platform: String,
    pub parts: i64,
    pub strings: i64,
}

/// One page of the workspace's rules, filtered, by platform then name.
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    f: &RuleFilter,
    per_page: i64,
) -> AppResult<Paginated<RuleRow>> {
    let params = PageParams::new(f.page);
    let platform: Option<PlatformId> = f.platform.parse().ok();
    let pattern = (!f.q.trim().is_empty()).then(|| {
        format!(
            "%{}%",
            crate::audit::queries::escape_like(&f.q.trim().to_lowercase())
        )
    });
    let query = || {
        let mut q = naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .into_boxed();
        if let Some(p) = platform {
            q = q.filter(naming_rules::platform_id.eq(p));
        }
        if let Some(status) = crate::naming::models::Availability::parse(&f.status) {
            q = q.filter(naming_rules::status.eq(status));
        }
        if let Some(p) = &pattern {
            q = q.filter(lower(naming_rules::name).like(p.clone()).escape('\\'));
        }
        q
    };
    let total: i64 = query().count().get_result(c)?;
    let rules: Vec<(Rule, String)> = query()
        .inner_join(naming_platforms::table)
        .order((naming_platforms::name, naming_rules::name))
        .limit(per_page)
        .offset(params.offset(per_page))
        .select((Rule::as_select(), naming_platforms::name))
        .load(c)?;
    let ids: Vec<RuleId> = rules.iter().map(|(r, _)| r.id).collect();
    let parts: Vec<(RuleId, i64)> = naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq_any(&ids))
        .group_by(naming_rule_details::rule_id)
        .select((naming_rule_details::rule_id, diesel::dsl::count_star()))
        .load(c)?;
    let strings: Vec<(RuleId, i64)> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::rule_id.eq_any(&ids))
        .group_by(naming_strings::rule_id)
        .select((naming_strings::rule_id, diesel::dsl::count_star()))
        .load(c)?;
    let count =
        |v: &[(RuleId, i64)], id: RuleId| v.iter().find(|(r, _)| *r == id).map_or(0, |x| x.1);
    let items = rules
        .into_iter()
        .map(|(rule, platform)| RuleRow {
            parts: count(&parts, rule.id),
            strings: count(&strings, rule.id),
            rule,
            platform,
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total).with_query(&[
        ("platform", f.platform.as_str()),
        ("status", f.status.as_str()),
        ("q", f.q.as_str()),
    ]))
}

/// A rule of this workspace (404 for another's).
pub fn find(c: &mut DbConn, t: TenantId, id: RuleId) -> AppResult<Rule> {
    Ok(naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(id))
        .select(Rule::as_select())
        .first(c)?)
}

/// Every rule of the workspace, by name (for selects).
pub fn all(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Rule>> {
    Ok(naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .order(naming_rules::name)
        .select(Rule::as_select())
        .load(c)?)
}
