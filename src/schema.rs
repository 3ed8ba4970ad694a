//! Diesel table definitions, kept by hand for both backends (the SQL types come
//! from `db::sql`, where `Uuid`, `Timestamptz` and `Jsonb` also exist on SQLite).

diesel::table! {
    use crate::db::sql::*;
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        timezone -> Text,
        is_superadmin -> Bool,
        is_active -> Bool,
        last_login_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        pending_verification -> Bool,
        first_name -> Text,
        last_name -> Text,
        phone -> Text,
    }
}

diesel::table! {
    use crate::db::sql::*;
    tenants (id) {
        id -> Uuid,
        name -> Text,
        slug -> Text,
        status -> Text,
        plan -> Text,
        seat_limit -> Integer,
        settings -> Jsonb,
        logo_path -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    memberships (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        unread_notifications -> Integer,
        digest_due_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    invitations (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Uuid,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    teams (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    team_members (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        team_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    user_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        password_confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    login_attempts (id) {
        id -> Uuid,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    audit_events (id) {
        id -> Uuid,
        tenant_id -> Nullable<Uuid>,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        changes -> Jsonb,
        severity -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    jobs (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_after -> Timestamptz,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamptz>,
        progress_done -> BigInt,
        progress_total -> BigInt,
        last_error -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    instance_settings (key) {
        key -> Text,
        value -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    plans (id) {
        id -> Uuid,
        name -> Text,
        seat_limit -> Integer,
        storage_limit_mb -> Integer,
        max_upload_mb -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    password_resets (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        created_by -> Nullable<Uuid>,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

// Global, like `tenants`: an old address is looked up before any tenant is
// known (the slug is what names the tenant), so it has no row wall.
diesel::table! {
    use crate::db::sql::*;
    slug_redirects (old_slug) {
        old_slug -> Text,
        tenant_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    notifications (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        title -> Text,
        body -> Text,
        link -> Text,
        actor_id -> Nullable<Uuid>,
        shown -> Bool,
        email -> Text,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    notification_preferences (user_id, kind) {
        user_id -> Uuid,
        kind -> Text,
        in_app -> Bool,
        email -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    workspace_about (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        description -> Text,
        kind -> Text,
        industry -> Text,
        company_size -> Text,
        location -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        website -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    workspace_links (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        platform -> Text,
        url -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_platforms (id) {
        id -> Uuid,
        platform_type -> Text,
        name -> Text,
        slug -> Text,
        icon_name -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_fields (id) {
        id -> Uuid,
        platform_id -> Uuid,
        next_field_id -> Nullable<Uuid>,
        name -> Text,
        field_level -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_dimensions (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        parent_id -> Nullable<Uuid>,
        name -> Text,
        slug -> Text,
        description -> Text,
        kind -> Text,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_dimension_values (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        dimension_id -> Uuid,
        parent_id -> Nullable<Uuid>,
        value -> Text,
        label -> Text,
        utm -> Text,
        description -> Text,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_rules (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        platform_id -> Uuid,
        name -> Text,
        slug -> Text,
        description -> Text,
        status -> Text,
        is_default -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_rule_details (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        rule_id -> Uuid,
        field_id -> Uuid,
        dimension_id -> Uuid,
        prefix -> Text,
        suffix -> Text,
        delimiter -> Text,
        dimension_order -> Integer,
        is_required -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_submissions (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        rule_id -> Uuid,
        selected_parent_string_id -> Nullable<Uuid>,
        starting_field_id -> Uuid,
        name -> Text,
        slug -> Text,
        description -> Text,
        status -> Text,
        review_comment -> Text,
        reviewed_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_strings (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        parent_id -> Nullable<Uuid>,
        field_id -> Uuid,
        submission_id -> Uuid,
        rule_id -> Uuid,
        value -> Text,
        is_auto_generated -> Bool,
        generation_metadata -> Jsonb,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_string_details (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        string_id -> Uuid,
        dimension_id -> Uuid,
        dimension_value_id -> Nullable<Uuid>,
        dimension_value_freetext -> Nullable<Text>,
        is_inherited -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_string_modifications (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        string_id -> Uuid,
        version -> Integer,
        field_updates -> Jsonb,
        string_value -> Text,
        original_values -> Jsonb,
        modified_by -> Uuid,
        modified_at -> Timestamptz,
        change_type -> Text,
        batch_id -> Nullable<Uuid>,
        parent_version_id -> Nullable<Uuid>,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_string_inheritance_updates (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        parent_modification_id -> Uuid,
        child_string_id -> Uuid,
        inherited_fields -> Jsonb,
        applied_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_string_update_batches (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        rule_id -> Uuid,
        field_id -> Uuid,
        initiated_by -> Uuid,
        initiated_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
        status -> Text,
        total_strings -> Integer,
        processed_strings -> Integer,
        failed_strings -> Integer,
        backup_id -> Nullable<Uuid>,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_string_backups (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        backup_id -> Uuid,
        string_id -> Uuid,
        value -> Text,
        version -> Integer,
        details -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_propagation_jobs (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        batch_id -> Uuid,
        triggered_by -> Nullable<Uuid>,
        status -> Text,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        total_strings -> Integer,
        processed_strings -> Integer,
        failed_strings -> Integer,
        max_depth -> Integer,
        processing_method -> Text,
        metadata -> Jsonb,
        error_message -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_propagation_errors (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        job_id -> Uuid,
        string_id -> Nullable<Uuid>,
        string_detail_id -> Nullable<Uuid>,
        error_type -> Text,
        error_message -> Text,
        error_code -> Nullable<Text>,
        stack_trace -> Nullable<Text>,
        context_data -> Jsonb,
        retry_count -> Integer,
        is_retryable -> Bool,
        resolved -> Bool,
        resolved_at -> Nullable<Timestamptz>,
        resolved_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    naming_propagation_settings (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        settings -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

// Sign-up verification links (global, like password resets).
diesel::table! {
    use crate::db::sql::*;
    email_verifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    email_changes (id) {
        id -> Uuid,
        user_id -> Uuid,
        new_email -> Text,
        token_hash -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

// Counts kept in the database, per workspace (db::counters).
diesel::table! {
    use crate::db::sql::*;
    tenant_counters (tenant_id, name) {
        tenant_id -> Uuid,
        name -> Text,
        value -> BigInt,
    }
}

// Account emails waiting to be sent (global: jobs belong to a workspace).
diesel::table! {
    use crate::db::sql::*;
    mail_outbox (id) {
        id -> Uuid,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        attempts -> Integer,
        run_after -> Timestamptz,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

// Counted events for throttles other than sign-in (global).
diesel::table! {
    use crate::db::sql::*;
    throttle_events (id) {
        id -> Uuid,
        scope -> Text,
        key -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    two_factor_secrets (user_id) {
        user_id -> Uuid,
        secret -> Text,
        enabled_at -> Nullable<Timestamptz>,
        last_used_step -> Nullable<BigInt>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    two_factor_recovery_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        code_hash -> Text,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    two_factor_devices (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        user_agent -> Nullable<Text>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(two_factor_secrets -> users (user_id));
diesel::joinable!(two_factor_recovery_codes -> users (user_id));
diesel::joinable!(two_factor_devices -> users (user_id));
diesel::joinable!(invitations -> tenants (tenant_id));
diesel::joinable!(slug_redirects -> tenants (tenant_id));

diesel::table! {
    use crate::db::sql::*;
    projects_projects (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        name -> Text,
        key -> Text,
        description -> Text,
        status -> Text,
        priority -> Text,
        manager_id -> Uuid,
        client -> Text,
        budget_cents -> Nullable<BigInt>,
        estimated_hours -> Nullable<Integer>,
        start_date -> Nullable<Date>,
        due_date -> Nullable<Date>,
        completed_at -> Nullable<Timestamptz>,
        tags -> Text,
        is_template -> Bool,
        template_id -> Nullable<Uuid>,
        wip_limits -> Jsonb,
        next_task_number -> BigInt,
        open_tasks -> BigInt,
        done_tasks -> BigInt,
        logged_minutes -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_members (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_sprints (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        name -> Text,
        goal -> Text,
        status -> Text,
        start_date -> Date,
        end_date -> Date,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_milestones (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        title -> Text,
        description -> Text,
        status -> Text,
        due_date -> Nullable<Date>,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_tasks (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        number -> BigInt,
        parent_id -> Nullable<Uuid>,
        depth -> Integer,
        title -> Text,
        description -> Text,
        kind -> Text,
        status -> Text,
        priority -> Text,
        assignee_id -> Nullable<Uuid>,
        reporter_id -> Nullable<Uuid>,
        sprint_id -> Nullable<Uuid>,
        milestone_id -> Nullable<Uuid>,
        story_points -> Nullable<Integer>,
        due_date -> Nullable<Date>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        tags -> Text,
        logged_minutes -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_task_comments (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        task_id -> Uuid,
        author_id -> Nullable<Uuid>,
        body -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_task_activity (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        task_id -> Uuid,
        actor_id -> Nullable<Uuid>,
        field -> Text,
        old_value -> Text,
        new_value -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    projects_time_entries (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        task_id -> Uuid,
        user_id -> Uuid,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        minutes -> Nullable<Integer>,
        note -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_workflows (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Text,
        kind -> Text,
        status -> Text,
        trigger_kind -> Text,
        approval_days -> Integer,
        current_version -> Integer,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        trigger_status -> Nullable<Text>,
        trigger_project_id -> Nullable<Uuid>,
        every_hours -> Nullable<Integer>,
        next_run_at -> Nullable<Timestamptz>,
        hook_secret -> Text,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_workflow_versions (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        workflow_id -> Uuid,
        version -> Integer,
        definition -> Jsonb,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_workflow_executions (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        workflow_id -> Uuid,
        version_id -> Uuid,
        version -> Integer,
        status -> Text,
        current_step -> Text,
        started_by -> Nullable<Uuid>,
        task_id -> Nullable<Uuid>,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_workflow_steps (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        execution_id -> Uuid,
        step_key -> Text,
        outcome -> Text,
        actor_id -> Nullable<Uuid>,
        comment -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_workflow_approvals (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        execution_id -> Uuid,
        step_key -> Text,
        approver_id -> Uuid,
        status -> Text,
        expires_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        comment -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    messages_conversations (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        title -> Text,
        direct_key -> Nullable<Text>,
        team_id -> Nullable<Uuid>,
        project_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        last_message_at -> Timestamptz,
        last_message_id -> Nullable<Uuid>,
        message_count -> BigInt,
    }
}

diesel::table! {
    use crate::db::sql::*;
    messages_participants (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        conversation_id -> Uuid,
        user_id -> Uuid,
        joined_at -> Timestamptz,
        left_at -> Nullable<Timestamptz>,
        muted -> Bool,
        last_message_at -> Timestamptz,
        unread -> Integer,
        delivered_upto -> Nullable<Uuid>,
        read_upto -> Nullable<Uuid>,
    }
}

// `search` (PostgreSQL's tsvector) and `search_rowid` (SQLite's FTS5 row)
// are each one backend's; only raw search SQL reads them.
diesel::table! {
    use crate::db::sql::*;
    messages_messages (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        conversation_id -> Uuid,
        author_id -> Nullable<Uuid>,
        kind -> Text,
        priority -> Text,
        body -> Text,
        reply_to_id -> Nullable<Uuid>,
        thread_id -> Nullable<Uuid>,
        reply_count -> Integer,
        last_reply_at -> Nullable<Timestamptz>,
        mentions -> Jsonb,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    messages_edits (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        message_id -> Uuid,
        body -> Text,
        edited_by -> Nullable<Uuid>,
        edited_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;
    messages_attachments (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        message_id -> Uuid,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        is_image -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_fields (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        name -> Text,
        kind -> Text,
        options -> Text,
        required -> Bool,
        position -> Integer,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_field_values (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        task_id -> Uuid,
        field_id -> Uuid,
        value -> Text,
        number -> Nullable<Double>,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_views (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        project_id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        query -> Text,
        shared -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use crate::db::sql::*;

    projects_task_files (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        task_id -> Uuid,
        uploaded_by -> Nullable<Uuid>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        is_image -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    email_changes,
    users,
    tenants,
    memberships,
    invitations,
    teams,
    team_members,
    user_sessions,
    login_attempts,
    audit_events,
    jobs,
    instance_settings,
    slug_redirects,
    workspace_about,
    notifications,
    notification_preferences,
    workspace_links,
    plans,
    password_resets,
    naming_platforms,
    naming_fields,
    naming_dimensions,
    naming_dimension_values,
    naming_rules,
    naming_rule_details,
    naming_submissions,
    naming_strings,
    naming_string_details,
    naming_string_modifications,
    naming_string_inheritance_updates,
    naming_string_update_batches,
    naming_string_backups,
    naming_propagation_jobs,
    naming_propagation_errors,
    naming_propagation_settings,
    email_verifications,
    mail_outbox,
    throttle_events,
    projects_projects,
    projects_members,
    projects_sprints,
    projects_milestones,
    projects_tasks,
    projects_task_comments,
    projects_fields,
    projects_field_values,
    projects_views,
    projects_task_files,
    projects_task_activity,
    projects_time_entries,
    two_factor_secrets,
    two_factor_recovery_codes,
    two_factor_devices,
    projects_workflow_approvals,
    projects_workflow_executions,
    projects_workflow_steps,
    projects_workflow_versions,
    projects_workflows,
    messages_conversations,
    messages_participants,
    messages_messages,
    messages_edits,
    messages_attachments,
);

// Tenant tables have composite keys, so their joins spell out `.on(…)`;
// only joins into the global catalogue can be declared.
diesel::joinable!(naming_fields -> naming_platforms (platform_id));
diesel::joinable!(naming_rules -> naming_platforms (platform_id));
diesel::joinable!(naming_rule_details -> naming_fields (field_id));
diesel::joinable!(naming_strings -> naming_fields (field_id));
