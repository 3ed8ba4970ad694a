//! Rows of the projects tables (one struct per table, read and inserted
//! whole), their typed ids, and the states and kinds stored as TEXT.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::accounts::models::UserId;
use crate::db::{Json, TenantId, UtcTime};
use crate::schema::*;

crate::typed_id!(
    /// The id of a project (`projects_projects.id`).
    ProjectId
);
crate::typed_id!(
    /// The id of a project membership (`projects_members.id`).
    ProjectMemberId
);
crate::typed_id!(
    /// The id of a task (`projects_tasks.id`).
    TaskId
);
crate::typed_id!(
    /// The id of a sprint (`projects_sprints.id`).
    SprintId
);
crate::typed_id!(
    /// The id of a milestone (`projects_milestones.id`).
    MilestoneId
);
crate::typed_id!(
    /// The id of a task comment (`projects_task_comments.id`).
    CommentId
);
crate::typed_id!(
    /// The id of a time entry (`projects_time_entries.id`).
    TimeEntryId
);
crate::typed_id!(
    /// The id of an activity row (`projects_task_activity.id`).
    ActivityId
);

crate::text_enum!(
    /// Where a project stands.
    ProjectStatus {
        Planning = "planning" / "Planning",
        Active = "active" / "Active",
        OnHold = "on_hold" / "On hold",
        Completed = "completed" / "Completed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

crate::text_enum!(
    /// How urgent a project or task is.
    Priority {
        Low = "low" / "Low",
        Medium = "medium" / "Medium",
        High = "high" / "High",
        Urgent = "urgent" / "Urgent",
    }
);

crate::text_enum!(
    /// What a task is.
    TaskKind {
        Task = "task" / "Task",
        Bug = "bug" / "Bug",
        Feature = "feature" / "Feature",
        Epic = "epic" / "Epic",
    }
);

crate::text_enum!(
    /// Where a task stands; `tasks::transition` holds the allowed moves.
    TaskStatus {
        Backlog = "backlog" / "Backlog",
        Todo = "todo" / "To do",
        InProgress = "in_progress" / "In progress",
        InReview = "in_review" / "In review",
        Done = "done" / "Done",
        Cancelled = "cancelled" / "Cancelled",
    }
);

crate::text_enum!(
    /// Where a sprint stands.
    SprintStatus {
        Planned = "planned" / "Planned",
        Active = "active" / "Active",
        Completed = "completed" / "Completed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

crate::text_enum!(
    /// Where a milestone stands.
    MilestoneStatus {
        Open = "open" / "Open",
        InProgress = "in_progress" / "In progress",
        Completed = "completed" / "Completed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

crate::text_enum!(
    /// A person's part in a project.
    ProjectRole {
        Lead = "lead" / "Lead",
        Member = "member" / "Member",
        Observer = "observer" / "Observer",
    }
);

impl TaskStatus {
    /// Done and cancelled tasks are closed: they leave the open count.
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }

    /// The board's columns, left to right.
    pub const BOARD: [TaskStatus; 5] = [
        TaskStatus::Backlog,
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::InReview,
        TaskStatus::Done,
    ];
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_projects)]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: ProjectId,
    pub name: String,
    pub key: String,
    pub description: String,
    pub status: ProjectStatus,
    pub priority: Priority,
    pub manager_id: UserId,
    pub client: String,
    pub budget_cents: Option<i64>,
    pub estimated_hours: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub completed_at: Option<UtcTime>,
    pub tags: String,
    pub is_template: bool,
    pub template_id: Option<ProjectId>,
    pub wip_limits: Json,
    pub next_task_number: i64,
    pub open_tasks: i64,
    pub done_tasks: i64,
    pub logged_minutes: i64,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
    pub deleted_at: Option<UtcTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_members)]
pub struct ProjectMember {
    pub tenant_id: TenantId,
    pub id: ProjectMemberId,
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub role: ProjectRole,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_sprints)]
pub struct Sprint {
    pub tenant_id: TenantId,
    pub id: SprintId,
    pub project_id: ProjectId,
    pub name: String,
    pub goal: String,
    pub status: SprintStatus,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub completed_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_milestones)]
