//! The schema guard: every tenant table must carry the three walls' marks —
//! `tenant_id NOT NULL`, `PRIMARY KEY (tenant_id, …)`, an index led by
//! `tenant_id`, foreign keys into tenant tables led by `tenant_id`, and on
//! Postgres forced row-level security with a policy. A new table that is not
//! declared global must pass, so later modules can't forget.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};

use crate::common::TestApp;
use atrium::db::{Backend, DbConn};

/// The core's tables shared by every workspace (Citus reference tables), and the audit
/// log whose tenant is optional (global events). `slug_redirects` is global
/// like `tenants`: an old address is resolved before any tenant is known, so
/// it can't sit behind the row wall (it only says which workspace a slug
/// used to name, and the app tells that only to the workspace's members).
const GLOBAL: &[&str] = &[
    "users",
    "tenants",
    "slug_redirects",
    "user_sessions",
    "login_attempts",
    "audit_events",
    "instance_settings",
    "plans",
    "password_resets",
    "email_verifications",
    "email_changes",
    "mail_outbox",
    "throttle_events",
    "two_factor_secrets",
    "two_factor_recovery_codes",
    "two_factor_devices",
];

/// Global: the core's, or a registered module's catalogue.
fn is_global(table: &str) -> bool {
    GLOBAL.contains(&table)
        || atrium::modules::all()
            .iter()
            .any(|m| m.global_tables.contains(&table))
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool, column_name = nn)]
    notnull: bool,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct Fk {
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Text)]
    first_col: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Rls {
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Bool)]
    forced: bool,
    #[diesel(sql_type = BigInt)]
    policies: i64,
}

fn tables(c: &mut DbConn, backend: Backend) -> Vec<String> {
    let q = match backend {
        Backend::Postgres => "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        // An FTS5 search index (a virtual table and its shadow tables) is
        // not a tenant table: searches join back to one by its ids.
        Backend::Sqlite => "SELECT name FROM sqlite_master m WHERE type = 'table' \
             AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
             AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' \
               AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\\_%' ESCAPE '\\')",
    };
    diesel::sql_query(q)
        .load::<Name>(c)
        .expect("tables")
        .into_iter()
        .map(|n| n.name)
        .filter(|n| !n.starts_with("__diesel") && !n.starts_with("sqlite_"))
        .collect()
}

fn columns(c: &mut DbConn, backend: Backend, t: &str) -> Vec<Col> {
    let q = match backend {
        Backend::Postgres => format!(
            "SELECT a.attname::text AS name, a.attnotnull AS nn, \
             COALESCE((SELECT k.ord FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                       WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0)::int AS pk \
             FROM pg_attribute a WHERE a.attrelid = '{t}'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        Backend::Sqlite => format!("SELECT name, \"notnull\" AS nn, pk FROM pragma_table_info('{t}')"),
    };
    diesel::sql_query(q).load(c).expect("columns")
}

fn foreign_keys(c: &mut DbConn, backend: Backend, t: &str) -> Vec<Fk> {
    let q = match backend {
        Backend::Postgres => format!(
            "SELECT confrelid::regclass::text AS target, \
             (SELECT attname::text FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) AS first_col \
             FROM pg_constraint c WHERE conrelid = '{t}'::regclass AND contype = 'f'"
        ),
        Backend::Sqlite => format!("SELECT \"table\" AS target, \"from\" AS first_col FROM pragma_foreign_key_list('{t}') WHERE seq = 0"),
    };
    diesel::sql_query(q).load(c).expect("foreign keys")
}

fn indexes_led_by_tenant(c: &mut DbConn, backend: Backend, t: &str) -> i64 {
    let q = match backend {
        Backend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE i.indrelid = '{t}'::regclass AND a.attname = 'tenant_id'"
        ),
        Backend::Sqlite => format!(
            "SELECT COUNT(*) AS n FROM pragma_index_list('{t}') l WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = 'tenant_id'"
        ),
    };
    diesel::sql_query(q)
        .get_result::<Count>(c)
        .expect("indexes")
        .n
}

