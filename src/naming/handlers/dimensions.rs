//! Naming pages: dimensions (to be built).

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
