//! The admin list of platforms (`admin::list::Resource`): search over name,
//! slug and type, sorting, bulk selection and CSV, with each platform's field
//! and rule counts.

use diesel::prelude::*;

use crate::admin::list::{ListParams, OffsetResource, Resource};
use crate::admin::workspaces::lower;
use crate::db::{DbConn, Id, MultiBackend};
use crate::error::AppResult;
use crate::naming::models::{Platform, PlatformId};
use crate::schema::{naming_fields, naming_platforms, naming_rules};
use crate::support::csv;

/// A platform on the admin list, with its field and rule counts.
#[derive(Debug, Clone)]
pub struct PlatformRow {
    pub platform: Platform,
    pub fields: i64,
    pub rules: i64,
}

/// The admin list of platforms: search over name, slug and type.
pub struct Platforms;

fn scoped(p: &ListParams) -> naming_platforms::BoxedQuery<'static, MultiBackend> {
    let mut q = naming_platforms::table.into_boxed();
    if !p.q.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&p.q.to_lowercase())
        );
        q = q.filter(
            lower(naming_platforms::name)
                .like(pat.clone())
                .escape('\\')
                .or(naming_platforms::slug.like(pat.clone()).escape('\\'))
                .or(lower(naming_platforms::platform_type)
                    .like(pat)
                    .escape('\\')),
        );
    }
    q
}

impl OffsetResource for Platforms {
    fn count(c: &mut DbConn, p: &ListParams) -> AppResult<i64> {
        Ok(scoped(p).count().get_result(c)?)
    }

    fn rows(
        c: &mut DbConn,
        p: &ListParams,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<PlatformRow>> {
        let q = scoped(p);
        let q = match (p.sort_or(&["name", "type", "slug"]), p.desc) {
            ("type", false) => q.order((
                naming_platforms::platform_type.asc(),
                naming_platforms::name.asc(),
            )),
            ("type", true) => q.order((
                naming_platforms::platform_type.desc(),
                naming_platforms::name.asc(),
            )),
            ("slug", false) => q.order(naming_platforms::slug.asc()),
            ("slug", true) => q.order(naming_platforms::slug.desc()),
            (_, true) => q.order((naming_platforms::name.desc(), naming_platforms::id.desc())),
            _ => q.order((naming_platforms::name.asc(), naming_platforms::id.asc())),
        };
        let all: Vec<Platform> = q
            .limit(limit)
            .offset(offset)
            .select(Platform::as_select())
            .load(c)?;
        let ids: Vec<PlatformId> = all.iter().map(|p| p.id).collect();
        let fields: Vec<(PlatformId, i64)> = naming_fields::table
            .filter(naming_fields::platform_id.eq_any(&ids))
            .group_by(naming_fields::platform_id)
            .select((naming_fields::platform_id, diesel::dsl::count_star()))
            .load(c)?;
        let rules: Vec<(PlatformId, i64)> = naming_rules::table
            .filter(naming_rules::platform_id.eq_any(&ids))
            .group_by(naming_rules::platform_id)
            .select((naming_rules::platform_id, diesel::dsl::count_star()))
            .load(c)?;
        let n =
            |v: &[(PlatformId, i64)], id| v.iter().find(|(p, _)| *p == id).map_or(0, |(_, n)| *n);
        Ok(all
            .into_iter()
            .map(|platform| PlatformRow {
                fields: n(&fields, platform.id),
                rules: n(&rules, platform.id),
                platform,
            })
            .collect())
    }
}

impl Resource for Platforms {
    type Row = PlatformRow;

    fn matching_ids(c: &mut DbConn, p: &ListParams) -> AppResult<Vec<Id>> {
        Ok(scoped(p)
            .select(naming_platforms::id)
            .load::<PlatformId>(c)?
            .into_iter()
            .map(|p| p.0)
            .collect())
    }

    fn existing_ids(c: &mut DbConn, ids: &[Id]) -> AppResult<Vec<Id>> {
        let ids: Vec<PlatformId> = ids.iter().map(|i| PlatformId(*i)).collect();
        Ok(naming_platforms::table
            .filter(naming_platforms::id.eq_any(ids))
            .select(naming_platforms::id)
            .load::<PlatformId>(c)?
            .into_iter()
            .map(|p| p.0)
            .collect())
    }

    fn csv_header() -> &'static [&'static str] {
        &[
            "id",
            "platform_type",
            "name",
            "slug",
            "icon_name",
            "fields",
            "rules",
        ]
    }

    fn csv_row(r: &PlatformRow) -> String {
        csv::line(&[
            &r.platform.id.to_string(),
            &r.platform.platform_type,
            &r.platform.name,
            &r.platform.slug,
            r.platform.icon_name.as_deref().unwrap_or(""),
            &r.fields.to_string(),
            &r.rules.to_string(),
        ])
    }
}
