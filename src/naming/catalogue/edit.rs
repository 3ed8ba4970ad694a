//! Editing the catalogue (superadmins; `handlers::catalogue`).
//!
//! The catalogue is global, but whether a platform or field is *used* is a
//! question about every workspace's rules and strings: the functions below
//! that count uses must run on a connection that reads across tenants
//! (`AdminConn`), or they would see only rows row-level security lets through.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::{field, fields, platform};
use crate::accounts::UserId;
use crate::admin::list::{ListParams, Resource};
use crate::admin::workspaces::lower;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Id, MultiBackend, UtcTime};
use crate::error::is_unique_violation;
use crate::error::AppResult;
use crate::naming::models::{Field, FieldId, Platform, PlatformId};
use crate::schema::{
    naming_fields, naming_platforms, naming_rule_details, naming_rules,
    naming_string_update_batches, naming_strings, naming_submissions,
};
use crate::web::extract::RequestMeta;
use crate::web::{csv_line, FormErrors};

/// A platform on the admin list, with its field and rule counts.
#[derive(Debug, Clone)]
pub struct PlatformRow {
    pub platform: Platform,
    pub fields: i64,
    pub rules: i64,
}

/// The admin list of platforms: search over name, slug and type.
pub struct Platforms;

fn scoped(p: &ListParams) -> naming_platforms::BoxedQuery<'static, MultiBackend> {
    let mut q = naming_platforms::table.into_boxed();
    if !p.q.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&p.q.to_lowercase())
        );
        q = q.filter(
            lower(naming_platforms::name)
                .like(pat.clone())
                .escape('\\')
                .or(naming_platforms::slug.like(pat.clone()).escape('\\'))
                .or(lower(naming_platforms::platform_type)
                    .like(pat)
                    .escape('\\')),
        );
    }
    q
}

impl Resource for Platforms {
    type Row = PlatformRow;

    fn count(c: &mut DbConn, p: &ListParams) -> AppResult<i64> {
        Ok(scoped(p).count().get_result(c)?)
    }

    fn rows(
        c: &mut DbConn,
        p: &ListParams,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<PlatformRow>> {
        let q = scoped(p);
        let q = match (p.sort_or(&["name", "type", "slug"]), p.desc) {
            ("type", false) => q.order((
                naming_platforms::platform_type.asc(),
                naming_platforms::name.asc(),
            )),
            ("type", true) => q.order((
                naming_platforms::platform_type.desc(),
                naming_platforms::name.asc(),
            )),
            ("slug", false) => q.order(naming_platforms::slug.asc()),
            ("slug", true) => q.order(naming_platforms::slug.desc()),
            (_, true) => q.order((naming_platforms::name.desc(), naming_platforms::id.desc())),
            _ => q.order((naming_platforms::name.asc(), naming_platforms::id.asc())),
        };
        let all: Vec<Platform> = q
            .limit(limit)
            .offset(offset)
            .select(Platform::as_select())
            .load(c)?;
        let ids: Vec<PlatformId> = all.iter().map(|p| p.id).collect();
        let fields: Vec<(PlatformId, i64)> = naming_fields::table
            .filter(naming_fields::platform_id.eq_any(&ids))
            .group_by(naming_fields::platform_id)
            .select((naming_fields::platform_id, diesel::dsl::count_star()))
            .load(c)?;
        let rules: Vec<(PlatformId, i64)> = naming_rules::table
            .filter(naming_rules::platform_id.eq_any(&ids))
            .group_by(naming_rules::platform_id)
            .select((naming_rules::platform_id, diesel::dsl::count_star()))
            .load(c)?;
        let n =
            |v: &[(PlatformId, i64)], id| v.iter().find(|(p, _)| *p == id).map_or(0, |(_, n)| *n);
        Ok(all
            .into_iter()
            .map(|platform| PlatformRow {
                fields: n(&fields, platform.id),
                rules: n(&rules, platform.id),
                platform,
            })
            .collect())
    }

    fn matching_ids(c: &mut DbConn, p: &ListParams) -> AppResult<Vec<Id>> {
        Ok(scoped(p)
            .select(naming_platforms::id)
            .load::<PlatformId>(c)?
            .into_iter()
            .map(|p| p.0)
            .collect())
    }

    fn existing_ids(c: &mut DbConn, ids: &[Id]) -> AppResult<Vec<Id>> {
        let ids: Vec<PlatformId> = ids.iter().map(|i| PlatformId(*i)).collect();
        Ok(naming_platforms::table
            .filter(naming_platforms::id.eq_any(ids))
            .select(naming_platforms::id)
            .load::<PlatformId>(c)?
            .into_iter()
            .map(|p| p.0)
            .collect())
    }

    fn csv_header() -> &'static [&'static str] {
        &[
            "id",
            "platform_type",
            "name",
            "slug",
            "icon_name",
            "fields",
            "rules",
        ]
    }

