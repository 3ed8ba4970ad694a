-- A workspace's profile fields from the seeds (description, type, industry,
-- company size, location, contact email and phone, website): one row per
-- workspace, written when an admin first saves them.
CREATE TABLE workspace_about (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    description text NOT NULL DEFAULT '',
    kind text NOT NULL DEFAULT '' CHECK (kind IN ('', 'company', 'nonprofit', 'education', 'government', 'agency', 'personal', 'other')),
    industry text NOT NULL DEFAULT '',
    company_size text NOT NULL DEFAULT '' CHECK (company_size IN ('', '1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+')),
    location text NOT NULL DEFAULT '',
    contact_email text NOT NULL DEFAULT '',
    contact_phone text NOT NULL DEFAULT '',
    website text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id)
);
SELECT atrium_tenant_rls('workspace_about');
