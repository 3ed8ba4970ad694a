//! Demo data for `seed-demo`: a "Launch checklist" template, a website
//! relaunch made from it, and a mobile app project with ~300 tasks across
//! every status (with subtasks), a running sprint whose burndown has a
//! history, a completed sprint, milestones, comments and time entries.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;

use super::comments::{self, CommentForm};
use super::milestones::{self, MilestoneForm};
use super::models::*;
use super::project::{self, ProjectForm};
use super::sprints::{self, SprintForm};
use super::tasks::{self, TaskForm};
use super::time::{self, EntryForm};
use super::workflows;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::modules::DemoPeople;
use crate::schema::projects_tasks;
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

fn ok<T>(r: Result<T, FormErrors>, what: &str) -> AppResult<T> {
    r.map_err(|e| AppError::internal(format!("demo {what}: {:?}", e.0)))
}

const AREAS: [&str; 6] = [
    "Login",
    "Checkout",
    "Search",
    "Profile",
    "Notifications",
    "Onboarding",
];
const VERBS: [&str; 10] = [
    "Design",
    "Build",
    "Test",
    "Fix crash in",
    "Polish",
    "Document",
    "Measure",
    "Localise",
    "Refactor",
    "Review",
];

pub fn seed(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    let (owner, admin, member) = (people.owner, people.admin, people.member);
    let today = Utc::now().date_naive();

    // A template with a small task tree.
    let tpl = ok(
        project::create(
            c,
            t,
            admin,
            &ProjectForm {
                name: "Launch checklist".into(),
                key: "LC".into(),
                description:
                    "Everything a launch needs. **Start new launches from this template.**".into(),
                is_template: "on".into(),
                ..ProjectForm::new_for(admin)
            },
            meta,
        )?,
        "template",
    )?;
    for (title, subs) in [
        (
            "Prepare the announcement",
            &["Write the blog post", "Schedule social posts"][..],
        ),
        ("Check analytics", &["Verify tracking tags"][..]),
        ("Go / no-go meeting", &[][..]),
    ] {
        let parent = ok(
            tasks::create(c, t, admin, tpl, &task(title, "task", "high"), meta)?,
            "template task",
        )?;
        for s in subs {
            ok(
                tasks::create(
                    c,
                    t,
                    admin,
                    tpl,
                    &TaskForm {
                        parent_id: parent.to_string(),
                        ..task(s, "task", "medium")
                    },
                    meta,
                )?,
                "template subtask",
            )?;
        }
    }

    // A project made from the template.
    ok(
        project::create(
            c,
            t,
            owner,
            &ProjectForm {
                name: "Website relaunch".into(),
                key: "WEB".into(),
                status: "active".into(),
                client: "Northwind Traders".into(),
                budget: "48000".into(),
                estimated_hours: "600".into(),
                start_date: (today - Duration::days(20)).to_string(),
                due_date: (today + Duration::days(40)).to_string(),
                tags: "website, marketing".into(),
                template_id: tpl.to_string(),
                ..ProjectForm::new_for(admin)
            },
            meta,
        )?,
        "website",
    )?;

    // The big one: ~300 tasks.
    let app = ok(
        project::create(
            c,
            t,
            owner,
            &ProjectForm {
                name: "Mobile app 2.0".into(),
                key: "APP".into(),
                status: "active".into(),
                priority: "high".into(),
                description: "The second version of the mobile app: faster checkout, offline search, a new onboarding.".into(),
                estimated_hours: "2400".into(),
                start_date: (today - Duration::days(30)).to_string(),
                due_date: (today + Duration::days(90)).to_string(),
                tags: "mobile".into(),
                wip_in_progress: "8".into(),
                wip_in_review: "5".into(),
                ..ProjectForm::new_for(owner)
            },
            meta,
        )?,
        "app",
    )?;
    for (who, role) in [
        (admin, "lead"),
        (member, "member"),
        (people.viewer, "observer"),
    ] {
        ok(
            project::set_member(
                c,
                t,
                owner,
                app,
                &project::TeamForm {
                    user_id: who.to_string(),
                    role: role.into(),
                },
                meta,
            )?,
            "team",
        )?;
    }
    let beta = ok(
        milestones::create(
            c,
            t,
            owner,
            app,
            &MilestoneForm {
                title: "Public beta".into(),
                description: "Open the beta to 1,000 testers.".into(),
                due_date: (today + Duration::days(30)).to_string(),
                ..MilestoneForm::new_milestone()
            },
            meta,
        )?,
        "milestone",
    )?;
    let store = ok(
        milestones::create(
            c,
            t,
            owner,
            app,
            &MilestoneForm {
                title: "App store release".into(),
                due_date: (today + Duration::days(90)).to_string(),
                ..MilestoneForm::new_milestone()
            },
            meta,
        )?,
        "milestone",
    )?;
    let sprint_past = ok(
        sprints::create(
            c,
            t,
            owner,
            app,
            &sprint(
                "Sprint 1",
                today - Duration::days(24),
                today - Duration::days(11),
            ),
            meta,
        )?,
        "sprint",
    )?;
    let sprint_now = ok(
        sprints::create(
            c,
            t,
            owner,
            app,
            &SprintForm {
                goal: "Checkout in two taps".into(),
                ..sprint(
                    "Sprint 2",
                    today - Duration::days(10),
                    today + Duration::days(3),
                )
            },
            meta,
        )?,
        "sprint",
    )?;
    ok(
        sprints::create(
            c,
            t,
            owner,
            app,
            &sprint(
                "Sprint 3",
                today + Duration::days(4),
                today + Duration::days(17),
            ),
            meta,
        )?,
        "sprint",
    )?;

    let assignees = [Some(owner), Some(admin), Some(member), None];
    let kinds = ["task", "feature", "bug", "task", "feature"];
    let prios = ["medium", "high", "low", "medium", "urgent", "medium"];
    let points = ["1", "2", "3", "5", "8", "3", "2", ""];
    let mut n = 0usize;
    let mut sprint_tasks = Vec::new();
    for area in AREAS {
        let epic = ok(
            tasks::create(
                c,
                t,
                owner,
                app,
                &TaskForm {
                    milestone_id: beta.to_string(),
                    description: format!("Everything about **{area}** for 2.0."),
                    ..task(&format!("{area} 2.0"), "epic", "high")
                },
                meta,
            )?,
            "epic",
        )?;
        for verb in VERBS {
            for part in ["screen", "API", "copy", "edge cases", "analytics"] {
                n += 1;
                let sprint_id = match n % 5 {
                    0 | 1 => sprint_now.to_string(),
                    2 => sprint_past.to_string(),
                    _ => String::new(),
                };
                let form = TaskForm {
                    parent_id: epic.to_string(),
                    assignee_id: assignees[n % 4].map(|u| u.to_string()).unwrap_or_default(),
                    story_points: points[n % points.len()].into(),
                    sprint_id: sprint_id.clone(),
                    milestone_id: if n.is_multiple_of(3) {
                        store.to_string()
                    } else {
                        beta.to_string()
                    },
                    due_date: if n.is_multiple_of(4) {
                        (today + Duration::days((n % 60) as i64 - 10)).to_string()
                    } else {
                        String::new()
                    },
                    tags: if n.is_multiple_of(7) {
                        "performance".into()
                    } else {
                        String::new()
                    },
                    description: format!(
                        "{verb} the {part} of {area}.\n\n- [ ] agreed\n- [ ] done"
                    ),
                    ..task(&format!("{verb} {area} {part}"), kinds[n % 5], prios[n % 6])
                };
                let id = ok(tasks::create(c, t, owner, app, &form, meta)?, "task")?;
                // Walk it along the state machine to a spread of statuses.
                let path: &[TaskStatus] = match n % 9 {
                    0 | 1 => &[],
                    2 | 3 => &[TaskStatus::Todo],
                    4 => &[TaskStatus::Todo, TaskStatus::InProgress],
                    5 => &[
                        TaskStatus::Todo,
                        TaskStatus::InProgress,
                        TaskStatus::InReview,
                    ],
                    8 => &[TaskStatus::Cancelled],
                    _ => &[
                        TaskStatus::Todo,
                        TaskStatus::InProgress,
                        TaskStatus::InReview,
                        TaskStatus::Done,
                    ],
                };
                for to in path {
                    let by = assignees[n % 4].unwrap_or(owner);
                    tasks::transition(c, t, by, app, id, *to, meta)?.map_err(AppError::internal)?;
                }
                if !sprint_id.is_empty() {
                    sprint_tasks.push((id, n));
                }
                if n.is_multiple_of(25) {
                    ok(
                        comments::add(
                            c,
                            t,
                            member,
                            app,
                            id,
                            &CommentForm {
                                body: "Looks good — see the **designs** in the shared folder."
                                    .into(),
                            },
                        )?,
                        "comment",
                    )?;
                }
                if n.is_multiple_of(6) {
                    ok(
                        time::add_entry(
                            c,
                            t,
                            assignees[n % 4].unwrap_or(member),
                            app,
                            id,
                            &EntryForm {
                                date: (today - Duration::days((n % 14) as i64)).to_string(),
                                duration: format!("{}", 30 + (n % 5) * 45),
                                note: "Work session".into(),
                            },
                        )?,
                        "time",
                    )?;
                }
            }
        }
        // A sub-subtask, to show three levels.
        let first_child: Option<TaskId> = projects_tasks::table
            .filter(projects_tasks::tenant_id.eq(t))
            .filter(projects_tasks::parent_id.eq(epic))
            .order(projects_tasks::number.asc())
            .select(projects_tasks::id)
            .first(c)
            .optional()?;
        if let Some(child) = first_child {
            ok(
                tasks::create(
                    c,
                    t,
                    member,
                    app,
                    &TaskForm {
                        parent_id: child.to_string(),
                        ..task(&format!("Write the {area} test plan"), "task", "low")
                    },
                    meta,
                )?,
                "subtask",
            )?;
        }
    }
    // Completed tasks of the running sprint were finished over its days, so
    // the burndown has a history.
    let start = today - Duration::days(10);
    for (id, n) in sprint_tasks {
        let day = start + Duration::days((n % 10) as i64);
        diesel::update(
            projects_tasks::table
                .filter(projects_tasks::tenant_id.eq(t))
                .filter(projects_tasks::id.eq(id))
                .filter(projects_tasks::completed_at.is_not_null()),
        )
        .set(projects_tasks::completed_at.eq(Some(noon(day))))
        .execute(c)?;
    }
    sprints::start(c, t, owner, app, sprint_past, meta)?;
    sprints::finish(
        c,
        t,
        owner,
        app,
        sprint_past,
        sprints::Ending {
            cancel: false,
            carry_to: None,
        },
        meta,
    )?;
    sprints::start(c, t, owner, app, sprint_now, meta)?;
    workflow(c, t, people, meta)?;
    super::demo_more::seed(c, t, people, app, meta)
}

/// A launch approval asked of the demo admin, waiting for their answer.
fn workflow(c: &mut DbConn, t: TenantId, people: &DemoPeople, meta: &RequestMeta) -> AppResult<()> {
    let form = workflows::WorkflowForm {
        name: "Launch approval".into(),
        description: "The admin signs off a launch; a rejection sends it back for rework.".into(),
        ..workflows::WorkflowForm::starter(people.admin)
    };
    let id = ok(
        workflows::create(c, t, people.admin, &form, meta)?,
        "workflow",
    )?;
    workflows::run(c, t, people.member, id, None, meta)?
        .map_err(|e| AppError::internal(format!("demo workflow run: {e}")))?;
    Ok(())
}

fn noon(d: NaiveDate) -> UtcTime {
    UtcTime(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc())
}

fn task(title: &str, kind: &str, priority: &str) -> TaskForm {
    TaskForm {
        title: title.into(),
        kind: kind.into(),
        priority: priority.into(),
        ..TaskForm::new_task()
    }
}

fn sprint(name: &str, start: NaiveDate, end: NaiveDate) -> SprintForm {
    SprintForm {
        name: name.into(),
        goal: String::new(),
        start_date: start.to_string(),
        end_date: end.to_string(),
    }
}
