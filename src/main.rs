//! The `atrium` command: serve (default), migrate, create-superuser, seed-demo, prune.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpServer};
use clap::{Args, Parser, Subcommand};

use atrium::config::{load_or_create_secret, Config};
use atrium::db::{self, Backend};
use atrium::{build_app, AppState};

#[derive(Parser)]
#[command(
    name = "atrium",
    version,
    about = "Self-hosted, multi-tenant workspace suite"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct GlobalArgs {
    /// Database URL: sqlite://path or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Run migrations as this (owner) role instead of DATABASE_URL's.
    #[arg(long, env = "ATRIUM_MIGRATION_DATABASE_URL", global = true)]
    migration_database_url: Option<String>,
    /// Folder for the SQLite database and the generated secret key.
    #[arg(long, env = "ATRIUM_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a superadmin account (password from ATRIUM_PASSWORD or a prompt).
    CreateSuperuser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Create a demo workspace with members, so there is something to click.
    SeedDemo,
    /// Delete sessions, login attempts and reset links that ended over 30 days
    /// ago (a running server does this every hour).
    Prune,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        global = true,
        env = "ATRIUM_BIND",
        default_value = "127.0.0.1:8080"
    )]
    bind: String,
    /// Secret for cookies (≥ 32 characters); generated and kept in the data dir when absent.
    #[arg(long, global = true, env = "ATRIUM_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// The URL people use (https → Secure cookies and HSTS; also the Origin checked on forms).
    #[arg(long, global = true, env = "ATRIUM_PUBLIC_URL")]
    public_url: Option<String>,
    /// smtp://[user:pass@]host[:port] for invitation emails.
    #[arg(long, global = true, env = "ATRIUM_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender address for emails.
    #[arg(
        long,
        global = true,
        env = "ATRIUM_SMTP_FROM",
        default_value = "atrium@localhost"
    )]
    smtp_from: String,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For
    /// (the right-most entry that is not a trusted proxy, and only on a
    /// connection from a trusted proxy).
    #[arg(long, global = true, env = "ATRIUM_TRUST_PROXY")]
    trust_proxy: bool,
    /// Comma-separated addresses or CIDR blocks of the proxies whose
    /// forwarding headers count (with --trust-proxy).
    #[arg(
        long,
        global = true,
        env = "ATRIUM_TRUSTED_PROXIES",
        default_value = "127.0.0.0/8,::1"
    )]
    trusted_proxies: String,
    /// With --trust-proxy, read the `Forwarded` header instead of X-Forwarded-For.
    #[arg(long, global = true, env = "ATRIUM_TRUST_FORWARDED_HEADER")]
    trust_forwarded_header: bool,
    /// Start even though the Postgres role bypasses row-level security.
    #[arg(long, global = true)]
    allow_rls_bypass: bool,
    /// Database connections in the pool.
    #[arg(long, global = true, env = "ATRIUM_POOL_SIZE", default_value_t = 16)]
    pool_size: u32,
    /// Background job worker threads.
    #[arg(long, global = true, env = "ATRIUM_JOB_WORKERS", default_value_t = 2)]
    job_workers: usize,
    /// Longest a request may take to produce its response, in seconds (0: no
    /// limit). Streamed downloads are not cut off once they have started.
    #[arg(
        long,
        global = true,
        env = "ATRIUM_REQUEST_TIMEOUT_SECS",
        default_value_t = 30
    )]
    request_timeout_secs: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, global = true, env = "ATRIUM_HTTP_WORKERS")]
    http_workers: Option<usize>,
    /// Sign out after this many minutes without a request.
    #[arg(long, global = true, env = "ATRIUM_SESSION_IDLE_MINUTES", default_value_t = 60 * 24 * 7)]
    session_idle_minutes: i64,
    /// Sign out this many hours after sign-in, whatever happens.
    #[arg(long, global = true, env = "ATRIUM_SESSION_ABSOLUTE_HOURS", default_value_t = 24 * 30)]
    session_absolute_hours: i64,
    /// Serve Prometheus metrics at /metrics to requests bearing this token
    /// (`Authorization: Bearer …`); without it /metrics is a 404.
    #[arg(
        long,
        global = true,
        env = "ATRIUM_METRICS_TOKEN",
        hide_env_values = true
    )]
    metrics_token: Option<String>,
    /// Password hashes in flight per server before sign-in answers 503 (default: two per core).
    #[arg(long, global = true, env = "ATRIUM_HASH_QUEUE")]
    hash_queue: Option<usize>,
    /// Sign-ups allowed per hour from one client address.
    #[arg(long, global = true, env = "ATRIUM_SIGNUP_PER_IP_HOUR", default_value_t = atrium::config::DEFAULT_SIGNUP_PER_IP_HOUR)]
    signup_per_ip_hour: i64,
    /// Sign-ups allowed per hour across the instance.
    #[arg(long, global = true, env = "ATRIUM_SIGNUP_PER_HOUR", default_value_t = atrium::config::DEFAULT_SIGNUP_PER_HOUR)]
    signup_per_hour: i64,
}

fn database_url(global: &GlobalArgs) -> String {
    global
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", global.data_dir.join("atrium.db").display()))
}

