//! The type wall: tenant-scoped work needs a [`TenantConn`], and a `TenantConn`
//! can only be opened from a [`TenantScope`] — the proof that the tenant was
//! verified (membership extractor, background job row, invitation token).
//! On Postgres each transaction also sets `app.tenant_id`, which row-level
//! security policies compare against (the row wall).

use super::{transaction_with, Backend, DbConn, Pool, PooledConn};
use crate::error::AppError;

crate::typed_id!(
    /// A workspace's id (`tenants.id`, and `tenant_id` in every tenant table).
    TenantId
);

crate::typed_id!(
    /// `users.id` (re-exported by `accounts`): the ground floor can name a
    /// user without knowing accounts.
    UserId
);

/// Proof that the current principal may act inside one tenant.
#[derive(Debug, Clone, Copy)]
pub struct TenantScope {
    tenant: TenantId,
}

impl TenantScope {
    /// Only the membership extractor, the job worker and invitation acceptance
    /// build scopes; each has verified the tenant before calling this.
    pub(crate) fn verified(tenant: TenantId) -> Self {
        TenantScope { tenant }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant
    }
}

/// A pooled connection bound to one verified tenant.
pub struct TenantConn {
    conn: PooledConn,
    tenant: TenantId,
}

impl TenantConn {
    /// Checks a connection out of the pool for `scope`'s tenant. Blocking: call
    /// it inside `web::block`.
    pub fn open(pool: &Pool, scope: &TenantScope) -> Result<Self, AppError> {
        Ok(TenantConn {
            conn: pool.get()?,
            tenant: scope.tenant,
        })
    }

    /// Binds an already checked-out connection to `scope`'s tenant.
    pub(crate) fn from_pooled(conn: PooledConn, scope: &TenantScope) -> Self {
        TenantConn {
            conn,
            tenant: scope.tenant,
        }
    }

    /// Another connection for the same tenant (this one is the proof), for
    /// work that writes in parallel; `None` when the pool has none to spare
    /// within a moment.
    pub fn sibling(&self, pool: &Pool) -> Option<TenantConn> {
        let conn = pool
            .get_timeout(std::time::Duration::from_millis(500))
            .ok()?;
        Some(TenantConn {
            conn,
            tenant: self.tenant,
        })
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant
    }

    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    fn begin_sql(&self, write: bool) -> String {
        match self.conn.backend() {
            // A hyphenated uuid is [0-9a-f-]{36}: safe to inline, and it saves a
            // round trip per transaction. SET LOCAL (rather than set_config) is
            // what Citus forwards to its workers.
            Backend::Postgres => {
                format!("BEGIN; SET LOCAL app.tenant_id = '{}'", self.tenant)
            }
            Backend::Sqlite if write => "BEGIN IMMEDIATE".into(),
            Backend::Sqlite => "BEGIN".into(),
        }
    }

    /// Runs `f` scoped to the tenant, for reading: in a transaction on
    /// Postgres (that is where the tenant is set for row-level security); on
    /// SQLite, with no RLS to feed, without one (two statements fewer per
    /// page view; each query still sees a consistent snapshot).
    pub fn read<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn, TenantId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let tenant = self.tenant;
        if self.conn.backend() == Backend::Sqlite {
            return f(&mut self.conn, tenant);
        }
        let begin = self.begin_sql(false);
        transaction_with(&mut self.conn, &begin, |c| f(c, tenant))
    }

    /// Runs `f` in a write transaction scoped to the tenant (`BEGIN IMMEDIATE` on SQLite).
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn, TenantId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let begin = self.begin_sql(true);
        let tenant = self.tenant;
        transaction_with(&mut self.conn, &begin, |c| f(c, tenant))
    }
}

/// A connection that reads across tenants, for superadmin pages and system work.
/// Opening one for a person writes an audit event.
pub struct AdminConn {
    conn: PooledConn,
}

impl AdminConn {
    /// For the server's own cross-tenant work (job claiming, invitation tokens),
    /// and under `admin::open_audited`; never reachable from a request without
    /// its own check.
    pub(crate) fn system(pool: &Pool) -> Result<Self, AppError> {
        Ok(AdminConn { conn: pool.get()? })
    }

    fn begin_sql(&self, write: bool) -> &'static str {
        match self.conn.backend() {
            Backend::Postgres => "BEGIN; SET LOCAL app.bypass_tenant = 'on'",
            Backend::Sqlite if write => "BEGIN IMMEDIATE",
            Backend::Sqlite => "BEGIN",
        }
    }

    pub fn read<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let begin = self.begin_sql(false);
        transaction_with(&mut self.conn, begin, f)
    }

    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let begin = self.begin_sql(true);
        transaction_with(&mut self.conn, begin, f)
    }
}
