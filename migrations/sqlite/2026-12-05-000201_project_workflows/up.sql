-- Projects workflows: definitions (a JSON state machine, versioned),
-- executions that keep the version they started on, the steps they took, and
-- approvals that expire.

CREATE TABLE projects_workflows (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'approval'
        CHECK (kind IN ('approval', 'automation', 'review', 'deployment', 'custom')),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    trigger_kind TEXT NOT NULL DEFAULT 'manual'
        CHECK (trigger_kind IN ('manual', 'scheduled', 'webhook', 'event')),
    approval_days INTEGER NOT NULL DEFAULT 7 CHECK (approval_days BETWEEN 1 AND 365),
    current_version INTEGER NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX projects_workflows_name ON projects_workflows (tenant_id, lower(name));
CREATE INDEX projects_workflows_list_idx ON projects_workflows (tenant_id, lower(name), id);

CREATE TABLE projects_workflow_versions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    definition TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, workflow_id, version),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES projects_workflows (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE projects_workflow_executions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    version_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    current_step TEXT NOT NULL,
    started_by TEXT REFERENCES users (id),
    task_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES projects_workflows (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, version_id) REFERENCES projects_workflow_versions (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id)
);
CREATE INDEX projects_workflow_executions_list_idx
    ON projects_workflow_executions (tenant_id, workflow_id, id);

CREATE TABLE projects_workflow_steps (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    step_key TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (length(outcome) BETWEEN 1 AND 50),
    actor_id TEXT REFERENCES users (id),
    comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, execution_id) REFERENCES projects_workflow_executions (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX projects_workflow_steps_execution_idx
    ON projects_workflow_steps (tenant_id, execution_id, id);

CREATE TABLE projects_workflow_approvals (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    step_key TEXT NOT NULL,
    approver_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    expires_at TEXT NOT NULL,
    decided_at TEXT,
    comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, execution_id) REFERENCES projects_workflow_executions (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX projects_workflow_approvals_execution_idx
    ON projects_workflow_approvals (tenant_id, execution_id, id);
CREATE INDEX projects_workflow_approvals_due_idx
    ON projects_workflow_approvals (tenant_id, status, expires_at);