fn migrate(global: &GlobalArgs) -> anyhow::Result<usize> {
    let url = global
        .migration_database_url
        .clone()
        .unwrap_or_else(|| database_url(global));
    let pool = db::connect_pool(&url, 1)?;
    let mut conn = pool.get()?;
    Ok(db::run_migrations(&mut conn)?)
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("ATRIUM_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; set ATRIUM_PASSWORD to avoid this): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Keeps big allocations (argon2's 19 MiB per hash) out of glibc's per-thread
/// arenas, which would otherwise keep them after the hash is done: with many
/// blocking threads, peak memory grew to ~1 GB under a login burst.
fn tune_allocator() {
    // SAFETY: mallopt only adjusts glibc allocator parameters; called once at
    // start, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let global = cli.global.clone();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&global, cli.serve),
        Command::Migrate => {
            let n = migrate(&global)?;
            println!("{n} migration(s) applied");
            Ok(())
        }
        Command::CreateSuperuser { email, name } => {
            migrate(&global)?;
            let password = read_password()?;
            let pool = db::connect_pool(&database_url(&global), 1)?;
            let user = atrium::seed::create_superuser(&pool, &email, &name, &password)
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("superadmin {} created", user.email);
            Ok(())
        }
        Command::SeedDemo => {
            migrate(&global)?;
            let pool = db::connect_pool(&database_url(&global), 1)?;
            let summary = atrium::seed::seed_demo(&pool, &global.data_dir)?;
            println!("{summary}");
            Ok(())
        }
        Command::Prune => {
            migrate(&global)?;
            let pool = db::connect_pool(&database_url(&global), 1)?;
            let p = atrium::jobs::housekeeping::prune(&pool, atrium::db::UtcTime::now())?;
            println!(
                "deleted {} session(s), {} login attempt(s), {} password-reset link(s), {} row(s) past the modules' retention",
                p.sessions, p.login_attempts, p.password_resets, p.module_rows
            );
            Ok(())
        }
    }
}

fn serve(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // Before the database, key or any upload is written: 0700 folder, 0600 files.
    atrium::files::prepare_data_dir(&global.data_dir)?;
    let url = database_url(global);
    // Refuse a role that bypasses RLS before migrations create tables it would own.
    {
        let probe = db::connect_pool(&url, 1)?;
        let mut conn = probe.get()?;
        if let Some(role) = db::role_bypasses_rls(&mut conn)? {
            if !args.allow_rls_bypass {
                anyhow::bail!(
                    "the database role \"{role}\" is a superuser or has BYPASSRLS, so row-level security \
                     would not isolate workspaces.\nConnect as an application role instead, e.g. (as a superuser):\n\n  \
                     CREATE ROLE atrium LOGIN PASSWORD 'change-me' NOSUPERUSER NOBYPASSRLS;\n  \
                     CREATE DATABASE atrium OWNER atrium;\n\n\
                     then DATABASE_URL=postgres://atrium:change-me@host/atrium (see docs/SCALING.md for a \
                     separate owner role), or pass --allow-rls-bypass to start anyway"
                );
            }
            tracing::warn!(role = %role, "row-level security is bypassed by this role (--allow-rls-bypass)");
        }
    }
    let applied = migrate(global)?;
    let trusted_proxies = atrium::web::proxy::parse_cidrs(&args.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("ATRIUM_TRUSTED_PROXIES: {e}"))?;
    let secret = load_or_create_secret(args.secret_key.as_deref(), &global.data_dir)?;
    let config = Config {
        database_url: url.clone(),
        migration_database_url: global.migration_database_url.clone(),
        bind: args.bind.clone(),
        data_dir: global.data_dir.clone(),
        secret_key: secret,
        public_url: args.public_url.clone(),
        smtp_url: args.smtp_url.clone(),
        smtp_from: args.smtp_from.clone(),
        allow_rls_bypass: args.allow_rls_bypass,
        trust_proxy: args.trust_proxy,
        trusted_proxies,
        trust_forwarded_header: args.trust_forwarded_header,
        pool_size: args.pool_size,
        job_workers: args.job_workers,
        session_idle_minutes: args.session_idle_minutes,
        session_absolute_hours: args.session_absolute_hours,
        metrics_token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        hash_queue: args
            .hash_queue
            .unwrap_or_else(atrium::accounts::passwords::default_capacity),
        signup_per_ip_hour: args.signup_per_ip_hour,
        signup_per_hour: args.signup_per_hour,
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs),
    };
    if let Some(smtp) = &config.smtp_url {
        atrium::jobs::email::parse_url(smtp).map_err(|e| anyhow::anyhow!(e))?;
    }
    let pool = db::connect_pool(&url, config.pool_size)?;
    let backend = Backend::from_url(&url);
    let state = web::Data::new(AppState::new(pool.clone(), config));
    let stop = Arc::new(AtomicBool::new(false));
    // Every server follows a superadmin's settings change within seconds.
    let refresher = {
        let (state, stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_secs(5));
                if let Err(e) = state.refresh_settings() {
                    tracing::warn!(error = %e, "could not refresh instance settings");
                }
            }
        })
    };
    let workers =
        atrium::jobs::worker::start(pool, state.config.clone(), args.job_workers, stop.clone());
    let bind = args.bind.clone();
    let http_workers = args.http_workers;
    let result = actix_web::rt::System::new().block_on(async move {
        let data = state.clone();
        let mut server = HttpServer::new(move || build_app(data.clone())).bind(&bind)?;
        if let Some(n) = http_workers {
            server = server.workers(n);
        }
        tracing::info!(
            backend = backend.name(),
            migrations_applied = applied,
            startup_ms = started.elapsed().as_millis() as u64,
            "ready"
        );
        for a in server.addrs() {
            println!("Atrium is running on {} — open http://{a}/", backend.name());
        }
        server.run().await
    });
    stop.store(true, Ordering::Relaxed);
    let _ = refresher.join();
    for w in workers {
        let _ = w.join();
    }
    Ok(result?)
}
