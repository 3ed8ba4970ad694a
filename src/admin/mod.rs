//! The superadmin area (`/admin`): overview, workspaces, users, the audit log
//! across workspaces, plans and instance settings. Every page reads across
//! tenants through an audited `AdminConn`; every change is audited.

pub mod conn;
pub mod handlers;
pub mod list;
pub mod overview;
pub mod plans;
pub mod settings;
pub mod users;
pub mod workspaces;

use actix_web::web;

pub use conn::open_audited;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("/admin", web::get().to(overview))
        .route("/admin/", web::get().to(overview))
        .route("/admin/settings", web::get().to(settings))
        .route("/admin/settings", web::post().to(update_settings))
        .route("/admin/audit", web::get().to(audit))
        .route("/admin/audit.csv", web::get().to(audit_csv))
        .route("/admin/plans", web::get().to(plans))
        .route("/admin/plans", web::post().to(create_plan))
        .route("/admin/plans/{plan_id}", web::post().to(update_plan))
        .route("/admin/workspaces", web::get().to(workspaces::list))
        .route(
            "/admin/workspaces.csv",
            web::get().to(workspaces::export_csv),
        )
        .route("/admin/workspaces/bulk", web::post().to(workspaces::bulk))
        .route(
            "/admin/workspaces/{workspace_id}",
            web::get().to(workspaces::detail),
        )
        .route(
            "/admin/workspaces/{workspace_id}/plan",
            web::post().to(workspaces::update_plan),
        )
        .route(
            "/admin/workspaces/{workspace_id}/status",
            web::post().to(workspaces::set_status),
        )
        .route("/admin/users", web::get().to(users::list))
        .route("/admin/users.csv", web::get().to(users::export_csv))
        .route("/admin/users/bulk", web::post().to(users::bulk))
        .route("/admin/users/{user_id}", web::get().to(users::detail))
        .route("/admin/users/{user_id}/action", web::post().to(users::act))
        .route(
            "/admin/users/{user_id}/reset",
            web::post().to(users::force_reset),
        );
}
