//! Database access: the two-backend connection, the pool, migrations, and the
//! connection wrappers that carry tenant isolation (`TenantConn`, `AdminConn`).

pub mod counters;
pub mod dialect;
pub mod dump;
mod pool;
mod tenant;
mod timing;
mod types;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use pool::{connect_pool, Pool, PooledConn};
pub use tenant::{AdminConn, TenantConn, TenantId, TenantScope, UserId};
pub use timing::{DbMetrics, RequestDb};
pub use types::{sql, Id, Json, UtcTime};

/// Tests build scopes directly to set up and probe data (feature `test-support`).
#[cfg(feature = "test-support")]
pub fn tenant_scope_for_tests(tenant: TenantId) -> TenantScope {
    TenantScope::verified(tenant)
}

use crate::error::AppError;

/// One connection, PostgreSQL or SQLite, chosen by the URL at run time.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database the instance runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a `DATABASE_URL` selects: `postgres://` / `postgresql://`, else SQLite.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
        }
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applies every pending migration of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, AppError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| AppError::internal(format!("migrations failed: {e}")))
}

/// Runs `f` in a transaction that begins with `begin_sql` (instead of a plain
/// `BEGIN`), so that SQLite write transactions are `BEGIN IMMEDIATE` and a
/// Postgres tenant transaction sets its tenant in the same round trip.
pub(crate) fn transaction_with<T, E>(
    conn: &mut DbConn,
    begin_sql: &str,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    // Already inside a transaction (a model function calling another): a savepoint.
    let depth = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, begin_sql)?,
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, begin_sql)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback; a broken
            // connection is discarded by the pool's `has_broken` check.
            if let Err(rb) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::warn!(error = %rb, "rollback failed");
            }
            Err(e)
        }
    }
}

/// A write transaction outside any tenant (users, sessions, throttles):
/// `BEGIN IMMEDIATE` on SQLite, plain `BEGIN` on Postgres.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let begin = match conn.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    transaction_with(conn, begin, f)
}

/// Inside a [`write_tx`]: waits until no other transaction holds `key`, and
/// holds it until this one ends — for check-then-record work (throttles)
/// that must not interleave. Postgres: a transaction-level advisory lock on
/// a hash of the key. SQLite: nothing to do, the `BEGIN IMMEDIATE` of the
/// write transaction already holds the database's single write lock.
pub fn lock_key(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    match conn.backend() {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(conn)
                .map(|_| ())
        }
    }
}

/// Inside a [`write_tx`]: holds `table` against other writers until the
/// transaction ends, for "count, then insert" work that must not interleave
/// (the first superadmin at `/setup`). Postgres: `LOCK TABLE … IN SHARE ROW
/// EXCLUSIVE MODE` (readers go on, a second locker waits). SQLite: nothing to
/// do, the `BEGIN IMMEDIATE` of the write transaction already holds the
/// database's single write lock. `table` is a fixed name from the code, never
/// user input.
pub fn lock_table_for_insert(conn: &mut DbConn, table: &'static str) -> QueryResult<()> {
    match conn.backend() {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => {
            diesel::sql_query(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                .execute(conn)
                .map(|_| ())
        }
    }
}

/// A write transaction in which the signed-in user's own memberships are
/// visible (Postgres RLS policy on `app.user_id`), for "my workspaces".
pub fn user_tx<T, E>(
    conn: &mut DbConn,
    user_id: UserId,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let begin = match conn.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE".to_string(),
        // A hyphenated uuid is [0-9a-f-]{36}: safe to inline.
        Backend::Postgres => format!("BEGIN; SET LOCAL app.user_id = '{}'", user_id),
    };
    transaction_with(conn, &begin, f)
}

/// Runs `f` — a write that may hit a unique key — in a savepoint, for the
/// "check the name is free, then insert" shape: two people taking the same
/// name at once both pass the check, and the key decides. A unique violation
/// rolls back just the savepoint and comes back as `Ok(None)` (answer with the
/// form's "already exists" message); on PostgreSQL the caller's transaction
/// stays usable. Any other error is returned as it is.
pub fn unless_taken<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> Result<Option<T>, AppError> {
    match conn.transaction(f) {
        Ok(v) => Ok(Some(v)),
        Err(e) if crate::error::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// SQLite pragmas for every pooled connection. The database file is read
/// through a memory map (up to 1 GiB): pages come straight from the OS page
/// cache that all connections share, instead of a `pread` copy into each
/// connection's own small cache — on a list page over 20,000 strings that
/// copying was a quarter of the server's time.
pub(crate) fn sqlite_setup(conn: &mut SqliteConnection) -> QueryResult<()> {
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA mmap_size = 1073741824;",
    )
}

/// Locks one tenant row until the transaction ends, so that a read-check-write
/// on it (accepting an invitation) cannot interleave with another. Postgres
/// needs `SELECT … FOR UPDATE`; on SQLite a write transaction (`BEGIN
/// IMMEDIATE`) already holds the whole database, so there is nothing to do.
/// `table` is a fixed name from the code, never user input.
pub fn lock_tenant_row(
    c: &mut DbConn,
    table: &'static str,
    tenant: TenantId,
    id: Id,
) -> Result<(), AppError> {
    if let DbConn::Pg(_) = c {
        diesel::sql_query(format!(
            "SELECT 1 FROM {table} WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        ))
        .bind::<sql::Uuid, _>(tenant)
        .bind::<sql::Uuid, _>(id)
        .execute(c)?;
    }
    Ok(())
}

/// Whether the Postgres role we are connected as ignores row-level security
/// (superuser or `BYPASSRLS`).
pub fn role_bypasses_rls(conn: &mut DbConn) -> Result<Option<String>, AppError> {
    #[derive(QueryableByName)]
    struct RoleRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        rolname: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        bypass: bool,
    }
    if conn.backend() != Backend::Postgres {
        return Ok(None);
    }
    let row: RoleRow = diesel::sql_query(
        "SELECT rolname::text AS rolname, (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(conn)?;
    Ok(row.bypass.then_some(row.rolname))
}

/// Size of the database in bytes, for the admin overview.
pub fn database_size(conn: &mut DbConn) -> Result<i64, AppError> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        size: i64,
    }
    let q = match conn.backend() {
        Backend::Postgres => "SELECT pg_database_size(current_database())::bigint AS size",
        Backend::Sqlite => {
            "SELECT (page_count * page_size) AS size FROM pragma_page_count(), pragma_page_size()"
        }
    };
    Ok(diesel::sql_query(q).get_result::<Size>(conn)?.size)
}

/// Inserts rows in multi-row statements of `chunk` rows (MultiConnection
/// has no multi-row `VALUES`, so this goes to the backend's own connection).
/// Mind the bind limits: rows × columns per chunk stays under 32,766.
#[macro_export]
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        let mut n = 0usize;
        for part in $rows.chunks($chunk) {
            n += match &mut *$conn {
                $crate::db::DbConn::Pg(c) => {
                    diesel::RunQueryDsl::execute(diesel::insert_into($table).values(part), c)?
                }
                $crate::db::DbConn::Sqlite(c) => {
                    diesel::RunQueryDsl::execute(diesel::insert_into($table).values(part), c)?
                }
            };
        }
        n
    }};
}
