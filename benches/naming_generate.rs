//! One submission generating 1,001 strings (1 campaign → 100 ad sets → 9 ads
//! each), persisted: submission, strings, details and first versions, in one
//! write transaction through the model the submission page calls. Prints the
//! time of each of three submissions on a fresh SQLite file, and on
//! PostgreSQL when `ATRIUM_BENCH_DATABASE_URL` names an (empty or Atrium)
//! database.
//!
//! `cargo bench --bench naming_generate`

use std::collections::HashMap;
use std::time::Instant;

use atrium::db::{connect_pool, run_migrations, TenantConn, UtcTime};
use atrium::naming::demo::{self, Demo};
use atrium::naming::generate::{generate, GenerateRequest, Outcome};
use atrium::naming::models::*;
use atrium::web::extract::RequestMeta;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let dir = std::env::temp_dir().join(format!("atrium-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = dir.join("bench.db");
    run("SQLite", sqlite.to_str().unwrap_or("bench.db"))?;
    std::fs::remove_dir_all(&dir)?;
    if let Ok(url) = std::env::var("ATRIUM_BENCH_DATABASE_URL") {
        run("PostgreSQL", &url)?;
    }
    Ok(())
}

fn run(label: &str, url: &str) -> BenchResult<()> {
    let pool = connect_pool(url, 4)?;
    let mut conn = pool.get()?;
    run_migrations(&mut conn)?;
    let tag = format!("{}", std::process::id());
    let meta = RequestMeta {
        ip: "bench".into(),
        user_agent: None,
    };
    let user = atrium::accounts::models::register(
        &mut conn,
        "Bench",
        &format!("bench-{tag}@example.com"),
        "not-a-login".into(),
        false,
        None,
    )?
    .map_err(|e| format!("{e:?}"))?;
    drop(conn);
    let ws = atrium::workspaces::queries::create(
        &pool,
        user.id,
        "Bench",
        &format!("bench-{tag}"),
        &meta,
    )
    .map_err(|e| format!("{e:?}"))?;
    let scope = atrium::db::tenant_scope_for_tests(ws.id);
    let mut tc = TenantConn::open(&pool, &scope)?;
    let (demo, rule, format, format_values) = tc.write(|c, t| {
        let demo = demo::seed(c, t, user.id)?;
        let (rule, format, formats) = bench_rule(c, t, user.id, &demo)?;
        Ok((demo, rule, format, formats))
    })?;
    let audiences = audience_values(&pool, &scope, &demo, user.id)?;
    for (i, country) in ["de", "fr", "uk"].iter().enumerate() {
        let req = request(&demo, rule, format, country, &audiences, &format_values, i);
        let mut tc = TenantConn::open(&pool, &scope)?;
        let started = Instant::now();
        let out =
            tc.write(|c, t| generate(c, t, user.id, &req, atrium::naming::parts::today(), &meta))?;
        let took = started.elapsed();
        match out {
            Outcome::Created { strings, .. } => println!(
                "{label}: submission {} generated and stored {strings} strings in {:.3} s",
                i + 1,
                took.as_secs_f64()
            ),
            Outcome::Invalid(p) => return Err(format!("invalid: {p:?}").into()),
        }
    }
    Ok(())
}

/// A rule on Meta Ads: Campaign = Country; Ad set = Country_Audience; Ad =
/// Country_Audience_Format (Country and Audience inherited).
fn bench_rule(
    c: &mut atrium::db::DbConn,
    t: atrium::db::TenantId,
    user: atrium::accounts::models::UserId,
    demo: &Demo,
) -> atrium::error::AppResult<(RuleId, DimensionId, Vec<DimensionValueId>)> {
    use atrium::schema::*;
    use diesel::RunQueryDsl;
    let now = UtcTime::now();
    let format = DimensionId::new();
    diesel::insert_into(naming_dimensions::table)
        .values(Dimension {
            tenant_id: t,
            id: format,
            parent_id: None,
            name: "Format".into(),
            slug: "format".into(),
            description: String::new(),
            kind: atrium::naming::models::DimensionKind::List,
            status: atrium::naming::models::Availability::Active,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let mut formats = Vec::new();
    for n in 0..9 {
        let id = DimensionValueId::new();
        diesel::insert_into(naming_dimension_values::table)
            .values(DimensionValue {
                tenant_id: t,
                id,
                dimension_id: format,
                parent_id: None,
                value: format!("f{n}"),
                label: format!("Format {n}"),
                utm: format!("f{n}"),
                description: String::new(),
                valid_from: None,
                valid_until: None,
                status: atrium::naming::models::Availability::Active,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
        formats.push(id);
    }
    let rule = RuleId::new();
    diesel::insert_into(naming_rules::table)
        .values(Rule {
            tenant_id: t,
            id: rule,
            platform_id: demo::id(demo::META_ADS),
            name: "Bench".into(),
            slug: "bench".into(),
            description: String::new(),
            status: atrium::naming::models::Availability::Active,
            is_default: false,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let parts = [
        (demo::META_CAMPAIGN, demo.dim("Country"), 0),
        (demo::META_AD_SET, demo.dim("Country"), 0),
        (demo::META_AD_SET, demo.dim("Audience"), 1),
        (demo::META_AD, demo.dim("Country"), 0),
        (demo::META_AD, demo.dim("Audience"), 1),
        (demo::META_AD, format, 2),
    ];
    for (field, dim, order) in parts {
        diesel::insert_into(naming_rule_details::table)
            .values(RuleDetail {
                tenant_id: t,
                id: RuleDetailId::new(),
                rule_id: rule,
                field_id: demo::id(field),
                dimension_id: dim,
                prefix: String::new(),
                suffix: String::new(),
                delimiter: "_".into(),
                dimension_order: order,
                is_required: true,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
    }
    Ok((rule, format, formats))
}

/// 100 audience values (a000 … a099).
fn audience_values(
    pool: &atrium::db::Pool,
    scope: &atrium::db::TenantScope,
    demo: &Demo,
    user: atrium::accounts::models::UserId,
) -> BenchResult<Vec<DimensionValueId>> {
    let mut tc = TenantConn::open(pool, scope)?;
    let rows: Vec<DimensionValue> = (0..100)
        .map(|n| {
            let now = UtcTime::now();
            DimensionValue {
                tenant_id: scope.tenant_id(),
                id: DimensionValueId::new(),
                dimension_id: demo.dim("Audience"),
                parent_id: None,
                value: format!("a{n:03}"),
                label: format!("Audience {n}"),
                utm: format!("a{n:03}"),
                description: String::new(),
                valid_from: None,
                valid_until: None,
                status: atrium::naming::models::Availability::Active,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            }
        })
        .collect();
    let ids = rows.iter().map(|r| r.id).collect();
    tc.write(|c, _| {
        atrium::insert_many!(c, atrium::schema::naming_dimension_values::table, rows, 500);
        Ok(())
    })?;
    Ok(ids)
}

fn request(
    demo: &Demo,
    rule: RuleId,
    format: DimensionId,
    country: &str,
    audiences: &[DimensionValueId],
    formats: &[DimensionValueId],
    i: usize,
) -> GenerateRequest {
    let mut choices = HashMap::new();
    let f = |s: &str| -> FieldId { demo::id(s) };
    choices.insert(
        (f(demo::META_CAMPAIGN), demo.dim("Country")),
        vec![demo.value("Country", country).to_string()],
    );
    choices.insert(
        (f(demo::META_AD_SET), demo.dim("Audience")),
        audiences.iter().map(|a| a.to_string()).collect(),
    );
    choices.insert(
        (f(demo::META_AD), format),
        formats.iter().map(|a| a.to_string()).collect(),
    );
    GenerateRequest {
        rule,
        starting_field: f(demo::META_CAMPAIGN),
        parent_string: None,
        name: format!("Bench {i}"),
        description: String::new(),
        choices,
        submit: true,
    }
}
