//! Two people taking the same name at the same instant: the "is it free?"
//! check passes for both, and the unique key decides. Someone else's
//! transaction inserts the name and stays open for a moment while the app
//! saves the same name: on PostgreSQL the app's write waits for it on the
//! unique key and then fails there; on SQLite the write lock makes the app
//! wait and its check then sees the name. Either way the form comes back
//! with its message (422, input kept), never a 500.

use std::thread::JoinHandle;

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::common::{Browser, Resp, TestApp};
use atrium::accounts::UserId;
use atrium::db::{Backend, DbConn, TenantId, UtcTime};
use atrium::naming::demo::Demo;
use atrium::naming::models::*;
use atrium::schema::{naming_dimension_values, naming_dimensions, naming_rules};

const DIMENSION_TAKEN: &str = "Another dimension already has that name.";
const VALUE_TAKEN: &str = "This dimension already has that value.";
const RULE_TAKEN: &str = "A rule with that name already exists for this platform.";
const DEFAULT_TAKEN: &str =
    "default at the same moment. Save again to make this one the default instead.";

struct World {
    app: TestApp,
    ann: Browser,
    slug: String,
    demo: Demo,
    user: UserId,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let demo = app.naming_demo(&slug, "ann@example.com");
    let user = app.user_id("ann@example.com");
    World {
        app,
        ann,
        slug,
        demo,
        user,
    }
}

/// Someone else's write transaction: runs `insert`, then holds it open for
/// 1.5 s ([`TestApp::hold`]). Returns once the insert ran.
fn hold(
    w: &World,
    insert: impl FnOnce(&mut DbConn, TenantId) -> QueryResult<usize> + Send + 'static,
) -> JoinHandle<usize> {
    w.app.hold(&w.slug, move |c, t| Ok(insert(c, t)?))
}

fn dimension_row(t: TenantId, user: UserId, name: &str) -> Dimension {
    let now = UtcTime::now();
    Dimension {
        tenant_id: t,
        id: DimensionId::new(),
        parent_id: None,
        name: name.into(),
        slug: format!("held-{}", name.to_lowercase()),
        description: String::new(),
        kind: atrium::naming::models::DimensionKind::List,
        status: atrium::naming::models::Availability::Active,
        created_at: now,
        updated_at: now,
        created_by: Some(user),
    }
}

fn value_row(t: TenantId, user: UserId, dim: DimensionId, value: &str) -> DimensionValue {
    let now = UtcTime::now();
    DimensionValue {
        tenant_id: t,
        id: DimensionValueId::new(),
        dimension_id: dim,
        parent_id: None,
        value: value.into(),
        label: value.into(),
        utm: String::new(),
        description: String::new(),
        valid_from: None,
        valid_until: None,
        status: atrium::naming::models::Availability::Active,
        created_at: now,
        updated_at: now,
        created_by: Some(user),
    }
}

fn rule_row(t: TenantId, user: UserId, platform: PlatformId, name: &str) -> Rule {
    let now = UtcTime::now();
    Rule {
        tenant_id: t,
        id: RuleId::new(),
        platform_id: platform,
        name: name.into(),
        slug: "held-rule".into(),
        description: String::new(),
        status: atrium::naming::models::Availability::Active,
        is_default: false,
        created_at: now,
        updated_at: now,
        created_by: Some(user),
    }
}

/// The 422 with the message beside the field, not a 500.
fn assert_taken(res: &Resp, message: &str) {
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains(message), "{}", res.body);
}

fn count(w: &World, sql: &str) -> i64 {
    w.app.raw_count(sql)
}

async fn post_dimension(w: &mut World, path: &str, name: &str) -> Resp {
    let path = format!("/w/{}/naming/dimensions{path}", w.slug);
    w.ann
        .post(
            &path,
            &[
                ("name", name),
                ("kind", "LIST"),
                ("parent_id", ""),
                ("status", "ACTIVE"),
                ("description", "Kept while fixing the name"),
            ],
        )
        .await
}

