//! Private files: the data folder is 0700 and what Atrium writes in it
//! (SQLite database and its -wal/-shm, secret key, uploads, exports) is 0600,
//! so other accounts on the host cannot read workspace data.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

use crate::error::AppError;

/// Creates `dir` and any missing parents as 0700 (existing ones are left as
/// they are: a parent such as `/var/lib` is not ours to change).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir)
}

/// Options that create a file as 0600 (an existing file keeps its mode).
pub fn private_file_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    o.mode(0o600);
    o
}

/// Where uploads are written while they stream in, before they are whole:
/// `<data>/blobs/tmp`.
pub fn upload_temp_dir(data: &Path) -> PathBuf {
    data.join("blobs").join("tmp")
}

/// A workspace's stored file, by content: `<data>/blobs/<workspace>/<sha256>`.
pub fn blob_path(data: &Path, workspace: &impl std::fmt::Display, sha256: &str) -> PathBuf {
    data.join("blobs").join(workspace.to_string()).join(sha256)
}

/// How old a temporary upload must be before the sweep takes it: no upload
/// streams this long (the request time limit ends it long before).
pub const STALE_UPLOAD: Duration = Duration::from_secs(24 * 3600);

/// Removes temporary uploads last written more than `age` ago (a crash or a
/// cut-off connection can leave one); returns how many went. No folder yet:
/// nothing to do.
pub fn sweep_temp_uploads(data: &Path, age: Duration) -> io::Result<usize> {
    let dir = upload_temp_dir(data);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let modified = entry.metadata()?.modified()?;
        let old = now.duration_since(modified).is_ok_and(|d| d > age);
        if old && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Narrows `path` to owner-only when group or others may read it (an older
/// install wrote 0644 files under a 0755 folder).
pub fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(())
}

/// Makes the process create files owner-only from now on (umask 077), so
/// that every file written later (exports, temporary files, SQLite's own
/// -wal and -shm) is private without each writer having to remember.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// What `serve` does before anything touches the data folder: owner-only
/// file creation, and the folder itself created (or narrowed) to 0700.
pub fn prepare_data_dir(dir: &Path) -> Result<(), AppError> {
    restrict_umask();
    create_private_dir_all(dir)
        .and_then(|()| tighten(dir, 0o700))
        .map_err(|e| AppError::internal(format!("cannot prepare {}: {e}", dir.display())))
}

/// Creates the SQLite database file as 0600 before SQLite opens it (SQLite
/// gives its -wal and -shm files the database file's mode), and narrows an
/// existing database and its companions to 0600.
pub fn prepare_sqlite_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir_all(dir)?;
        }
    }
    match private_file_options()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        tighten(Path::new(&p), 0o600)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_takes_stale_temporary_uploads_only() {
        let data = std::env::temp_dir().join(format!("atrium-sweep-{}", uuid::Uuid::now_v7()));
        let dir = upload_temp_dir(&data);
        assert_eq!(
            sweep_temp_uploads(&data, STALE_UPLOAD).ok(),
            Some(0),
            "no folder yet"
        );
        create_private_dir_all(&dir).expect("dir");
        let (stale, fresh) = (dir.join("a.part"), dir.join("b.part"));
        for p in [&stale, &fresh] {
            std::fs::write(p, b"half").expect("write");
        }
        let two_days_ago = SystemTime::now() - Duration::from_secs(48 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .and_then(|f| f.set_modified(two_days_ago))
            .expect("age it");
        assert_eq!(sweep_temp_uploads(&data, STALE_UPLOAD).ok(), Some(1));
        assert!(!stale.exists() && fresh.exists());
        let _ = std::fs::remove_dir_all(&data);
    }
}
