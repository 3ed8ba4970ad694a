//! Atrium: a self-hosted, multi-tenant workspace suite — one binary serving
//! server-rendered pages over SQLite or PostgreSQL.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod config;
pub mod db;
pub mod error;
pub mod exports;
pub mod files;
pub mod jobs;
pub mod messages;
pub mod metrics;
pub mod modules;
pub mod naming;
pub mod notifications;
pub mod projects;
pub mod router;
pub mod schema;
pub mod seed;
pub mod support;
pub mod web;
pub mod workspaces;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web as aw, App};

use crate::accounts::sessions::Lifetimes;
use crate::admin::settings::InstanceSettings;
use crate::config::Config;
use crate::db::{Backend, Pool};
use crate::error::AppError;

/// Every workspace module, in navigation order: the one place that names
/// them. The core reads this list through `modules::all()`.
pub static MODULES: &[modules::Module] = &[
    naming::MODULE,
    projects::MODULE,
    messages::MODULE,
    notifications::MODULE,
];

/// What every handler can reach through `web::Data<AppState>`.
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub backend: Backend,
    pub started: Instant,
    /// Prometheus metrics, when `ATRIUM_METRICS_TOKEN` turns them on.
    pub metrics: Option<Arc<metrics::Metrics>>,
    /// The bound on password hashing for requests (`ATRIUM_HASH_QUEUE`).
    pub hasher: accounts::passwords::HashGate,
    /// Instance settings, refreshed from the database every few seconds by
    /// `serve` (so every server follows an admin's change) and at once on save.
    settings: RwLock<InstanceSettings>,
    /// Set once ignored forwarding headers have been logged (`web::proxy`).
    pub forwarding_noted: AtomicBool,
    /// Live events to open pages (server-sent events), across servers.
    pub live: Arc<web::live::Hub>,
}

impl AppState {
    /// The state for `pool`; reads the instance settings once (blocking).
    pub fn new(pool: Pool, config: Config) -> Self {
        let backend = Backend::from_url(&config.database_url);
        let settings = InstanceSettings::defaults(&config);
        let metrics = config
            .metrics_token
            .clone()
            .map(|token| Arc::new(metrics::Metrics::new(token, &pool)));
        let hasher = accounts::passwords::HashGate::new(config.hash_queue);
        let live = web::live::Hub::new(backend, &config.database_url);
        let state = AppState {
            live,
            metrics,
            pool,
            config: Arc::new(config),
            backend,
            started: Instant::now(),
            hasher,
            settings: RwLock::new(settings),
            forwarding_noted: AtomicBool::new(false),
        };
        if let Err(e) = state.refresh_settings() {
            tracing::warn!(error = %e, "instance settings not loaded; using defaults");
        }
        state
    }

    /// The instance settings in force on this server (a cached copy).
    pub fn settings(&self) -> InstanceSettings {
        match self.settings.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the settings from the database (blocking).
    pub fn refresh_settings(&self) -> Result<(), AppError> {
        let fresh = admin::settings::load(&mut *self.pool.get()?, &self.config)?;
        self.set_settings(fresh);
        Ok(())
    }

    pub fn set_settings(&self, fresh: InstanceSettings) {
        match self.settings.write() {
            Ok(mut s) => *s = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }

    pub fn lifetimes(&self) -> Lifetimes {
        let s = self.settings();
        Lifetimes {
            idle: chrono::Duration::minutes(s.session_idle_minutes),
            absolute: chrono::Duration::hours(s.session_absolute_hours),
        }
    }
}

/// The one App factory that `main` and the tests share.
pub fn build_app(
    state: aw::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let config = state.config.clone();
    let key = Key::derive_from(&config.secret_key);
    let https = config.is_https();
    let session = SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(if https {
            "__Host-atrium".into()
        } else {
            "atrium".into()
        })
        .cookie_secure(https)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(
            actix_web::cookie::time::Duration::hours(config.session_absolute_hours),
        ))
        .build();
    App::new()
        .app_data(web::timeout::RequestTimeout(config.request_timeout))
        .app_data(state)
        .app_data(
            aw::FormConfig::default()
                .limit(web::csrf::FORM_LIMIT)
                .error_handler(|e, _| match e {
                    actix_web::error::UrlencodedError::Overflow { .. } => {
                        AppError::PayloadTooLarge.into()
                    }
                    other => {
                        AppError::BadRequest(format!("The form could not be read: {other}")).into()
                    }
                }),
        )
        .app_data(aw::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .app_data(aw::QueryConfig::default().error_handler(|e, _| {
            AppError::BadRequest(format!("The address has a bad parameter: {e}")).into()
        }))
        .configure(router::routes)
        .default_service(aw::to(|| async {
            Err::<actix_web::HttpResponse, _>(AppError::NotFound)
        }))
        .wrap(from_fn(web::csrf::check))
        .wrap(from_fn(web::errors::render_errors))
        .wrap(session)
        .wrap(from_fn(web::headers::security_headers))
        .wrap(from_fn(web::timeout::limit))
        .wrap(from_fn(web::logging::log_requests))
        // Outermost, so a request's time and database account cover everything.
        .wrap(from_fn(metrics::middleware::track))
}
