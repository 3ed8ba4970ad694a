//! Reading any tenant table as text, for the workspace export: the columns
//! from the catalogue, the rows as text cells in keyset chunks by `id`. The
//! backend-specific SQL for it lives here.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{sql, Backend, DbConn, Id, TenantId};
use crate::error::{AppError, AppResult};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = sql::Uuid)]
    id: Id,
    #[diesel(sql_type = Text)]
    cells: String,
}

/// Table and column names go into the SQL text, so only plain identifiers
/// pass (they come from the code and the catalogue, never from a user).
fn identifier(name: &str) -> AppResult<&str> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if plain {
        Ok(name)
    } else {
        Err(AppError::internal(format!(
            "not a plain identifier: {name:?}"
        )))
    }
}

/// The columns of `table`, in table order.
pub fn columns(c: &mut DbConn, table: &str) -> AppResult<Vec<String>> {
    let table = identifier(table)?;
    let q = match c.backend() {
        Backend::Postgres => diesel::sql_query(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        ),
        Backend::Sqlite => diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid"),
    };
    let names: Vec<Name> = q.bind::<Text, _>(table).load(c)?;
    if names.is_empty() {
        return Err(AppError::internal(format!("no table {table}")));
    }
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// How many rows of `table` belong to `tenant`.
pub fn count(c: &mut DbConn, table: &str, tenant: TenantId) -> AppResult<i64> {
    let table = identifier(table)?;
    let placeholder = match c.backend() {
        Backend::Postgres => "$1",
        Backend::Sqlite => "?",
    };
    let n: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = {placeholder}"
    ))
    .bind::<sql::Uuid, _>(tenant)
    .get_result(c)?;
    Ok(n.n)
}

/// Up to `limit` rows of `table` that belong to `tenant`, after the row
/// `after` in `id` order: each row's `id` and its `columns` as text (`None`
/// for NULL). Times, booleans and JSON come as each backend writes them as
/// text.
pub fn rows(
    c: &mut DbConn,
    table: &str,
    columns: &[String],
    tenant: TenantId,
    after: Option<Id>,
    limit: i64,
) -> AppResult<Vec<(Id, Vec<Option<String>>)>> {
    let table = identifier(table)?;
    let cells = columns
        .iter()
        .map(|col| identifier(col).map(|col| format!("CAST(\"{col}\" AS TEXT)")))
        .collect::<AppResult<Vec<_>>>()?
        .join(", ");
    let backend = c.backend();
    let (array, p1, p2) = match backend {
        Backend::Postgres => (format!("json_build_array({cells})::text"), "$1", "$2"),
        Backend::Sqlite => (format!("json_array({cells})"), "?", "?"),
    };
    let keyset = if after.is_some() {
        format!(" AND id > {p2}")
    } else {
        String::new()
    };
    let q = diesel::sql_query(format!(
        "SELECT id, {array} AS cells FROM {table} WHERE tenant_id = {p1}{keyset} \
         ORDER BY id LIMIT {limit}"
    ))
    .bind::<sql::Uuid, _>(tenant);
    let rows: Vec<Row> = match after {
        Some(after) => q.bind::<sql::Uuid, _>(after).load(c)?,
        None => q.load(c)?,
    };
    rows.into_iter()
        .map(|r| {
            let cells: Vec<Option<String>> = serde_json::from_str(&r.cells)
                .map_err(|e| AppError::internal(format!("{table} row {}: {e}", r.id)))?;
            Ok((r.id, cells))
        })
        .collect()
}
