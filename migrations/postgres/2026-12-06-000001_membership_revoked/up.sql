-- Memberships are removed softly: removing a member or leaving sets
-- revoked_at instead of deleting the row, so history keeps who the person was
-- and re-inviting them reactivates the same row. Everything that grants access
-- or counts seats reads active rows only (revoked_at IS NULL).
ALTER TABLE memberships ADD COLUMN revoked_at timestamptz;
