//! Dimension fixtures for the `naming_dimension*` tests: Acme owned by Ann,
//! dimensions and values created through the app, values read back through a
//! connection scoped to the workspace, and the multipart CSV import post.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use atrium::db::{DbConn, TenantConn, TenantId};
use atrium::naming::models::DimensionValue;

use super::{Browser, Resp, TestApp};

/// Acme, owned by Ann; `tenant` is its id as text.
pub struct Ws {
    pub app: TestApp,
    pub ann: Browser,
    pub slug: String,
    pub tenant: String,
}

pub async fn workspace() -> Ws {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let tenant = app.tenant(&slug).to_string();
    Ws {
        app,
        ann,
        slug,
        tenant,
    }
}

/// Reads through a connection scoped to `tenant`, as the app does.
pub fn read<T>(
    app: &TestApp,
    tenant: &str,
    f: impl FnOnce(&mut DbConn, TenantId) -> atrium::error::AppResult<T>,
) -> T {
    let t = TenantId(tenant.parse().expect("tenant id"));
    TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(t))
        .expect("conn")
        .read(f)
        .expect("read")
}

pub fn values_of(w: &Ws, dim: &str) -> Vec<DimensionValue> {
    let d = dim.parse().expect("dimension id");
    read(&w.app, &w.tenant, |c, t| {
        atrium::naming::dimensions::values::all(c, t, d)
    })
}

pub fn value_id(w: &Ws, dim: &str, value: &str) -> String {
    values_of(w, dim)
        .into_iter()
        .find(|v| v.value == value)
        .map(|v| v.id.to_string())
        .expect("value")
}

/// Creates a dimension through the app; returns its id.
pub async fn dimension(w: &mut Ws, name: &str, kind: &str, parent: &str) -> String {
    let r = w
        .ann
        .post(
            &format!("/w/{}/naming/dimensions", w.slug),
            &[
                ("name", name),
                ("kind", kind),
                ("parent_id", parent),
                ("status", "ACTIVE"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "creating {name}: {}",
        r.body
    );
    r.location().rsplit('/').next().expect("id").to_string()
}

/// Adds a value through the app.
pub async fn value(w: &mut Ws, dim: &str, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![
        ("label", ""),
        ("utm", ""),
        ("description", ""),
        ("valid_from", ""),
        ("valid_until", ""),
        ("parent_id", ""),
        ("status", "ACTIVE"),
    ];
    all.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
    all.extend_from_slice(fields);
    w.ann
        .post(
            &format!("/w/{}/naming/dimensions/{dim}/values", w.slug),
            &all,
        )
        .await
}

/// POSTs a multipart form with the CSV pasted (or as a file), CSRF as the first field.
pub async fn multipart(b: &mut Browser, path: &str, csv: &str, as_file: bool) -> Resp {
    multipart_with(b, path, csv, as_file, &[]).await
}

/// [`multipart`] with more text fields (e.g. the preview's `page`).
pub async fn multipart_with(
    b: &mut Browser,
    path: &str,
    csv: &str,
    as_file: bool,
    fields: &[(&str, &str)],
) -> Resp {
    let token = b.csrf.clone().expect("csrf token");
    let boundary = "----atriumtestboundary";
    let (pasted, file) = if as_file { ("", csv) } else { (csv, "") };
    let extra: String = fields
        .iter()
        .map(|(k, v)| {
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
        })
        .collect();
    let csrf = super::csrf_part(boundary, &token);
    let body = format!(
        "{csrf}--{boundary}\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\n{pasted}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"values.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         {extra}--{boundary}--\r\n"
    );
    b.send(
        TestRequest::post()
            .uri(path)
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body),
    )
    .await
}
