-- Keyset pagination walks (sort key, id) in an index, so a page costs the
-- same at any depth and no page sorts the whole workspace.
CREATE INDEX naming_strings_roots_idx ON naming_strings (tenant_id, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX audit_events_tenant_seek_idx ON audit_events (tenant_id, created_at, id);
DROP INDEX audit_events_tenant_idx;
CREATE INDEX audit_events_time_seek_idx ON audit_events (created_at, id);
DROP INDEX audit_events_time_idx;
