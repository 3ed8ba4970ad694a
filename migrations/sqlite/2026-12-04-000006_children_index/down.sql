DROP INDEX naming_strings_parent_idx;
CREATE INDEX naming_strings_parent_idx ON naming_strings (tenant_id, parent_id);
