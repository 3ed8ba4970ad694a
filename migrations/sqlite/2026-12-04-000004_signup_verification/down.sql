DROP TABLE throttle_events;
DROP TABLE mail_outbox;
DROP TABLE email_verifications;
ALTER TABLE users DROP COLUMN pending_verification;
