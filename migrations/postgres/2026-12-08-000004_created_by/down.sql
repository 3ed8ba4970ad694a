ALTER TABLE teams DROP COLUMN created_by;
ALTER TABLE memberships DROP COLUMN created_by;
ALTER TABLE tenants DROP COLUMN created_by;