pub struct Milestone {
    pub tenant_id: TenantId,
    pub id: MilestoneId,
    pub project_id: ProjectId,
    pub title: String,
    pub description: String,
    pub status: MilestoneStatus,
    pub due_date: Option<NaiveDate>,
    pub completed_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_tasks)]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: TaskId,
    pub project_id: ProjectId,
    pub number: i64,
    pub parent_id: Option<TaskId>,
    pub depth: i32,
    pub title: String,
    pub description: String,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub priority: Priority,
    pub assignee_id: Option<UserId>,
    pub reporter_id: Option<UserId>,
    pub sprint_id: Option<SprintId>,
    pub milestone_id: Option<MilestoneId>,
    pub story_points: Option<i32>,
    pub due_date: Option<NaiveDate>,
    pub started_at: Option<UtcTime>,
    pub completed_at: Option<UtcTime>,
    pub tags: String,
    pub logged_minutes: i64,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub deleted_at: Option<UtcTime>,
}

impl Task {
    /// The tags as a list (stored as `,a,b,` so one tag can be matched).
    pub fn tag_list(&self) -> Vec<&str> {
        split_tags(&self.tags)
    }

    /// The time logged on the task, as "1 h 05 min".
    pub fn logged_text(&self) -> String {
        hours_minutes(self.logged_minutes)
    }
}

impl Project {
    pub fn tag_list(&self) -> Vec<&str> {
        split_tags(&self.tags)
    }
}

/// `,a,b,` → `["a", "b"]`.
pub fn split_tags(stored: &str) -> Vec<&str> {
    stored.split(',').filter(|t| !t.is_empty()).collect()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_task_comments)]
pub struct Comment {
    pub tenant_id: TenantId,
    pub id: CommentId,
    pub task_id: TaskId,
    pub author_id: Option<UserId>,
    pub body: String,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub deleted_at: Option<UtcTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_task_activity)]
pub struct Activity {
    pub tenant_id: TenantId,
    pub id: ActivityId,
    pub task_id: TaskId,
    pub actor_id: Option<UserId>,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_time_entries)]
pub struct TimeEntry {
    pub tenant_id: TenantId,
    pub id: TimeEntryId,
    pub task_id: TaskId,
    pub user_id: UserId,
    pub started_at: UtcTime,
    pub ended_at: Option<UtcTime>,
    pub minutes: Option<i32>,
    pub note: String,
    pub created_at: UtcTime,
}

/// "1 h 05 min" for a number of minutes.
pub fn hours_minutes(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

crate::typed_id!(
    /// The id of a workflow (`projects_workflows.id`).
    WorkflowId
);
crate::typed_id!(
    /// The id of a workflow's definition version (`projects_workflow_versions.id`).
    WorkflowVersionId
);
crate::typed_id!(
    /// The id of a workflow run (`projects_workflow_executions.id`).
    ExecutionId
);
crate::typed_id!(
    /// The id of a step taken by a run (`projects_workflow_steps.id`).
    ExecutionStepId
);
crate::typed_id!(
    /// The id of an approval asked of one approver (`projects_workflow_approvals.id`).
    ApprovalId
);

crate::text_enum!(
    /// What a workflow is for.
    WorkflowKind {
        Approval = "approval" / "Approval",
        Automation = "automation" / "Automation",
        Review = "review" / "Review",
        Deployment = "deployment" / "Deployment",
        Custom = "custom" / "Custom",
    }
);

crate::text_enum!(
    /// Whether a workflow can be run.
    WorkflowStatus {
        Draft = "draft" / "Draft",
        Active = "active" / "Active",
        Paused = "paused" / "Paused",
        Archived = "archived" / "Archived",
    }
);

crate::text_enum!(
    /// What starts a workflow (only `manual` has a button today).
    WorkflowTrigger {
        Manual = "manual" / "Manual",
        Scheduled = "scheduled" / "Scheduled",
        Webhook = "webhook" / "Webhook",
        Event = "event" / "Event",
    }
);

crate::text_enum!(
    /// Where a run stands.
    ExecutionStatus {
        Pending = "pending" / "Pending",
        Running = "running" / "Running",
        Paused = "paused" / "Paused",
        Completed = "completed" / "Completed",
        Failed = "failed" / "Failed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

crate::text_enum!(
    /// One approver's answer.
    ApprovalStatus {
        Pending = "pending" / "Pending",
        Approved = "approved" / "Approved",
        Rejected = "rejected" / "Rejected",
        Expired = "expired" / "Expired",
    }
);

impl ExecutionStatus {
    /// Completed, failed and cancelled runs are over.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            ExecutionStatus::Completed | ExecutionStatus::Failed | ExecutionStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_workflows)]
pub struct Workflow {
    pub tenant_id: TenantId,
    pub id: WorkflowId,
    pub name: String,
    pub description: String,
    pub kind: WorkflowKind,
    pub status: WorkflowStatus,
    pub trigger_kind: WorkflowTrigger,
    pub approval_days: i32,
    pub current_version: i32,
    pub created_by: Option<UserId>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    /// Event trigger: a task entering this status starts a run.
    pub trigger_status: Option<TaskStatus>,
    /// Event trigger: only this project's tasks (none: any project).
    pub trigger_project_id: Option<ProjectId>,
    /// Scheduled trigger: a run every this many hours.
    pub every_hours: Option<i32>,
    /// Scheduled trigger: when the next run is due.
    pub next_run_at: Option<UtcTime>,
    /// Webhook trigger: the HMAC key callers sign with (hex; empty: none).
    pub hook_secret: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_workflow_versions)]
pub struct WorkflowVersion {
    pub tenant_id: TenantId,
    pub id: WorkflowVersionId,
    pub workflow_id: WorkflowId,
    pub version: i32,
    pub definition: Json,
    pub created_by: Option<UserId>,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_workflow_executions)]
pub struct Execution {
    pub tenant_id: TenantId,
    pub id: ExecutionId,
    pub workflow_id: WorkflowId,
    pub version_id: WorkflowVersionId,
    pub version: i32,
    pub status: ExecutionStatus,
    pub current_step: String,
    pub started_by: Option<UserId>,
    pub task_id: Option<TaskId>,
    pub started_at: UtcTime,
    pub finished_at: Option<UtcTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_workflow_steps)]
pub struct ExecutionStep {
    pub tenant_id: TenantId,
    pub id: ExecutionStepId,
    pub execution_id: ExecutionId,
    pub step_key: String,
    pub outcome: String,
    pub actor_id: Option<UserId>,
    pub comment: String,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_workflow_approvals)]
