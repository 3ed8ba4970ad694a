//! Demo data for `seed-demo`: a "General" channel of everyone with enough
//! history to page through, a thread with mentions, the Growth team's
//! conversation, a project conversation and a direct one, leaving the owner
//! with unread messages and a mention.

use diesel::prelude::*;

use super::attachments;
use super::conversations::{self, NewForm};
use super::models::*;
use super::posts::{self, Attached, PostForm};
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::modules::DemoPeople;
use crate::schema::{projects_projects, teams};
use crate::web::{uploads, FormErrors};

/// The image attached in the demo (a 32×32 orange square).
const BANNER: &[u8] = include_bytes!("banner.png");

fn ok<T>(r: Result<T, FormErrors>, what: &str) -> AppResult<T> {
    r.map_err(|e| AppError::internal(format!("demo {what}: {:?}", e.0)))
}

fn say(
    c: &mut DbConn,
    t: TenantId,
    by: crate::accounts::UserId,
    conv: ConversationId,
    body: &str,
    reply_to: Option<MessageId>,
) -> AppResult<MessageId> {
    let f = PostForm {
        body: body.into(),
        priority: String::new(),
        reply_to: reply_to.map(|r| r.to_string()).unwrap_or_default(),
    };
    Ok(ok(posts::post(c, t, by, conv, &f)?, "message")?.0)
}

const TOPICS: [&str; 8] = [
    "the spring campaign brief",
    "the landing page copy",
    "UTM naming for the newsletter",
    "the analytics dashboard",
    "next week's webinar",
    "the partner co-marketing deck",
    "social calendar for May",
    "the budget review",
];

pub fn seed(c: &mut DbConn, t: TenantId, people: &DemoPeople) -> AppResult<()> {
    let (owner, admin, member, viewer) = (people.owner, people.admin, people.member, people.viewer);
    let general = ok(
        conversations::create(
            c,
            t,
            admin,
            &NewForm {
                kind: "group".into(),
                title: "General".into(),
                people: vec![owner, member, viewer],
                ..Default::default()
            },
        )?,
        "general",
    )?;
    // Enough history for "Load older" (a page is 50 messages).
    let voices = [admin, member, owner];
    for i in 0..120 {
        let by = voices[i % voices.len()];
        let topic = TOPICS[i % TOPICS.len()];
        let body = match i % 4 {
            0 => format!("Quick update on {topic}: first draft is in the shared folder."),
            1 => format!("Thanks! I left comments on {topic}. Mostly wording."),
            2 => format!("Can we close {topic} by **Friday**?"),
            _ => format!("Done with my part of {topic}."),
        };
        say(c, t, by, general, &body, None)?;
    }
    let root = say(
        c,
        t,
        admin,
        general,
        "Launch date for the spring campaign is **14 March**. Questions here, please.",
        None,
    )?;
    say(
        c,
        t,
        member,
        general,
        "Works for me. @owner can you confirm the budget is approved?",
        Some(root),
    )?;
    let answer = say(
        c,
        t,
        admin,
        general,
        "@member the tracking links follow the naming rules.",
        Some(root),
    )?;
    ok(
        posts::edit(
            c,
            t,
            admin,
            general,
            answer,
            "@member the tracking links follow the naming rules, see the Naming module.",
        )?,
        "edit",
    )?;
    let team: Option<crate::workspaces::teams::TeamId> = teams::table
        .filter(teams::tenant_id.eq(t))
        .filter(teams::name.eq("Growth"))
        .select(teams::id)
        .first(c)
        .optional()?;
    if let Some(team) = team {
        let growth = ok(
            conversations::create(
                c,
                t,
                owner,
                &NewForm {
                    kind: "team".into(),
                    team_id: team.to_string(),
                    ..Default::default()
                },
            )?,
            "team",
        )?;
        say(
            c,
            t,
            owner,
            growth,
            "Weekly numbers: sign-ups up 12%, CPA down 4%.",
            None,
        )?;
        say(
            c,
            t,
            member,
            growth,
            "Nice. The new ad sets are live since Monday.",
            None,
        )?;
    }
    let project: Option<crate::projects::models::ProjectId> = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::name.eq("Website relaunch"))
        .select(projects_projects::id)
        .first(c)
        .optional()?;
    if let Some(project) = project {
        let conv = ok(
            conversations::create(
                c,
                t,
                admin,
                &NewForm {
                    kind: "project".into(),
                    project_id: project.to_string(),
                    people: vec![member],
                    ..Default::default()
                },
            )?,
            "project",
        )?;
        say(
            c,
            t,
            admin,
            conv,
            "Staging is up; please click through the new navigation.",
            None,
        )?;
    }
    // A file in the conversation (an image, shown inline).
    let banner = uploads::store_bytes(
        &people.data_dir,
        &attachments::blob_dir(&people.data_dir, t),
        "spring-banner.png",
        BANNER,
    )
    .map_err(|e| AppError::internal(format!("demo attachment: {e}")))?;
    let (content_type, is_image) = uploads::check_type(&banner)
        .map_err(|e| AppError::internal(format!("demo attachment: {e}")))?;
    ok(
        posts::post_with(
            c,
            t,
            admin,
            general,
            &PostForm {
                body: "The banner for the spring campaign.".into(),
                ..Default::default()
            },
            Some(Attached {
                upload: &banner,
                content_type: &content_type,
                is_image,
            }),
        )?,
        "attachment",
    )?;
    let direct = ok(conversations::open_direct(c, t, admin, owner)?, "direct")?;
    say(
        c,
        t,
        owner,
        direct,
        "Do you have ten minutes for the agency contract?",
        None,
    )?;
    say(
        c,
        t,
        admin,
        direct,
        "Sure, after lunch. I'll call you.",
        None,
    )?;
    Ok(())
}
