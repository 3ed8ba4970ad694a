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
    // Visitors and signed-in people: setup, sign-up, sign-in, own account.
    crate::accounts::routes(cfg);
    // Superadmins.
    crate::admin::routes(cfg);
    // Workspace modules, mounted before the `/w/{slug}` scope that would
    // otherwise take their paths.
    crate::naming::routes(cfg);
    // Members of a workspace: /w/{slug}/…, plus home, new workspace, invitations.
    crate::workspaces::routes(cfg);
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
