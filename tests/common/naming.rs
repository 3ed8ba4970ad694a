//! Naming fixtures: the demo setup (dimensions, values, a Meta Ads rule and a
//! UTM rule) in a workspace, and generation straight through the model.

#![allow(dead_code)]

use std::collections::HashMap;

use atrium::accounts::models::UserId;
use atrium::db::{TenantConn, TenantId};
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

/// A Meta Ads submission: one campaign (country, objective, name), an ad set
/// per audience, and one ad (creative) under each ad set.
pub fn meta_campaign(
    demo: &Demo,
    name: &str,
    country: &str,
    campaign: &str,
    audiences: &[&str],
    creative: &str,
) -> GenerateRequest {
    let campaign_f: FieldId = demo::id(demo::META_CAMPAIGN);
    let ad_set: FieldId = demo::id(demo::META_AD_SET);
    let ad: FieldId = demo::id(demo::META_AD);
    let mut choices = HashMap::new();
    choices.insert(
        (campaign_f, demo.dim("Country")),
        vec![demo.value("Country", country).to_string()],
    );
    choices.insert(
        (campaign_f, demo.dim("Objective")),
        vec![demo.value("Objective", "aw").to_string()],
    );
    choices.insert(
        (campaign_f, demo.dim("Campaign name")),
        vec![campaign.to_string()],
    );
    choices.insert(
        (ad_set, demo.dim("Audience")),
        audiences
            .iter()
            .map(|a| demo.value("Audience", a).to_string())
            .collect(),
    );
    choices.insert((ad, demo.dim("Creative")), vec![creative.to_string()]);
    GenerateRequest {
        rule: demo.meta_rule,
        starting_field: campaign_f,
        parent_string: None,
        name: name.to_string(),
        description: String::new(),
        choices,
        submit: true,
    }
}

impl TestApp {
    /// The id of the string with `value` in the workspace at `slug`.
    pub fn string_id(&self, slug: &str, value: &str) -> StringId {
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
