DROP TABLE notification_preferences;
DROP TABLE notifications;
ALTER TABLE memberships DROP COLUMN digest_due_at;
ALTER TABLE memberships DROP COLUMN unread_notifications;
