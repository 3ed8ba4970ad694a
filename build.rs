//! Rebuild when a migration is added: `embed_migrations!` can't see new folders
//! through incremental builds on its own.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
}
