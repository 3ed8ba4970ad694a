//! More demo data for the mobile app project: custom fields with values on
//! its tasks, saved views, a file on a task, and workflows started by an
//! event, a schedule and a webhook.

use diesel::prelude::*;

use super::fields::{self, FieldForm};
use super::models::*;
use super::workflows::{self, WorkflowForm};
use super::{task_files, tasks, views};
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::modules::DemoPeople;
use crate::schema::projects_tasks;
use crate::web::extract::RequestMeta;
use crate::web::uploads;
use crate::web::FormErrors;

fn ok<T>(r: Result<T, FormErrors>, what: &str) -> AppResult<T> {
    r.map_err(|e| AppError::internal(format!("demo {what}: {:?}", e.0)))
}

const NOTES: &[u8] = b"Release notes, APP 2.0 beta 3\n\n- Checkout: one-tap pay\n- Search works offline\n- New onboarding\n";

pub fn seed(
    c: &mut DbConn,
    t: TenantId,
    people: &DemoPeople,
    app: ProjectId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let owner = people.owner;
    let field = |c: &mut DbConn, name: &str, kind: &str, options: &str| {
        let f = FieldForm {
            name: name.into(),
            kind: kind.into(),
            options: options.into(),
            required: String::new(),
        };
        ok(fields::create(c, t, owner, app, &f, meta)?, "field")
    };
    let platform = field(c, "Platform", "select", "iOS\nAndroid\nBoth")?;
    let impact = field(c, "Customer impact", "number", "")?;
    let qa = field(c, "Needs QA", "checkbox", "")?;
    let release = field(c, "Release date", "date", "")?;
    let customer = field(c, "Customer", "text", "")?;
    let list: Vec<(TaskId, i64)> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(app))
        .filter(projects_tasks::depth.eq(1))
        .order(projects_tasks::number.asc())
        .limit(80)
        .select((projects_tasks::id, projects_tasks::number))
        .load(c)?;
    let all = fields::for_project(c, t, app)?;
    let customers = ["Northwind", "Contoso", "Fabrikam", "Tailspin"];
    for (id, n) in &list {
        let n = *n as usize;
        let mut sent = std::collections::BTreeMap::new();
        sent.insert(
            fields::key(platform),
            ["iOS", "Android", "Both"][n % 3].to_string(),
        );
        sent.insert(fields::key(impact), ((n * 7) % 50 + 1).to_string());
        if n.is_multiple_of(4) {
            sent.insert(fields::key(qa), "yes".into());
        }
        if n.is_multiple_of(5) {
            sent.insert(fields::key(release), format!("2027-0{}-15", n % 9 + 1));
        }
        if n.is_multiple_of(6) {
            sent.insert(fields::key(customer), customers[n % 4].to_string());
        }
        let checked = ok(fields::check_against(all.clone(), &sent), "field values")?;
        fields::save(c, t, owner, *id, checked)?;
    }
    // Views: a shared one and the owner's own.
    ok(
        views::save(
            c,
            t,
            owner,
            app,
            "iOS bugs",
            &format!("kind=bug&{}=iOS", fields::key(platform)),
            true,
        )?,
        "view",
    )?;
    ok(
        views::save(
            c,
            t,
            owner,
            app,
            "High impact, needs QA",
            &format!(
                "{}_from=30&{}=yes&open=1",
                fields::key(impact),
                fields::key(qa)
            ),
            false,
        )?,
        "view",
    )?;
    // A file on the first task.
    if let Some((first, _)) = list.first() {
        let up = uploads::store_bytes(
            &people.data_dir,
            &task_files::blob_dir(&people.data_dir, t),
            "release-notes.txt",
            NOTES,
        )
        .map_err(|e| AppError::internal(format!("demo task file: {e}")))?;
        let (content_type, is_image) = uploads::check_type(&up)
            .map_err(|e| AppError::internal(format!("demo task file: {e}")))?;
        task_files::insert(c, t, owner, *first, &up, &content_type, is_image)?
            .map_err(|e| AppError::internal(format!("demo task file: {e}")))?;
    }
    triggered(c, t, people, app, meta)
}

/// An event workflow (a task entering review asks the admin), a nightly
/// scheduled one, and a webhook one; one task is moved to review so the
/// event has started a run.
fn triggered(
    c: &mut DbConn,
    t: TenantId,
    people: &DemoPeople,
    app: ProjectId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let base = WorkflowForm::starter(people.admin);
    let review = WorkflowForm {
        name: "Review gate".into(),
        description: "A task of the mobile app that enters review waits for the admin's approval."
            .into(),
        trigger_kind: "event".into(),
        trigger_status: "in_review".into(),
        trigger_project: app.to_string(),
        ..base.clone()
    };
    ok(
        workflows::create(c, t, people.admin, &review, meta)?,
        "event workflow",
    )?;
    let nightly = WorkflowForm {
        name: "Nightly triage".into(),
        description: "Every day, someone looks at what came in.".into(),
        trigger_kind: "scheduled".into(),
        every_hours: "24".into(),
        ..base.clone()
    };
    ok(
        workflows::create(c, t, people.admin, &nightly, meta)?,
        "scheduled workflow",
    )?;
    let deploy = WorkflowForm {
        name: "Deploy sign-off".into(),
        description: "The CI server asks for a sign-off before a release goes out.".into(),
        trigger_kind: "webhook".into(),
        ..base
    };
    ok(
        workflows::create(c, t, people.admin, &deploy, meta)?,
        "webhook workflow",
    )?;
    // A task in progress moves to review: the gate starts on it.
    let doing: Option<TaskId> = projects_tasks::table
        .filter(projects_tasks::tenant_id.eq(t))
        .filter(projects_tasks::project_id.eq(app))
        .filter(projects_tasks::status.eq(TaskStatus::InProgress))
        .filter(projects_tasks::deleted_at.is_null())
        .order(projects_tasks::number.asc())
        .select(projects_tasks::id)
        .first(c)
        .optional()?;
    if let Some(id) = doing {
        tasks::transition(c, t, people.member, app, id, TaskStatus::InReview, meta)?
            .map_err(|e| AppError::internal(format!("demo review: {e}")))?;
    }
    Ok(())
}
