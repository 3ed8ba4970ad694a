//! Counts kept in the database: for a list whose size its page shows, a
//! number moved in the same transaction that adds or removes the rows, so
//! the page reads one row instead of counting thousands (see
//! `web::pagination` for when a list uses this rather than a capped count).
//! A module names its counters `<module>.<what>` and moves them wherever it
//! inserts or deletes what they count.

use diesel::prelude::*;

use super::{Backend, DbConn, TenantId};
use crate::error::AppResult;

// Plain SQL here (the table is `tenant_counters` in `schema.rs`): `db` sits
// below `schema` on the ground floor and must not import it.

/// Adds `by` (negative to subtract) to the tenant's counter `name`,
/// creating it at `by`. One statement on both backends (an upsert).
pub fn add(c: &mut DbConn, t: TenantId, name: &str, by: i64) -> AppResult<()> {
    if by == 0 {
        return Ok(());
    }
    let sql = match c.backend() {
        Backend::Postgres => {
            "INSERT INTO tenant_counters (tenant_id, name, value) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + EXCLUDED.value"
        }
        Backend::Sqlite => {
            "INSERT INTO tenant_counters (tenant_id, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + excluded.value"
        }
    };
    diesel::sql_query(sql)
        .bind::<super::sql::Uuid, _>(t)
        .bind::<diesel::sql_types::Text, _>(name)
        .bind::<diesel::sql_types::BigInt, _>(by)
        .execute(c)?;
    Ok(())
}

/// The tenant's counter `name` (0 when nothing was ever counted).
pub fn get(c: &mut DbConn, t: TenantId, name: &str) -> AppResult<i64> {
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }
    let sql = match c.backend() {
        Backend::Postgres => "SELECT value FROM tenant_counters WHERE tenant_id = $1 AND name = $2",
        Backend::Sqlite => "SELECT value FROM tenant_counters WHERE tenant_id = ? AND name = ?",
    };
    let n = diesel::sql_query(sql)
        .bind::<super::sql::Uuid, _>(t)
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Value>(c)
        .optional()?;
    Ok(n.map_or(0, |v| v.value).max(0))
}

/// Counts several sets of the tenant's rows in one round trip (the
/// dashboard's tiles). Each part is `SELECT 1 FROM … WHERE tenant_id = ? …`,
/// with `?` standing for the tenant wherever it appears, and is counted up to
/// `cap` + 1 rows (`None`: exactly, only for sets the workspace's own limits
/// keep small, such as members under the seat limit). The counts come back
/// in the parts' order. The statement is prepared once per connection and
/// reused (its text is the same on every view), like diesel's own queries.
pub fn count_many(
    c: &mut DbConn,
    t: TenantId,
    parts: &[(&str, Option<i64>)],
) -> AppResult<Vec<i64>> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = parts
        .iter()
        .enumerate()
        .map(|(i, (rows, cap))| {
            let limit = cap
                .map(|cap| format!(" LIMIT {}", cap + 1))
                .unwrap_or_default();
            format!("SELECT {i} AS i, COUNT(*) AS n FROM ({rows}{limit}) AS s")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<(i32, i64)> = CountMany { sql, tenant: t }.load(c)?;
    let mut out = vec![0; parts.len()];
    for (i, n) in rows {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            *slot = n;
        }
    }
    Ok(out)
}

/// A statement of our own text with the tenant bound at every `?`. Unlike
/// `sql_query` (which diesel never caches, since its text could change with
/// every call) it is cached by its text: each backend numbers the binds.
struct CountMany {
    sql: String,
    tenant: TenantId,
}

impl diesel::query_builder::QueryId for CountMany {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for CountMany {
    type SqlType = (diesel::sql_types::Integer, diesel::sql_types::BigInt);
}

impl diesel::query_builder::QueryFragment<super::MultiBackend> for CountMany {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, super::MultiBackend>,
    ) -> QueryResult<()> {
        for (i, piece) in self.sql.split('?').enumerate() {
            if i > 0 {
                out.push_bind_param::<super::sql::Uuid, _>(&self.tenant)?;
            }
            out.push_sql(piece);
        }
        Ok(())
    }
}

impl RunQueryDsl<DbConn> for CountMany {}
