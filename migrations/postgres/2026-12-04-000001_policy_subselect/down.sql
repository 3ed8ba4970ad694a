-- Back to the per-row form of the earlier migrations.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'
               AND tablename <> 'audit_events'
    LOOP
        EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                   OR current_setting('app.bypass_tenant', true) = 'on')
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                   OR current_setting('app.bypass_tenant', true) = 'on')$p$, t);
    END LOOP;
END;
$$;
DROP FUNCTION atrium_tenant_rls(regclass);

DROP POLICY own_memberships ON memberships;
CREATE POLICY own_memberships ON memberships FOR SELECT
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);

DROP POLICY tenant_isolation ON audit_events;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           OR (tenant_id IS NULL AND COALESCE(current_setting('app.tenant_id', true), '') = '')
           OR current_setting('app.bypass_tenant', true) = 'on')
    WITH CHECK (tenant_id IS NULL
           OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           OR current_setting('app.bypass_tenant', true) = 'on');
