-- Two-factor sign-in (TOTP, RFC 6238) and re-authentication. All global,
-- per-user tables (a person's second factor is theirs in every workspace).

-- One row per user who has started or finished enrolment. `secret` is the
-- TOTP key sealed with AES-256-GCM under a key derived from the instance's
-- secret key (`accounts::two_factor::seal`), so a copy of the database alone
-- does not reveal it. `enabled_at` is NULL while enrolment waits for its first
-- code; `last_used_step` is the last 30-second step a code was accepted for,
-- so no code works twice.
CREATE TABLE two_factor_secrets (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    secret text NOT NULL,
    enabled_at TEXT,
    last_used_step BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One-time recovery codes, stored as SHA-256 of (user, code): shown once.
CREATE TABLE two_factor_recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash text NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX two_factor_recovery_codes_user_idx ON two_factor_recovery_codes (user_id);

-- Browsers remembered for 30 days: the cookie holds a random token, the row
-- its hash, so a change of second factor can revoke them all.
CREATE TABLE two_factor_devices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash text NOT NULL,
    user_agent text,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX two_factor_devices_token_key ON two_factor_devices (token_hash);
CREATE INDEX two_factor_devices_user_idx ON two_factor_devices (user_id);

-- When the session's user last typed their password (sign-in or the confirm
-- page): changing the password or the second factor asks again after 10
-- minutes. NULL (sessions from before this column): ask.
ALTER TABLE user_sessions ADD COLUMN password_confirmed_at TEXT;
