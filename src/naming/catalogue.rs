//! The global catalogue: platforms and their field hierarchies. Every
//! workspace reads it; superadmins edit it (see `handlers::catalogue`).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppResult;
use crate::naming::models::{Field, FieldId, Platform, PlatformId};
use crate::schema::{naming_fields, naming_platforms};

/// All platforms, by name.
pub fn platforms(c: &mut DbConn) -> AppResult<Vec<Platform>> {
    Ok(naming_platforms::table
        .order(naming_platforms::name)
        .select(Platform::as_select())
        .load(c)?)
}

pub fn platform(c: &mut DbConn, id: PlatformId) -> AppResult<Platform> {
    Ok(naming_platforms::table
        .find(id)
        .select(Platform::as_select())
        .first(c)?)
}

/// A platform's fields, top level first.
pub fn fields(c: &mut DbConn, platform: PlatformId) -> AppResult<Vec<Field>> {
    Ok(naming_fields::table
        .filter(naming_fields::platform_id.eq(platform))
        .order(naming_fields::field_level)
        .select(Field::as_select())
        .load(c)?)
}

/// Every platform's fields, by platform then level, in one query.
pub fn all_fields(c: &mut DbConn) -> AppResult<Vec<Field>> {
    Ok(naming_fields::table
        .order((naming_fields::platform_id, naming_fields::field_level))
        .select(Field::as_select())
        .load(c)?)
}

pub fn field(c: &mut DbConn, id: FieldId) -> AppResult<Field> {
    Ok(naming_fields::table
        .find(id)
        .select(Field::as_select())
        .first(c)?)
}

/// The chain of fields from `start` down, following `next_field` (at most 20
/// levels, so a cycle an admin made by mistake can't loop forever).
pub fn chain_from(c: &mut DbConn, start: FieldId) -> AppResult<Vec<Field>> {
    let first = field(c, start)?;
    let all = fields(c, first.platform_id)?;
    let mut out = vec![first];
    while out.len() < 20 {
        let Some(next) = out.last().and_then(|f| f.next_field_id) else {
            break;
        };
        match all.iter().find(|f| f.id == next) {
            Some(f) if !out.iter().any(|o| o.id == f.id) => out.push(f.clone()),
            _ => break,
        }
    }
    Ok(out)
}

pub mod edit;
pub use edit::*;
