-- PostgreSQL only (row-level security policies); nothing to do on SQLite.
SELECT 1;
