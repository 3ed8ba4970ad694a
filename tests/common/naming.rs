//! Naming fixtures: the demo setup (dimensions, values, a Meta Ads rule and a
//! UTM rule) in a workspace, and generation straight through the model.

#![allow(dead_code)]

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use atrium::accounts::models::UserId;
use atrium::db::{DbConn, TenantConn, TenantId};
use atrium::error::AppResult;
use atrium::naming::demo::bulk::{self, BulkRule};
use atrium::naming::demo::{self, Demo};
use atrium::naming::generate::{self, GenerateRequest, Outcome};
use atrium::naming::models::*;
use atrium::web::extract::RequestMeta;

use super::TestApp;

impl TestApp {
    /// The id of the workspace at `slug`.
    pub fn tenant(&self, slug: &str) -> TenantId {
        atrium::workspaces::access::active_by_slug(&mut self.pool().get().expect("conn"), slug)
            .expect("query")
            .expect("workspace")
            .id
    }

    /// The id of the account with `email`.
    pub fn user_id(&self, email: &str) -> UserId {
        use atrium::schema::users;
        use diesel::prelude::*;
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut *self.pool().get().expect("conn"))
            .expect("user")
    }

    /// Runs `f` in a write transaction of the workspace at `slug`.
    pub fn tenant_write<T>(
        &self,
        slug: &str,
        f: impl FnOnce(&mut atrium::db::DbConn, TenantId) -> atrium::error::AppResult<T>,
    ) -> T {
        let t = self.tenant(slug);
        let mut tc = TenantConn::open(self.pool(), &atrium::db::tenant_scope_for_tests(t))
            .expect("tenant conn");
        tc.write(f).expect("tenant write")
    }

    /// The demo naming setup in the workspace at `slug`, made by `email`.
    pub fn naming_demo(&self, slug: &str, email: &str) -> Demo {
        let uid = self.user_id(email);
        self.tenant_write(slug, |c, t| demo::seed(c, t, uid))
    }

    /// Generates through the model (as the submission page does).
    pub fn generate(&self, slug: &str, email: &str, req: &GenerateRequest) -> Outcome {
        let uid = self.user_id(email);
        let meta = RequestMeta {
            ip: "test".into(),
            user_agent: None,
        };
        self.tenant_write(slug, |c, t| {
            generate::generate(c, t, uid, req, atrium::naming::parts::today(), &meta)
        })
    }
}

pub use atrium::naming::demo::meta_campaign;

/// A submitted UTM link submission: one link per source, with one medium
/// and a campaign name ("fb|cpc|spring", …).
pub fn utm_links(
    demo: &Demo,
    name: &str,
    sources: &[&str],
    medium: &str,
    campaign: &str,
) -> GenerateRequest {
    GenerateRequest {
        submit: true,
        ..demo::utm_links(demo, name, sources, &[medium], campaign)
    }
}

impl TestApp {
    /// Adds an active value to a dimension of the workspace at `slug`.
    pub fn add_value(&self, slug: &str, dimension: DimensionId, value: &str) -> DimensionValueId {
        use diesel::RunQueryDsl;
        let id = DimensionValueId::new();
        self.tenant_write(slug, |c, t| {
            let now = atrium::db::UtcTime::now();
            diesel::insert_into(atrium::schema::naming_dimension_values::table)
                .values(DimensionValue {
                    tenant_id: t,
                    id,
                    dimension_id: dimension,
                    parent_id: None,
                    value: value.to_string(),
                    label: value.to_string(),
                    utm: value.to_string(),
                    description: String::new(),
                    valid_from: None,
                    valid_until: None,
                    status: atrium::naming::models::Availability::Active,
                    created_at: now,
                    updated_at: now,
                    created_by: None,
                })
                .execute(c)?;
            Ok(())
        });
        id
    }
}

/// The new-submission form's fields for a Meta Ads campaign per country
/// (with `region`, when given), an ad set per audience, an ad per creative.
pub fn meta_form(
    demo: &Demo,
    name: &str,
    countries: &[&str],
    campaign: &str,
    audiences: &[&str],
    creative: &str,
) -> Vec<(String, String)> {
    let campaign_f = demo::META_CAMPAIGN;
    let ad_set = demo::META_AD_SET;
    let ad = demo::META_AD;
    let v = |field: &str, dim: &str| format!("v.{field}.{}", demo.dim(dim));
    let mut out = vec![
        ("rule".to_string(), demo.meta_rule.to_string()),
        ("field".to_string(), campaign_f.to_string()),
        ("name".to_string(), name.to_string()),
        ("description".to_string(), "From the form".to_string()),
        ("action".to_string(), "submit".to_string()),
    ];
    for c in countries {
        out.push((
            v(campaign_f, "Country"),
            demo.value("Country", c).to_string(),
        ));
    }
    out.push((
        v(campaign_f, "Objective"),
        demo.value("Objective", "aw").to_string(),
    ));
    out.push((v(campaign_f, "Campaign name"), campaign.to_string()));
    for a in audiences {
        out.push((v(ad_set, "Audience"), demo.value("Audience", a).to_string()));
    }
    out.push((v(ad, "Creative"), creative.to_string()));
    out
}

