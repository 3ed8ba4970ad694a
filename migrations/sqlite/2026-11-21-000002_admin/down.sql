DROP INDEX audit_events_action_idx;
DROP INDEX users_created_idx;
DROP INDEX tenants_created_idx;
DROP TABLE password_resets;
DROP TABLE plans;
