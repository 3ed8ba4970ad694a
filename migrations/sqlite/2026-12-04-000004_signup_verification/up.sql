-- Sign-up with email verification (when SMTP is set), a global mail outbox
-- for account emails (jobs belong to a workspace, accounts don't), and
-- throttle events for the endpoints beyond sign-in. All global tables.

ALTER TABLE users ADD COLUMN pending_verification BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE email_verifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash text NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX email_verifications_token_key ON email_verifications (token_hash);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    run_after TEXT NOT NULL,
    last_error text,
    sent_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (sent_at, run_after);

CREATE TABLE throttle_events (
    id TEXT PRIMARY KEY NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX throttle_events_key_idx ON throttle_events (scope, key, created_at);
CREATE INDEX throttle_events_created_idx ON throttle_events (created_at);
