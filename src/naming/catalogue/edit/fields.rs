//! A platform's fields: the form (name and level), adding, editing and
//! deleting a field with the chain re-linked by level each time, and where
//! fields are used across every workspace (which keeps them from deletion).

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, UtcTime};
use crate::error::AppResult;
use crate::naming::catalogue::{field, fields, platform};
use crate::naming::models::{Field, FieldId, PlatformId};
use crate::schema::{
    naming_fields, naming_rule_details, naming_string_update_batches, naming_strings,
    naming_submissions,
};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

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
    if crate::db::unless_taken(c, |c| {
        diesel::insert_into(naming_fields::table)
            .values(&row)
            .execute(c)
    })?
    .is_none()
    {
        return Ok(Err(level_taken(level)));
    }
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
    if crate::db::unless_taken(c, |c| {
        diesel::update(naming_fields::table.find(id))
            .set((
                naming_fields::name.eq(&name),
                naming_fields::field_level.eq(level),
                naming_fields::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)
    })?
    .is_none()
    {
        return Ok(Err(level_taken(level)));
    }
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
