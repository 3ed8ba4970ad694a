//! Rule fixtures for the `naming_rule*` tests (and `naming_validate`): Acme
//! owned by Ann, dimensions and values inserted straight into the database,
//! rules and their parts made through the app, and htmx-style posts.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chrono::NaiveDate;
use diesel::prelude::*;

use atrium::db::{TenantConn, TenantId, UtcTime};
use atrium::naming::models::{
    Dimension, DimensionId, DimensionValue, DimensionValueId, FieldId, RuleDetail, RuleId,
};
use atrium::schema::{naming_dimension_values, naming_dimensions, naming_rule_details};

use super::{Browser, Resp, TestApp};

pub const META: &str = "019a0000-0000-7000-8000-000000000001";
pub const GOOGLE: &str = "019a0000-0000-7000-8000-000000000002";
pub const CAMPAIGN: &str = "019a0000-0000-7000-8000-000000000101";
pub const ADSET: &str = "019a0000-0000-7000-8000-000000000102";

pub struct Ws {
    pub app: TestApp,
    pub ann: Browser,
    pub slug: String,
    pub tenant: TenantId,
}

/// Acme, owned by Ann.
pub async fn workspace() -> Ws {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = app.tenant(&slug);
    Ws {
        app,
        ann,
        slug,
        tenant,
    }
}

pub fn tc(app: &TestApp, t: TenantId) -> TenantConn {
    TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(t)).expect("conn")
}

/// Inserts an ACTIVE dimension (LIST or TEXT).
pub fn dimension(app: &TestApp, t: TenantId, name: &str, kind: &str) -> DimensionId {
    let now = UtcTime::now();
    let d = Dimension {
        tenant_id: t,
        id: DimensionId::new(),
        parent_id: None,
        name: name.into(),
        slug: name.to_lowercase().replace(' ', "-"),
        description: String::new(),
        kind: atrium::naming::models::DimensionKind::parse(kind).expect("LIST or TEXT"),
        status: atrium::naming::models::Availability::Active,
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    let id = d.id;
    tc(app, t)
        .write(|c, _| {
            diesel::insert_into(naming_dimensions::table)
                .values(&d)
                .execute(c)?;
            Ok(())
        })
        .expect("dimension");
    id
}

/// Inserts a value; `valid_until` in the past makes it expired.
pub fn value(
    app: &TestApp,
    t: TenantId,
    dim: DimensionId,
    value: &str,
    valid_until: Option<NaiveDate>,
) {
    let now = UtcTime::now();
    let v = DimensionValue {
        tenant_id: t,
        id: DimensionValueId::new(),
        dimension_id: dim,
        parent_id: None,
        value: value.into(),
        label: value.into(),
        utm: value.into(),
        description: String::new(),
        valid_from: None,
        valid_until,
        status: atrium::naming::models::Availability::Active,
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    tc(app, t)
        .write(|c, _| {
            diesel::insert_into(naming_dimension_values::table)
                .values(&v)
                .execute(c)?;
            Ok(())
        })
        .expect("value");
}

pub fn past() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).expect("date")
}

/// Creates a rule through the app; returns its id.
pub async fn create_rule(
    b: &mut Browser,
    slug: &str,
    name: &str,
    platform: &str,
    default: bool,
) -> String {
    let mut form = vec![
        ("platform_id", platform),
        ("name", name),
        ("description", ""),
        ("status", "ACTIVE"),
    ];
    if default {
        form.push(("is_default", "on"));
    }
    let res = b.post(&format!("/w/{slug}/naming/rules"), &form).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "create rule: {}",
        res.body
    );
    res.location().rsplit('/').next().expect("id").to_string()
}

/// POST as htmx does: `HX-Request` and the CSRF token in a header.
pub async fn hx_post(b: &mut Browser, path: &str, form: &[(&str, &str)]) -> Resp {
    let token = b.csrf.clone().expect("a CSRF token from an earlier page");
    let body = serde_urlencoded::to_string(form).expect("form");
    b.send(
        TestRequest::post()
            .uri(path)
            .insert_header(("hx-request", "true"))
            .insert_header(("x-csrf-token", token))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body),
    )
    .await
}

/// Adds a part through the app (plain post).
pub async fn add_part(
    b: &mut Browser,
    slug: &str,
    rule: &str,
    field: &str,
    dim: DimensionId,
    delimiter: &str,
) {
    let d = dim.to_string();
    let res = b
        .post(
            &format!("/w/{slug}/naming/rules/{rule}/fields/{field}/parts"),
            &[
                ("dimension_id", d.as_str()),
                ("prefix", ""),
                ("suffix", ""),
                ("delimiter", delimiter),
                ("is_required", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "add part: {}", res.body);
}

/// A rule's parts for a field, in order.
pub fn parts(app: &TestApp, t: TenantId, rule: &str, field: &str) -> Vec<RuleDetail> {
    let rule: RuleId = rule.parse().expect("rule id");
    let field: FieldId = field.parse().expect("field id");
    tc(app, t)
        .read(|c, t| {
            Ok(naming_rule_details::table
                .filter(naming_rule_details::tenant_id.eq(t))
                .filter(naming_rule_details::rule_id.eq(rule))
                .filter(naming_rule_details::field_id.eq(field))
                .order(naming_rule_details::dimension_order)
                .select(RuleDetail::as_select())
                .load(c)?)
        })
        .expect("parts")
}

pub fn count(app: &TestApp, sql: &str) -> i64 {
    app.raw_count(sql)
}
