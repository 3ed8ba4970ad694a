-- Keyset pagination of the remaining unbounded lists (admin users and
-- workspaces, members, propagation jobs, batch updates): each sort walks
-- (sort key, id) in an index, so a page costs the same at any depth.
CREATE INDEX users_created_seek_idx ON users (created_at, id);
DROP INDEX users_created_idx;
CREATE INDEX users_name_seek_idx ON users (name, id);
CREATE INDEX users_last_login_seek_idx ON users (last_login_at, id);
CREATE INDEX tenants_created_seek_idx ON tenants (created_at, id);
DROP INDEX tenants_created_idx;
CREATE INDEX tenants_name_seek_idx ON tenants (name, id);
CREATE INDEX tenants_plan_seek_idx ON tenants (plan, id);
CREATE INDEX tenants_status_seek_idx ON tenants (status, id);
CREATE INDEX memberships_joined_seek_idx ON memberships (tenant_id, created_at, id);
CREATE INDEX memberships_role_seek_idx ON memberships (tenant_id, role, id);
CREATE INDEX naming_propagation_jobs_seek_idx ON naming_propagation_jobs (tenant_id, created_at, id);
CREATE INDEX naming_string_update_batches_seek_idx ON naming_string_update_batches (tenant_id, initiated_at, id);
