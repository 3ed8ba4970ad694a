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
    workspace_links (tenant_id, id) {
        tenant_id -> Uuid,
        id -> Uuid,
        platform -> Text,
        url -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(invitations -> tenants (tenant_id));
diesel::joinable!(slug_redirects -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
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
    workspace_links,
    plans,
    password_resets,
);
