//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL
//! database owned by a non-superuser role when `ATRIUM_TEST_DATABASE_URL` is
//! set), the real `build_app`, and browser-like clients with cookies and CSRF.

#![allow(dead_code)]

pub mod admin;
pub mod naming;
pub mod naming_batches;
pub mod naming_dimensions;
pub mod naming_rules;
pub mod projects;
pub mod settings;

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;

use atrium::config::Config;
use atrium::db::{self, Backend, Pool};
use atrium::{build_app, AppState};

/// The role tests connect as on Postgres: not a superuser, no BYPASSRLS, so
/// row-level security applies as in production.
pub const PG_ROLE: &str = "atrium_test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: PathBuf,
    pg_admin: Option<(String, String)>,
}

fn pg_url_with(url: &str, user: &str, password: Option<&str>, dbname: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let hostpart = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (host, query) = match hostpart.split_once('/') {
        Some((h, tail)) => (
            h,
            tail.split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default(),
        ),
        None => (hostpart, String::new()),
    };
    let auth = match password {
        Some(p) => format!("{user}:{p}"),
        None => user.to_string(),
    };
    format!("{scheme}://{auth}@{host}/{dbname}{query}")
}

impl TestDb {
    pub fn new() -> TestDb {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("atrium-test-{id}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match std::env::var("ATRIUM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let dbname = format!("atrium_t_{id}");
                let mut admin = PgConnection::establish(&admin_url)
                    .expect("connect to ATRIUM_TEST_DATABASE_URL");
                // Several tests may race to create the role: ignore "already exists".
                let _ = diesel::sql_query(format!(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PG_ROLE}') THEN \
                     CREATE ROLE {PG_ROLE} LOGIN PASSWORD '{PG_ROLE}' NOSUPERUSER NOBYPASSRLS NOCREATEDB; END IF; END $$"
                ))
                .execute(&mut admin);
                // Test databases are thrown away: their commits need not wait
                // for the disk (migrations commit once per file).
                let _ =
                    diesel::sql_query(format!("ALTER ROLE {PG_ROLE} SET synchronous_commit = off"))
                        .execute(&mut admin);
                diesel::sql_query(format!("CREATE DATABASE {dbname} OWNER {PG_ROLE}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let url = pg_url_with(&admin_url, PG_ROLE, Some(PG_ROLE), &dbname);
                TestDb {
                    url,
                    backend: Backend::Postgres,
                    dir,
                    pg_admin: Some((admin_url, dbname)),
                }
            }
            None => {
                let url = format!("sqlite://{}", dir.join("test.db").display());
                TestDb {
                    url,
                    backend: Backend::Sqlite,
                    dir,
                    pg_admin: None,
                }
            }
        }
    }

