-- Admin: the plan catalogue and one-time password reset links (both global).

CREATE TABLE plans (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    seat_limit integer NOT NULL CHECK (seat_limit > 0),
    storage_limit_mb integer NOT NULL CHECK (storage_limit_mb > 0),
    max_upload_mb integer NOT NULL CHECK (max_upload_mb > 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX plans_name_key ON plans (name);

INSERT INTO plans (id, name, seat_limit, storage_limit_mb, max_upload_mb, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000001', 'free', 10, 1024, 10, '2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z'),
    ('019a0000-0000-7000-8000-000000000002', 'team', 50, 20480, 50, '2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z'),
    ('019a0000-0000-7000-8000-000000000003', 'business', 500, 204800, 200, '2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z');

CREATE TABLE password_resets (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    token_hash text NOT NULL,
    created_by uuid REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX password_resets_token_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE INDEX tenants_created_idx ON tenants (created_at);
CREATE INDEX users_created_idx ON users (created_at);
CREATE INDEX audit_events_action_idx ON audit_events (action, created_at);
