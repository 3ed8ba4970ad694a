//! Rows of the naming tables (one struct per table, read and inserted whole)
//! and their typed ids. Generated from the migration, then kept by hand.

use chrono::NaiveDate;

use crate::accounts::models::UserId;
use crate::db::{Id, Json, TenantId, UtcTime};
use crate::schema::*;
use diesel::prelude::*;

crate::typed_id!(
    /// The id of a catalogue platform (`naming_platforms.id`).
    PlatformId
);

crate::typed_id!(
    /// The id of a level of a platform's hierarchy (`naming_fields.id`).
    FieldId
);

crate::typed_id!(
    /// The id of a dimension (`naming_dimensions.id`).
    DimensionId
);

crate::typed_id!(
    /// The id of a dimension value (`naming_dimension_values.id`).
    DimensionValueId
);

crate::typed_id!(
    /// The id of a rule (`naming_rules.id`).
    RuleId
);

crate::typed_id!(
    /// The id of a rule detail (one part of a field's rule) (`naming_rule_details.id`).
    RuleDetailId
);

crate::typed_id!(
    /// The id of a submission (`naming_submissions.id`).
    SubmissionId
);

crate::typed_id!(
    /// The id of a generated string (`naming_strings.id`).
    StringId
);

crate::typed_id!(
    /// The id of a string detail (`naming_string_details.id`).
    StringDetailId
);

crate::typed_id!(
    /// The id of a string version (`naming_string_modifications.id`).
    ModificationId
);

crate::typed_id!(
    /// The id of an inheritance update (`naming_string_inheritance_updates.id`).
    InheritanceUpdateId
);

crate::typed_id!(
    /// The id of a batch update (`naming_string_update_batches.id`).
    UpdateBatchId
);

crate::typed_id!(
    /// The id of a backed-up string (`naming_string_backups.id`).
    BackupRowId
);

crate::typed_id!(
    /// The id of a propagation job (`naming_propagation_jobs.id`).
    PropagationJobId
);

crate::typed_id!(
    /// The id of a propagation error (`naming_propagation_errors.id`).
    PropagationErrorId
);

crate::typed_id!(
    /// The id of a user's propagation settings (`naming_propagation_settings.id`).
    PropagationSettingsId
);

crate::text_enum!(
    /// Whether a rule, dimension or dimension value is offered for new names
    /// (an inactive one keeps the names already made with it).
    Availability {
        Active = "ACTIVE" / "Active",
        Inactive = "INACTIVE" / "Inactive",
    }
);

crate::text_enum!(
    /// Where a submission (a set of generated names) stands: drafted,
    /// submitted for review, then approved or rejected (and reopened).
    SubmissionStatus {
        Draft = "DRAFT" / "Draft",
        Submitted = "SUBMITTED" / "Submitted",
        Approved = "APPROVED" / "Approved",
        Rejected = "REJECTED" / "Rejected",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_platforms)]
pub struct Platform {
    pub id: PlatformId,
    pub platform_type: String,
    pub name: String,
    pub slug: String,
    pub icon_name: Option<String>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_fields)]
pub struct Field {
    pub id: FieldId,
    pub platform_id: PlatformId,
    pub next_field_id: Option<FieldId>,
    pub name: String,
    pub field_level: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_dimensions)]
pub struct Dimension {
    pub tenant_id: TenantId,
    pub id: DimensionId,
    pub parent_id: Option<DimensionId>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub kind: DimensionKind,
    pub status: Availability,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

crate::text_enum!(
    /// What a dimension holds: values chosen from its list, or free text.
    DimensionKind {
        List = "LIST" / "List",
        Text = "TEXT" / "Text",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_dimension_values)]
pub struct DimensionValue {
    pub tenant_id: TenantId,
    pub id: DimensionValueId,
    pub dimension_id: DimensionId,
    pub parent_id: Option<DimensionValueId>,
    pub value: String,
    pub label: String,
    pub utm: String,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub status: Availability,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_rules)]
pub struct Rule {
    pub tenant_id: TenantId,
    pub id: RuleId,
    pub platform_id: PlatformId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: Availability,
    pub is_default: bool,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_rule_details)]
pub struct RuleDetail {
    pub tenant_id: TenantId,
    pub id: RuleDetailId,
    pub rule_id: RuleId,
    pub field_id: FieldId,
    pub dimension_id: DimensionId,
    pub prefix: String,
    pub suffix: String,
    pub delimiter: String,
    pub dimension_order: i32,
    pub is_required: bool,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_submissions)]
pub struct Submission {
    pub tenant_id: TenantId,
    pub id: SubmissionId,
    pub rule_id: RuleId,
    pub selected_parent_string_id: Option<StringId>,
    pub starting_field_id: FieldId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: SubmissionStatus,
    pub review_comment: String,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_strings)]
