//! Writing rules: the rule form and its checks, create and update, one
//! default per platform, activate / deactivate, and duplicating a rule with
//! all its parts.

use diesel::prelude::*;
use serde_json::json;

use super::find;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::models::Availability;
use crate::naming::models::{PlatformId, Rule, RuleDetail, RuleDetailId, RuleId};
use crate::schema::{naming_rule_details, naming_rules};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

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
            status: r.status.to_string(),
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
        if Availability::parse(self.status_or_active()).is_none() {
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
const DEFAULT_TAKEN: &str = "Another rule was made this platform's default at the same moment. Save again to make this one the default instead.";

/// Why the unique keys refused a rule's write (someone saved at the same
/// moment): its name, taken by now; or, with the name still free and the
/// default ticked, the one default per platform.
fn refused(
    c: &mut DbConn,
    t: TenantId,
    platform: PlatformId,
    name: &str,
    except: Option<RuleId>,
    default: bool,
) -> AppResult<FormErrors> {
    if default && !name_taken(c, t, platform, name, except)? {
        return Ok(FormErrors::one("is_default", DEFAULT_TAKEN));
    }
    Ok(FormErrors::one("name", NAME_TAKEN))
}

/// Unsets the platform's current default (other than `except`): the partial
/// unique index allows one default per platform, so this runs first, in the
/// same transaction as setting the new one.
fn clear_default(
    c: &mut DbConn,
    t: TenantId,
    platform: PlatformId,
    except: RuleId,
) -> QueryResult<()> {
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
    let now = UtcTime::now();
    let rule = Rule {
        tenant_id: t,
        id,
        platform_id: platform.id,
        name: name.to_string(),
        slug: new_slug(c, t, name)?,
        description: input.description.trim().to_string(),
        status: Availability::parse(input.status_or_active()).unwrap_or(Availability::Active),
        is_default: input.default_ticked(),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    // The old default is cleared in the same savepoint, so a name taken in
    // the meantime leaves it the default.
    let inserted = crate::db::unless_taken(c, |c| {
        if rule.is_default {
            clear_default(c, t, platform.id, id)?;
        }
        diesel::insert_into(naming_rules::table)
            .values(&rule)
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(refused(
            c,
            t,
            platform.id,
            name,
            None,
            rule.is_default,
        )?));
    }
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
    let changed = crate::db::unless_taken(c, |c| {
        if input.default_ticked() {
            clear_default(c, t, before.platform_id, id)?;
        }
        diesel::update(
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
        .execute(c)
    })?;
    if changed.is_none() {
        let default = input.default_ticked();
        return Ok(Err(refused(
            c,
            t,
            before.platform_id,
            name,
            Some(id),
            default,
        )?));
    }
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
    if rule.status != Availability::Active {
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
    let status = if active {
        Availability::Active
    } else {
        Availability::Inactive
    };
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
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_rules::table)
            .values(&copy)
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(NAME_TAKEN.into()));
    }
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
