//! Starting on a fresh data folder leaves it 0700 and the files in it 0600:
//! the SQLite database with its -wal/-shm, and uploaded logos.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use actix_web::http::StatusCode;

use crate::common::settings::{upload, PNG};
use crate::common::TestApp;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn fresh_dir() -> std::path::PathBuf {
    std::env::temp_dir()
        .join(format!("atrium-modes-{}", uuid::Uuid::now_v7().simple()))
        .join("data")
}

#[actix_web::test]
async fn a_fresh_data_folder_and_its_sqlite_files_are_private_to_the_owner() {
    let dir = fresh_dir();
    // What `atrium serve` does first, then the database it opens.
    atrium::files::prepare_data_dir(&dir).expect("prepare");
    let url = format!("sqlite://{}", dir.join("atrium.db").display());
    let pool = atrium::db::connect_pool(&url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    atrium::db::run_migrations(&mut conn).expect("migrate");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("atrium.db")), 0o600);
    // WAL mode: both companions exist while a connection is open.
    assert_eq!(mode(&dir.join("atrium.db-wal")), 0o600);
    assert_eq!(mode(&dir.join("atrium.db-shm")), 0o600);
    let key = atrium::config::load_or_create_secret(None, &dir).expect("key");
    assert!(!key.is_empty());
    assert_eq!(mode(&dir.join("secret_key")), 0o600);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir.parent().expect("parent"));
}

#[actix_web::test]
async fn an_older_world_readable_database_is_narrowed_on_start() {
    let dir = fresh_dir();
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let db = dir.join("atrium.db");
    std::fs::write(&db, b"").expect("file");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    atrium::files::prepare_data_dir(&dir).expect("prepare");
    atrium::db::connect_pool(&format!("sqlite://{}", db.display()), 1).expect("pool");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    let _ = std::fs::remove_dir_all(dir.parent().expect("parent"));
}

#[actix_web::test]
async fn an_uploaded_logo_is_written_owner_only_in_an_owner_only_folder() {
    let dir = fresh_dir();
    atrium::files::prepare_data_dir(&dir).expect("prepare");
    let d = dir.clone();
    let app = TestApp::with_config(move |c| c.data_dir = d).await;
    let mut ann = app.user("ann@example.com", "Ann").await;
    app.workspace(&mut ann, "Acme").await;
    let res = upload(&mut ann, "acme", "l.png", "image/png", PNG).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let logos = atrium::workspaces::profile::logo_dir(&dir);
    assert_eq!(mode(&logos), 0o700);
    let files: Vec<_> = std::fs::read_dir(&logos)
        .expect("logos")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0].path()), 0o600);
    let _ = std::fs::remove_dir_all(dir.parent().expect("parent"));
}
