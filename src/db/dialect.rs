//! SQL that differs between the backends, written once for both: model
//! functions that need a hand-written set-based statement give a template
//! here and get the text for the connection they hold.

use super::{Backend, DbConn};

/// The SQL of a set-based statement for the connection's backend: `?`
/// placeholders become `$n` on PostgreSQL, `{json}` the table function over a
/// JSON array bound as text (`e.value` is each element), `{uuid}` a cast of
/// text to uuid (nothing on SQLite, where ids are text).
pub fn backend_sql(c: &DbConn, template: &str) -> String {
    match c.backend() {
        Backend::Sqlite => template
            .replace("{json}", "json_each(?) AS e")
            .replace("{uuid}", ""),
        Backend::Postgres => {
            let s = template
                .replace("{json}", "jsonb_array_elements(?::jsonb) AS e(value)")
                .replace("{uuid}", "::uuid");
            let mut out = String::with_capacity(s.len() + 8);
            let mut n = 0;
            for ch in s.chars() {
                if ch == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(ch);
                }
            }
            out
        }
    }
}
