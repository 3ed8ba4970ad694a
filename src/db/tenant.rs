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
    /// A Postgres transaction of this tenant is open (begun by
    /// [`TenantConn::read_and_keep`]): the next `read` or `write` runs in it
    /// and ends it, saving its own BEGIN and the earlier COMMIT.
    open: bool,
}

impl std::fmt::Debug for TenantConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantConn")
            .field("tenant", &self.tenant)
            .field("open", &self.open)
            .finish()
    }
}

impl Drop for TenantConn {
    /// A kept transaction nobody used ends here, so the connection goes back
    /// to the pool clean (the pool would otherwise discard it as broken).
    fn drop(&mut self) {
        use diesel::connection::TransactionManager;
        type Tm = <DbConn as diesel::Connection>::TransactionManager;
        if self.open {
            self.open = false;
            if let Err(e) = Tm::rollback_transaction(&mut self.conn) {
                tracing::warn!(error = %e, "rollback of an unused tenant transaction failed");
            }
        }
    }
}

impl TenantConn {
    /// Checks a connection out of the pool for `scope`'s tenant. Blocking: call
    /// it inside `web::block`.
    pub fn open(pool: &Pool, scope: &TenantScope) -> Result<Self, AppError> {
        Ok(TenantConn {
            conn: pool.get()?,
            tenant: scope.tenant,
            open: false,
        })
    }

    /// Binds an already checked-out connection to `scope`'s tenant.
    pub(crate) fn from_pooled(conn: PooledConn, scope: &TenantScope) -> Self {
        TenantConn {
            conn,
            tenant: scope.tenant,
            open: false,
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
            open: false,
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

    /// Runs `f` in the transaction [`TenantConn::read_and_keep`] left open,
    /// and ends it: committed when `f` succeeds, rolled back when it fails.
    fn finish<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn, TenantId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        use diesel::connection::TransactionManager;
        type Tm = <DbConn as diesel::Connection>::TransactionManager;
        self.open = false;
        match f(&mut self.conn, self.tenant) {
            Ok(v) => {
                Tm::commit_transaction(&mut self.conn)?;
                Ok(v)
            }
            Err(e) => {
                if let Err(rb) = Tm::rollback_transaction(&mut self.conn) {
                    tracing::warn!(error = %rb, "rollback failed");
                }
                Err(e)
            }
        }
    }

    /// Runs `f` like [`TenantConn::read`] but leaves the Postgres transaction
    /// open for the request's next `read` or `write` on this connection: the
    /// membership check and the page's own reads then share one transaction
    /// (two round trips fewer per page view). Only for requests without a
    /// body to wait for (GET, HEAD), so no transaction idles on a slow client.
    pub(crate) fn read_and_keep<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn, TenantId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let tenant = self.tenant;
        if self.conn.backend() == Backend::Sqlite || self.open {
            return f(&mut self.conn, tenant);
        }
        let begin = self.begin_sql(false);
        match &mut *self.conn {
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin)?,
            DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin)?,
        }
        self.open = true;
        match f(&mut self.conn, tenant) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.open = false;
                type Tm = <DbConn as diesel::Connection>::TransactionManager;
                if let Err(rb) = Tm::rollback_transaction(&mut self.conn) {
                    tracing::warn!(error = %rb, "rollback failed");
                }
                Err(e)
            }
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
        if self.open {
            return self.finish(f);
        }
        let tenant = self.tenant;
        if self.conn.backend() == Backend::Sqlite {
            return f(&mut self.conn, tenant);
        }
        let begin = self.begin_sql(false);
        transaction_with(&mut self.conn, &begin, |c| f(c, tenant))
    }

    /// Runs `f` in a write transaction scoped to the tenant (`BEGIN IMMEDIATE`
    /// on SQLite). A kept Postgres transaction serves: on Postgres a read
    /// transaction and a write transaction begin alike.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn, TenantId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if self.open {
            return self.finish(f);
        }
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
