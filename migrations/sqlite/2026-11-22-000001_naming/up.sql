-- Naming conventions (the TUX model). Same schema as the Postgres tree; no
-- row-level security on SQLite.
-- Platforms and fields are the global
-- catalogue (Citus reference tables); everything else belongs to a workspace
-- and carries the three walls: tenant-led keys, composite foreign keys, and
-- forced row-level security.
--
-- TUX's `string_uuid` / `parent_uuid` are our `id` / `parent_id` (ids are
-- UUIDv7 everywhere), so they are not repeated as extra columns.

CREATE TABLE naming_platforms (
    id TEXT PRIMARY KEY,
    platform_type text NOT NULL CHECK (length(platform_type) BETWEEN 1 AND 100),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug text NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 50),
    icon_name text CHECK (length(icon_name) <= 100),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id)
);

CREATE TABLE naming_fields (
    id TEXT PRIMARY KEY,
    platform_id TEXT NOT NULL REFERENCES naming_platforms (id) ON DELETE CASCADE,
    next_field_id TEXT REFERENCES naming_fields (id) ON DELETE SET NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    field_level integer NOT NULL CHECK (field_level BETWEEN 1 AND 20),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    UNIQUE (platform_id, name, field_level),
    -- One field per level: the hierarchy is a chain, level 1 at the top.
    UNIQUE (platform_id, field_level),
    CHECK (next_field_id IS NULL OR next_field_id <> id)
);
CREATE INDEX naming_fields_next_idx ON naming_fields (next_field_id);

CREATE TABLE naming_dimensions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    parent_id TEXT,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug text NOT NULL CHECK (length(slug) BETWEEN 1 AND 50),
    description text NOT NULL DEFAULT '',
    kind text NOT NULL CHECK (kind IN ('LIST', 'TEXT')),
    status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES naming_dimensions (tenant_id, id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX naming_dimensions_parent_idx ON naming_dimensions (tenant_id, parent_id);

CREATE TABLE naming_dimension_values (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    parent_id TEXT,
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 100),
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    utm text NOT NULL DEFAULT '' CHECK (length(utm) <= 50),
    description text NOT NULL DEFAULT '',
    valid_from TEXT,
    valid_until TEXT,
    status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, dimension_id, value),
    FOREIGN KEY (tenant_id, dimension_id) REFERENCES naming_dimensions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES naming_dimension_values (tenant_id, id),
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX naming_dimension_values_parent_idx ON naming_dimension_values (tenant_id, parent_id);

CREATE TABLE naming_rules (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    platform_id TEXT NOT NULL REFERENCES naming_platforms (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug text NOT NULL CHECK (length(slug) BETWEEN 1 AND 50),
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    is_default BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, platform_id, name),
    UNIQUE (tenant_id, slug)
);
CREATE INDEX naming_rules_platform_status_idx ON naming_rules (tenant_id, platform_id, status);
-- One default rule per platform and workspace.
CREATE UNIQUE INDEX naming_rules_one_default_idx ON naming_rules (tenant_id, platform_id) WHERE is_default;

CREATE TABLE naming_rule_details (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    field_id TEXT NOT NULL REFERENCES naming_fields (id),
    dimension_id TEXT NOT NULL,
    prefix text NOT NULL DEFAULT '' CHECK (length(prefix) <= 20),
    suffix text NOT NULL DEFAULT '' CHECK (length(suffix) <= 20),
    delimiter text NOT NULL DEFAULT '-' CHECK (length(delimiter) <= 10),
    dimension_order integer NOT NULL CHECK (dimension_order >= 0),
    is_required BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    -- The seed's key, and the two stronger ones it implies in practice: a
    -- dimension appears once per field, and each position holds one part.
    UNIQUE (tenant_id, rule_id, field_id, dimension_id, dimension_order),
    UNIQUE (tenant_id, rule_id, field_id, dimension_id),
    UNIQUE (tenant_id, rule_id, field_id, dimension_order),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES naming_rules (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, dimension_id) REFERENCES naming_dimensions (tenant_id, id)
);
CREATE INDEX naming_rule_details_dimension_idx ON naming_rule_details (tenant_id, dimension_id);

