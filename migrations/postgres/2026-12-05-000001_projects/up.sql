-- Projects module: projects and their members, tasks (subtasks up to three
-- levels) with comments and an activity trail, sprints that never overlap
-- in a project, milestones, and time entries. Counts the lists show are kept
-- on the project row (open_tasks, done_tasks, logged_minutes), moved in the
-- transaction that changes them.

-- Sprints of a project may not overlap: an exclusion constraint over the
-- project and the date range needs equality on uuid in a GiST index.
-- btree_gist ships with PostgreSQL and is a trusted extension, so the
-- database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE projects_projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key text NOT NULL CHECK (length(key) BETWEEN 2 AND 10),
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'planning'
        CHECK (status IN ('planning', 'active', 'on_hold', 'completed', 'cancelled')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    manager_id uuid NOT NULL REFERENCES users (id),
    client text NOT NULL DEFAULT '' CHECK (length(client) <= 200),
    budget_cents bigint CHECK (budget_cents IS NULL OR budget_cents >= 0),
    estimated_hours integer CHECK (estimated_hours IS NULL OR estimated_hours >= 0),
    start_date date,
    due_date date,
    completed_at timestamptz,
    tags text NOT NULL DEFAULT '',
    is_template boolean NOT NULL DEFAULT false,
    template_id uuid,
    wip_limits jsonb NOT NULL DEFAULT '{}',
    next_task_number bigint NOT NULL DEFAULT 1,
    open_tasks bigint NOT NULL DEFAULT 0,
    done_tasks bigint NOT NULL DEFAULT 0,
    logged_minutes bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, template_id) REFERENCES projects_projects (tenant_id, id),
    CHECK (start_date IS NULL OR due_date IS NULL OR start_date <= due_date)
);
CREATE UNIQUE INDEX projects_projects_live_name ON projects_projects (tenant_id, lower(name))
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX projects_projects_key ON projects_projects (tenant_id, key);
CREATE INDEX projects_projects_list_idx ON projects_projects (tenant_id, lower(name), id);
SELECT atrium_tenant_rls('projects_projects');

CREATE TABLE projects_members (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('lead', 'member', 'observer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, user_id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_members_user_idx ON projects_members (tenant_id, user_id);
SELECT atrium_tenant_rls('projects_members');

CREATE TABLE projects_sprints (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    goal text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'active', 'completed', 'cancelled')),
    start_date date NOT NULL,
    end_date date NOT NULL,
    completed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, name),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE,
    CHECK (end_date > start_date),
    CONSTRAINT projects_sprints_no_overlap EXCLUDE USING gist (
        tenant_id WITH =, project_id WITH =, daterange(start_date, end_date, '[]') WITH &&
    ) WHERE (status <> 'cancelled')
);
CREATE INDEX projects_sprints_project_idx ON projects_sprints (tenant_id, project_id, start_date);
SELECT atrium_tenant_rls('projects_sprints');

CREATE TABLE projects_milestones (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'in_progress', 'completed', 'cancelled')),
    due_date date,
    completed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, project_id, title),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE CASCADE
);
SELECT atrium_tenant_rls('projects_milestones');

CREATE TABLE projects_tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    number bigint NOT NULL CHECK (number > 0),
    parent_id uuid,
    depth integer NOT NULL DEFAULT 1 CHECK (depth BETWEEN 1 AND 3),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description text NOT NULL DEFAULT '',
    kind text NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'bug', 'feature', 'epic')),
    status text NOT NULL DEFAULT 'backlog'
        CHECK (status IN ('backlog', 'todo', 'in_progress', 'in_review', 'done', 'cancelled')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assignee_id uuid REFERENCES users (id),
    reporter_id uuid REFERENCES users (id),
    sprint_id uuid,
    milestone_id uuid,
    story_points integer CHECK (story_points IS NULL OR story_points > 0),
    due_date date,
    started_at timestamptz,
    completed_at timestamptz,
    tags text NOT NULL DEFAULT '',
    logged_minutes bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
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
SELECT atrium_tenant_rls('projects_tasks');

CREATE TABLE projects_task_comments (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    task_id uuid NOT NULL,
    author_id uuid REFERENCES users (id),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_task_comments_task_idx ON projects_task_comments (tenant_id, task_id, id);
SELECT atrium_tenant_rls('projects_task_comments');

CREATE TABLE projects_task_activity (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    task_id uuid NOT NULL,
    actor_id uuid REFERENCES users (id),
    field text NOT NULL,
    old_value text NOT NULL DEFAULT '',
    new_value text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX projects_task_activity_task_idx ON projects_task_activity (tenant_id, task_id, id);
SELECT atrium_tenant_rls('projects_task_activity');

CREATE TABLE projects_time_entries (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    task_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    minutes integer CHECK (minutes IS NULL OR minutes BETWEEN 0 AND 100000),
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES projects_tasks (tenant_id, id) ON DELETE CASCADE,
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK ((ended_at IS NULL) = (minutes IS NULL))
);
-- One running timer per person per workspace.
CREATE UNIQUE INDEX projects_time_entries_running ON projects_time_entries (tenant_id, user_id)
    WHERE ended_at IS NULL;
CREATE INDEX projects_time_entries_task_idx ON projects_time_entries (tenant_id, task_id, started_at);
SELECT atrium_tenant_rls('projects_time_entries');
