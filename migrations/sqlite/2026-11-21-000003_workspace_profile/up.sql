-- Workspace profile: old addresses that redirect to a renamed workspace, and
-- the workspace's social links.
-- Same schema as the Postgres tree; no row-level security on SQLite.

-- Global, like `tenants`: a slug is resolved before any tenant is known.
CREATE TABLE slug_redirects (
    old_slug text PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    created_at TEXT NOT NULL
);
CREATE INDEX slug_redirects_tenant_idx ON slug_redirects (tenant_id);

CREATE TABLE workspace_links (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    platform text NOT NULL CHECK (platform IN ('twitter', 'facebook', 'linkedin', 'instagram', 'youtube')),
    url text NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, platform)
);