CREATE TABLE naming_submissions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    selected_parent_string_id TEXT,
    starting_field_id TEXT NOT NULL REFERENCES naming_fields (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug text NOT NULL CHECK (length(slug) BETWEEN 1 AND 50),
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED')),
    review_comment text NOT NULL DEFAULT '',
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES naming_rules (tenant_id, id),
    FOREIGN KEY (tenant_id, selected_parent_string_id) REFERENCES naming_strings (tenant_id, id)
);
CREATE INDEX naming_submissions_rule_idx ON naming_submissions (tenant_id, rule_id);
CREATE INDEX naming_submissions_status_idx ON naming_submissions (tenant_id, status);

CREATE TABLE naming_strings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    parent_id TEXT,
    field_id TEXT NOT NULL REFERENCES naming_fields (id),
    submission_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 255),
    is_auto_generated BOOLEAN NOT NULL DEFAULT 0,
    generation_metadata TEXT NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, rule_id, field_id, value),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES naming_strings (tenant_id, id),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES naming_submissions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, rule_id) REFERENCES naming_rules (tenant_id, id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX naming_strings_parent_idx ON naming_strings (tenant_id, parent_id);
CREATE INDEX naming_strings_submission_idx ON naming_strings (tenant_id, submission_id);
CREATE INDEX naming_strings_created_idx ON naming_strings (tenant_id, created_at);

CREATE TABLE naming_string_details (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    string_id TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    dimension_value_id TEXT,
    dimension_value_freetext text CHECK (length(dimension_value_freetext) <= 255),
    -- Taken from the parent string's value of the same dimension (and so
    -- updated when the parent's value changes).
    is_inherited BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, string_id, dimension_id),
    FOREIGN KEY (tenant_id, string_id) REFERENCES naming_strings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, dimension_id) REFERENCES naming_dimensions (tenant_id, id),
    FOREIGN KEY (tenant_id, dimension_value_id) REFERENCES naming_dimension_values (tenant_id, id),
    -- Either a listed value or free text, never both, never neither.
    CHECK ((dimension_value_id IS NULL) <> (dimension_value_freetext IS NULL))
);
CREATE INDEX naming_string_details_value_idx ON naming_string_details (tenant_id, dimension_value_id);
CREATE INDEX naming_string_details_dimension_idx ON naming_string_details (tenant_id, dimension_id);

CREATE TABLE naming_string_modifications (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    string_id TEXT NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    field_updates TEXT NOT NULL,
    string_value text NOT NULL,
    original_values TEXT NOT NULL,
    modified_by TEXT NOT NULL REFERENCES users (id),
    modified_at TEXT NOT NULL,
    change_type text NOT NULL CHECK (change_type IN ('CREATE', 'UPDATE', 'ROLLBACK', 'PROPAGATION', 'BATCH', 'BATCH_ROLLBACK')),
    batch_id TEXT,
    parent_version_id TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, string_id, version),
    FOREIGN KEY (tenant_id, string_id) REFERENCES naming_strings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_version_id) REFERENCES naming_string_modifications (tenant_id, id)
);
CREATE INDEX naming_string_modifications_batch_idx ON naming_string_modifications (tenant_id, batch_id);
CREATE INDEX naming_string_modifications_parent_idx ON naming_string_modifications (tenant_id, parent_version_id);

CREATE TABLE naming_string_inheritance_updates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    parent_modification_id TEXT NOT NULL,
    child_string_id TEXT NOT NULL,
    inherited_fields TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, parent_modification_id, child_string_id),
    FOREIGN KEY (tenant_id, parent_modification_id) REFERENCES naming_string_modifications (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, child_string_id) REFERENCES naming_strings (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX naming_string_inheritance_updates_child_idx ON naming_string_inheritance_updates (tenant_id, child_string_id);

CREATE TABLE naming_string_update_batches (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    field_id TEXT NOT NULL REFERENCES naming_fields (id),
    initiated_by TEXT NOT NULL REFERENCES users (id),
    initiated_at TEXT NOT NULL,
    completed_at TEXT,
    status text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK')),
    total_strings integer NOT NULL CHECK (total_strings >= 0),
    processed_strings integer NOT NULL DEFAULT 0 CHECK (processed_strings >= 0),
    failed_strings integer NOT NULL DEFAULT 0 CHECK (failed_strings >= 0),
    backup_id TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES naming_rules (tenant_id, id)
);
CREATE INDEX naming_string_update_batches_rule_idx ON naming_string_update_batches (tenant_id, rule_id, field_id);

-- The backup a batch update takes before it changes anything: each affected
-- string's value, version and details as they were.
CREATE TABLE naming_string_backups (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    backup_id TEXT NOT NULL,
    string_id TEXT NOT NULL,
    value text NOT NULL,
    version integer NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, backup_id, string_id),
    FOREIGN KEY (tenant_id, string_id) REFERENCES naming_strings (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE naming_propagation_jobs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    triggered_by TEXT REFERENCES users (id),
    status text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'PARTIAL', 'FAILED')),
    started_at TEXT,
    completed_at TEXT,
    total_strings integer NOT NULL DEFAULT 0 CHECK (total_strings >= 0),
    processed_strings integer NOT NULL DEFAULT 0 CHECK (processed_strings >= 0),
    failed_strings integer NOT NULL DEFAULT 0 CHECK (failed_strings >= 0),
    max_depth integer NOT NULL DEFAULT 10 CHECK (max_depth BETWEEN 1 AND 100),
    processing_method text NOT NULL DEFAULT 'BACKGROUND' CHECK (processing_method IN ('INLINE', 'BACKGROUND')),
    metadata TEXT NOT NULL DEFAULT '{}',
    error_message text,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, batch_id)
);
CREATE INDEX naming_propagation_jobs_status_idx ON naming_propagation_jobs (tenant_id, status);

