//! Workspace export: an admin queues a ZIP of CSV files, the job writes it,
//! and only that workspace's admins can download it — with only that
//! workspace's rows in it.

use std::path::Path;
use std::process::Command;

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};

use crate::common::{Browser, TestApp};
use atrium::db::{Backend, TenantId};
use atrium::jobs::{Job, JobId};

/// Acme (Ann owner; Bob member, Val viewer, both in team Skunkworks; a
/// pending invitation) and Globex (Gus owner; a team and an invitation whose
/// names must never show up in Acme's export).
struct Setup {
    app: TestApp,
    ann: Browser,
    bob: Browser,
    val: Browser,
    gus: Browser,
    acme: String,
    globex: String,
}

async fn setup() -> Setup {
    let app = TestApp::new().await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    let acme = app.workspace(&mut ann, "Acme Export").await;
    let bob = app
        .member(&mut ann, &acme, "bob@example.com", "member")
        .await;
    let val = app
        .member(&mut ann, &acme, "val@example.com", "viewer")
        .await;
    let team = ann
        .post(
            &format!("/w/{acme}/teams"),
            &[("name", "Skunkworks"), ("description", "Quiet, please")],
        )
        .await
        .location();
    ann.post(&format!("{team}/members"), &[("email", "bob@example.com")])
        .await;
    ann.invite(&acme, "pending@example.com", "viewer").await;

    let mut gus = app.user("gus@globex.test", "Gus Globex").await;
    let globex = app.workspace(&mut gus, "Globex Hidden").await;
    let team = gus
        .post(
            &format!("/w/{globex}/teams"),
            &[("name", "Zeppelin Hush"), ("description", "")],
        )
        .await
        .location();
    gus.post(&format!("{team}/members"), &[("email", "gus@globex.test")])
        .await;
    gus.invite(&globex, "secret@globex.test", "member").await;
    Setup {
        app,
        ann,
        bob,
        val,
        gus,
        acme,
        globex,
    }
}

pub(crate) fn tenant_of(app: &TestApp, slug: &str) -> TenantId {
    atrium::workspaces::access::active_by_slug(&mut app.pool().get().expect("conn"), slug)
        .expect("query")
        .expect("workspace")
        .id
}

pub(crate) fn job(app: &TestApp, tenant: TenantId, id: JobId) -> Job {
    let mut tc =
        atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
            .expect("tenant conn");
    tc.read(|c, t| atrium::jobs::find(c, t, id)).expect("job")
}

/// Posts the export form; returns the job id from the redirect to its page.
pub(crate) async fn start_export(b: &mut Browser, slug: &str) -> String {
    let res = b.post(&format!("/w/{slug}/export"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "export: {}", res.body);
    let loc = res.location();
    let prefix = format!("/w/{slug}/jobs/");
    assert!(loc.starts_with(&prefix), "redirects to the job page: {loc}");
    loc[prefix.len()..].to_string()
}

/// A response with its body as bytes (the harness reads bodies as text,
/// which would mangle a ZIP).
pub(crate) struct Download {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

pub(crate) async fn download(b: &Browser, path: &str) -> Download {
    let svc = test::init_service(atrium::build_app(b.app.state.clone())).await;
    let cookie = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = TestRequest::get()
        .uri(path)
        .insert_header(("cookie", cookie))
        .to_request();
    let res = test::call_service(&svc, req).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await.to_vec();
    Download {
        status,
        headers,
        body,
    }
}

/// Reads a ZIP with Python's `zipfile` (an independent reader): checks every
/// CRC and that entries are stored; returns (name, text) in archive order.
pub(crate) fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let path = std::env::temp_dir().join(format!(
        "atrium-export-{}.zip",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::write(&path, bytes).expect("write the zip");
    let script = "import json, sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  bad = z.testzip()\n\
                  assert bad is None, 'bad CRC in ' + bad\n\
                  assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())\n\
                  print(json.dumps([[i.filename, z.read(i).decode('utf-8')] for i in z.infolist()]))";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("run python3");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "python zipfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json from python")
}

pub(crate) fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("{name} in the zip"))
}

