//! Rules: for each platform of the catalogue, a workspace's named ways to
//! compose its fields' names (one default rule per platform). A rule's parts
//! (rule details) are edited in the rule builder (`rules::builder`).

pub mod builder;
pub mod names;

use diesel::prelude::*;
use serde_json::json;

use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{is_unique_violation, AppResult};
use crate::naming::catalogue;
use crate::naming::models::{PlatformId, Rule, RuleDetail, RuleDetailId, RuleId};
use crate::schema::{
    naming_platforms, naming_rule_details, naming_rules, naming_string_update_batches,
    naming_strings, naming_submissions,
};
use crate::web::extract::RequestMeta;
use crate::web::{FormErrors, PageParams, Paginated};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub const STATUSES: [&str; 2] = ["ACTIVE", "INACTIVE"];

/// What the rule form sends (create and edit; the platform is fixed after create).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleInput {
    #[serde(default)]
    pub platform_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub is_default: Option<String>,
}

impl RuleInput {
    pub fn default_ticked(&self) -> bool {
        self.is_default.is_some()
    }

    pub fn from_rule(r: &Rule) -> Self {
        RuleInput {
            platform_id: r.platform_id.to_string(),
            name: r.name.clone(),
            description: r.description.clone(),
            status: r.status.clone(),
            is_default: r.is_default.then(|| "on".to_string()),
        }
    }

    /// Messages by field, next to the inputs.
    fn check(&self) -> FormErrors {
        let mut e = FormErrors::default();
        let n = self.name.trim().chars().count();
        if n == 0 {
            e.add("name", "Give the rule a name.");
        } else if n > 200 {
            e.add("name", "Keep the name under 200 characters.");
        }
        if self.description.chars().count() > 2000 {
            e.add(
                "description",
                "Keep the description under 2,000 characters.",
            );
        }
        if !STATUSES.contains(&self.status_or_active()) {
            e.add("status", "Choose Active or Inactive.");
        }
        if self.default_ticked() && self.status_or_active() != "ACTIVE" {
            e.add("is_default", "An inactive rule can't be the default.");
        }
        e
    }

    fn status_or_active(&self) -> &str {
        if self.status.is_empty() {
            "ACTIVE"
        } else {
            self.status.as_str()
        }
    }
}

/// The list's filters (query string).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleFilter {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
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
        if STATUSES.contains(&f.status.as_str()) {
            q = q.filter(naming_rules::status.eq(f.status.clone()));
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

fn name_taken(
    c: &mut DbConn,
    t: TenantId,
    platform: PlatformId,
    name: &str,
    except: Option<RuleId>,
) -> AppResult<bool> {
    let mut q = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::platform_id.eq(platform))
        .filter(naming_rules::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(naming_rules::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(c)? > 0)
}

fn new_slug(c: &mut DbConn, t: TenantId, name: &str) -> AppResult<String> {
    let base = if crate::workspaces::models::slugify(name).is_empty() {
        "rule".to_string()
    } else {
        name.to_string()
    };
    crate::naming::free_slug(&base, |s| {
        Ok(naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::slug.eq(s))
            .count()
            .get_result::<i64>(c)?
            > 0)
    })
}

const NAME_TAKEN: &str = "A rule with that name already exists for this platform.";

/// Unsets the platform's current default (other than `except`): the partial
/// unique index allows one default per platform, so this runs first, in the
/// same transaction as setting the new one.
fn clear_default(
    c: &mut DbConn,
    t: TenantId,
    platform: PlatformId,
    except: RuleId,
) -> AppResult<()> {
    diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::platform_id.eq(platform))
            .filter(naming_rules::is_default.eq(true))
            .filter(naming_rules::id.ne(except)),
    )
    .set((
        naming_rules::is_default.eq(false),
        naming_rules::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    Ok(())
}

/// Creates a rule; `Err(messages)` for input to fix.
pub fn create(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    input: &RuleInput,
    meta: &RequestMeta,
) -> AppResult<Result<RuleId, FormErrors>> {
    let mut errors = input.check();
    let platform: Option<PlatformId> = input.platform_id.parse().ok();
    let platform = match platform.map(|p| catalogue::platform(c, p)) {
        Some(Ok(p)) => Some(p),
        _ => {
            errors.add("platform_id", "Choose a platform.");
            None
        }
    };
    let name = input.name.trim();
    if let Some(p) = &platform {
        if errors.get("name").is_none() && name_taken(c, t, p.id, name, None)? {
            errors.add("name", NAME_TAKEN);
        }
    }
    let Some(platform) = platform.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = RuleId::new();
    if input.default_ticked() {
        clear_default(c, t, platform.id, id)?;
    }
    let now = UtcTime::now();
    let rule = Rule {
        tenant_id: t,
        id,
        platform_id: platform.id,
        name: name.to_string(),
        slug: new_slug(c, t, name)?,
        description: input.description.trim().to_string(),
        status: input.status_or_active().to_string(),
        is_default: input.default_ticked(),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    match diesel::insert_into(naming_rules::table)
        .values(&rule)
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => {
            return Ok(Err(vec![("name", NAME_TAKEN)].into()));
        }
        other => other?,
    };
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.create")
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({"name": rule.name, "platform": platform.name,
                "status": rule.status, "is_default": rule.is_default})),
    )?;
    Ok(Ok(id))
}

