-- One active sprint per project, kept by the database: two people starting
-- two sprints at the same moment both pass the application's check, and this
-- key decides (the second gets a message, not a second active sprint).
CREATE UNIQUE INDEX projects_sprints_one_active ON projects_sprints (tenant_id, project_id)
    WHERE status = 'active';
