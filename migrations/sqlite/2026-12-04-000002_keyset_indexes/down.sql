CREATE INDEX audit_events_time_idx ON audit_events (created_at);
DROP INDEX audit_events_time_seek_idx;
CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, created_at);
DROP INDEX audit_events_tenant_seek_idx;
DROP INDEX naming_strings_roots_idx;
