//! The naming overview: counts and the catalogue's platforms.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::models::{Field, Platform};
use crate::schema::{naming_dimensions, naming_rules, naming_strings, naming_submissions};
use crate::web::{self as w, Ctx, Member, PageCtx};

pub struct PlatformRow {
    pub platform: Platform,
    pub fields: Vec<Field>,
}

impl PlatformRow {
    /// "Campaign → Ad set → Ad".
    pub fn levels(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

pub struct Counts {
    pub strings: i64,
    pub pending: i64,
    pub rules: i64,
    pub dimensions: i64,
}

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
            let counts = Counts {
                strings: naming_strings::table
                    .filter(naming_strings::tenant_id.eq(t))
                    .count()
                    .get_result(c)?,
                pending: naming_submissions::table
                    .filter(naming_submissions::tenant_id.eq(t))
                    .filter(
                        naming_submissions::status
                            .eq(crate::naming::models::SubmissionStatus::Submitted),
                    )
                    .count()
                    .get_result(c)?,
                rules: naming_rules::table
                    .filter(naming_rules::tenant_id.eq(t))
                    .count()
                    .get_result(c)?,
                dimensions: naming_dimensions::table
                    .filter(naming_dimensions::tenant_id.eq(t))
                    .count()
                    .get_result(c)?,
            };
            let mut platforms = Vec::new();
            for p in catalogue::platforms(c)? {
                let fields = catalogue::fields(c, p.id)?;
                platforms.push(PlatformRow {
                    platform: p,
                    fields,
                });
            }
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
