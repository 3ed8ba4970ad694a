-- Changing one's email address: a link to the new address (when SMTP is
-- set); the address changes only when its owner confirms. Global, like
-- email_verifications: the token is stored hashed, expires, works once.
CREATE TABLE email_changes (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    new_email text NOT NULL CHECK (new_email = lower(new_email)),
    token_hash text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX email_changes_token_key ON email_changes (token_hash);
CREATE INDEX email_changes_user_idx ON email_changes (user_id);
