//! The superadmin area (`/admin`): overview, workspaces (reactivate), and
//! instance settings. Every cross-tenant read goes through an audited `AdminConn`.

pub mod handlers;
pub mod settings;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("/admin", web::get().to(overview))
        .route("/admin/", web::get().to(overview))
        .route("/admin/settings", web::post().to(update_settings))
        .route(
            "/admin/workspaces/{workspace_id}/status",
            web::post().to(set_workspace_status),
        );
}
