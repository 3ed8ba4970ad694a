//! Workspaces: creation, the dashboard, members and roles, invitations, teams,
//! and workspace settings (name, address, logo, social links).

pub mod about;
pub mod access;
pub mod handlers;
pub mod invitations;
pub mod limits;
pub mod member_list;
pub mod models;
pub mod profile;
pub mod queries;
pub mod teams;

pub use models::{valid_slug, MemberRow, Membership, Role, Workspace, WorkspaceStatus};

use actix_web::web;

/// The workspace routes; `modules` mounts the modules' scopes inside
/// `/w/{slug}` (the router passes them, so this folder names no module).
pub fn routes(cfg: &mut web::ServiceConfig, modules: fn(&mut web::ServiceConfig)) {
    use handlers::*;
    cfg.route("/", web::get().to(dashboard::home))
        .route("/w/new", web::get().to(dashboard::new_form))
        .route("/w/new", web::post().to(dashboard::create))
        .route("/invite/{token}", web::get().to(invitation::invitation))
        .route("/invite/{token}", web::post().to(invitation::accept))
        .service(
            web::scope("/w/{slug}")
                .route("", web::get().to(dashboard::redirect_to_dashboard))
                .route("/", web::get().to(dashboard::dashboard))
                .route("/members", web::get().to(members::list))
                .route("/members.csv", web::get().to(members::export_csv))
                .route("/members/bulk", web::post().to(members::bulk))
                .route("/invitations", web::post().to(members::invite))
                .route(
                    "/invitations/{invitation_id}/revoke",
                    web::post().to(members::revoke_invitation),
                )
                .route(
                    "/members/{membership_id}/role",
                    web::post().to(members::change_role),
                )
                .route(
                    "/members/{membership_id}/remove",
                    web::post().to(members::remove),
                )
                .route(
                    "/members/{membership_id}/transfer",
                    web::post().to(members::transfer),
                )
                .route("/leave", web::post().to(members::leave))
                .route("/teams", web::get().to(teams::list))
                .route("/teams", web::post().to(teams::create))
                .route("/teams/{team_id}", web::get().to(teams::show))
                .route("/teams/{team_id}/delete", web::post().to(teams::delete))
                .route(
                    "/teams/{team_id}/members",
                    web::post().to(teams::add_member),
                )
                .route(
                    "/teams/{team_id}/members/{user_id}/remove",
                    web::post().to(teams::remove_member),
                )
                .route("/settings", web::get().to(settings::show))
                .route("/settings", web::post().to(settings::update))
                .route("/settings/security", web::post().to(settings::security))
                .route("/settings/about", web::post().to(settings::update_about))
                .route("/settings/deactivate", web::post().to(settings::deactivate))
                .route("/settings/logo", web::post().to(profile::upload_logo))
                .route(
                    "/settings/logo/remove",
                    web::post().to(profile::remove_logo),
                )
                .route("/settings/links", web::post().to(profile::add_link))
                .route(
                    "/settings/links/{link_id}/remove",
                    web::post().to(profile::remove_link),
                )
                .route("/logo", web::get().to(profile::logo))
                .route("/audit", web::get().to(crate::audit::handlers::list))
                .route(
                    "/audit.csv",
                    web::get().to(crate::audit::handlers::export_csv),
                )
                .route("/jobs/{job_id}", web::get().to(crate::jobs::handlers::show))
                .route("/export", web::post().to(crate::exports::handlers::create))
                .route(
                    "/export/{job_id}.zip",
                    web::get().to(crate::exports::handlers::download),
                )
                .configure(modules),
        );
}
