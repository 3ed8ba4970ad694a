//! Naming conventions (the TUX model): a global catalogue of platforms and
//! their field hierarchies; per workspace, dimensions and their values, rules
//! that say how each field's name is composed, submissions that generate a
//! tree of strings, versioned edits with rollback, propagation of a parent's
//! change to its descendants, and batch updates.
//!
//! Pages live under `/w/{slug}/naming/…`; the catalogue is edited under
//! `/admin/naming/…`.

pub mod batch;
pub mod catalogue;
pub mod core;
pub mod demo;
pub mod dimensions;
pub mod generate;
pub mod handlers;
pub mod models;
pub mod module;
pub mod overview;
pub mod parts;
pub mod propagation;
pub mod rules;
pub mod strings;
pub mod submission_form;
pub mod submissions;
pub mod versions;

pub use module::MODULE;

use actix_web::web;

/// The workspace pages, mounted by the core inside `/w/{slug}/naming`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("", web::get().to(home::home))
        .route("/", web::get().to(home::home))
        .configure(dimensions::routes)
        .configure(rules::routes)
        .configure(validate::routes)
        .configure(submissions::routes)
        .configure(strings::routes)
        .configure(versions::routes)
        .configure(propagation::routes)
        .configure(batch::routes);
}

/// The superadmin catalogue pages, mounted inside `/admin`.
pub fn admin_routes(cfg: &mut web::ServiceConfig) {
    handlers::catalogue::routes(cfg);
}

/// A slug from `name` that `taken` says is free: "Spring sale" → "spring-sale",
/// then "spring-sale-2", … (names are unique, but two can slug the same).
pub fn free_slug(
    name: &str,
    mut taken: impl FnMut(&str) -> crate::error::AppResult<bool>,
) -> crate::error::AppResult<String> {
    let base: String = crate::workspaces::models::slugify(name)
        .chars()
        .take(40)
        .collect();
    if !taken(&base)? {
        return Ok(base);
    }
    for n in 2..1000 {
        let s = format!("{base}-{n}");
        if !taken(&s)? {
            return Ok(s);
        }
    }
    Ok(format!("{base}-{}", crate::web::random_token(4)))
}
