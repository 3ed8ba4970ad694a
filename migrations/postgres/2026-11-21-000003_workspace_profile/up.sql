-- Workspace profile: old addresses that redirect to a renamed workspace, and
-- the workspace's social links.

-- Global, like `tenants`: a slug is resolved before any tenant is known, so
-- this table can't sit behind the row wall. The key makes an old address
-- belong to one workspace at a time.
CREATE TABLE slug_redirects (
    old_slug text PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX slug_redirects_tenant_idx ON slug_redirects (tenant_id);

CREATE TABLE workspace_links (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    platform text NOT NULL CHECK (platform IN ('twitter', 'facebook', 'linkedin', 'instagram', 'youtube')),
    url text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, platform)
);

-- Row wall (policy text as in the core migration).
ALTER TABLE workspace_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspace_links
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           OR current_setting('app.bypass_tenant', true) = 'on')
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           OR current_setting('app.bypass_tenant', true) = 'on');
