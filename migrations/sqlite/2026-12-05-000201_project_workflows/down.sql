DROP TABLE projects_workflow_approvals;
DROP TABLE projects_workflow_steps;
DROP TABLE projects_workflow_executions;
DROP TABLE projects_workflow_versions;
DROP TABLE projects_workflows;
