//! Writing a planned submission: the submission row, its strings, their
//! details and each string's first version, in one savepoint.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::{plan, GenerateRequest, Plan, PlannedParent, Problem};
use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, Json, TenantId, UtcTime};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::naming::models::*;
use crate::schema::{
    naming_string_details, naming_string_modifications, naming_strings, naming_submissions,
};
use crate::web::extract::RequestMeta;

/// The result of a submission: created, or the problems (nothing written).
#[derive(Debug)]
pub enum Outcome {
    Created {
        submission: SubmissionId,
        strings: usize,
    },
    Invalid(Vec<Problem>),
}

/// Plans and writes a submission with its strings. Call inside a write
/// transaction.
pub fn generate(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    req: &GenerateRequest,
    today: NaiveDate,
    meta: &RequestMeta,
) -> AppResult<Outcome> {
    let plan = match plan(c, t, req, today)? {
        Ok(p) => p,
        Err(problems) => return Ok(Outcome::Invalid(problems)),
    };
    // A savepoint: a unique violation half-way must not leave the
    // submission row behind (nor abort the caller's Postgres transaction).
    match c.transaction(|c| persist(c, t, user, req, &plan)) {
        Ok(id) => {
            audit::record(
                c,
                NewEvent::tenant(t, "naming.submission.create")
                    .actor(user)
                    .resource("naming_submission", id)
                    .meta(meta)
                    .changes(json!({
                        "name": req.name.trim(),
                        "rule": plan.rule.name,
                        "strings": plan.strings.len(),
                        "status": if req.submit { "SUBMITTED" } else { "DRAFT" },
                    })),
            )?;
            Ok(Outcome::Created {
                submission: id,
                strings: plan.strings.len(),
            })
        }
        // Someone else created the same name a moment ago.
        Err(PersistError::Unique) => Ok(Outcome::Invalid(vec![Problem::general(
            "A name or submission like this was created a moment ago: check the strings and try again.",
        )])),
        Err(PersistError::App(e)) => Err(e),
    }
}

enum PersistError {
    Unique,
    App(AppError),
}

impl From<diesel::result::Error> for PersistError {
    fn from(e: diesel::result::Error) -> Self {
        if is_unique_violation(&e) {
            PersistError::Unique
        } else {
            PersistError::App(e.into())
        }
    }
}

impl From<AppError> for PersistError {
    fn from(e: AppError) -> Self {
        PersistError::App(e)
    }
}

fn persist(
    c: &mut DbConn,
    t: TenantId,
    user: UserId,
    req: &GenerateRequest,
    plan: &Plan,
) -> Result<SubmissionId, PersistError> {
    let now = UtcTime::now();
    let id = SubmissionId::new();
    let name = req.name.trim().to_string();
    let slug = free_slug(c, t, &name)?;
    diesel::insert_into(naming_submissions::table)
        .values(Submission {
            tenant_id: t,
            id,
            rule_id: plan.rule.id,
            selected_parent_string_id: req.parent_string,
            starting_field_id: req.starting_field,
            name,
            slug,
            description: req.description.trim().to_string(),
            status: if req.submit {
                SubmissionStatus::Submitted
            } else {
                SubmissionStatus::Draft
            },
            review_comment: String::new(),
            reviewed_by: None,
            reviewed_at: None,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        })
        .execute(c)?;

    let ids: Vec<StringId> = plan.strings.iter().map(|_| StringId::new()).collect();
    let mut strings = Vec::with_capacity(ids.len());
    let mut details = Vec::new();
    let mut versions = Vec::with_capacity(ids.len());
    for (i, s) in plan.strings.iter().enumerate() {
        let parent_id = match s.parent {
            PlannedParent::None => None,
            PlannedParent::Existing(p) => Some(p),
            PlannedParent::Index(j) => Some(ids[j]),
        };
        let inherited: Vec<&str> = s
            .details
            .iter()
            .filter(|d| d.inherited)
            .map(|d| d.dimension_name.as_str())
            .collect();
        strings.push(NamingString {
            tenant_id: t,
            id: ids[i],
            parent_id,
            field_id: s.field,
            submission_id: id,
            rule_id: plan.rule.id,
            value: s.value.clone(),
            is_auto_generated: true,
            generation_metadata: Json(json!({
                "level": s.level,
                "inherited": inherited,
            })),
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        });
        let mut snapshot = serde_json::Map::new();
        for d in &s.details {
            snapshot.insert(d.dimension_name.clone(), json!(d.shown));
            details.push(StringDetail {
                tenant_id: t,
                id: StringDetailId::new(),
                string_id: ids[i],
                dimension_id: d.dimension,
                dimension_value_id: d.value,
                dimension_value_freetext: if d.value.is_some() {
                    None
                } else {
                    d.text.clone()
                },
                is_inherited: d.inherited,
                created_at: now,
                updated_at: now,
                created_by: Some(user),
            });
        }
        versions.push(StringModification {
            tenant_id: t,
            id: ModificationId::new(),
            string_id: ids[i],
            version: 1,
            field_updates: Json(serde_json::Value::Object(snapshot)),
            string_value: s.value.clone(),
            original_values: Json(json!({})),
            modified_by: user,
            modified_at: now,
            change_type: "CREATE".into(),
            batch_id: None,
            parent_version_id: None,
            metadata: Json(json!({"submission": id})),
            created_at: now,
            updated_at: now,
            created_by: Some(user),
        });
    }
    let added = strings.len() as i64;
    crate::insert_many!(c, naming_strings::table, strings, 1000);
    crate::db::counters::add(c, t, crate::naming::strings::COUNTER, added)?;
    crate::insert_many!(c, naming_string_details::table, details, 1000);
    crate::insert_many!(c, naming_string_modifications::table, versions, 1000);
    Ok(id)
}

/// A slug for a new submission, free in the workspace.
fn free_slug(c: &mut DbConn, t: TenantId, name: &str) -> AppResult<String> {
    crate::naming::free_slug(name, |s| {
        Ok(naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::slug.eq(s))
            .count()
            .get_result::<i64>(c)?
            > 0)
    })
}