/// Updates name, description, status and the default flag.
pub fn update(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    input: &RuleInput,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let before = find(c, t, id)?;
    let mut errors = input.check();
    let name = input.name.trim();
    if errors.get("name").is_none() && name_taken(c, t, before.platform_id, name, Some(id))? {
        errors.add("name", NAME_TAKEN);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if input.default_ticked() {
        clear_default(c, t, before.platform_id, id)?;
    }
    let changed = diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id)),
    )
    .set((
        naming_rules::name.eq(name),
        naming_rules::description.eq(input.description.trim()),
        naming_rules::status.eq(input.status_or_active()),
        naming_rules::is_default.eq(input.default_ticked()),
        naming_rules::updated_at.eq(UtcTime::now()),
    ))
    .execute(c);
    match changed {
        Err(e) if is_unique_violation(&e) => return Ok(Err(vec![("name", NAME_TAKEN)].into())),
        other => other?,
    };
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.update")
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({
                "before": {"name": before.name, "description": before.description,
                    "status": before.status, "is_default": before.is_default},
                "after": {"name": name, "description": input.description.trim(),
                    "status": input.status_or_active(), "is_default": input.default_ticked()},
            })),
    )?;
    Ok(Ok(()))
}

/// Makes the rule its platform's default (an inactive rule can't be).
pub fn make_default(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let rule = find(c, t, id)?;
    if rule.status != "ACTIVE" {
        return Ok(Err(
            "An inactive rule can't be the default: activate it first.".into(),
        ));
    }
    clear_default(c, t, rule.platform_id, id)?;
    diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id)),
    )
    .set((
        naming_rules::is_default.eq(true),
        naming_rules::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.make_default")
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({"name": rule.name})),
    )?;
    Ok(Ok(()))
}

/// Activates or deactivates a rule; deactivating also drops the default flag.
pub fn set_status(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    active: bool,
    meta: &RequestMeta,
) -> AppResult<()> {
    let rule = find(c, t, id)?;
    let status = if active { "ACTIVE" } else { "INACTIVE" };
    diesel::update(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id)),
    )
    .set((
        naming_rules::status.eq(status),
        naming_rules::is_default.eq(rule.is_default && active),
        naming_rules::updated_at.eq(UtcTime::now()),
    ))
    .execute(c)?;
    let action = if active {
        "naming.rule.activate"
    } else {
        "naming.rule.deactivate"
    };
    audit::record(
        c,
        NewEvent::tenant(t, action)
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({"name": rule.name, "before": rule.status, "after": status})),
    )
}

/// Where a rule is used: these rows keep it from being deleted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub strings: i64,
    pub submissions: i64,
    pub batches: i64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.strings == 0 && self.submissions == 0 && self.batches == 0
    }

    /// "3 strings, 1 submission".
    pub fn describe(&self) -> String {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = Vec::new();
        if self.strings > 0 {
            out.push(plural(self.strings, "string", "strings"));
        }
        if self.submissions > 0 {
            out.push(plural(self.submissions, "submission", "submissions"));
        }
        if self.batches > 0 {
            out.push(plural(self.batches, "batch update", "batch updates"));
        }
        out.join(", ")
    }
}

pub fn usage(c: &mut DbConn, t: TenantId, id: RuleId) -> AppResult<Usage> {
    Ok(Usage {
        strings: naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::rule_id.eq(id))
            .count()
            .get_result(c)?,
        submissions: naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::rule_id.eq(id))
            .count()
            .get_result(c)?,
        batches: naming_string_update_batches::table
            .filter(naming_string_update_batches::tenant_id.eq(t))
            .filter(naming_string_update_batches::rule_id.eq(id))
            .count()
            .get_result(c)?,
    })
}

/// Deletes an unused rule (its details cascade); a used one is refused with
/// where it is used.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    meta: &RequestMeta,
) -> AppResult<Result<String, String>> {
    let rule = find(c, t, id)?;
    let used = usage(c, t, id)?;
    if !used.is_empty() {
        return Ok(Err(format!(
            "“{}” can't be deleted: it is used by {}. Deactivate it instead.",
            rule.name,
            used.describe()
        )));
    }
    diesel::delete(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.delete")
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({"name": rule.name})),
    )?;
    Ok(Ok(rule.name))
}

/// Copies a rule and all its parts under a new name (never the default).
pub fn duplicate(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    name: &str,
    meta: &RequestMeta,
) -> AppResult<Result<RuleId, String>> {
    let source = find(c, t, id)?;
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 {
        return Ok(Err("Give the copy a name.".into()));
    }
    if n > 200 {
        return Ok(Err("Keep the name under 200 characters.".into()));
    }
    if name_taken(c, t, source.platform_id, name, None)? {
        return Ok(Err(NAME_TAKEN.into()));
    }
    let now = UtcTime::now();
    let copy = Rule {
        id: RuleId::new(),
        name: name.to_string(),
        slug: new_slug(c, t, name)?,
        is_default: false,
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
        ..source.clone()
    };
    match diesel::insert_into(naming_rules::table)
        .values(&copy)
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => return Ok(Err(NAME_TAKEN.into())),
        other => other?,
    };
    let details: Vec<RuleDetail> = naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .filter(naming_rule_details::rule_id.eq(id))
        .select(RuleDetail::as_select())
        .load(c)?;
    let parts = details.len();
    let rows: Vec<RuleDetail> = details
        .into_iter()
        .map(|d| RuleDetail {
            id: RuleDetailId::new(),
            rule_id: copy.id,
            created_at: now,
            updated_at: now,
            created_by: Some(actor),
            ..d
        })
        .collect();
    crate::insert_many!(c, naming_rule_details::table, rows, 200);
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.duplicate")
            .actor(actor)
            .resource("naming_rule", copy.id)
            .meta(meta)
            .changes(json!({"from": source.name, "from_id": id, "name": name, "parts": parts})),
    )?;
    Ok(Ok(copy.id))
}
