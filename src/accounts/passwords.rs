//! Password hashing (argon2id, OWASP parameters) and the password policy.

use std::sync::{mpsc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 256;

static COMMON: &str = include_str!("common_passwords.txt");

fn hasher() -> AppResult<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| AppError::internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2 runs on its own threads — half the cores (at least one), at the
/// lowest CPU priority (nice 19) — so a burst of sign-ins can't take the cores
/// from the pages everyone else is loading (measured: dashboard p99 +5% while
/// logins saturate, against +25% with one thread per core and +46% on the
/// blocking pool), and memory stays at ~19 MiB per hashing thread. Callers (on
/// the blocking pool) wait for the answer.
struct HashPool {
    jobs: Mutex<mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

fn pool() -> &'static HashPool {
    static POOL: OnceLock<HashPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for i in 0..(cores / 2).max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashPool {
            jobs: Mutex::new(tx),
        }
    })
}

/// Nice 19 for the calling thread (Linux: priorities are per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; a failure only leaves
    // the thread at normal priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

/// Runs `f` on a hashing thread and waits for its result.
fn in_slot<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let (tx, rx) = mpsc::sync_channel(1);
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        let _ = tx.send(f());
    });
    pool()
        .jobs
        .lock()
        .map_err(|_| AppError::internal("password hashing pool poisoned"))?
        .send(job)
        .map_err(|_| AppError::internal("password hashing threads are gone"))?;
    rx.recv()
        .map_err(|_| AppError::internal("password hashing thread failed"))
}

/// How long a request waits for a free hashing slot before it is told to
/// come back later (503): short, so a flood fails fast instead of queueing.
pub const SLOT_WAIT: Duration = Duration::from_millis(250);

pub use crate::error::BUSY_RETRY_AFTER_SECS as RETRY_AFTER_SECS;

pub use crate::config::default_hash_capacity as default_capacity;

/// The bound on password hashing for requests: at most `capacity` hashes
/// running or waiting at once on this server. A request that finds it full
/// waits [`SLOT_WAIT`] for a slot, then gets [`AppError::Busy`] (503 with
/// `Retry-After`), so a flood of sign-ups or sign-ins can't build a backlog
/// that holds threads and memory (tools and tests call [`hash`] directly).
///
/// New hashes (sign-up, password changes) may take only half of the slots;
/// the other half is kept for sign-ins, so a sign-up flood from many
/// addresses (past the per-address throttle) answers 503 to itself but
/// still lets people sign in.
pub struct HashGate {
    capacity: usize,
    in_flight: Mutex<usize>,
    freed: Condvar,
}

/// A taken slot; dropping it frees the slot.
struct Slot<'a>(&'a HashGate);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut n = match self.0.in_flight.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *n = n.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

impl HashGate {
    pub fn new(capacity: usize) -> Self {
        HashGate {
            capacity,
            in_flight: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Slots new hashes may hold at once: half, rounded up (a gate of one
    /// slot shares it).
    fn for_new_hashes(&self) -> usize {
        self.capacity - self.capacity / 2
    }

    fn enter(&self, limit: usize) -> AppResult<Slot<'_>> {
        let deadline = Instant::now() + SLOT_WAIT;
        let mut n = self
            .in_flight
            .lock()
            .map_err(|_| AppError::internal("hash gate poisoned"))?;
        while *n >= limit {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AppError::Busy(
                    "The server is busy checking passwords. Please try again in a moment.".into(),
                ));
            }
            n = self
                .freed
                .wait_timeout(n, left)
                .map_err(|_| AppError::internal("hash gate poisoned"))?
                .0;
        }
        *n += 1;
        Ok(Slot(self))
    }

    /// [`hash`], within the bound.
    pub fn hash(&self, password: &str) -> AppResult<String> {
        let _slot = self.enter(self.for_new_hashes())?;
        hash(password)
    }

    /// [`verify`], within the bound.
    pub fn verify(&self, password: &str, stored: &str) -> AppResult<bool> {
        let _slot = self.enter(self.capacity)?;
        Ok(verify(password, stored))
    }

    /// [`verify_dummy`], within the bound (it costs what a real check does).
    pub fn verify_dummy(&self, password: &str) -> AppResult<()> {
        let _slot = self.enter(self.capacity)?;
        verify_dummy(password);
        Ok(())
    }
}

/// Hashes a password. Slow by design (~20 ms): call it on the blocking pool.
pub fn hash(password: &str) -> AppResult<String> {
    let hasher = hasher()?;
    let password = password.to_string();
    in_slot(move || {
        hasher
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })?
    .map_err(|e| AppError::internal(format!("argon2 hash: {e}")))
}

/// Checks a password against a stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(hasher) = hasher() else { return false };
    let (password, stored) = (password.to_string(), stored.to_string());
    in_slot(move || {
        hasher
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
    })
    .unwrap_or(false)
}

/// Burns the same time as [`verify`] when there is no account, so that login
/// answers take as long whether or not the email exists.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash("dummy password for timing").ok()) {
        let _ = verify(password, h);
    }
}

/// Why a new password is refused, or `None` when it is acceptable.
pub fn policy_error(password: &str, email: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Some(format!(
            "Use at least {MIN_LENGTH} characters (15 or more is better)."
        ));
    }
    if len > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|w| w == lower) {
        return Some("That password is one of the most common ones; choose another.".into());
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if !local.is_empty() && lower == local {
        return Some("Don't use your email address as your password.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_hashes_leave_half_the_slots_to_sign_ins() {
        let gate = HashGate::new(4);
        let new_hashes: Vec<_> = (0..2)
            .map(|_| gate.enter(gate.for_new_hashes()).expect("a slot"))
            .collect();
        assert!(
            matches!(gate.enter(gate.for_new_hashes()), Err(AppError::Busy(_))),
            "a third new hash waits, then is told to come back"
        );
        let sign_ins: Vec<_> = (0..2)
            .map(|_| gate.enter(gate.capacity).expect("a sign-in slot"))
            .collect();
        assert!(matches!(gate.enter(gate.capacity), Err(AppError::Busy(_))));
        drop((new_hashes, sign_ins));
        assert!(gate.enter(gate.for_new_hashes()).is_ok());
    }
}