CREATE TABLE naming_propagation_errors (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    string_id TEXT,
    string_detail_id TEXT,
    error_type text NOT NULL CHECK (error_type IN ('COLLISION', 'INVALID_VALUE', 'MISSING_VALUE', 'DEPTH_LIMIT', 'INTERNAL')),
    error_message text NOT NULL,
    error_code text CHECK (length(error_code) <= 50),
    stack_trace text,
    context_data TEXT NOT NULL DEFAULT '{}',
    retry_count integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    is_retryable BOOLEAN NOT NULL DEFAULT 0,
    resolved BOOLEAN NOT NULL DEFAULT 0,
    resolved_at TEXT,
    resolved_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES naming_propagation_jobs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, string_id) REFERENCES naming_strings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, string_detail_id) REFERENCES naming_string_details (tenant_id, id) ON DELETE CASCADE,
    CHECK (resolved = (resolved_at IS NOT NULL))
);
CREATE INDEX naming_propagation_errors_job_idx ON naming_propagation_errors (tenant_id, job_id);
CREATE INDEX naming_propagation_errors_string_idx ON naming_propagation_errors (tenant_id, string_id);
CREATE INDEX naming_propagation_errors_detail_idx ON naming_propagation_errors (tenant_id, string_detail_id);

CREATE TABLE naming_propagation_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_id)
);

-- The starter catalogue: every instance starts with these platforms and their
-- field hierarchies (superadmins edit them under /admin/naming).
INSERT INTO naming_platforms (id, platform_type, name, slug, icon_name, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000001', 'Paid social', 'Meta Ads', 'meta-ads', 'meta', '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000002', 'Paid search', 'Google Ads', 'google-ads', 'google', '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000003', 'Analytics', 'GA4 / UTM', 'ga4-utm', 'link', '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000004', 'Paid social', 'LinkedIn Ads', 'linkedin-ads', 'linkedin', '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z');

INSERT INTO naming_fields (id, platform_id, next_field_id, name, field_level, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000103', '019a0000-0000-7000-8000-000000000001', NULL, 'Ad', 3, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000102', '019a0000-0000-7000-8000-000000000001', '019a0000-0000-7000-8000-000000000103', 'Ad set', 2, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000101', '019a0000-0000-7000-8000-000000000001', '019a0000-0000-7000-8000-000000000102', 'Campaign', 1, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000203', '019a0000-0000-7000-8000-000000000002', NULL, 'Ad', 3, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000202', '019a0000-0000-7000-8000-000000000002', '019a0000-0000-7000-8000-000000000203', 'Ad group', 2, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000201', '019a0000-0000-7000-8000-000000000002', '019a0000-0000-7000-8000-000000000202', 'Campaign', 1, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000301', '019a0000-0000-7000-8000-000000000003', NULL, 'Link', 1, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000403', '019a0000-0000-7000-8000-000000000004', NULL, 'Ad', 3, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000402', '019a0000-0000-7000-8000-000000000004', '019a0000-0000-7000-8000-000000000403', 'Campaign', 2, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
    ('019a0000-0000-7000-8000-000000000401', '019a0000-0000-7000-8000-000000000004', '019a0000-0000-7000-8000-000000000402', 'Campaign group', 1, '2026-11-22T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z');