fn exported_zips(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("exports folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[actix_web::test]
async fn an_admin_downloads_a_zip_of_csv_files_with_only_their_workspaces_rows() {
    let Setup {
        app, mut ann, acme, ..
    } = setup().await;
    let audit = ann.get(&format!("/w/{acme}/audit")).await;
    assert!(
        audit.contains(&format!("action=\"/w/{acme}/export\"")),
        "the audit page offers the export"
    );
    let res = ann
        .post(
            &format!("/w/{acme}/settings/about"),
            &[
                ("industry", "Aerospace"),
                ("website", "https://acme.example"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = start_export(&mut ann, &acme).await;
    assert!(app.run_jobs() >= 1);
    let tenant = tenant_of(&app, &acme);
    let done = job(&app, tenant, id.parse().expect("job id"));
    assert_eq!(
        done.status,
        atrium::jobs::JobStatus::Done,
        "{:?}",
        done.last_error
    );
    assert_eq!(done.progress_done, done.progress_total);
    assert!(done.progress_total >= 10, "rows counted first");

    let res = download(&ann, &format!("/w/{acme}/export/{id}.zip")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/zip")
    );
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    assert_eq!(
        res.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some(format!("attachment; filename=\"{acme}-export-{today}.zip\"").as_str())
    );

    let files = unzip(&res.body);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    // The core's files, then each module's tables (see `exports_modules`).
    let modules: Vec<String> = atrium::modules::all()
        .iter()
        .flat_map(|m| m.exports)
        .map(|e| format!("{}.csv", e.table))
        .collect();
    assert_eq!(
        names[..8],
        [
            "workspace.csv",
            "members.csv",
            "invitations.csv",
            "teams.csv",
            "team_members.csv",
            "workspace_profile.csv",
            "workspace_links.csv",
            "audit_events.csv"
        ]
    );
    assert_eq!(names[8..], modules);
    assert_eq!(
        file(&files, "workspace_profile.csv"),
        "description,type,industry,company_size,location,contact_email,contact_phone,website\r\n\
         ,,Aerospace,,,,,https://acme.example\r\n"
    );
    let workspace = file(&files, "workspace.csv");
    assert!(workspace.starts_with("name,slug,plan,seat_limit,status,created_at\r\n"));
    assert!(workspace.contains(&format!("Acme Export,{acme},")));
    let members = file(&files, "members.csv");
    assert!(members.starts_with("email,name,role,joined,removed\r\n"));
    assert!(members.contains("ann@example.com,Ann,owner,"));
    assert!(members.contains("bob@example.com,bob,member,"));
    assert!(members.contains("val@example.com,val,viewer,"));
    assert_eq!(members.lines().count(), 4, "header and three members");
    let invitations = file(&files, "invitations.csv");
    assert!(invitations
        .starts_with("email,role,invited_by,expires_at,accepted_at,revoked_at,created_at\r\n"));
    assert!(invitations.contains("pending@example.com,viewer,ann@example.com,"));
    assert!(!invitations.contains("token"), "no token hashes");
    assert!(file(&files, "teams.csv").contains("Skunkworks,\"Quiet, please\","));
    assert_eq!(
        file(&files, "team_members.csv"),
        "team,email\r\nSkunkworks,bob@example.com\r\n"
    );
    let events = file(&files, "audit_events.csv");
    assert!(events.starts_with(&atrium::support::csv::line(
        atrium::audit::queries::CSV_HEADER
    )));
    for action in [
        "workspace.create",
        "member.invite",
        "member.accept",
        "workspace.export",
    ] {
        assert!(events.contains(&format!(",{action},")), "{action}");
    }

    // Not one of Globex's rows, names or people.
    for (name, text) in &files {
        let lower = text.to_lowercase();
        for foreign in ["globex", "zeppelin", "gus"] {
            assert!(!lower.contains(foreign), "{foreign} leaked into {name}");
        }
    }

    // The file sits where the docs say, with no half-written leftover.
    let dir = atrium::exports::folder(&app.state.config.data_dir, tenant);
    assert_eq!(exported_zips(&dir), [format!("{id}.zip")]);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'workspace.export'"),
        1
    );
}

#[actix_web::test]
async fn members_and_viewers_are_refused_and_outsiders_find_nothing() {
    let Setup {
        app,
        mut ann,
        mut bob,
        mut val,
        mut gus,
        acme,
        ..
    } = setup().await;
    assert_eq!(
        bob.post(&format!("/w/{acme}/export"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        val.post(&format!("/w/{acme}/export"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        gus.post(&format!("/w/{acme}/export"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'workspace.export'"),
        0,
        "no refused request queued a job"
    );

    let id = start_export(&mut ann, &acme).await;
    app.run_jobs();
    let url = format!("/w/{acme}/export/{id}.zip");
    assert_eq!(download(&ann, &url).await.status, StatusCode::OK);
    assert_eq!(download(&bob, &url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(download(&val, &url).await.status, StatusCode::FORBIDDEN);
    let outsider = download(&gus, &url).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&outsider.body).contains("Acme"));
    // Signed out: to the login page, not the file.
    let anonymous = download(&app.browser(), &url).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn another_workspaces_export_id_is_not_found() {
    let Setup {
        app,
        mut ann,
        mut gus,
        acme,
        globex,
        ..
    } = setup().await;
    let theirs = start_export(&mut gus, &globex).await;
    let ours = start_export(&mut ann, &acme).await;
    app.run_jobs();
    assert_eq!(
        download(&gus, &format!("/w/{globex}/export/{theirs}.zip"))
            .await
            .status,
        StatusCode::OK
    );
    // Globex's job id under Acme's address: not found, not forbidden.
    assert_eq!(
        download(&ann, &format!("/w/{acme}/export/{theirs}.zip"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&gus, &format!("/w/{globex}/export/{ours}.zip"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A finished job of another kind is not an export.
    let tenant = tenant_of(&app, &acme);
    let other = {
        let mut tc =
            atrium::db::TenantConn::open(app.pool(), &atrium::db::tenant_scope_for_tests(tenant))
                .expect("tenant conn");
        tc.write(|c, t| atrium::jobs::enqueue(c, t, "email.send", serde_json::json!({}), None))
            .expect("enqueue")
    };
    app.raw_exec(&format!(
        "UPDATE jobs SET status = 'done' WHERE id = '{other}'"
    ));
    for path in [
        format!("/w/{acme}/export/{other}.zip"),
        format!("/w/{acme}/export/{}.zip", atrium::db::Id::new()),
        format!("/w/{acme}/export/not-a-uuid.zip"),
        format!("/w/{acme}/export/{ours}"),
    ] {
        assert_eq!(
            download(&ann, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[actix_web::test]
async fn the_download_link_appears_only_once_the_export_is_done() {
    let Setup {
        app, mut ann, acme, ..
    } = setup().await;
    let id = start_export(&mut ann, &acme).await;
    let page_url = format!("/w/{acme}/jobs/{id}");
    let zip_url = format!("/w/{acme}/export/{id}.zip");
    let page = ann.get(&page_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Exporting workspace data"));
    assert!(page.contains("hx-trigger=\"every 1s\""), "still polls");
    assert!(!page.contains("Download the export"));
    assert_eq!(
        download(&ann, &zip_url).await.status,
        StatusCode::NOT_FOUND,
        "not run yet"
    );

    app.run_jobs();
    let fragment = ann.hx_get(&page_url).await;
    assert!(!fragment.contains("<html"));
    assert!(fragment.contains(&format!("href=\"{zip_url}\"")));
    assert!(fragment.contains("Download the export"));
    assert!(!fragment.contains("hx-trigger"), "stops polling");
    assert!(ann
        .get(&page_url)
        .await
        .contains(&format!("href=\"{zip_url}\"")));
}

#[actix_web::test]
async fn clicking_export_twice_before_it_runs_queues_one_job() {
    let Setup {
        app, mut ann, acme, ..
    } = setup().await;
    let first = start_export(&mut ann, &acme).await;
    let second = start_export(&mut ann, &acme).await;
    assert_eq!(first, second);
    assert_eq!(
        app.raw_count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'workspace.export'"),
        1
    );
    app.run_jobs();
    assert_ne!(
        start_export(&mut ann, &acme).await,
        first,
        "a new one after it finished"
    );
}

#[actix_web::test]
async fn only_the_five_newest_exports_are_kept() {
    let Setup {
        app, mut ann, acme, ..
    } = setup().await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(start_export(&mut ann, &acme).await);
        app.run_jobs();
    }
    let dir = atrium::exports::folder(&app.state.config.data_dir, tenant_of(&app, &acme));
    let kept: Vec<String> = ids[1..].iter().map(|id| format!("{id}.zip")).collect();
    assert_eq!(exported_zips(&dir), kept);
    assert_eq!(
        download(&ann, &format!("/w/{acme}/export/{}.zip", ids[0]))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the oldest was deleted"
    );
    assert_eq!(
        download(&ann, &format!("/w/{acme}/export/{}.zip", ids[5]))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_long_audit_log_is_exported_whole_across_chunks() {
    let Setup {
        app, mut ann, acme, ..
    } = setup().await;
    let tenant = tenant_of(&app, &acme);
    // 2,500 old events, three to a timestamp, so chunk boundaries fall inside
    // runs of equal times and the (time, id) cursor must break the ties.
    let n = 2500;
    app.raw_exec(&match app.backend() {
        Backend::Postgres => format!(
            "INSERT INTO audit_events (id, tenant_id, action, resource_type, resource_id, changes, severity, created_at) \
             SELECT ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, '{tenant}', 'test.bulk', 'row', i::text, '{{}}', 'info', \
                    timestamptz '2025-01-01 00:00:00+00' - (i / 3) * interval '1 second' \
             FROM generate_series(1, {n}) AS i"
        ),
        Backend::Sqlite => format!(
            "INSERT INTO audit_events (id, tenant_id, action, resource_type, resource_id, changes, severity, created_at) \
             WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             SELECT printf('00000000-0000-7000-8000-%012d', i), '{tenant}', 'test.bulk', 'row', CAST(i AS TEXT), '{{}}', 'info', \
                    strftime('%Y-%m-%dT%H:%M:%S', '2025-01-01 00:00:00', '-' || (i / 3) || ' seconds') || '.000000Z' \
             FROM s"
        ),
    });
    let in_db = app.raw_count(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = '{tenant}'"
    ));
    let id = start_export(&mut ann, &acme).await;
    app.run_jobs();
    let res = download(&ann, &format!("/w/{acme}/export/{id}.zip")).await;
    assert_eq!(res.status, StatusCode::OK);
    let files = unzip(&res.body);
    let events = file(&files, "audit_events.csv");
    // Every event once: the ones counted before, plus the export's own.
    assert_eq!(events.lines().count() as i64, 1 + in_db + 1);
    let mut bulk: Vec<u32> = events
        .lines()
        .filter(|l| l.contains(",test.bulk,"))
        .map(|l| {
            l.split(',')
                .nth(4)
                .expect("resource_id")
                .parse()
                .expect("n")
        })
        .collect();
    bulk.sort_unstable();
    assert_eq!(bulk, (1..=n).collect::<Vec<u32>>());
    let done = job(&app, tenant, id.parse().expect("job id"));
    assert_eq!(done.progress_done, done.progress_total);
    assert!(done.progress_total > i64::from(n));
}