pub struct NamingString {
    pub tenant_id: TenantId,
    pub id: StringId,
    pub parent_id: Option<StringId>,
    pub field_id: FieldId,
    pub submission_id: SubmissionId,
    pub rule_id: RuleId,
    pub value: String,
    pub is_auto_generated: bool,
    pub generation_metadata: Json,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_string_details)]
pub struct StringDetail {
    pub tenant_id: TenantId,
    pub id: StringDetailId,
    pub string_id: StringId,
    pub dimension_id: DimensionId,
    pub dimension_value_id: Option<DimensionValueId>,
    pub dimension_value_freetext: Option<String>,
    pub is_inherited: bool,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_string_modifications)]
pub struct StringModification {
    pub tenant_id: TenantId,
    pub id: ModificationId,
    pub string_id: StringId,
    pub version: i32,
    pub field_updates: Json,
    pub string_value: String,
    pub original_values: Json,
    pub modified_by: UserId,
    pub modified_at: UtcTime,
    pub change_type: String,
    pub batch_id: Option<Id>,
    pub parent_version_id: Option<ModificationId>,
    pub metadata: Json,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_string_inheritance_updates)]
pub struct InheritanceUpdate {
    pub tenant_id: TenantId,
    pub id: InheritanceUpdateId,
    pub parent_modification_id: ModificationId,
    pub child_string_id: StringId,
    pub inherited_fields: Json,
    pub applied_at: UtcTime,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_string_update_batches)]
pub struct UpdateBatch {
    pub tenant_id: TenantId,
    pub id: UpdateBatchId,
    pub rule_id: RuleId,
    pub field_id: FieldId,
    pub initiated_by: UserId,
    pub initiated_at: UtcTime,
    pub completed_at: Option<UtcTime>,
    pub status: BatchStatus,
    pub total_strings: i32,
    pub processed_strings: i32,
    pub failed_strings: i32,
    pub backup_id: Option<Id>,
    pub metadata: Json,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_string_backups)]
pub struct StringBackup {
    pub tenant_id: TenantId,
    pub id: BackupRowId,
    pub backup_id: Id,
    pub string_id: StringId,
    pub value: String,
    pub version: i32,
    pub details: Json,
    pub created_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_propagation_jobs)]
pub struct PropagationJob {
    pub tenant_id: TenantId,
    pub id: PropagationJobId,
    pub batch_id: Id,
    pub triggered_by: Option<UserId>,
    pub status: PropagationStatus,
    pub started_at: Option<UtcTime>,
    pub completed_at: Option<UtcTime>,
    pub total_strings: i32,
    pub processed_strings: i32,
    pub failed_strings: i32,
    pub max_depth: i32,
    pub processing_method: String,
    pub metadata: Json,
    pub error_message: Option<String>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_propagation_errors)]
pub struct PropagationError {
    pub tenant_id: TenantId,
    pub id: PropagationErrorId,
    pub job_id: PropagationJobId,
    pub string_id: Option<StringId>,
    pub string_detail_id: Option<StringDetailId>,
    pub error_type: String,
    pub error_message: String,
    pub error_code: Option<String>,
    pub stack_trace: Option<String>,
    pub context_data: Json,
    pub retry_count: i32,
    pub is_retryable: bool,
    pub resolved: bool,
    pub resolved_at: Option<UtcTime>,
    pub resolved_by: Option<UserId>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = naming_propagation_settings)]
pub struct PropagationSettings {
    pub tenant_id: TenantId,
    pub id: PropagationSettingsId,
    pub user_id: UserId,
    pub settings: Json,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub created_by: Option<UserId>,
}

crate::text_enum!(
    /// Where a batch update stands (`naming_string_update_batches.status`).
    BatchStatus {
        Pending = "PENDING" / "Pending",
        Running = "RUNNING" / "Running",
        Completed = "COMPLETED" / "Completed",
        Failed = "FAILED" / "Failed",
        RollingBack = "ROLLING_BACK" / "Rolling back",
        RolledBack = "ROLLED_BACK" / "Rolled back",
    }
);

impl BatchStatus {
    /// Still working: the page keeps polling, and no second batch starts.
    pub const BUSY: [BatchStatus; 3] = [
        BatchStatus::Pending,
        BatchStatus::Running,
        BatchStatus::RollingBack,
    ];
}

crate::text_enum!(
    /// Where a propagation job stands (`naming_propagation_jobs.status`).
    PropagationStatus {
        Pending = "PENDING" / "Pending",
        Running = "RUNNING" / "Running",
        Completed = "COMPLETED" / "Completed",
        Partial = "PARTIAL" / "Partial",
        Failed = "FAILED" / "Failed",
    }
);

impl PropagationStatus {
    /// Pending or running: still at work.
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            PropagationStatus::Pending | PropagationStatus::Running
        )
    }
}