    fn csv_row(r: &PlatformRow) -> String {
        csv_line(&[
            &r.platform.id.to_string(),
            &r.platform.platform_type,
            &r.platform.name,
            &r.platform.slug,
            r.platform.icon_name.as_deref().unwrap_or(""),
            &r.fields.to_string(),
            &r.rules.to_string(),
        ])
    }
}

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

fn level_in_use(
    c: &mut DbConn,
    platform: PlatformId,
    level: i32,
    except: Option<FieldId>,
) -> AppResult<bool> {
    let found: Option<FieldId> = naming_fields::table
        .filter(naming_fields::platform_id.eq(platform))
        .filter(naming_fields::field_level.eq(level))
        .select(naming_fields::id)
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
    match diesel::insert_into(naming_platforms::table)
        .values(&row)
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => return Ok(Err(slug_taken())),
        other => other?,
    };
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
    match diesel::update(naming_platforms::table.find(id))
        .set((
            naming_platforms::platform_type.eq(&form.platform_type),
            naming_platforms::name.eq(&form.name),
            naming_platforms::slug.eq(&form.slug),
            naming_platforms::icon_name.eq(form.icon()),
            naming_platforms::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => return Ok(Err(slug_taken())),
        other => other?,
    };
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

/// What the field form sends (level as typed, so a bad number is kept).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub field_level: String,
}

impl FieldForm {
    pub fn from_field(f: &Field) -> Self {
        FieldForm {
            name: f.name.clone(),
            field_level: f.field_level.to_string(),
        }
    }

    /// The name and level, or the messages.
    pub fn parse(&mut self) -> Result<(String, i32), FormErrors> {
        let mut e = FormErrors::default();
        self.name = self.name.trim().to_string();
        self.field_level = self.field_level.trim().to_string();
        if self.name.is_empty() {
            e.add("name", "Give the field a name (e.g. Campaign).");
        } else if self.name.chars().count() > 100 {
            e.add("name", "Keep the name under 100 characters.");
        }
        let level = self
            .field_level
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=20).contains(l));
        if level.is_none() {
            e.add(
                "field_level",
                "The level is a whole number from 1 (top) to 20.",
            );
        }
        match level {
            Some(l) if e.is_empty() => Ok((self.name.clone(), l)),
            _ => Err(e),
        }
    }
}

fn level_taken(level: i32) -> FormErrors {
    let mut e = FormErrors::default();
    e.add(
        "field_level",
        format!("Level {level} already has a field: each level holds one field."),
    );
    e
}