#[actix_web::test]
async fn every_tenant_table_carries_tenant_id_in_keys_indexes_and_policies() {
    let app = TestApp::new().await;
    let backend = app.backend();
    let mut conn = app.pool().get().expect("conn");
    let all = tables(&mut conn, backend);
    let module_globals = atrium::modules::all().iter().flat_map(|m| m.global_tables);
    for g in GLOBAL.iter().chain(module_globals) {
        assert!(all.iter().any(|t| t == g), "global table {g} exists");
    }
    let tenant_tables: Vec<&String> = all.iter().filter(|t| !is_global(t)).collect();
    assert!(
        tenant_tables.len() >= 5,
        "found tenant tables: {tenant_tables:?}"
    );
    let mut problems = Vec::new();
    for t in &tenant_tables {
        let cols = columns(&mut conn, backend, t);
        match cols.iter().find(|c| c.name == "tenant_id") {
            Some(c) if c.notnull => {}
            Some(_) => problems.push(format!("{t}: tenant_id is nullable")),
            None => problems.push(format!("{t}: no tenant_id column")),
        }
        let mut pk: Vec<&Col> = cols.iter().filter(|c| c.pk > 0).collect();
        pk.sort_by_key(|c| c.pk);
        let pk_names: Vec<&str> = pk.iter().map(|c| c.name.as_str()).collect();
        if pk_names.first() != Some(&"tenant_id") || pk_names.len() < 2 {
            problems.push(format!(
                "{t}: primary key is {pk_names:?}, not (tenant_id, …)"
            ));
        }
        if indexes_led_by_tenant(&mut conn, backend, t) == 0 {
            problems.push(format!("{t}: no index led by tenant_id"));
        }
        for fk in foreign_keys(&mut conn, backend, t) {
            let target_is_tenant_table = !is_global(&fk.target);
            if target_is_tenant_table && fk.first_col != "tenant_id" {
                problems.push(format!(
                    "{t}: foreign key to {} is not led by tenant_id",
                    fk.target
                ));
            }
        }
        if backend == Backend::Postgres {
            let rls: Rls = diesel::sql_query(format!(
                "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced, \
                 (SELECT COUNT(*) FROM pg_policies WHERE tablename = '{t}') AS policies FROM pg_class WHERE oid = '{t}'::regclass"
            ))
            .get_result(&mut *conn)
            .expect("rls");
            if !(rls.enabled && rls.forced && rls.policies > 0) {
                problems.push(format!("{t}: row-level security not forced with a policy"));
            }
        }
    }
    if backend == Backend::Postgres {
        // The audit log is global-or-tenant, but still behind the row wall.
        let rls: Rls = diesel::sql_query(
            "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced, \
             (SELECT COUNT(*) FROM pg_policies WHERE tablename = 'audit_events') AS policies FROM pg_class WHERE oid = 'audit_events'::regclass",
        )
        .get_result(&mut *conn)
        .expect("rls");
        assert!(
            rls.enabled && rls.forced && rls.policies > 0,
            "audit_events has forced RLS"
        );
    }
    assert!(
        problems.is_empty(),
        "schema problems:\n{}",
        problems.join("\n")
    );
}

/// A module's tables are named `<key>_…` and each is declared in its
/// registry entry, so the guard above and the export know all of them.
#[actix_web::test]
async fn every_module_table_is_declared_by_its_module_and_exists() {
    let app = TestApp::new().await;
    let mut conn = app.pool().get().expect("conn");
    let all = tables(&mut conn, app.backend());
    for m in atrium::modules::all() {
        let declared: Vec<&str> = m
            .tenant_tables
            .iter()
            .chain(m.global_tables)
            .copied()
            .collect();
        for t in &declared {
            assert!(all.iter().any(|a| a == t), "{}: {t} exists", m.key);
        }
        for t in all.iter().filter(|t| t.starts_with(&format!("{}_", m.key))) {
            assert!(
                declared.contains(&t.as_str()),
                "{t} is declared by the {} module",
                m.key
            );
        }
    }
}

#[actix_web::test]
async fn the_guard_notices_a_table_that_forgets_the_rules() {
    let app = TestApp::new().await;
    let backend = app.backend();
    let mut conn = app.pool().get().expect("conn");
    diesel::sql_query("CREATE TABLE forgetful (id TEXT PRIMARY KEY, tenant_id TEXT)")
        .execute(&mut *conn)
        .expect("create");
    let cols = columns(&mut conn, backend, "forgetful");
    let tenant = cols.iter().find(|c| c.name == "tenant_id").expect("column");
    assert!(!tenant.notnull, "nullable tenant_id is seen");
    let pk: Vec<&Col> = cols.iter().filter(|c| c.pk > 0).collect();
    assert_eq!(pk.len(), 1);
    assert_eq!(pk[0].name, "id", "a primary key without tenant_id is seen");
    assert_eq!(indexes_led_by_tenant(&mut conn, backend, "forgetful"), 0);
}

