//! Platforms: the form (with its checks) and creating, editing and deleting
//! one. A platform is deleted with its fields only when no workspace's rule
//! or string uses it.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::fields::field_uses;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, UtcTime};
use crate::error::AppResult;
use crate::naming::catalogue::{fields, platform};
use crate::naming::models::{FieldId, Platform, PlatformId};
use crate::schema::{naming_fields, naming_platforms, naming_rules};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// What the platform form sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlatformForm {
    #[serde(default)]
    pub platform_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub icon_name: String,
}

impl PlatformForm {
    pub fn from_platform(p: &Platform) -> Self {
        PlatformForm {
            platform_type: p.platform_type.clone(),
            name: p.name.clone(),
            slug: p.slug.clone(),
            icon_name: p.icon_name.clone().unwrap_or_default(),
        }
    }

    /// Checks the lengths the migration checks, and the slug's shape; an empty
    /// slug is made from the name.
    pub fn validate(&mut self) -> FormErrors {
        let mut e = FormErrors::default();
        for v in [
            &mut self.platform_type,
            &mut self.name,
            &mut self.slug,
            &mut self.icon_name,
        ] {
            *v = v.trim().to_string();
        }
        let len = |s: &str| s.chars().count();
        if self.platform_type.is_empty() {
            e.add(
                "platform_type",
                "Say what kind of platform this is (e.g. Paid social).",
            );
        } else if len(&self.platform_type) > 100 {
            e.add("platform_type", "Keep the type under 100 characters.");
        }
        if self.name.is_empty() {
            e.add("name", "Give the platform a name.");
        } else if len(&self.name) > 100 {
            e.add("name", "Keep the name under 100 characters.");
        }
        if self.slug.is_empty() && !self.name.is_empty() {
            self.slug = crate::workspaces::models::slugify(&self.name);
        }
        let slug_ok = !self.slug.is_empty()
            && len(&self.slug) <= 50
            && self
                .slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.slug.starts_with('-')
            && !self.slug.ends_with('-');
        if !slug_ok && !self.name.is_empty() {
            e.add(
                "slug",
                "Use up to 50 lowercase letters, digits and hyphens (not at the ends).",
            );
        }
        if len(&self.icon_name) > 100 {
            e.add("icon_name", "Keep the icon name under 100 characters.");
        }
        e
    }

    fn icon(&self) -> Option<String> {
        Some(self.icon_name.clone()).filter(|s| !s.is_empty())
    }
}

/// Checked before writing: on Postgres a failed insert spoils the transaction.
fn slug_in_use(c: &mut DbConn, slug: &str, except: Option<PlatformId>) -> AppResult<bool> {
    let found: Option<PlatformId> = naming_platforms::table
        .filter(naming_platforms::slug.eq(slug))
        .select(naming_platforms::id)
        .first(c)
        .optional()?;
    Ok(found.is_some_and(|f| Some(f) != except))
}

fn slug_taken() -> FormErrors {
    let mut e = FormErrors::default();
    e.add("slug", "Another platform already has that slug.");
    e
}

/// Creates a platform; `Err` carries the form's messages.
pub fn create_platform(
    c: &mut DbConn,
    actor: UserId,
    form: &mut PlatformForm,
    meta: &RequestMeta,
) -> AppResult<Result<PlatformId, FormErrors>> {
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if slug_in_use(c, &form.slug, None)? {
        return Ok(Err(slug_taken()));
    }
    let now = UtcTime::now();
    let row = Platform {
        id: PlatformId::new(),
        platform_type: form.platform_type.clone(),
        name: form.name.clone(),
        slug: form.slug.clone(),
        icon_name: form.icon(),
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    if crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_platforms::table)
            .values(&row)
            .execute(c)
    })?
    .is_none()
    {
        return Ok(Err(slug_taken()));
    }
    audit::record(
        c,
        NewEvent::global("naming.platform.create")
            .actor(actor)
            .resource("naming_platform", row.id)
            .meta(meta)
            .changes(
                json!({"name": row.name, "slug": row.slug, "platform_type": row.platform_type}),
            ),
    )?;
    Ok(Ok(row.id))
}

/// Saves a platform's type, name, slug and icon.
pub fn update_platform(
    c: &mut DbConn,
    actor: UserId,
    id: PlatformId,
    form: &mut PlatformForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let before = platform(c, id)?;
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if slug_in_use(c, &form.slug, Some(id))? {
        return Ok(Err(slug_taken()));
    }
    if crate::db::unless_taken(c, |c| {
        diesel::update(naming_platforms::table.find(id))
            .set((
                naming_platforms::platform_type.eq(&form.platform_type),
                naming_platforms::name.eq(&form.name),
                naming_platforms::slug.eq(&form.slug),
                naming_platforms::icon_name.eq(form.icon()),
                naming_platforms::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)
    })?
    .is_none()
    {
        return Ok(Err(slug_taken()));
    }
    audit::record(
        c,
        NewEvent::global("naming.platform.update")
            .actor(actor)
            .resource("naming_platform", id)
            .meta(meta)
            .changes(json!({
                "platform_type": [before.platform_type, form.platform_type],
                "name": [before.name, form.name],
                "slug": [before.slug, form.slug],
                "icon_name": [before.icon_name, form.icon()],
            })),
    )?;
    Ok(Ok(()))
}

/// How many rules, in all workspaces, are written for the platform.
pub fn rules_using_platform(c: &mut DbConn, id: PlatformId) -> AppResult<i64> {
    Ok(naming_rules::table
        .filter(naming_rules::platform_id.eq(id))
        .count()
        .get_result(c)?)
}

/// Deletes a platform (and its fields) unless a workspace's rule uses it:
/// then `Err(message)` saying how many.
pub fn delete_platform(
    c: &mut DbConn,
    actor: UserId,
    id: PlatformId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let p = platform(c, id)?;
    let rules = rules_using_platform(c, id)?;
    if rules > 0 {
        return Ok(Err(format!(
            "“{}” can't be deleted: {rules} rule{} in workspaces use{} it.",
            p.name,
            if rules == 1 { "" } else { "s" },
            if rules == 1 { "s" } else { "" },
        )));
    }
    let ids: Vec<FieldId> = fields(c, id)?.into_iter().map(|f| f.id).collect();
    if field_uses(c, &ids)?.total() > 0 {
        return Ok(Err(format!(
            "“{}” can't be deleted: its fields are used by rules or strings.",
            p.name
        )));
    }
    // Unlink the chain first so the cascade never trips over `next_field_id`.
    diesel::update(naming_fields::table.filter(naming_fields::platform_id.eq(id)))
        .set(naming_fields::next_field_id.eq(None::<FieldId>))
        .execute(c)?;
    diesel::delete(naming_fields::table.filter(naming_fields::platform_id.eq(id))).execute(c)?;
    diesel::delete(naming_platforms::table.find(id)).execute(c)?;
    audit::record(
        c,
        NewEvent::global("naming.platform.delete")
            .actor(actor)
            .resource("naming_platform", id)
            .meta(meta)
            .changes(json!({"name": p.name, "slug": p.slug, "fields": ids.len()})),
    )?;
    Ok(Ok(()))
}