pub struct Approval {
    pub tenant_id: TenantId,
    pub id: ApprovalId,
    pub execution_id: ExecutionId,
    pub step_key: String,
    pub approver_id: UserId,
    pub status: ApprovalStatus,
    pub expires_at: UtcTime,
    pub decided_at: Option<UtcTime>,
    pub comment: String,
    pub created_at: UtcTime,
}

crate::typed_id!(
    /// The id of a project's custom field (`projects_fields.id`).
    FieldId
);
crate::typed_id!(
    /// The id of a task's value of a custom field (`projects_field_values.id`).
    FieldValueId
);
crate::typed_id!(
    /// The id of a saved view of a task list (`projects_views.id`).
    ViewId
);
crate::typed_id!(
    /// The id of a file attached to a task (`projects_task_files.id`).
    TaskFileId
);

crate::text_enum!(
    /// What a custom field holds.
    FieldKind {
        Text = "text" / "Text",
        Number = "number" / "Number",
        Date = "date" / "Date",
        Select = "select" / "Choice from a list",
        Checkbox = "checkbox" / "Yes / no",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_fields)]
pub struct Field {
    pub tenant_id: TenantId,
    pub id: FieldId,
    pub project_id: ProjectId,
    pub name: String,
    pub kind: FieldKind,
    /// A select's choices, one per line.
    pub options: String,
    pub required: bool,
    pub position: i32,
    pub created_at: UtcTime,
}

impl Field {
    /// Its key in forms and queries (`cf_<id>`).
    pub fn key(&self) -> String {
        super::fields::key(self.id)
    }

    /// A select's choices.
    pub fn choices(&self) -> Vec<&str> {
        self.options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_field_values)]
pub struct FieldValue {
    pub tenant_id: TenantId,
    pub id: FieldValueId,
    pub task_id: TaskId,
    pub field_id: FieldId,
    pub value: String,
    pub number: Option<f64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_views)]
pub struct SavedView {
    pub tenant_id: TenantId,
    pub id: ViewId,
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub name: String,
    /// The list's query string, without `after`/`before`.
    pub query: String,
    pub shared: bool,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = projects_task_files)]
pub struct TaskFile {
    pub tenant_id: TenantId,
    pub id: TaskFileId,
    pub task_id: TaskId,
    pub uploaded_by: Option<UserId>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub is_image: bool,
    pub created_at: UtcTime,
}
