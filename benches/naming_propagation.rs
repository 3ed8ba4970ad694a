//! Propagation of one parent change through 100,000 descendants:
//! `cargo bench --bench naming_propagation` builds a fresh SQLite database
//! (and a fresh PostgreSQL database when `ATRIUM_BENCH_DATABASE_URL` names a
//! server and a role that may create roles and databases), seeds the demo
//! workspace, writes one campaign → 1,000 ad sets → 99 ads each in bulk,
//! changes the campaign's country and times the propagation job. Prints the
//! time, strings/s and the run's peak RSS; asserts only that it worked.

use std::collections::HashMap;
use std::time::Instant;

use diesel::prelude::*;

use atrium::accounts::models::UserId;
use atrium::db::{self, DbConn, TenantConn, TenantId};
use atrium::error::AppResult;
use atrium::naming::demo::{bulk, Demo};
use atrium::naming::models::*;
use atrium::naming::{propagation, versions};
use atrium::schema::*;
use atrium::web::extract::RequestMeta;

/// Ad sets under the campaign (`ATRIUM_BENCH_AD_SETS`, default 1,000, a
/// multiple of 10), each with 99 ads.
fn ad_sets() -> usize {
    std::env::var("ATRIUM_BENCH_AD_SETS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(1_000, |n| n.max(10) / 10 * 10)
}
const ADS_PER_SET: usize = 99;

fn main() {
    let dir = std::env::temp_dir().join(format!("atrium-bench-prop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    if std::env::var("ATRIUM_BENCH_SKIP_SQLITE").is_err() {
        bench("SQLite", &sqlite);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(admin) = std::env::var("ATRIUM_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let (url, cleanup) = fresh_pg(&admin);
        bench("PostgreSQL", &url);
        cleanup();
    }
}

/// A fresh database owned by a role without superuser or BYPASSRLS, so that
/// row-level security applies as in production.
fn fresh_pg(admin: &str) -> (String, impl FnOnce()) {
    let name = format!("atrium_bench_{}", std::process::id());
    let mut c = PgConnection::establish(admin).expect("connect to ATRIUM_BENCH_DATABASE_URL");
    let _ = diesel::sql_query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atrium_bench') THEN \
         CREATE ROLE atrium_bench LOGIN PASSWORD 'atrium_bench' NOSUPERUSER NOBYPASSRLS; END IF; END $$",
    )
    .execute(&mut c);
    diesel::sql_query(format!("CREATE DATABASE {name} OWNER atrium_bench"))
        .execute(&mut c)
        .expect("create database");
    // postgres://user[:pw]@host:port/db → postgres://atrium_bench:atrium_bench@host:port/name
    let rest = admin
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    let host = host.split('/').next().unwrap_or(host);
    let url = format!("postgres://atrium_bench:atrium_bench@{host}/{name}");
    let admin = admin.to_string();
    (url, move || {
        if let Ok(mut c) = PgConnection::establish(&admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c);
        }
    })
}

fn bench(label: &str, url: &str) {
    let pool = db::connect_pool(url, 4).expect("pool");
    db::run_migrations(&mut pool.get().expect("conn")).expect("migrations");
    let files = std::env::temp_dir().join(format!("atrium-bench-{}", std::process::id()));
    atrium::seed::seed_demo(&pool, &files).expect("seed demo");
    let mut conn = pool.get().expect("conn");
    let ws = atrium::workspaces::access::active_by_slug(&mut conn, "acme")
        .expect("query")
        .expect("demo workspace");
    let user: UserId = users::table
        .filter(users::email.eq("owner@demo.atrium.test"))
        .select(users::id)
        .first(&mut *conn)
        .expect("owner");
    drop(conn);
    let mut tc = TenantConn::open(&pool, &db::tenant_scope_for_tests(ws.id)).expect("tenant conn");

    let t0 = Instant::now();
    let (demo, rule) = tc
        .write(|c, t| {
            let demo = demo_of(c, t)?;
            let rule = bulk::rule(c, t, user, &demo)?;
            Ok((demo, rule))
        })
        .expect("rule");
    let campaign =
        bulk::tree(&mut tc, user, &demo, &rule, ad_sets(), ADS_PER_SET).expect("seed tree");
    println!(
        "{label}: seeded 1 campaign → {} ad sets → {} ads in {:.1} s",
        ad_sets(),
        ad_sets() * ADS_PER_SET,
        t0.elapsed().as_secs_f64()
    );

    // Fresh statistics, as autovacuum would have them after a bulk load
    // (ATRIUM_BENCH_ANALYZE=0 skips it, to see plans without statistics).
    if std::env::var("ATRIUM_BENCH_ANALYZE").as_deref() != Ok("0") {
        let t = Instant::now();
        let mut c = pool.get().expect("conn");
        diesel::sql_query("ANALYZE")
            .execute(&mut *c)
            .expect("analyze");
        println!("{label}: ANALYZE {:.1} s", t.elapsed().as_secs_f64());
    }
    let meta = RequestMeta {
        ip: "bench".into(),
        user_agent: None,
    };
    let fr = demo.value("Country", "fr");
    let country = demo.dim("Country");
    let t1 = Instant::now();
    let job = tc
        .write(|c, t| {
            let choices = HashMap::from([(country, fr.to_string())]);
            let saved = versions::edit(c, t, user, campaign, &choices, &meta)?
                .map_err(|e| atrium::error::AppError::internal(format!("{e:?}")))?;
            propagation::start(
                c,
                t,
                user,
                campaign,
                saved.modification,
                &saved.changed,
                100,
                &meta,
            )
        })
        .expect("edit and start");
    let started = t1.elapsed().as_secs_f64();
    // As the background worker runs it: with helper connections on PostgreSQL.
    let mut helpers = propagation::helpers(&tc, &pool);
    reset_peak_rss();
    let t2 = Instant::now();
    propagation::run_with(&mut tc, &mut helpers, job.id).expect("run");
    let secs = t2.elapsed().as_secs_f64();
    let job = tc
        .read(|c, t| propagation::find(c, t, job.id))
        .expect("job");
    let updated = propagation::updated(&job);
    println!(
        "{label}: edit + count of inheriting descendants + job start {:.2} s ({} descendants, {}, {} writer(s))",
        started,
        job.total_strings,
        job.processing_method,
        helpers.len() + 1
    );
    println!(
        "{label}: propagated one country change to {updated} strings in {secs:.2} s = {:.0} strings/s \
         (status {}, {} failed); peak RSS during the run {} MiB",
        updated as f64 / secs,
        job.status,
        job.failed_strings,
        peak_rss_kib() / 1024
    );
    assert_eq!(
        job.status,
        atrium::naming::models::PropagationStatus::Completed
    );
    assert_eq!(updated, (ad_sets() * (1 + ADS_PER_SET)) as i64);
}

fn demo_of(c: &mut DbConn, t: TenantId) -> AppResult<Demo> {
    let mut demo = Demo::default();
    for (id, name) in naming_dimensions::table
        .filter(naming_dimensions::tenant_id.eq(t))
        .select((naming_dimensions::id, naming_dimensions::name))
        .load::<(DimensionId, String)>(c)?
    {
        demo.dimensions.insert(name, id);
    }
    for (id, dim, value) in naming_dimension_values::table
        .inner_join(
            naming_dimensions::table.on(naming_dimensions::tenant_id
                .eq(naming_dimension_values::tenant_id)
                .and(naming_dimensions::id.eq(naming_dimension_values::dimension_id))),
        )
        .filter(naming_dimension_values::tenant_id.eq(t))
        .select((
            naming_dimension_values::id,
            naming_dimensions::name,
            naming_dimension_values::value,
        ))
        .load::<(DimensionValueId, String, String)>(c)?
    {
        demo.values.insert((dim, value), id);
    }
    Ok(demo)
}

/// Resets the process's peak RSS (VmHWM) so that the next reading is the
/// run's own (Linux: writing 5 to clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