    /// A superuser connection to this test's database (Postgres only), to
    /// look at rows as they are, past row-level security.
    pub fn superuser_conn(&self) -> Option<PgConnection> {
        let (admin_url, dbname) = self.pg_admin.as_ref()?;
        let user = admin_url
            .split_once("://")
            .and_then(|(_, r)| r.split_once('@'))
            .map(|(u, _)| u.split(':').next().unwrap_or("postgres").to_string())
            .unwrap_or_else(|| "postgres".into());
        PgConnection::establish(&pg_url_with(admin_url, &user, None, dbname)).ok()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, dbname)) = &self.pg_admin {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type CallFn = dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>;

/// The real app over a fresh database.
#[derive(Clone)]
pub struct TestApp {
    pub state: web::Data<AppState>,
    pub db: Rc<TestDb>,
    call: Rc<CallFn>,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(|_| {}).await
    }

    /// Builds the app after `tweak` adjusts the configuration.
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new();
        let mut config = Config::for_database(&db.url, &db.dir);
        tweak(&mut config);
        let pool = db::connect_pool(&db.url, 4).expect("pool");
        db::run_migrations(&mut pool.get().expect("conn")).expect("migrations");
        let state = web::Data::new(AppState::new(pool, config));
        let svc = Rc::new(test::init_service(build_app(state.clone())).await);
        let call: Rc<CallFn> = Rc::new(move |req| {
            let svc = svc.clone();
            Box::pin(async move {
                match svc.call(req).await {
                    Ok(res) => res.map_into_boxed_body(),
                    Err(e) => panic!("service error escaped the app: {e}"),
                }
            })
        });
        TestApp {
            state,
            db: Rc::new(db),
            call,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// A client with no cookies yet.
    pub fn browser(&self) -> Browser {
        Browser {
            app: self.clone(),
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    /// Creates an account directly (no HTTP) and returns a browser signed in as it.
    pub async fn user(&self, email: &str, name: &str) -> Browser {
        self.create_account(email, name, false);
        let mut b = self.browser();
        b.login(email, PASSWORD).await;
        b
    }

    pub async fn superadmin(&self, email: &str) -> Browser {
        self.create_account(email, "Super Admin", true);
        let mut b = self.browser();
        b.login(email, PASSWORD).await;
        b
    }

    pub fn create_account(
        &self,
        email: &str,
        name: &str,
        superadmin: bool,
    ) -> atrium::accounts::User {
        let mut conn = self.pool().get().expect("conn");
        let hash = password_hash();
        atrium::accounts::models::register(&mut conn, name, email, hash, superadmin, None)
            .expect("register")
            .expect("valid account")
    }

    /// A workspace owned by `owner` (who must exist); returns its slug.
    pub async fn workspace(&self, owner: &mut Browser, name: &str) -> String {
        let res = owner.post("/w/new", &[("name", name), ("slug", "")]).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "creating a workspace: {}",
            res.body
        );
        let loc = res.location();
        loc.trim_start_matches("/w/")
            .trim_end_matches('/')
            .to_string()
    }

    /// Adds `email` (creating the account) to the workspace with `role`, by
    /// invitation and acceptance through the app; returns their browser.
    pub async fn member(
        &self,
        admin: &mut Browser,
        slug: &str,
        email: &str,
        role: &str,
    ) -> Browser {
        let token = admin.invite(slug, email, role).await;
        let mut b = self
            .user(email, email.split('@').next().unwrap_or("Someone"))
            .await;
        let res = b.post(&format!("/invite/{token}"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "accepting: {}", res.body);
        assert_eq!(res.location(), format!("/w/{slug}/"));
        b
    }

    /// Runs SQL as the database owner sees it: past row-level security on
    /// Postgres (a superuser connection), directly on SQLite. For setting up
    /// states the app can't reach (expired rows) and for checking raw rows.
    pub fn raw_exec(&self, sql: &str) -> usize {
        match self.db.superuser_conn() {
            Some(mut pg) => diesel::sql_query(sql).execute(&mut pg).expect("raw sql"),
            None => diesel::sql_query(sql)
                .execute(&mut *self.pool().get().expect("conn"))
                .expect("raw sql"),
        }
    }

    /// `SELECT COUNT(*) AS n …` through [`raw_exec`]'s connection.
    pub fn raw_count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let row: N = match self.db.superuser_conn() {
            Some(mut pg) => diesel::sql_query(sql)
                .get_result(&mut pg)
                .expect("raw count"),
            None => diesel::sql_query(sql)
                .get_result(&mut *self.pool().get().expect("conn"))
                .expect("raw count"),
        };
        row.n
    }

    /// Runs all due background jobs now.
    pub fn run_jobs(&self) -> usize {
        atrium::jobs::worker::run_due(self.pool(), &self.state.config, "test").expect("jobs")
    }
}

/// One argon2 hash of PASSWORD per test process (hashing is slow by design).
pub fn password_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| atrium::accounts::passwords::hash(PASSWORD).expect("hash"))
        .clone()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }

    /// The keyset pager's Next link (`?…after=…`), HTML entities undone.
    pub fn next_link(&self) -> Option<String> {
        find_between(&self.body, "rel=\"next\" href=\"", "\"").map(unescape)
    }

    /// The keyset pager's Previous link.
    pub fn prev_link(&self) -> Option<String> {
        find_between(&self.body, "rel=\"prev\" href=\"", "\"").map(unescape)
    }
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// POSTs a multipart form to `url` as a browser would: the CSRF token first
/// (fetched from `page` when the browser has none yet), then the text
/// `fields`, then `data` as the `file` part named `filename`.
pub async fn upload(
    b: &mut Browser,
    page: &str,
    url: &str,
    fields: &[(&str, &str)],
    filename: &str,
    data: &[u8],
) -> Resp {
    if b.csrf.is_none() {
        b.get(page).await;
    }
    let token = b.csrf.clone().expect("a CSRF token");
    let mut body = csrf_part("X", &token).into_bytes();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--X\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n--X--\r\n");
    b.send(
        TestRequest::post()
            .uri(url)
            .insert_header(("content-type", "multipart/form-data; boundary=X"))
            .set_payload(body),
    )
    .await
}

