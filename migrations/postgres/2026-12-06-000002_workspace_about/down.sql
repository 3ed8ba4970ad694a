DROP TABLE workspace_about;