/// A draft UTM link submission: one link per (source, medium) pair.
pub use atrium::naming::demo::utm_links as utm_request;

/// `pairs` as the `&[(&str, &str)]` that `Browser::post` takes.
pub fn as_form(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

impl TestApp {
    /// One text column of the first row of `sql` (`… AS s`), read as the
    /// database owner (past row-level security on Postgres).
    pub fn raw_text(&self, sql: &str) -> String {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::Text)]
            s: String,
        }
        let row: S = match self.db.superuser_conn() {
            Some(mut pg) => diesel::sql_query(sql)
                .get_result(&mut pg)
                .expect("raw text"),
            None => diesel::sql_query(sql)
                .get_result(&mut *self.pool().get().expect("conn"))
                .expect("raw text"),
        };
        row.s
    }

    /// The id of the string with `value`.
    pub fn string_id(&self, value: &str) -> String {
        self.raw_text(&format!(
            "SELECT CAST(id AS TEXT) AS s FROM naming_strings WHERE value = '{value}'"
        ))
    }

    /// The id of the submission named `name`.
    pub fn submission_id(&self, name: &str) -> String {
        self.raw_text(&format!(
            "SELECT CAST(id AS TEXT) AS s FROM naming_submissions WHERE name = '{name}'"
        ))
    }
}

impl TestApp {
    /// The id of the string with `value` in the workspace at `slug`.
    pub fn string_in(&self, slug: &str, value: &str) -> StringId {
        use atrium::schema::naming_strings;
        use diesel::prelude::*;
        self.tenant_write(slug, |c, t| {
            Ok(naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::value.eq(value))
                .select(naming_strings::id)
                .first(c)?)
        })
    }

    /// Every version of a string, oldest first.
    pub fn versions_of(&self, slug: &str, id: StringId) -> Vec<StringModification> {
        self.tenant_write(slug, |c, t| {
            atrium::naming::versions::modifications(c, t, id)
        })
    }

    /// Whether a string with `value` exists in the workspace at `slug`.
    pub fn has_string(&self, slug: &str, value: &str) -> bool {
        use atrium::schema::naming_strings;
        use diesel::prelude::*;
        self.tenant_write(slug, |c, t| {
            Ok(naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::value.eq(value))
                .count()
                .get_result::<i64>(c)?
                > 0)
        })
    }
}

impl TestApp {
    /// The bulk rule and a campaign "de_bulk" of `ad_sets` ad sets
    /// "de_s0000"… with `ads` ads each (`naming::demo::bulk`), in the
    /// workspace at `slug`, made by `email`.
    pub fn bulk_tree(
        &self,
        slug: &str,
        email: &str,
        demo: &Demo,
        ad_sets: usize,
        ads: usize,
    ) -> (BulkRule, StringId) {
        let user = self.user_id(email);
        let rule = self.tenant_write(slug, |c, t| bulk::rule(c, t, user, demo));
        let mut tc = TenantConn::open(
            self.pool(),
            &atrium::db::tenant_scope_for_tests(self.tenant(slug)),
        )
        .expect("tenant conn");
        let campaign = bulk::tree(&mut tc, user, demo, &rule, ad_sets, ads).expect("bulk tree");
        (rule, campaign)
    }

    /// Someone else's write transaction in the workspace at `slug`: runs
    /// `write`, then holds the transaction open for 1.5 s before it commits.
    /// Returns once `write` ran; the handle gives its result.
    pub fn hold<T: Send + 'static>(
        &self,
        slug: &str,
        write: impl FnOnce(&mut DbConn, TenantId) -> AppResult<T> + Send + 'static,
    ) -> JoinHandle<T> {
        let (ready, started) = mpsc::channel();
        let pool = self.pool().clone();
        let scope = atrium::db::tenant_scope_for_tests(self.tenant(slug));
        let blocker = std::thread::spawn(move || {
            let mut tc = TenantConn::open(&pool, &scope).expect("tenant conn");
            tc.write(|c, t| {
                let out = write(c, t)?;
                let _ = ready.send(());
                std::thread::sleep(Duration::from_millis(1_500));
                Ok(out)
            })
            .expect("blocker")
        });
        started.recv().expect("blocker started");
        blocker
    }
}
