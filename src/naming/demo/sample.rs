//! Ready-made submissions over the demo setup: generation requests for a
//! Meta Ads campaign and for UTM links (the tests build theirs with these
//! too), and the sample names `seed-demo` generates so there is a strings
//! tree, a review queue and a draft to click through.

use std::collections::HashMap;

use super::{id, Demo, META_AD, META_AD_SET, META_CAMPAIGN, UTM_LINK};
use crate::accounts::models::UserId;
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::generate::{self, GenerateRequest, Outcome};
use crate::naming::models::*;
use crate::naming::parts::today;
use crate::naming::submissions::{self, Action};
use crate::web::extract::RequestMeta;

/// A Meta Ads campaign (objective "aw") with one ad set per audience and
/// one ad under each, submitted for approval: `de_aw_spring`, `de_broad`,
/// `de_broad_video`, …
pub fn meta_campaign(
    demo: &Demo,
    name: &str,
    country: &str,
    campaign: &str,
    audiences: &[&str],
    creative: &str,
) -> GenerateRequest {
    let campaign_f: FieldId = id(META_CAMPAIGN);
    let ad_set: FieldId = id(META_AD_SET);
    let ad: FieldId = id(META_AD);
    let mut choices = HashMap::new();
    choices.insert(
        (campaign_f, demo.dim("Country")),
        demo.value_ids("Country", &[country]),
    );
    choices.insert(
        (campaign_f, demo.dim("Objective")),
        demo.value_ids("Objective", &["aw"]),
    );
    choices.insert(
        (campaign_f, demo.dim("Campaign name")),
        vec![campaign.to_string()],
    );
    choices.insert(
        (ad_set, demo.dim("Audience")),
        demo.value_ids("Audience", audiences),
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

/// UTM links, one per (source, medium) pair (`fb|cpc|spring`, …), kept as
/// a draft.
pub fn utm_links(
    demo: &Demo,
    name: &str,
    sources: &[&str],
    mediums: &[&str],
    campaign: &str,
) -> GenerateRequest {
    let link: FieldId = id(UTM_LINK);
    let mut choices = HashMap::new();
    choices.insert(
        (link, demo.dim("Source")),
        demo.value_ids("Source", sources),
    );
    choices.insert(
        (link, demo.dim("Medium")),
        demo.value_ids("Medium", mediums),
    );
    choices.insert(
        (link, demo.dim("Campaign name")),
        vec![campaign.to_string()],
    );
    GenerateRequest {
        rule: demo.utm_rule,
        starting_field: link,
        parent_string: None,
        name: name.to_string(),
        description: String::new(),
        choices,
        submit: false,
    }
}

/// The demo's sample names: "Spring launch" (approved by `reviewer`),
/// "Summer push" (awaiting review) and "Spring links" (a draft).
pub fn sample(
    c: &mut DbConn,
    t: TenantId,
    author: UserId,
    reviewer: UserId,
    demo: &Demo,
    meta: &RequestMeta,
) -> AppResult<()> {
    let spring = meta_campaign(
        demo,
        "Spring launch",
        "de",
        "spring",
        &["broad", "lal"],
        "video",
    );
    let summer = meta_campaign(demo, "Summer push", "fr", "summer", &["rt"], "carousel");
    let links = utm_links(demo, "Spring links", &["fb", "ig"], &["cpc"], "spring");
    for (i, req) in [spring, summer, links].iter().enumerate() {
        match generate::generate(c, t, author, req, today(), meta)? {
            Outcome::Created { submission, .. } if i == 0 => {
                submissions::transition(
                    c,
                    t,
                    reviewer,
                    submission,
                    Action::Approve,
                    "Looks good.",
                    meta,
                )?
                .map_err(AppError::internal)?;
            }
            Outcome::Created { .. } => {}
            Outcome::Invalid(problems) => {
                return Err(AppError::internal(format!(
                    "demo submission {:?} refused: {problems:?}",
                    req.name
                )))
            }
        }
    }
    Ok(())
}
