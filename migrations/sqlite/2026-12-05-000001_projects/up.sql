-- Projects module: projects and their members, tasks (subtasks up to three
-- levels) with comments and an activity trail, sprints that never overlap
-- in a project, milestones, and time entries. Counts the lists show are kept
-- on the project row (open_tasks, done_tasks, logged_minutes), moved in the
-- transaction that changes them.

CREATE TABLE projects_projects (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 2 AND 10),
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planning'
        CHECK (status IN ('planning', 'active', 'on_hold', 'completed', 'cancelled')),
    priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    manager_id TEXT NOT NULL REFERENCES users (id),
    client TEXT NOT NULL DEFAULT '' CHECK (length(client) <= 200),
    budget_cents BIGINT CHECK (budget_cents IS NULL OR budget_cents >= 0),
    estimated_hours INTEGER CHECK (estimated_hours IS NULL OR estimated_hours >= 0),
    start_date TEXT,
    due_date TEXT,
    completed_at TEXT,
    tags TEXT NOT NULL DEFAULT '',
    is_template BOOLEAN NOT NULL DEFAULT 0,
    template_id TEXT,
    wip_limits TEXT NOT NULL DEFAULT '{}',
    next_task_number BIGINT NOT NULL DEFAULT 1,
    open_tasks BIGINT NOT NULL DEFAULT 0,
    done_tasks BIGINT NOT NULL DEFAULT 0,
    logged_minutes BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    deleted_at TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, template_id) REFERENCES projects_projects (tenant_id, id),
    CHECK (start_date IS NULL OR due_date IS NULL OR start_date <= due_date)
);
CREATE UNIQUE INDEX projects_projects_live_name ON projects_projects (tenant_id, lower(name))
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX projects_projects_key ON projects_projects (tenant_id, key);
CREATE INDEX projects_projects_list_idx ON projects_projects (tenant_id, lower(name), id);

CREATE TABLE projects_members (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('lead', 'member', 'observer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, user_id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_members_user_idx ON projects_members (tenant_id, user_id);

CREATE TABLE projects_sprints (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    goal TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'active', 'completed', 'cancelled')),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, name),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE,
    CHECK (end_date > start_date)
    -- No overlap in a project: checked by the model under the write lock
    -- (SQLite has no exclusion constraints).
);
CREATE INDEX projects_sprints_project_idx ON projects_sprints (tenant_id, project_id, start_date);

CREATE TABLE projects_milestones (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'in_progress', 'completed', 'cancelled')),
    due_date TEXT,
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, title),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE projects_tasks (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    number BIGINT NOT NULL CHECK (number > 0),
    parent_id TEXT,
    depth INTEGER NOT NULL DEFAULT 1 CHECK (depth BETWEEN 1 AND 3),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'bug', 'feature', 'epic')),
    status TEXT NOT NULL DEFAULT 'backlog'
        CHECK (status IN ('backlog', 'todo', 'in_progress', 'in_review', 'done', 'cancelled')),
    priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assignee_id TEXT REFERENCES users (id),
    reporter_id TEXT REFERENCES users (id),
    sprint_id TEXT,
    milestone_id TEXT,
    story_points INTEGER CHECK (story_points IS NULL OR story_points > 0),
    due_date TEXT,
    started_at TEXT,
    completed_at TEXT,
    tags TEXT NOT NULL DEFAULT '',
    logged_minutes BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, number),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES projects_tasks (tenant_id, id),
    FOREIGN KEY (tenant_id, sprint_id) REFERENCES projects_sprints (tenant_id, id),
    FOREIGN KEY (tenant_id, milestone_id) REFERENCES projects_milestones (tenant_id, id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- The list (newest number first) and the board (by status) of a project.
CREATE INDEX projects_tasks_board_idx ON projects_tasks (tenant_id, project_id, status, number)
    WHERE deleted_at IS NULL;
CREATE INDEX projects_tasks_assignee_idx ON projects_tasks (tenant_id, assignee_id, id)
    WHERE deleted_at IS NULL AND assignee_id IS NOT NULL;
CREATE INDEX projects_tasks_parent_idx ON projects_tasks (tenant_id, parent_id)
    WHERE parent_id IS NOT NULL;
CREATE INDEX projects_tasks_sprint_idx ON projects_tasks (tenant_id, sprint_id)
    WHERE sprint_id IS NOT NULL;
CREATE INDEX projects_tasks_due_idx ON projects_tasks (tenant_id, project_id, due_date)
    WHERE due_date IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX projects_tasks_milestone_idx ON projects_tasks (tenant_id, milestone_id)
    WHERE milestone_id IS NOT NULL;

CREATE TABLE projects_task_comments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    author_id TEXT REFERENCES users (id),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_task_comments_task_idx ON projects_task_comments (tenant_id, task_id, id);

CREATE TABLE projects_task_activity (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    field TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_task_activity_task_idx ON projects_task_activity (tenant_id, task_id, id);

CREATE TABLE projects_time_entries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 0 AND 100000),
    note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE,
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK ((ended_at IS NULL) = (minutes IS NULL))
);
-- One running timer per person per workspace.
CREATE UNIQUE INDEX projects_time_entries_running ON projects_time_entries (tenant_id, user_id)
    WHERE ended_at IS NULL;
CREATE INDEX projects_time_entries_task_idx ON projects_time_entries (tenant_id, task_id, started_at);
