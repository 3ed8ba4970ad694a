//! What a workspace's plan allows: today the upload limit, read by every
//! module that keeps files.

use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::schema::{plans, tenants};

/// The upload limit when the workspace's plan names none.
pub const DEFAULT_MAX_UPLOAD_MB: i64 = 10;

/// The workspace's upload limit in bytes, from its plan.
pub fn upload_limit_bytes(c: &mut DbConn, t: TenantId) -> AppResult<i64> {
    let mb: Option<i32> = tenants::table
        .inner_join(plans::table.on(plans::name.eq(tenants::plan)))
        .filter(tenants::id.eq(t))
        .select(plans::max_upload_mb)
        .first(c)
        .optional()?;
    Ok(mb.map_or(DEFAULT_MAX_UPLOAD_MB, i64::from).max(1) * 1024 * 1024)
}
