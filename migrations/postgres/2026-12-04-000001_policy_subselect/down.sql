-- The policies keep their sub-select form: it means exactly what the earlier
-- per-row form meant, only evaluated once per query, and a migration that put
-- the slow form back would undo the point of this one. Only the helper goes.
DROP FUNCTION atrium_tenant_rls(regclass);