#[actix_web::test]
async fn creating_a_dimension_whose_name_another_open_transaction_took_is_a_422() {
    let mut w = world().await;
    let user = w.user;
    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_dimensions::table)
            .values(dimension_row(t, user, "Market"))
            .execute(c)
    });
    let res = post_dimension(&mut w, "", "Market").await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, DIMENSION_TAKEN);
    assert!(
        res.contains("Kept while fixing the name"),
        "the input is kept"
    );
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_dimensions WHERE name = 'Market'"
        ),
        1
    );
    // Nothing of the refused create was written (no audit event either).
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'naming.dimension.create'"
        ),
        0
    );
}

#[actix_web::test]
async fn renaming_a_dimension_to_a_name_another_open_transaction_took_is_a_422() {
    let mut w = world().await;
    let user = w.user;
    let country = w.demo.dim("Country");
    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_dimensions::table)
            .values(dimension_row(t, user, "Market"))
            .execute(c)
    });
    let res = post_dimension(&mut w, &format!("/{country}"), "Market").await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, DIMENSION_TAKEN);
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_dimensions WHERE name = 'Country'"
        ),
        1,
        "Country keeps its name"
    );
}

/// The value form, with `value` and the rest left as the form sends them.
async fn post_value(w: &mut World, path: &str, value: &str) -> Resp {
    let path = format!("/w/{}/naming/dimensions/{path}", w.slug);
    w.ann
        .post(
            &path,
            &[
                ("value", value),
                ("label", "Kept label"),
                ("utm", ""),
                ("description", ""),
                ("valid_from", ""),
                ("valid_until", ""),
                ("parent_id", ""),
                ("status", "ACTIVE"),
            ],
        )
        .await
}

#[actix_web::test]
async fn adding_a_value_another_open_transaction_added_is_a_422() {
    let mut w = world().await;
    let (user, country) = (w.user, w.demo.dim("Country"));
    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_dimension_values::table)
            .values(value_row(t, user, country, "zz"))
            .execute(c)
    });
    let res = post_value(&mut w, &format!("{country}/values"), "zz").await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, VALUE_TAKEN);
    assert!(res.contains("Kept label"), "the input is kept");
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_dimension_values WHERE value = 'zz'"
        ),
        1
    );
}

#[actix_web::test]
async fn changing_a_value_to_one_another_open_transaction_added_is_a_422() {
    let mut w = world().await;
    let (user, country) = (w.user, w.demo.dim("Country"));
    let de = w.demo.value("Country", "de");
    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_dimension_values::table)
            .values(value_row(t, user, country, "zz"))
            .execute(c)
    });
    let res = post_value(&mut w, &format!("{country}/values/{de}"), "zz").await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, VALUE_TAKEN);
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_dimension_values WHERE value = 'de'"
        ),
        1,
        "de keeps its value"
    );
}

/// The Meta rule's platform.
fn meta_platform(w: &World) -> PlatformId {
    let rule = w.demo.meta_rule;
    w.app.tenant_write(&w.slug, |c, t| {
        Ok(naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(rule))
            .select(naming_rules::platform_id)
            .first::<PlatformId>(c)?)
    })
}

fn defaults_on(w: &World, platform: PlatformId) -> Vec<RuleId> {
    w.app.tenant_write(&w.slug, |c, t| {
        Ok(naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::platform_id.eq(platform))
            .filter(naming_rules::is_default.eq(true))
            .select(naming_rules::id)
            .load::<RuleId>(c)?)
    })
}

#[actix_web::test]
async fn creating_a_rule_whose_name_another_open_transaction_took_is_a_422_and_keeps_the_default() {
    let mut w = world().await;
    let user = w.user;
    let platform = meta_platform(&w);
    let before = defaults_on(&w, platform);
    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_rules::table)
            .values(rule_row(t, user, platform, "Race"))
            .execute(c)
    });
    let p = platform.to_string();
    let path = format!("/w/{}/naming/rules", w.slug);
    let res = w
        .ann
        .post(
            &path,
            &[
                ("platform_id", p.as_str()),
                ("name", "Race"),
                ("description", "Kept description"),
                ("status", "ACTIVE"),
                ("is_default", "on"),
            ],
        )
        .await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, RULE_TAKEN);
    assert!(res.contains("Kept description"), "the input is kept");
    assert_eq!(
        defaults_on(&w, platform),
        before,
        "the refused rule didn't unset the platform's default"
    );
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_rules WHERE name = 'Race'"
        ),
        1
    );
}

