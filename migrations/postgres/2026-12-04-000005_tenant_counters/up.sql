-- Counts kept in the database (db::counters), for lists whose size the
-- page shows but must not count on every view: one row per workspace and
-- counter, moved in the transaction that adds or removes the rows counted.
CREATE TABLE tenant_counters (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    value bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, name)
);

-- The naming strings that exist today (read past the row wall, once).
SET LOCAL app.bypass_tenant = 'on';
INSERT INTO tenant_counters (tenant_id, name, value)
    SELECT tenant_id, 'naming.strings', count(*) FROM naming_strings GROUP BY tenant_id;
SET LOCAL app.bypass_tenant = 'off';

SELECT atrium_tenant_rls('tenant_counters');
