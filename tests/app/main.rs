//! Integration tests: the real app (`build_app`) over a fresh database per test,
//! on SQLite by default and on PostgreSQL with `ATRIUM_TEST_DATABASE_URL`.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod audit;
mod exports;
mod isolation;
mod jobs;
mod naming_batches;
mod naming_catalogue;
mod naming_dimensions;
mod naming_generate;
mod naming_propagation;
mod naming_rules;
mod naming_strings;
mod naming_submissions;
mod naming_validate;
mod naming_versions;
mod roles;
mod schema;
mod settings;
mod workspaces;
