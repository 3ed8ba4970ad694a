-- Projects workflows: definitions (a JSON state machine, versioned),
-- executions that keep the version they started on, the steps they took, and
-- approvals that expire.

CREATE TABLE projects_workflows (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    kind text NOT NULL DEFAULT 'approval'
        CHECK (kind IN ('approval', 'automation', 'review', 'deployment', 'custom')),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    trigger_kind text NOT NULL DEFAULT 'manual'
        CHECK (trigger_kind IN ('manual', 'scheduled', 'webhook', 'event')),
    approval_days integer NOT NULL DEFAULT 7 CHECK (approval_days BETWEEN 1 AND 365),
    current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX projects_workflows_name ON projects_workflows (tenant_id, lower(name));
CREATE INDEX projects_workflows_list_idx ON projects_workflows (tenant_id, lower(name), id);
SELECT atrium_tenant_rls('projects_workflows');

CREATE TABLE projects_workflow_versions (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    definition jsonb NOT NULL,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, workflow_id, version),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES projects_workflows (tenant_id, id) ON DELETE CASCADE
);
SELECT atrium_tenant_rls('projects_workflow_versions');

CREATE TABLE projects_workflow_executions (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    version_id uuid NOT NULL,
    version integer NOT NULL,
    status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    current_step text NOT NULL,
    started_by uuid REFERENCES users (id),
    task_id uuid,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES projects_workflows (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, version_id) REFERENCES projects_workflow_versions (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id)
);
CREATE INDEX projects_workflow_executions_list_idx
    ON projects_workflow_executions (tenant_id, workflow_id, id);
SELECT atrium_tenant_rls('projects_workflow_executions');

CREATE TABLE projects_workflow_steps (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    execution_id uuid NOT NULL,
    step_key text NOT NULL,
    outcome text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 50),
    actor_id uuid REFERENCES users (id),
    comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, execution_id) REFERENCES projects_workflow_executions (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX projects_workflow_steps_execution_idx
    ON projects_workflow_steps (tenant_id, execution_id, id);
SELECT atrium_tenant_rls('projects_workflow_steps');

CREATE TABLE projects_workflow_approvals (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    execution_id uuid NOT NULL,
    step_key text NOT NULL,
    approver_id uuid NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    expires_at timestamptz NOT NULL,
    decided_at timestamptz,
    comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, execution_id) REFERENCES projects_workflow_executions (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX projects_workflow_approvals_execution_idx
    ON projects_workflow_approvals (tenant_id, execution_id, id);
CREATE INDEX projects_workflow_approvals_due_idx
    ON projects_workflow_approvals (tenant_id, status, expires_at);
SELECT atrium_tenant_rls('projects_workflow_approvals');
