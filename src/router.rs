//! The table of contents: every route, grouped by who calls it.

use actix_web::{web, HttpResponse};

use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Anyone: health, static files.
    cfg.route("/healthz", web::get().to(healthz)).route(
        "/static/{path:.*}",
        web::get().to(crate::web::assets::serve),
    );
    // Operators' scrapers, with the metrics token (a 404 when none is set).
    cfg.route("/metrics", web::get().to(crate::metrics::scrape::metrics));
    // Other systems: each module's signed webhooks under /hooks/<module>/….
    for module in crate::modules::all() {
        if let Some(routes) = module.public_routes {
            cfg.service(web::scope(&format!("/hooks/{}", module.key)).configure(routes));
        }
    }
    // Visitors and signed-in people: setup, sign-up, sign-in, own account.
    crate::accounts::routes(cfg);
    // Superadmins: each module's pages under /admin/<module>/…, then the core's.
    for module in crate::modules::all() {
        if let Some(routes) = module.admin_routes {
            routes(cfg);
        }
    }
    crate::admin::routes(cfg);
    // Members of a workspace: /w/{slug}/… with each module under
    // /w/{slug}/<module>/…, plus home, new workspace, invitations.
    crate::workspaces::routes(cfg, mount_modules);
}

/// Every module's pages in its `/<key>` scope, inside the workspace scope.
fn mount_modules(cfg: &mut web::ServiceConfig) {
    for module in crate::modules::all() {
        cfg.service(web::scope(&format!("/{}", module.key)).configure(module.routes));
    }
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let ok = web::block(move || -> Result<(), String> {
        use diesel::RunQueryDsl;
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    match ok {
        Ok(Ok(())) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Ok(Err(detail)) => {
            tracing::error!(error = %detail, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
