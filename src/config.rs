//! Configuration from flags and environment, with defaults that just work:
//! SQLite under `./data`, a generated secret key kept beside it.

use std::path::{Path, PathBuf};

use crate::error::AppError;

/// Default sign-ups per hour from one client address.
pub const DEFAULT_SIGNUP_PER_IP_HOUR: i64 = 10;
/// Default sign-ups per hour across the instance.
pub const DEFAULT_SIGNUP_PER_HOUR: i64 = 300;

/// Everything the server needs to know at start.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Runs migrations when set (an owner role); the app itself uses `database_url`.
    pub migration_database_url: Option<String>,
    pub bind: String,
    pub data_dir: PathBuf,
    pub secret_key: Vec<u8>,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub allow_rls_bypass: bool,
    /// Client addresses from X-Forwarded-For (see `web::proxy`).
    pub trust_proxy: bool,
    /// The proxies whose forwarding headers count (`ATRIUM_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<crate::support::cidr::Cidr>,
    /// Read `Forwarded` (RFC 7239) instead of `X-Forwarded-For`.
    pub trust_forwarded_header: bool,
    pub pool_size: u32,
    pub job_workers: usize,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Bearer token that opens `/metrics`; without it the endpoint is a 404.
    pub metrics_token: Option<String>,
    /// Password hashes in flight (running or waiting) per server before
    /// sign-in and sign-up answer 503 (`ATRIUM_HASH_QUEUE`).
    pub hash_queue: usize,
    /// Sign-ups allowed per hour from one client address
    /// (`ATRIUM_SIGNUP_PER_IP_HOUR`).
    pub signup_per_ip_hour: i64,
    /// Sign-ups allowed per hour across the instance (`ATRIUM_SIGNUP_PER_HOUR`).
    pub signup_per_hour: i64,
    /// Longest a request may take to produce its response (zero: no limit).
    pub request_timeout: std::time::Duration,
}

impl Config {
    /// True when the public URL is https: Secure, `__Host-` cookies and HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The origin (scheme://host[:port]) browsers must send on unsafe requests,
    /// when a public URL is configured.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!("{scheme}://{host}"))
    }

    /// The base URL for links in emails and invitations.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// A configuration for tests and tools: the given database, a fixed key.
    pub fn for_database(database_url: &str, data_dir: &Path) -> Config {
        Config {
            database_url: database_url.to_string(),
            migration_database_url: None,
            bind: "127.0.0.1:0".into(),
            data_dir: data_dir.to_path_buf(),
            secret_key: vec![7u8; 64],
            public_url: None,
            smtp_url: None,
            smtp_from: "atrium@localhost".into(),
            allow_rls_bypass: false,
            trust_proxy: false,
            trusted_proxies: crate::support::cidr::default_trusted_proxies(),
            trust_forwarded_header: false,
            pool_size: 8,
            job_workers: 0,
            session_idle_minutes: 60 * 24 * 7,
            session_absolute_hours: 24 * 30,
            metrics_token: None,
            hash_queue: default_hash_capacity(),
            signup_per_ip_hour: DEFAULT_SIGNUP_PER_IP_HOUR,
            signup_per_hour: DEFAULT_SIGNUP_PER_HOUR,
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Reads the secret key from `ATRIUM_SECRET_KEY`, else from `<data_dir>/secret_key`,
/// generating and saving one (mode 0600) on first start.
pub fn load_or_create_secret(explicit: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, AppError> {
    if let Some(k) = explicit {
        if k.len() < 32 {
            return Err(AppError::internal(
                "ATRIUM_SECRET_KEY must be at least 32 characters",
            ));
        }
        return Ok(k.as_bytes().to_vec());
    }
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let trimmed = existing.trim();
        if trimmed.len() >= 32 {
            return Ok(trimmed.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", data_dir.display())))?;
    let key = crate::support::random_token(64);
    write_private(&path, &key)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(key.into_bytes())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())
}

/// The default bound on password hashes in flight per server: two per core.
pub fn default_hash_capacity() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * 2
}
