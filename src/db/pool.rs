//! The r2d2 pool over [`DbConn`], picking the backend from the URL scheme.

use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};

use super::{sqlite_setup, Backend, DbConn};
use crate::error::AppError;

pub type Pool = r2d2::Pool<ConnManager>;
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

/// Opens connections for one URL. Unlike the derive's `establish` (try Postgres,
/// then SQLite), it reports the real error of the backend the URL names.
#[derive(Debug, Clone)]
pub struct ConnManager {
    url: String,
    backend: Backend,
}

/// The path SQLite should open for a `sqlite://path` or plain path URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                sqlite_setup(&mut c).map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Builds the pool for `url`, creating the SQLite file (0600) and its folder
/// (0700) when needed.
pub fn connect_pool(url: &str, max_size: u32) -> Result<Pool, AppError> {
    let backend = Backend::from_url(url);
    let path = std::path::Path::new(sqlite_path(url));
    // `:memory:` and `file:` URIs are SQLite's business, not a file of ours.
    if backend == Backend::Sqlite
        && !url.contains(":memory:")
        && !sqlite_path(url).starts_with("file:")
    {
        crate::files::prepare_sqlite_file(path)
            .map_err(|e| AppError::internal(format!("cannot create {}: {e}", path.display())))?;
    }
    let manager = ConnManager {
        url: url.to_string(),
        backend,
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        .test_on_check_out(false)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(manager)
        .map_err(|e| AppError::internal(format!("cannot open database: {e}")))
}
