DROP TABLE projects_time_entries;
DROP TABLE projects_task_activity;
DROP TABLE projects_task_comments;
DROP TABLE projects_tasks;
DROP TABLE projects_milestones;
DROP TABLE projects_sprints;
DROP TABLE projects_members;
DROP TABLE projects_projects;