/// The multipart part that carries the CSRF token: it must come first, as the
/// hidden field at the top of every multipart form in the templates does.
pub fn csrf_part(boundary: &str, token: &str) -> String {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
    )
}

/// A browser: keeps cookies and the CSRF token between requests.
pub struct Browser {
    pub app: TestApp,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

fn find_between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

impl Browser {
    fn cookie_header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    pub async fn send(&mut self, req: TestRequest) -> Resp {
        let mut req = req;
        if let Some(c) = self.cookie_header() {
            req = req.insert_header(("cookie", c));
        }
        let res = (self.app.call)(req.to_request()).await;
        for c in res.response().cookies() {
            let expired =
                c.max_age().is_some_and(|a| a.is_zero() || a.is_negative()) || c.value().is_empty();
            if expired {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_string(), c.value().to_string());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = find_between(&body, "name=\"csrf_token\" value=\"", "\"") {
            self.csrf = Some(t.to_string());
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(TestRequest::get().uri(path)).await
    }

    /// GETs a streamed response (server-sent events) and returns its status
    /// and body unread, to take chunks from as they come ([`next_chunk`]).
    pub async fn open_stream(&mut self, path: &str) -> (StatusCode, BoxBody) {
        let mut req = TestRequest::get().uri(path);
        if let Some(c) = self.cookie_header() {
            req = req.insert_header(("cookie", c));
        }
        let res = (self.app.call)(req.to_request()).await;
        (res.status(), res.into_body())
    }

    /// GET as htmx does (`HX-Request: true`).
    pub async fn hx_get(&mut self, path: &str) -> Resp {
        self.send(
            TestRequest::get()
                .uri(path)
                .insert_header(("hx-request", "true")),
        )
        .await
    }

    async fn ensure_csrf(&mut self) -> String {
        if self.csrf.is_none() {
            self.get("/login").await;
        }
        if self.csrf.is_none() {
            self.get("/account").await;
        }
        if self.csrf.is_none() {
            self.get("/setup").await;
        }
        self.csrf.clone().expect("a page with a CSRF token")
    }

    /// POSTs a form with this browser's CSRF token.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let token = self.ensure_csrf().await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        let body = serde_urlencoded::to_string(&fields).expect("form");
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
    }

    /// POSTs a form with no CSRF token at all.
    pub async fn post_without_csrf(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).expect("form");
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        let res = self
            .post(
                "/login",
                &[("email", email), ("password", password), ("next", "")],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "login as {email}: {}",
            res.body
        );
        // The CSRF token rotates at login: fetch the new one.
        self.csrf = None;
        self.get("/account").await;
        res
    }

    /// Follows a keyset list's Next links from `path` (a page, or an htmx
    /// fragment when `hx`), returning every page's body.
    pub async fn all_pages(&mut self, path: &str, hx: bool) -> Vec<Resp> {
        let base = path.split('?').next().unwrap_or(path).to_string();
        let mut pages = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(url) = next.take() {
            let page = if hx {
                self.hx_get(&url).await
            } else {
                self.get(&url).await
            };
            assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.body);
            next = page.next_link().map(|q| format!("{base}{q}"));
            pages.push(page);
            assert!(pages.len() < 1000, "the pager ends");
        }
        pages
    }

    /// Invites `email` as `role`; returns the invitation token.
    pub async fn invite(&mut self, slug: &str, email: &str, role: &str) -> String {
        let res = self
            .post(
                &format!("/w/{slug}/invitations"),
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "invite: {}", res.body);
        let page = self.get(&format!("/w/{slug}/members")).await;
        let link = find_between(&page.body, "id=\"invite-link\" readonly value=\"", "\"")
            .expect("invite link shown once");
        link.rsplit('/').next().expect("token").to_string()
    }
}

/// The next chunk of a streamed body as text, or `None` when nothing comes
/// within `wait` (or the body ended).
pub async fn next_chunk(body: &mut BoxBody, wait: std::time::Duration) -> Option<String> {
    use actix_web::body::MessageBody;
    let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_next(cx));
    match actix_web::rt::time::timeout(wait, next).await {
        Ok(Some(Ok(bytes))) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        _ => None,
    }
}

/// Whether a streamed body ends within `wait` (chunks before the end are
/// skipped).
pub async fn stream_ends(body: &mut BoxBody, wait: std::time::Duration) -> bool {
    use actix_web::body::MessageBody;
    let until = async {
        loop {
            let next =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_next(cx)).await;
            match next {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    };
    actix_web::rt::time::timeout(wait, until).await.is_ok()
}
