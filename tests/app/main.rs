//! Integration tests: the real app (`build_app`) over a fresh database per test,
//! on SQLite by default and on PostgreSQL with `ATRIUM_TEST_DATABASE_URL`.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod accounts_abuse;
mod accounts_signup;
mod accounts_two_factor;
mod admin;
mod admin_lists;
mod admin_settings;
mod audit;
mod client_ip;
mod exports;
mod exports_modules;
mod file_modes;
mod housekeeping;
mod invitation_races;
mod invitations_list;
mod isolation;
mod jobs;
mod keyset_lists;
mod keyset_pages;
mod layers;
mod metrics;
mod multipart_csrf;
mod naming_batch_runs;
mod naming_batches;
mod naming_catalogue;
mod naming_create_races;
mod naming_dimension_import;
mod naming_dimension_values;
mod naming_dimensions;
mod naming_generate;
mod naming_history;
mod naming_parent_picker;
mod naming_propagation;
mod naming_propagation_bulk;
mod naming_rule_builder;
mod naming_rules;
mod naming_strings;
mod naming_strings_export;
mod naming_submission_page;
mod naming_submissions;
mod naming_validate;
mod naming_versions;
mod roles;
mod safe_redirects;
mod schema;
mod settings;
mod settings_access;
mod settings_links;
mod settings_logo;
mod workspaces;
