-- The notification centre: one row per notice to one member of one
-- workspace. Unread notices are counted in the membership row (read by every
-- page's membership check anyway, so the top bar's badge costs no query);
-- `digest_due_at` says a digest email job is already waiting for them.
ALTER TABLE memberships ADD COLUMN unread_notifications integer NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN digest_due_at TEXT;

CREATE TABLE notifications (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind text NOT NULL,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    link text NOT NULL DEFAULT '',
    actor_id TEXT REFERENCES users (id),
    -- False for a notice the person wants by email only: kept for the
    -- email job, never listed in the centre.
    shown boolean NOT NULL DEFAULT 1,
    email text NOT NULL DEFAULT 'none' CHECK (email IN ('none', 'immediate', 'digest', 'sent', 'skipped')),
    created_at TEXT NOT NULL,
    read_at TEXT,
    PRIMARY KEY (tenant_id, id)
);
-- A person's list, newest first (keyset on time and id).
CREATE INDEX notifications_by_user ON notifications (tenant_id, user_id, created_at DESC, id DESC);
-- The unread filter and "mark all read".
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id, created_at DESC, id DESC)
    WHERE read_at IS NULL;
-- What the next digest email collects.
CREATE INDEX notifications_digest ON notifications (tenant_id, user_id, created_at)
    WHERE email = 'digest';

-- Per person and kind of notice: shown in the centre or not, and email off,
-- at once, or in an hourly digest. No row: the kind's default. A person's
-- choice holds in every workspace they belong to.
CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    in_app boolean NOT NULL,
    email text NOT NULL CHECK (email IN ('off', 'immediate', 'digest')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
