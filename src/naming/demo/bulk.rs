//! A big tree for benchmarks and tests: a Meta Ads rule whose ad set names
//! are free text (so thousands are unique) — Campaign = Country_Campaign
//! name, Ad set = Country_Ad set name, Ad = Country_Ad set name_Creative —
//! and a campaign with as many ad sets and ads as asked, written in bulk.

use diesel::prelude::*;
use serde_json::json;

use super::{id as catalogue_id, Demo, META_AD, META_ADS, META_AD_SET, META_CAMPAIGN};
use crate::accounts::models::UserId;
use crate::db::{DbConn, Json, TenantConn, TenantId, UtcTime};
use crate::error::AppResult;
use crate::naming::models::*;
use crate::schema::{
    naming_dimensions, naming_rule_details, naming_rules, naming_string_details,
    naming_string_modifications, naming_strings, naming_submissions,
};

/// The bulk rule and its dimensions by role.
#[derive(Debug, Clone, Copy)]
pub struct BulkRule {
    pub rule: RuleId,
    pub country: DimensionId,
    pub campaign: DimensionId,
    pub ad_set: DimensionId,
    pub creative: DimensionId,
}

/// Makes the bulk rule (a TEXT dimension "Ad set name" and rule "Bulk").
pub fn rule(c: &mut DbConn, t: TenantId, user: UserId, demo: &Demo) -> AppResult<BulkRule> {
    let now = UtcTime::now();
    let ad_set_dim = DimensionId::new();
    diesel::insert_into(naming_dimensions::table)
        .values(Dimension {
            tenant_id: t,
            id: ad_set_dim,
            parent_id: None,
            name: "Ad set name".into(),
            slug: "ad-set-name".into(),
            description: String::new(),
            kind: DimensionKind::Text,
            status: Availability::Active,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let rule = RuleId::new();
    diesel::insert_into(naming_rules::table)
        .values(Rule {
            tenant_id: t,
            id: rule,
            platform_id: catalogue_id(META_ADS),
            name: "Bulk".into(),
            slug: "bulk".into(),
            description: String::new(),
            status: Availability::Active,
            is_default: false,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;
    let dims = BulkRule {
        rule,
        country: demo.dim("Country"),
        campaign: demo.dim("Campaign name"),
        ad_set: ad_set_dim,
        creative: demo.dim("Creative"),
    };
    let parts = [
        (META_CAMPAIGN, vec![dims.country, dims.campaign]),
        (META_AD_SET, vec![dims.country, dims.ad_set]),
        (META_AD, vec![dims.country, dims.ad_set, dims.creative]),
    ];
    for (field, list) in parts {
        for (i, d) in list.into_iter().enumerate() {
            diesel::insert_into(naming_rule_details::table)
                .values(RuleDetail {
                    tenant_id: t,
                    id: RuleDetailId::new(),
                    rule_id: rule,
                    field_id: catalogue_id(field),
                    dimension_id: d,
                    prefix: String::new(),
                    suffix: String::new(),
                    delimiter: "_".into(),
                    dimension_order: i as i32,
                    is_required: true,
                    created_at: now,
                    updated_at: now,
                    created_by: Some(user),
                })
                .execute(c)?;
        }
    }
    Ok(dims)
}

/// One detail to seed: dimension, its name, listed value or text, inherited.
type SeedPart<'a> = (
    DimensionId,
    &'a str,
    Option<DimensionValueId>,
    Option<String>,
    bool,
);

/// Rows of one string, its details and its first version.
struct Batch {
    strings: Vec<NamingString>,
    details: Vec<StringDetail>,
    versions: Vec<StringModification>,
}

impl Batch {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        t: TenantId,
        user: UserId,
        submission: SubmissionId,
        rule: RuleId,
        field: &str,
        parent: Option<StringId>,
        value: String,
        parts: &[SeedPart],
    ) -> StringId {
        let now = UtcTime::now();
        let id = StringId::new();
        let mut snapshot = serde_json::Map::new();
        for (dim, name, vid, text, inherited) in parts {
            let shown = text.clone().unwrap_or_else(|| "de".into());
            snapshot.insert((*name).into(), json!(shown));
            self.details.push(StringDetail {
                tenant_id: t,
                id: StringDetailId::new(),
                string_id: id,
                dimension_id: *dim,
                dimension_value_id: *vid,
                dimension_value_freetext: text.clone(),
                is_inherited: *inherited,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            });
        }
        self.versions.push(StringModification {
            tenant_id: t,
            id: ModificationId::new(),
            string_id: id,
            version: 1,
            field_updates: Json(serde_json::Value::Object(snapshot)),
            string_value: value.clone(),
            original_values: Json(json!({})),
            modified_by: user,
            modified_at: now,
            change_type: "CREATE".into(),
            batch_id: None,
            parent_version_id: None,
            metadata: Json(json!({})),
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        });
        self.strings.push(NamingString {
            tenant_id: t,
            id,
            parent_id: parent,
            field_id: catalogue_id(field),
            submission_id: submission,
            rule_id: rule,
            value,
            is_auto_generated: true,
            generation_metadata: Json(json!({})),
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        });
        id
    }

    fn write(self, c: &mut DbConn) -> AppResult<()> {
        let mut added: std::collections::HashMap<crate::db::TenantId, i64> = Default::default();
        for s in &self.strings {
            *added.entry(s.tenant_id).or_default() += 1;
        }
        crate::insert_many!(c, naming_strings::table, self.strings, 1000);
        for (t, n) in added {
            crate::db::counters::add(c, t, crate::naming::strings::COUNTER, n)?;
        }
        crate::insert_many!(c, naming_string_details::table, self.details, 1000);
        crate::insert_many!(c, naming_string_modifications::table, self.versions, 1000);
        Ok(())
    }
}

/// A campaign "de_bulk" with `ad_sets` ad sets "de_s0000"… (country
/// inherited, name free text) of `ads_per_set` ads "de_s0000_c00"… each,
/// all approved; ten ad sets per transaction.
pub fn tree(
    tc: &mut TenantConn,
    user: UserId,
    demo: &Demo,
    d: &BulkRule,
    ad_sets: usize,
    ads_per_set: usize,
) -> AppResult<StringId> {
    let rule = d.rule;
    let de = Some(demo.value("Country", "de"));
    let submission = SubmissionId::new();
    let campaign = tc.write(|c, t| {
        let now = UtcTime::now();
        diesel::insert_into(naming_submissions::table)
            .values(Submission {
                tenant_id: t,
                id: submission,
                rule_id: rule,
                selected_parent_string_id: None,
                starting_field_id: catalogue_id(META_CAMPAIGN),
                name: "Bulk".into(),
                slug: "bulk".into(),
                description: String::new(),
                status: SubmissionStatus::Approved,
                review_comment: String::new(),
                reviewed_by: None,
                reviewed_at: None,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            })
            .execute(c)?;
        let mut b = Batch {
            strings: vec![],
            details: vec![],
            versions: vec![],
        };
        let id = b.push(
            t,
            user,
            submission,
            rule,
            META_CAMPAIGN,
            None,
            "de_bulk".into(),
            &[
                (d.country, "Country", de, None, false),
                (
                    d.campaign,
                    "Campaign name",
                    None,
                    Some("bulk".into()),
                    false,
                ),
            ],
        );
        b.write(c)?;
        Ok(id)
    })?;
    for group in 0..ad_sets.div_ceil(10) {
        tc.write(|c, t| {
            let mut b = Batch {
                strings: vec![],
                details: vec![],
                versions: vec![],
            };
            for k in (group * 10..ad_sets).take(10) {
                let name = format!("s{k:04}");
                let set = b.push(
                    t,
                    user,
                    submission,
                    rule,
                    META_AD_SET,
                    Some(campaign),
                    format!("de_{name}"),
                    &[
                        (d.country, "Country", de, None, true),
                        (d.ad_set, "Ad set name", None, Some(name.clone()), false),
                    ],
                );
                for a in 0..ads_per_set {
                    let creative = format!("c{a:02}");
                    b.push(
                        t,
                        user,
                        submission,
                        rule,
                        META_AD,
                        Some(set),
                        format!("de_{name}_{creative}"),
                        &[
                            (d.country, "Country", de, None, true),
                            (d.ad_set, "Ad set name", None, Some(name.clone()), true),
                            (d.creative, "Creative", None, Some(creative), false),
                        ],
                    );
                }
            }
            b.write(c)
        })?;
    }
    Ok(campaign)
}