/// Links each field of the platform to the field one level down (by level
/// order), the last to none: the hierarchy stays a chain whatever was edited.
pub fn relink(c: &mut DbConn, platform: PlatformId) -> AppResult<()> {
    let all = fields(c, platform)?;
    for (i, f) in all.iter().enumerate() {
        let next = all.get(i + 1).map(|n| n.id);
        if f.next_field_id != next {
            diesel::update(naming_fields::table.find(f.id))
                .set(naming_fields::next_field_id.eq(next))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Adds a field to a platform and re-links the chain.
pub fn add_field(
    c: &mut DbConn,
    actor: UserId,
    platform_id: PlatformId,
    form: &mut FieldForm,
    meta: &RequestMeta,
) -> AppResult<Result<FieldId, FormErrors>> {
    let p = platform(c, platform_id)?;
    let (name, level) = match form.parse() {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if level_in_use(c, platform_id, level, None)? {
        return Ok(Err(level_taken(level)));
    }
    let now = UtcTime::now();
    let row = Field {
        id: FieldId::new(),
        platform_id,
        next_field_id: None,
        name,
        field_level: level,
        created_at: now,
        updated_at: now,
        created_by: Some(actor),
    };
    match diesel::insert_into(naming_fields::table)
        .values(&row)
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => return Ok(Err(level_taken(level))),
        other => other?,
    };
    relink(c, platform_id)?;
    audit::record(
        c,
        NewEvent::global("naming.field.create")
            .actor(actor)
            .resource("naming_field", row.id)
            .meta(meta)
            .changes(json!({"platform": p.slug, "name": row.name, "level": level})),
    )?;
    Ok(Ok(row.id))
}

/// Renames a field or moves it to another level, and re-links the chain.
pub fn update_field(
    c: &mut DbConn,
    actor: UserId,
    platform_id: PlatformId,
    id: FieldId,
    form: &mut FieldForm,
    meta: &RequestMeta,
) -> AppResult<Result<(), FormErrors>> {
    let before = field(c, id)?;
    if before.platform_id != platform_id {
        return Err(crate::error::AppError::NotFound);
    }
    let (name, level) = match form.parse() {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if level_in_use(c, platform_id, level, Some(id))? {
        return Ok(Err(level_taken(level)));
    }
    match diesel::update(naming_fields::table.find(id))
        .set((
            naming_fields::name.eq(&name),
            naming_fields::field_level.eq(level),
            naming_fields::updated_at.eq(UtcTime::now()),
        ))
        .execute(c)
    {
        Err(e) if is_unique_violation(&e) => return Ok(Err(level_taken(level))),
        other => other?,
    };
    relink(c, platform_id)?;
    audit::record(
        c,
        NewEvent::global("naming.field.update")
            .actor(actor)
            .resource("naming_field", id)
            .meta(meta)
            .changes(json!({"name": [before.name, name], "level": [before.field_level, level]})),
    )?;
    Ok(Ok(()))
}

/// Where fields are used, across every workspace.
#[derive(Debug, Clone, Copy, Default)]
pub struct FieldUses {
    pub rule_details: i64,
    pub strings: i64,
    pub submissions: i64,
    pub batches: i64,
}

impl FieldUses {
    pub fn total(&self) -> i64 {
        self.rule_details + self.strings + self.submissions + self.batches
    }

    /// "3 rule parts, 12 strings".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.rule_details, "rule part", "rule parts"),
            (self.strings, "string", "strings"),
            (self.submissions, "submission", "submissions"),
            (self.batches, "batch update", "batch updates"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        }
        parts.join(", ")
    }
}

pub fn field_uses(c: &mut DbConn, ids: &[FieldId]) -> AppResult<FieldUses> {
    Ok(FieldUses {
        rule_details: naming_rule_details::table
            .filter(naming_rule_details::field_id.eq_any(ids))
            .count()
            .get_result(c)?,
        strings: naming_strings::table
            .filter(naming_strings::field_id.eq_any(ids))
            .count()
            .get_result(c)?,
        submissions: naming_submissions::table
            .filter(naming_submissions::starting_field_id.eq_any(ids))
            .count()
            .get_result(c)?,
        batches: naming_string_update_batches::table
            .filter(naming_string_update_batches::field_id.eq_any(ids))
            .count()
            .get_result(c)?,
    })
}

/// Deletes a field unless rules or strings use it (`Err(message)`), then
/// re-links the chain.
pub fn delete_field(
    c: &mut DbConn,
    actor: UserId,
    platform_id: PlatformId,
    id: FieldId,
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let f = field(c, id)?;
    if f.platform_id != platform_id {
        return Err(crate::error::AppError::NotFound);
    }
    let uses = field_uses(c, &[id])?;
    if uses.total() > 0 {
        return Ok(Err(format!(
            "“{}” can't be deleted: it is used by {} in workspaces.",
            f.name,
            uses.describe()
        )));
    }
    diesel::update(naming_fields::table.filter(naming_fields::next_field_id.eq(id)))
        .set(naming_fields::next_field_id.eq(None::<FieldId>))
        .execute(c)?;
    diesel::delete(naming_fields::table.find(id)).execute(c)?;
    relink(c, platform_id)?;
    audit::record(
        c,
        NewEvent::global("naming.field.delete")
            .actor(actor)
            .resource("naming_field", id)
            .meta(meta)
            .changes(json!({"name": f.name, "level": f.field_level})),
    )?;
    Ok(Ok(()))
}
