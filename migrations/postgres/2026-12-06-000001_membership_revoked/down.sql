ALTER TABLE memberships DROP COLUMN revoked_at;