#[derive(QueryableByName)]
struct Policy {
    #[diesel(sql_type = Text)]
    tablename: String,
    #[diesel(sql_type = Text)]
    policyname: String,
    #[diesel(sql_type = Text)]
    expr: String,
}

/// `expr` with every parenthesised sub-select cut out: what PostgreSQL
/// evaluates per row.
fn outside_subselects(expr: &str) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(at) = rest.find("( SELECT").or_else(|| rest.find("(SELECT")) {
        out.push_str(&rest[..at]);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, ch) in rest[at..].char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn per_row_settings(c: &mut DbConn) -> Vec<String> {
    let policies: Vec<Policy> = diesel::sql_query(
        "SELECT tablename::text AS tablename, policyname::text AS policyname, \
         COALESCE(qual, '') || ' ' || COALESCE(with_check, '') AS expr \
         FROM pg_policies WHERE schemaname = current_schema()",
    )
    .load(c)
    .expect("policies");
    assert!(!policies.is_empty(), "policies are read");
    policies
        .into_iter()
        .filter(|p| outside_subselects(&p.expr).contains("current_setting"))
        .map(|p| format!("{}.{}: {}", p.tablename, p.policyname, p.expr))
        .collect()
}

#[test]
fn the_policy_guard_cuts_out_subselects_only() {
    let fast = "((tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS \"nullif\")) OR (( SELECT current_setting('app.bypass_tenant'::text, true) AS current_setting) = 'on'::text))";
    assert!(!outside_subselects(fast).contains("current_setting"));
    let slow = "((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid) OR (current_setting('app.bypass_tenant'::text, true) = 'on'::text))";
    assert!(outside_subselects(slow).contains("current_setting"));
    let mixed = "((tenant_id = ( SELECT 1)) OR (current_setting('x'::text, true) = 'on'::text))";
    assert!(outside_subselects(mixed).contains("current_setting"));
}

/// Every policy reads the settings in a sub-select (an InitPlan, once per
/// query), never per row — so a module's migration can't bring the slow form back.
#[actix_web::test]
async fn every_policy_reads_the_tenant_setting_once_per_query() {
    let app = TestApp::new().await;
    if app.backend() != Backend::Postgres {
        return;
    }
    let mut conn = app.pool().get().expect("conn");
    let slow = per_row_settings(&mut conn);
    assert!(slow.is_empty(), "per-row policies:\n{}", slow.join("\n"));

    // And the guard sees the slow form when a table brings it.
    diesel::sql_query(
        "CREATE TABLE slow_policy (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))",
    )
    .execute(&mut *conn)
    .expect("create");
    diesel::sql_query(
        "CREATE POLICY tenant_isolation ON slow_policy \
         USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    )
    .execute(&mut *conn)
    .expect("policy");
    let slow = per_row_settings(&mut conn);
    assert_eq!(slow.len(), 1, "the slow policy is caught: {slow:?}");
    assert!(slow[0].starts_with("slow_policy."));
}

/// `atrium_tenant_rls` is how a module's migration puts a table behind the
/// row wall; the policy it writes is the fast form and isolates tenants.
#[actix_web::test]
async fn the_tenant_rls_helper_writes_the_fast_policy() {
    let app = TestApp::new().await;
    if app.backend() != Backend::Postgres {
        return;
    }
    let mut conn = app.pool().get().expect("conn");
    diesel::sql_query(
        "CREATE TABLE helper_made (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))",
    )
    .execute(&mut *conn)
    .expect("create");
    diesel::sql_query("SELECT atrium_tenant_rls('helper_made')")
        .execute(&mut *conn)
        .expect("helper");
    let rls: Rls = diesel::sql_query(
        "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced, \
         (SELECT COUNT(*) FROM pg_policies WHERE tablename = 'helper_made') AS policies FROM pg_class WHERE oid = 'helper_made'::regclass",
    )
    .get_result(&mut *conn)
    .expect("rls");
    assert!(rls.enabled && rls.forced && rls.policies == 1);
    assert!(per_row_settings(&mut conn).is_empty());
}
