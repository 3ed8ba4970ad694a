//! Static files, embedded in the binary so that one file is the whole app.

use actix_web::{web, HttpResponse};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/app.js"),
    },
    Asset {
        path: "vendor/htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx.min.js"),
    },
    Asset {
        path: "vendor/htmx.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx.LICENSE"),
    },
    Asset {
        path: "vendor/htmx-ext-sse.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx-ext-sse.min.js"),
    },
    Asset {
        path: "vendor/htmx-ext-sse.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx-ext-sse.LICENSE"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

/// The version stamp appended to asset URLs (`?v=`), so they can be cached for a year.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /static/{path}`.
pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.path == path.as_str()) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
            .body(a.body),
        None => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("not found"),
    }
}
