DROP TABLE workspace_links;
DROP TABLE slug_redirects;
