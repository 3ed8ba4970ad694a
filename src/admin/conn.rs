//! Opening the audited cross-tenant connection for a superadmin's page. It
//! lives here, not in `db/`, so that the database layer knows nothing of
//! accounts or the audit log.

use crate::db::{AdminConn, Pool};
use crate::error::AppError;
use crate::web::Superadmin;

/// For a superadmin's cross-tenant read or change: audited as
/// `admin.cross_tenant_access` with `what` as the resource.
pub fn open_audited(pool: &Pool, admin: &Superadmin, what: &str) -> Result<AdminConn, AppError> {
    // The extractor already refused everyone else; this keeps a hand-built
    // `Superadmin` from opening the wall.
    if !admin.user.is_superadmin {
        return Err(AppError::NotFound);
    }
    let mut conn = AdminConn::system(pool)?;
    let event = crate::audit::NewEvent::global("admin.cross_tenant_access")
        .actor(admin.user.id)
        .resource("admin", what);
    conn.write(|c| crate::audit::record(c, event))?;
    Ok(conn)
}
