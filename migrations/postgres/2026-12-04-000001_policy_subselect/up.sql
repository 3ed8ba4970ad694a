-- Row wall at index speed: every policy reads the tenant settings in scalar
-- sub-selects, so PostgreSQL evaluates them once per query (an InitPlan)
-- instead of calling current_setting() for every row it scans. The per-row
-- form measured 4.3x slower than no RLS on a 20,000-row count.

-- One place for the policy text: a module's migration puts a new tenant table
-- behind the row wall with `SELECT atrium_tenant_rls('my_table');`.
CREATE OR REPLACE FUNCTION atrium_tenant_rls(t regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
        USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)
               OR (SELECT current_setting('app.bypass_tenant', true)) = 'on')
        WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)
               OR (SELECT current_setting('app.bypass_tenant', true)) = 'on')$p$, t);
END;
$fn$;

DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'
               AND tablename <> 'audit_events'
    LOOP
        PERFORM atrium_tenant_rls(t::regclass);
    END LOOP;
END;
$$;

DROP POLICY own_memberships ON memberships;
CREATE POLICY own_memberships ON memberships FOR SELECT
    USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

-- Audit: tenant events only inside their tenant; global events only outside any tenant.
DROP POLICY tenant_isolation ON audit_events;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)
           OR (tenant_id IS NULL AND (SELECT COALESCE(current_setting('app.tenant_id', true), '')) = '')
           OR (SELECT current_setting('app.bypass_tenant', true)) = 'on')
    WITH CHECK (tenant_id IS NULL
           OR tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)
           OR (SELECT current_setting('app.bypass_tenant', true)) = 'on');
