-- Custom fields a project defines for its tasks, filterable on the list.
CREATE TABLE projects_fields (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    kind text NOT NULL CHECK (kind IN ('text', 'number', 'date', 'select', 'checkbox')),
    -- A select's choices, one per line.
    options text NOT NULL DEFAULT '' CHECK (length(options) <= 4000),
    required boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX projects_fields_name ON projects_fields (tenant_id, project_id, lower(name));
SELECT atrium_tenant_rls('projects_fields');

-- A task's value of a custom field: the text as shown and filtered on
-- (dates as YYYY-MM-DD, so they sort as text; a ticked box as "yes"), and
-- numbers also as a number for ranges. No row: no value.
CREATE TABLE projects_field_values (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    task_id uuid NOT NULL,
    field_id uuid NOT NULL,
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 1000),
    number double precision,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, field_id) REFERENCES projects_fields (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX projects_field_values_one ON projects_field_values (tenant_id, task_id, field_id);
CREATE INDEX projects_field_values_value ON projects_field_values (tenant_id, field_id, value);
CREATE INDEX projects_field_values_number ON projects_field_values (tenant_id, field_id, number);
SELECT atrium_tenant_rls('projects_field_values');

-- Saved views of a project's task list: a name and the list's query string,
-- for their author or, shared, for everyone in the project.
CREATE TABLE projects_views (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    query text NOT NULL CHECK (length(query) <= 2000),
    shared boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX projects_views_name ON projects_views (tenant_id, project_id, user_id, lower(name));
SELECT atrium_tenant_rls('projects_views');

-- Files attached to tasks; the bytes live in the data folder under
-- blobs/<workspace>/projects/<sha256>, written whole before the row.
CREATE TABLE projects_task_files (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    task_id uuid NOT NULL,
    uploaded_by uuid REFERENCES users (id),
    filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type text NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256 text NOT NULL CHECK (length(sha256) = 64),
    is_image boolean NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_task_files_task ON projects_task_files (tenant_id, task_id, id);
CREATE INDEX projects_task_files_blob ON projects_task_files (tenant_id, sha256);
SELECT atrium_tenant_rls('projects_task_files');

-- Triggers other than the Run button: an event (a task entering a status,
-- in one project or any), a schedule (every N hours from next_run_at), or a
-- webhook (a POST signed with hook_secret).
ALTER TABLE projects_workflows ADD COLUMN trigger_status text
    CHECK (trigger_status IN ('backlog', 'todo', 'in_progress', 'in_review', 'done', 'cancelled'));
ALTER TABLE projects_workflows ADD COLUMN trigger_project_id uuid;
ALTER TABLE projects_workflows ADD COLUMN every_hours integer CHECK (every_hours BETWEEN 1 AND 8760);
ALTER TABLE projects_workflows ADD COLUMN next_run_at timestamptz;
ALTER TABLE projects_workflows ADD COLUMN hook_secret text NOT NULL DEFAULT '';
CREATE INDEX projects_workflows_event ON projects_workflows (tenant_id, trigger_status)
    WHERE trigger_kind = 'event' AND status = 'active';
CREATE INDEX projects_executions_task ON projects_workflow_executions (tenant_id, task_id)
    WHERE task_id IS NOT NULL;
