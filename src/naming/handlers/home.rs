//! The naming overview: counts and the catalogue's platforms.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::naming::overview::{self, Counts, PlatformRow};
use crate::web::{self as w, Ctx, Member, PageCtx};

#[derive(Template)]
#[template(path = "naming/home.html")]
struct HomePage {
    page: PageCtx,
    slug: String,
    counts: Counts,
    platforms: Vec<PlatformRow>,
}

pub async fn home(ctx: Ctx, member: Member) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (counts, platforms) = web::block(move || {
        m.conn()?.read(|c, t| {
            let counts = overview::counts(c, t)?;
            let platforms = overview::platforms(c)?;
            Ok((counts, platforms))
        })
    })
    .await??;
    w::ok(&HomePage {
        page: ctx.workspace("Naming", &member),
        slug: member.workspace.slug.clone(),
        counts,
        platforms,
    })
}
