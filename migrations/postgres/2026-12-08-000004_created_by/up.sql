-- Who made a workspace, a membership (the owner at creation, the inviter for
-- an invitation) and a team. Older rows keep NULL: not recorded then.
ALTER TABLE tenants ADD COLUMN created_by uuid REFERENCES users (id);
ALTER TABLE memberships ADD COLUMN created_by uuid REFERENCES users (id);
ALTER TABLE teams ADD COLUMN created_by uuid REFERENCES users (id);