#[actix_web::test]
async fn renaming_or_copying_a_rule_to_a_name_another_open_transaction_took_is_a_422() {
    let mut w = world().await;
    let user = w.user;
    let platform = meta_platform(&w);
    let meta = w.demo.meta_rule;

    let blocker = hold(&w, move |c, t| {
        diesel::insert_into(naming_rules::table)
            .values(rule_row(t, user, platform, "Race"))
            .execute(c)
    });
    let path = format!("/w/{}/naming/rules/{meta}/edit", w.slug);
    let res = w
        .ann
        .post(
            &path,
            &[("name", "Race"), ("description", ""), ("status", "ACTIVE")],
        )
        .await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, RULE_TAKEN);

    let blocker = hold(&w, move |c, t| {
        let mut row = rule_row(t, user, platform, "Race copy");
        row.slug = "held-copy".into();
        diesel::insert_into(naming_rules::table)
            .values(row)
            .execute(c)
    });
    let path = format!("/w/{}/naming/rules/{meta}/duplicate", w.slug);
    let res = w.ann.post(&path, &[("name", "Race copy")]).await;
    blocker.join().expect("blocker thread");
    assert_taken(&res, RULE_TAKEN);
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) AS n FROM naming_rules WHERE name IN ('Race', 'Race copy')"
        ),
        2,
        "only the other transaction's rules"
    );
}

#[actix_web::test]
async fn a_new_default_rule_racing_another_new_default_is_told_so_not_that_its_name_is_taken() {
    let mut w = world().await;
    let user = w.user;
    let platform = meta_platform(&w);
    // Someone else makes "Held default" the platform's default and holds it.
    let blocker = hold(&w, move |c, t| {
        diesel::update(
            naming_rules::table
                .filter(naming_rules::tenant_id.eq(t))
                .filter(naming_rules::platform_id.eq(platform)),
        )
        .set(naming_rules::is_default.eq(false))
        .execute(c)?;
        diesel::insert_into(naming_rules::table)
            .values(Rule {
                is_default: true,
                ..rule_row(t, user, platform, "Held default")
            })
            .execute(c)
    });
    let p = platform.to_string();
    let res = w
        .ann
        .post(
            &format!("/w/{}/naming/rules", w.slug),
            &[
                ("platform_id", p.as_str()),
                ("name", "Mine"),
                ("description", ""),
                ("status", "ACTIVE"),
                ("is_default", "on"),
            ],
        )
        .await;
    blocker.join().expect("blocker thread");
    let held = w
        .app
        .raw_text("SELECT CAST(id AS TEXT) AS s FROM naming_rules WHERE name = 'Held default'");
    let mine = "SELECT COUNT(*) AS n FROM naming_rules WHERE name = 'Mine'";
    let defaults: Vec<String> = defaults_on(&w, platform)
        .iter()
        .map(|r| r.to_string())
        .collect();
    match w.app.backend() {
        // The app's write waited for the other transaction, saw the platform's
        // default on a row it didn't read, and the unique key refused it.
        Backend::Postgres => {
            assert_taken(&res, DEFAULT_TAKEN);
            assert!(!res.contains(RULE_TAKEN), "{}", res.body);
            assert_eq!(count(&w, mine), 0);
            assert_eq!(defaults, vec![held]);
        }
        // The write lock serialises the two: the later one is the default.
        Backend::Sqlite => {
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
            assert_eq!(count(&w, mine), 1);
            assert_eq!(defaults.len(), 1);
            assert_ne!(defaults, vec![held]);
        }
    }
}
