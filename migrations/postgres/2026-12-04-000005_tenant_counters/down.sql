DROP TABLE tenant_counters;
